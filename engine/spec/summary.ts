// One plain-English paragraph saying what a valid bot will do, so the trader can check that the
// spec says what they meant.
import { Decimal } from 'decimal.js';
import type { Distance, Plan, Span, TargetDistance } from '../plan/plan.ts';
import { describeSpan } from './span.ts';

const INTERVAL_WORDS: Record<string, string> = {
  '1': '1-minute', '3': '3-minute', '5': '5-minute', '15': '15-minute', '30': '30-minute', '60': '1-hour',
  '120': '2-hour', '240': '4-hour', '360': '6-hour', '720': '12-hour', D: 'daily', W: 'weekly', M: 'monthly',
};

export function quoteCoin(symbol: string): string {
  return /(USDT|USDC|USD|BTC|ETH|EUR)$/.exec(symbol)?.[1] ?? 'quote coin';
}

/** Decimals a trader reads amounts of the quote coin in: cents for dollar coins, satoshis for BTC/ETH. */
export function moneyDecimals(quote: string): number {
  return quote === 'BTC' || quote === 'ETH' ? 8 : 2;
}

function distanceText(d: Distance | TargetDistance): string {
  switch (d.kind) {
    case 'percent': return `${d.percent.toString()}%`;
    case 'atr': return `${d.multiple.toString()}×ATR(${d.length})`;
    case 'risk_reward': return `${d.multiple.toString()}R`;
  }
}

