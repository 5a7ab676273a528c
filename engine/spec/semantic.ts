// Checks the schema cannot express: combinations of settings that would make the bot do
// something other than what the trader expects. Each error points at the setting to change.
import { Decimal } from 'decimal.js';
import type { Diagnostic } from './diagnostic.ts';
import type { Path } from './source.ts';
import { schemaAt } from './schema.ts';
import { suggest } from './suggest.ts';
import type { SpecValues } from './values.ts';
import { DEFAULT_INITIAL_EQUITY, defaultFees } from './defaults.ts';
import { spanIsZero } from './span.ts';

export function semanticDiagnostics(v: SpecValues): Diagnostic[] {
  const src = v.src;
  const out: Diagnostic[] = [];
  const category = v.str(['market', 'category']);
  const spot = category === 'spot';
  // A trailing stop without activation is the position's stop from the entry on (RULES.md). A
  // stop-loss written wrongly (`stop_loss: 2%`, `stoploss:`) is reported where it is; what would
  // follow from it missing is not said again.
  const hasStop = meant(v, ['risk', 'stop_loss']) || trailingIsStop(v);

  // --- sides
  if (spot && v.has(['strategy', 'short'])) {
    out.push(src.at(['strategy', 'short'], 'spot cannot go short: a spot bot can only buy the coin and sell it again', {
      prefer: 'key', hint: 'remove the `short` block, or trade the perpetual with `market.category: linear`',
    }));
  }
  const direction = v.str(['strategy', 'direction']);
  if (spot && (direction === 'short' || direction === 'both')) {
    out.push(src.at(['strategy', 'direction'], `spot cannot go short, so \`direction: ${direction}\` is not possible`, {
      hint: 'use `direction: long` (the default on spot), or trade the perpetual with `market.category: linear`',
    }));
  }

  // --- leverage
  const leverage = v.decimal(['risk', 'leverage']);
  if (spot && leverage && !leverage.eq(1)) {
    out.push(src.at(['risk', 'leverage'], 'leverage applies only to linear perpetuals; spot trades without leverage', {
      hint: 'remove `leverage` (or set it to 1), or use `market.category: linear`',
    }));
  }

  // --- stops that need a stop-loss
  if (!hasStop) {
    if (v.has(['risk', 'risk_percent'])) {
      out.push(src.at(['risk', 'risk_percent'], 'risk_percent sizing needs a stop-loss: the size is computed from the distance to the stop', {
        prefer: 'key', hint: 'add `stop_loss:` under `risk` (e.g. `stop_loss: { percent: 2 }`), or size with `quantity` or `quote`',
      }));
    }
    if (v.has(['risk', 'trailing_stop', 'activation'])) {
      out.push(src.at(['risk', 'trailing_stop', 'activation'], 'a trailing stop with an `activation` needs a stop-loss: until it activates, nothing would protect the position', {
        prefer: 'key', hint: 'add `stop_loss:` under `risk` (e.g. `stop_loss: { percent: 2 }`), or remove `activation` so the trailing stop protects the position from the entry on',
      }));
    }
    if (v.has(['risk', 'take_profit', 'risk_reward'])) {
      out.push(src.at(['risk', 'take_profit', 'risk_reward'], 'a risk_reward take-profit is a multiple of the stop distance, so it needs a stop-loss', {
        prefer: 'key', hint: 'add `stop_loss:` under `risk`, or give the take-profit as `percent` or `atr`',
      }));
    }
  }

  // --- take-profit that cannot pay its fees
  const tpPercent = v.decimal(['risk', 'take_profit', 'percent']);
  if (tpPercent && (category === 'linear' || category === 'spot')) {
    const taker = v.decimal(['simulation', 'fees', 'taker_percent']) ?? defaultFees(category).taker;
    const roundTrip = taker.times(2);
    if (tpPercent.lte(roundTrip)) {
      out.push(src.at(['risk', 'take_profit', 'percent'],
        `a take-profit of ${tpPercent.toString()}% does not cover the round-trip taker fees (2 × ${taker.toString()}% = ${roundTrip.toString()}%), so every winning trade would lose money`,
        { hint: `set take_profit.percent above ${roundTrip.toString()}` }));
    }
  }

  // --- the same for a take-profit at a multiple of a percent stop
  const rr = v.decimal(['risk', 'take_profit', 'risk_reward']);
  const stopPct = v.decimal(['risk', 'stop_loss', 'percent']);
  if (rr && stopPct && (category === 'linear' || category === 'spot')) {
    const taker = v.decimal(['simulation', 'fees', 'taker_percent']) ?? defaultFees(category).taker;
    const roundTrip = taker.times(2);
    const target = stopPct.times(rr);
    if (target.lte(roundTrip)) {
      out.push(src.at(['risk', 'take_profit', 'risk_reward'],
        `a take-profit at ${rr.toString()}R of a ${stopPct.toString()}% stop is ${target.toString()}% away, which does not cover the round-trip taker fees (${roundTrip.toString()}%)`,
        { hint: 'raise risk_reward or widen the stop' }));
    }
  }

  // --- a stop beyond the liquidation price never triggers
  const stopPercent = v.decimal(['risk', 'stop_loss', 'percent']);
  if (!spot && stopPercent && leverage && leverage.gt(1)) {
    const liquidation = new Decimal(100).div(leverage);
    if (stopPercent.gte(liquidation)) {
      out.push(src.at(['risk', 'stop_loss', 'percent'],
        `a stop-loss ${stopPercent.toString()}% away is beyond the liquidation price at ${leverage.toString()}× leverage (about ${liquidation.toDecimalPlaces(2).toString()}% away)`,
        { hint: 'tighten the stop or lower `risk.leverage`' }));
    }
  }

  // --- position caps
  const qty = v.decimal(['risk', 'quantity']);
  const maxQty = v.decimal(['risk', 'max_position', 'quantity']);
  if (qty && maxQty && maxQty.lt(qty)) {
    out.push(src.at(['risk', 'max_position', 'quantity'], `max_position.quantity (${maxQty.toString()}) is smaller than the fixed entry quantity (${qty.toString()}), so no entry could be placed`, {
      hint: `raise max_position.quantity to at least ${qty.toString()} or lower risk.quantity`,
    }));
  }
  const quote = v.decimal(['risk', 'quote']);
  const maxQuote = v.decimal(['risk', 'max_position', 'quote']);
  if (quote && maxQuote && maxQuote.lt(quote)) {
    out.push(src.at(['risk', 'max_position', 'quote'], `max_position.quote (${maxQuote.toString()}) is smaller than the fixed entry value (${quote.toString()}), so no entry could be placed`, {
      hint: `raise max_position.quote to at least ${quote.toString()} or lower risk.quote`,
    }));
  }

  // --- zero spans that make no sense
  const timeout = v.span(['entry_order', 'timeout']);
  if (timeout && spanIsZero(timeout)) {
    out.push(src.at(['entry_order', 'timeout'], 'a limit-order timeout of 0 would cancel the order before it could fill', { hint: 'use at least `1 bar`, or `type: market`' }));
  }
  const window = v.span(['cooldown', 'activity', 'window']);
  if (window && spanIsZero(window)) {
    out.push(src.at(['cooldown', 'activity', 'window'], 'an activity window of 0 never counts any entries', { hint: 'use a window such as `1d`' }));
  }

  // --- volatility stretch
  const short = v.int(['cooldown', 'volatility', 'atr_length']);
  const long = v.int(['cooldown', 'volatility', 'baseline_length']);
  if (short !== undefined && long !== undefined && short >= long) {
    out.push(src.at(['cooldown', 'volatility', 'baseline_length'], `baseline_length (${long}) must be longer than atr_length (${short}): the baseline is the normal volatility the recent one is compared with`));
  }

  // --- rules-only settings
  const rules = v.has(['strategy', 'long']) || v.has(['strategy', 'short']);
  if (rules) {
    for (const [name, val] of Object.entries(v.obj(['strategy', 'params']) ?? {})) {
      if (typeof val !== 'string') continue;
      const quoted = src.scalarStyle(['strategy', 'params', name]) !== 'PLAIN';
      const percent = /^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%\s*$/.exec(val);
      if (percent) {
        const n = percent[1]!;
        out.push(src.at(['strategy', 'params', name], `rule parameter \`${name}\` must be a plain number, not \`${val}\`: write \`${name}: ${new Decimal(n).div(100).toString()}\` (${n} % as a multiplier) or \`${name}: ${n}\``, {
          hint: quoted ? 'without the quotes: quoted, YAML reads it as text' : 'numbers in rules carry no `%`',
        }));
        continue;
      }
      out.push(src.at(['strategy', 'params', name], `rule parameter \`${name}\` must be a number or true/false, not the text \`${val}\``, {
        hint: quoted ? 'text parameters are only for strategy modules; if it is a number, remove the quotes' : 'text parameters are only for strategy modules',
      }));
    }
    for (const [gate, expr] of [['min_strength', 'strength'], ['min_confidence', 'confidence']] as const) {
      if (v.has(['strategy', gate]) && !v.has(['strategy', expr])) {
        out.push(src.at(['strategy', gate], `\`${gate}\` needs a \`${expr}\` expression to compare with`, {
          prefer: 'key', hint: `add \`${expr}: "<number expression>"\` under \`strategy\`, or remove \`${gate}\``,
        }));
      }
    }
  }
  return out;
}

