// Bybit's request limits as the fake keeps them (bybit-exchange/docs docs/v5/rate-limit/rate-limit.mdx):
// - per UID and endpoint, a rolling one-second window (order/create 10/s, position/list 50/s, ...);
//   every private answer carries X-Bapi-Limit (the limit), X-Bapi-Limit-Status (requests left) and
//   X-Bapi-Limit-Reset-Timestamp ("now", or when the window frees up once exceeded); a request over
//   the limit gets HTTP 200 with retCode 10006 "Too many visits!";
// - per IP, 600 requests in 5 s; beyond that every request gets HTTP 403 "access too frequent" and
//   Bybit lifts the ban after 10 minutes.

/** Per-second limits of the endpoints a bot uses (UTA, linear). */
export const ENDPOINT_LIMITS: Readonly<Record<string, number>> = {
  '/v5/order/create': 10,
  '/v5/order/amend': 10,
  '/v5/order/cancel': 10,
  '/v5/order/cancel-all': 10,
  '/v5/order/realtime': 50,
  '/v5/order/history': 50,
  '/v5/execution/list': 50,
  '/v5/position/list': 50,
  '/v5/position/trading-stop': 10,
  '/v5/position/set-leverage': 10,
  '/v5/position/switch-mode': 10,
  '/v5/account/wallet-balance': 50,
  '/v5/account/info': 50,
};

export interface LimitVerdict {
  limit: number;
  remaining: number;
  resetAt: number;
  exceeded: boolean;
}

export class RateLimits {
  /** Refuse requests over the per-endpoint limit (10006). Counting and headers happen either way. */
  enforce = true;
  /** Per-endpoint overrides of ENDPOINT_LIMITS (tests lower them to stage a limit). */
  readonly limits = new Map<string, number>();
  /** The IP limit: more than `max` requests within `windowMs` bans the IP for `banMs` (HTTP 403). */
  readonly ip = { max: 600, windowMs: 5000, banMs: 600_000 };
  bannedUntil = 0;
  private readonly hits = new Map<string, number[]>();
  private readonly ipHits: number[] = [];

  limitOf(path: string): number | undefined {
    return this.limits.get(path) ?? ENDPOINT_LIMITS[path];
  }

  /** Every REST request, before anything else: true when the IP is banned (answer 403). */
  ipBanned(now: number): boolean {
    if (now < this.bannedUntil) return true;
    const w = this.ipHits;
    w.push(now);
    while (w.length > 0 && (w[0] as number) <= now - this.ip.windowMs) w.shift();
    if (w.length > this.ip.max) {
      this.bannedUntil = now + this.ip.banMs;
      w.length = 0;
      return true;
    }
    return false;
  }

  /** One request to `path` at `now`: counted unless refused; undefined for endpoints without a limit. */
  take(path: string, now: number): LimitVerdict | undefined {
    const limit = this.limitOf(path);
    if (limit === undefined) return undefined;
    let w = this.hits.get(path);
    if (!w) this.hits.set(path, (w = []));
    while (w.length > 0 && (w[0] as number) <= now - 1000) w.shift();
    if (this.enforce && w.length >= limit) {
      return { limit, remaining: 0, resetAt: (w[0] as number) + 1000, exceeded: true };
    }
    w.push(now);
    return { limit, remaining: Math.max(0, limit - w.length), resetAt: now, exceeded: false };
  }

  /** The headers Bybit sends with an answer. */
  static headers(v: LimitVerdict | undefined): Record<string, string> {
    if (!v) return {};
    return { 'x-bapi-limit': String(v.limit), 'x-bapi-limit-status': String(v.remaining), 'x-bapi-limit-reset-timestamp': String(v.resetAt) };
  }
}