function spanText(s: Span): string {
  return describeSpan(s);
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function listOr(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * What the drawdown protection does, and how far equity may fall in total, in one sentence; null
 * when the plan has none. `startEquity` (backtests and paper) puts the hard floor in proportion.
 * With a cool-off each pause allows another max_drawdown_percent from wherever equity is then, so
 * n pauses allow 1 − (1 − f)ⁿ in total: the sentence says so in numbers.
 */
export function drawdownPolicyText(plan: Plan, startEquity?: Decimal): string | null {
  const p = plan.protections;
  const quote = quoteCoin(plan.market.symbol);
  const resume = `\`botctl resume ${plan.name}\``;
  const dd = p.maxDrawdownPercent;
  const floor = p.haltBelowEquity;
  const floorText = floor
    ? `below ${floor.toString()} ${quote}${startEquity && floor.lt(startEquity) ? ` (${new Decimal(1).sub(floor.div(startEquity)).mul(100).toDecimalPlaces(2).toString()}% below the starting ${startEquity.toString()})` : ''}`
    : '';
  if (!dd) return floor ? `Drawdown protection: entries stop once equity closes ${floorText}, until ${resume}.` : null;
  const first = `entries pause once equity is ${dd.toString()}% below its`;
  if (!p.drawdownCoolOff) {
    return `Drawdown protection: ${first} all-time peak${floor ? `, and stop once it closes ${floorText}` : ''}, until ${resume}.`;
  }
  const f = dd.div(100);
  const after = (n: number): string => new Decimal(1).sub(new Decimal(1).sub(f).pow(n)).mul(100).toDecimalPlaces(2).toString();
  const cool = `Drawdown protection: ${first} peak, for ${spanText(p.drawdownCoolOff)}; then the next ${dd.toString()}% is measured from the equity at that moment`;
  if (floor) return `${cool}. In total, entries stop once equity closes ${floorText}, until ${resume}.`;
  return `${cool}, so in total equity may keep falling: ${dd.toString()}% per pause, ${after(2)}% after two, ${after(3)}% after three, with no limit (set halt_below_equity to cap it).`;
}

/** `warmupBars` from the compiled rules or the constructed module, when known. */
export function summarize(plan: Plan, extra: { warmupBars?: number; modulePath?: string } = {}): string {
  const m = plan.market;
  const quote = quoteCoin(m.symbol);
  const kind = m.category === 'linear' ? 'perpetual' : 'spot';
  const mode = plan.run.mode === 'live' ? (m.network === 'mainnet' ? 'LIVE mode with real money' : `live mode on ${m.network}`) : 'paper mode';
  const s: string[] = [];
  s.push(`${plan.name} trades ${m.symbol} ${kind} (${m.category}, ${m.network}) on ${INTERVAL_WORDS[m.interval] ?? m.interval} candles, ${mode}.`);

  const st = plan.strategy;
  if (st.kind === 'rules') {
    const e = st.expressions;
    const sides: string[] = [];
    if (e.long_entry) sides.push(`It goes long when ${e.long_entry}${e.long_exit ? ` and exits when ${e.long_exit}` : ''}`);
    if (e.short_entry) sides.push(`${sides.length ? 'it' : 'It'} goes short when ${e.short_entry}${e.short_exit ? ` and exits when ${e.short_exit}` : ''}`);
    if (!plan.directions.short && m.category === 'linear') sides.push('it never goes short');
    if (!plan.directions.long) sides.push('it never goes long');
    s.push(`${sides.join('; ')}.`);
    const params = Object.entries(st.params);
    if (params.length) s.push(`Parameters: ${params.map(([k, val]) => `${k} = ${String(val)}`).join(', ')}.`);
  } else {
    const sides = plan.directions.long && plan.directions.short ? 'long and short' : plan.directions.long ? 'long only' : 'short only';
    const params = Object.entries(st.params);
    s.push(`Entries and exits come from the strategy module ${extra.modulePath ?? st.path} (${sides})${params.length ? `, with ${params.map(([k, val]) => `${k} = ${String(val)}`).join(', ')}` : ''}.`);
  }
  const gates: string[] = [];
  if (plan.entryGate.minStrength !== undefined) gates.push(`strength below ${plan.entryGate.minStrength}`);
  if (plan.entryGate.minConfidence !== undefined) gates.push(`confidence below ${plan.entryGate.minConfidence}`);
  if (gates.length) s.push(`Entry signals with ${list(gates)} are skipped.`);
  if (extra.warmupBars !== undefined) s.push(`Signals start after ${extra.warmupBars} bars of history.`);

  const o = plan.entryOrder;
  if (o.type === 'limit') {
    s.push(`Entries are limit orders ${o.offsetPercent.toString()}% better than the signal close, ${o.onTimeout === 'cancel' ? 'cancelled' : 're-priced'} if unfilled after ${spanText(o.timeout)}.`);
  } else s.push('Entries are market orders.');

  const r = plan.risk;
  const size = r.sizing.kind === 'quantity'
    ? `It buys or sells ${r.sizing.quantity.toString()} ${m.symbol.replace(new RegExp(`${quote}$`), '') || 'base coin'} per trade`
    : r.sizing.kind === 'quote'
      ? `It trades ${r.sizing.amount.toString()} ${quote} per entry`
      : `It risks ${r.sizing.percent.toString()}% of equity per trade`;
  const x = plan.exits;
  const protect: string[] = [];
  if (x.stopLoss) protect.push(`a stop ${distanceText(x.stopLoss)} away`);
  if (x.takeProfit) protect.push(`a take-profit at ${distanceText(x.takeProfit)}`);
  if (x.trailingStop) {
    const start = x.trailingStop.activation ? ` once ${distanceText(x.trailingStop.activation)} in profit` : x.stopLoss ? '' : ', which is also the initial stop,';
    protect.push(`a trailing stop ${distanceText(x.trailingStop.distance)} behind the best close${start}`);
  }
  const caps: string[] = [];
  if (r.maxPositionQty) caps.push(`${r.maxPositionQty.toString()} ${m.symbol.replace(new RegExp(`${quote}$`), '')}`);
  if (r.maxPositionQuote) caps.push(`${r.maxPositionQuote.toString()} ${quote}`);
  let riskLine = `${size}${protect.length ? ` with ${list(protect)}` : ', with no stop-loss'}`;
  if (m.category === 'linear') riskLine += `, at ${r.leverage.toString()}× leverage`;
  if (caps.length) riskLine += `, never holding more than ${list(caps)}`;
  s.push(`${riskLine}.`);
  if (x.stopLoss || x.takeProfit) s.push(x.placement === 'exchange' ? 'Stops sit on the exchange.' : 'botctl watches its stops itself on closed candles.');

  const c = plan.cooldown;
  const waits: string[] = [];
  if (c.afterEntry) waits.push(`${spanText(c.afterEntry)} after an entry`);
  if (c.afterExit) waits.push(`${spanText(c.afterExit)} after an exit`);
  if (c.afterLoss) waits.push(`${spanText(c.afterLoss)} after a losing trade`);
  if (waits.length) s.push(`It waits ${list(waits)} before entering again.`);
  if (c.volatility) s.push(`Cooldowns stretch up to ${c.volatility.maxMultiplier.toString()}× when ATR(${c.volatility.atrLength}) runs above ATR(${c.volatility.baselineLength}).`);
  if (c.activity) s.push(`Each entry beyond ${c.activity.freeTrades} in ${spanText(c.activity.window)} adds ${spanText(c.activity.extra)}.`);

  const p = plan.protections;
  const stops: string[] = [];
  if (p.maxDailyLossPercent) stops.push(`a ${p.maxDailyLossPercent.toString()}% daily loss`);
  if (p.maxTradesPerDay !== undefined) stops.push(`${p.maxTradesPerDay} trades in a day`);
  if (stops.length) s.push(`Entries pause until the next UTC day after ${listOr(stops)}.`);
  const drawdown = drawdownPolicyText(plan, plan.simulation.initialEquity);
  if (drawdown) s.push(drawdown);

  s.push(`On shutdown it ${plan.run.onShutdown === 'keep_position' ? 'keeps its position' : 'closes its position'}.`);
  const sim = plan.simulation;
  s.push(`Backtests and paper trading start with ${sim.initialEquity.toString()} ${quote}, ${sim.takerFeePercent.toString()}% taker / ${sim.makerFeePercent.toString()}% maker fees and ${sim.slippagePercent.toString()}% slippage.`);
  return s.join(' ');
}