/** Things that are allowed but usually a mistake. */
export function semanticWarnings(v: SpecValues): Diagnostic[] {
  const out: Diagnostic[] = [];
  const afterExit = v.span(['cooldown', 'after_exit']);
  const afterLoss = v.span(['cooldown', 'after_loss']);
  if (afterExit && afterLoss && afterExit.unit === afterLoss.unit) {
    const n = (s: typeof afterExit): number => (s.unit === 'bars' ? s.bars : s.ms);
    if (n(afterLoss) <= n(afterExit)) {
      out.push(v.src.at(['cooldown', 'after_loss'], 'after_loss is not longer than after_exit, so it never changes anything', {
        severity: 'warning', hint: 'after_loss replaces after_exit after a losing trade only when it is longer',
      }));
    }
  }
  const category = v.str(['market', 'category']);
  const known = category === 'linear' || category === 'spot';
  const stopPct = v.decimal(['risk', 'stop_loss', 'percent']);
  if (known && stopPct) {
    const roundTrip = (v.decimal(['simulation', 'fees', 'taker_percent']) ?? defaultFees(category).taker).times(2);
    if (stopPct.lte(roundTrip)) {
      out.push(v.src.at(['risk', 'stop_loss', 'percent'], `a ${stopPct.toString()}% stop is inside the round-trip taker fees (${roundTrip.toString()}%): fees alone cost more than the planned loss`, {
        severity: 'warning', hint: 'widen the stop, or use an ATR stop',
      }));
    }
  }
  const quote = v.decimal(['risk', 'quote']);
  if (known && quote) {
    const equity = v.decimal(['simulation', 'initial_equity']) ?? DEFAULT_INITIAL_EQUITY;
    const leverage = category === 'linear' ? v.decimal(['risk', 'leverage']) ?? new Decimal(1) : new Decimal(1);
    if (quote.gt(equity.times(leverage))) {
      out.push(v.src.at(['risk', 'quote'], `each entry of ${quote.toString()} is more than the simulated equity of ${equity.toString()}${leverage.gt(1) ? ` × ${leverage.toString()} leverage` : ''} can hold, so backtests and paper trading cannot place entries of that size`, {
        severity: 'warning', hint: 'lower risk.quote or raise simulation.initial_equity',
      }));
    }
  }
  if (v.obj(['risk']) && !meant(v, ['risk', 'stop_loss']) && !trailingIsStop(v)) {
    out.push(v.src.at(['risk'], 'no stop_loss: a losing position is closed only by an exit rule', {
      prefer: 'key', severity: 'warning', hint: 'add `stop_loss:` under `risk`, e.g. `stop_loss: { percent: 2 }`',
    }));
  }
  return out;
}

/** A trailing stop without `activation` starts at its distance from the entry: it is the stop-loss. */
function trailingIsStop(v: SpecValues): boolean {
  return v.obj(['risk', 'trailing_stop']) !== undefined && !v.has(['risk', 'trailing_stop', 'activation']);
}

/**
 * The setting at `path` is there, possibly written wrongly: any value, or a misspelt key that
 * validate already suggests it for (`stoploss` → `stop_loss`).
 */
function meant(v: SpecValues, path: Path): boolean {
  if (v.has(path)) return true;
  const key = String(path[path.length - 1]);
  const allowed = Object.keys(schemaAt(path.slice(0, -1))?.properties ?? {});
  return Object.keys(v.obj(path.slice(0, -1)) ?? {}).some((k) => !allowed.includes(k) && suggest(k, allowed).includes(key));
}
