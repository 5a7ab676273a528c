// Adapter options from the plan and the environment, so `botctl run` and its end-to-end tests
// build the venue the same way. Keys come only from the environment. The URL overrides exist for
// tests against the loopback fake and accept nothing but loopback addresses, so a stray variable
// can never send real keys to another host.
import { UserError } from '../../cli/exit.ts';
import type { Logger } from '../../log/index.ts';
import type { Plan } from '../../plan/plan.ts';
import type { BybitVenueOptions } from './adapter.ts';

export const ENV_KEY = 'BYBIT_API_KEY';
export const ENV_SECRET = 'BYBIT_API_SECRET';
/** Test only: REST base of a loopback fake, e.g. http://127.0.0.1:40123 */
export const ENV_REST_URL = 'BOTCTL_BYBIT_REST_URL';
/** Test only: WebSocket base of a loopback fake, e.g. ws://127.0.0.1:40123 */
export const ENV_WS_URL = 'BOTCTL_BYBIT_WS_URL';
/** Test only: '1' shrinks HTTP timeouts, retry delays and heartbeat timers to milliseconds. */
export const ENV_FAST_TIMERS = 'BOTCTL_BYBIT_FAST_TIMERS';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function bybitVenueOptions(plan: Plan, env: NodeJS.ProcessEnv, logger?: Logger): BybitVenueOptions {
  const key = env[ENV_KEY]?.trim() || undefined;
  const secret = env[ENV_SECRET]?.trim() || undefined;
  if (Boolean(key) !== Boolean(secret)) {
    throw new UserError(`${key ? ENV_SECRET : ENV_KEY} is not set: botctl needs both ${ENV_KEY} and ${ENV_SECRET} (or neither, for market data only).`);
  }
  const opts: BybitVenueOptions = {
    network: plan.market.network,
    category: plan.market.category,
    symbol: plan.market.symbol,
    interval: plan.market.interval,
  };
  if (key && secret) {
    opts.key = key;
    opts.secret = secret;
  }
  if (plan.market.category === 'linear') opts.leverage = plan.risk.leverage;
  // Orders over the WS Trade API (REST stays the fallback); demo has none, the adapter uses REST there.
  opts.orderEntry = 'websocket';
  if (logger) opts.logger = logger;
  const { restUrl, wsUrl } = loopbackOverrides(env);
  if (restUrl) opts.restBaseUrl = restUrl;
  if (wsUrl) opts.wsBaseUrl = wsUrl;
  if (env[ENV_FAST_TIMERS] === '1') {
    opts.httpTimeoutMs = 500;
    opts.retry = { attempts: 4, baseDelayMs: 20, rateLimitDelayMs: 50, maxDelayMs: 300 };
    opts.ws = { pingIntervalMs: 300, pongTimeoutMs: 200, reconnectDelayMs: 100, maxReconnectDelayMs: 1000, readyTimeoutMs: 3000, historyRetryMs: 50 };
  }
  return opts;
}

/**
 * The test-only URL overrides, checked where they enter: both must be loopback servers, so a stray
 * variable can never send keys and signatures to another host. Called before anything starts.
 */
export function loopbackOverrides(env: NodeJS.ProcessEnv): { restUrl?: string; wsUrl?: string } {
  const rest = env[ENV_REST_URL];
  const ws = env[ENV_WS_URL];
  return {
    ...(rest !== undefined && rest !== '' ? { restUrl: loopbackUrl(ENV_REST_URL, rest, ['http:']) } : {}),
    ...(ws !== undefined && ws !== '' ? { wsUrl: loopbackUrl(ENV_WS_URL, ws, ['ws:']) } : {}),
  };
}

/**
 * `value` parsed as a WHATWG URL (the parser Node's HTTP and WebSocket clients use) and rebuilt
 * from its scheme, host and port only: anything that could make another parser see a different
 * host (user info, a path, a query, a fragment) is refused, not passed along.
 */
export function loopbackUrl(name: string, value: string, protocols: string[]): string {
  const example = `${protocols[0]}//127.0.0.1:PORT`;
  const refuse = (why: string) =>
    new UserError(`${name}=${JSON.stringify(value)} ${why}; it is a test setting that may only point at a local test server (${example}). Unset it to trade on Bybit.`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw refuse('is not a URL');
  }
  if (!protocols.includes(url.protocol)) throw refuse(`must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  if (url.username !== '' || url.password !== '') throw refuse('must not contain a user name or password (`user@`)');
  if (!LOOPBACK_HOSTS.has(url.hostname)) throw refuse(`names the host ${url.hostname || '(none)'}, which is not this machine (only 127.0.0.1, localhost and [::1] are allowed)`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw refuse('must be just a scheme, host and port (no path, query or fragment)');
  return `${url.protocol}//${url.host}`;
}
