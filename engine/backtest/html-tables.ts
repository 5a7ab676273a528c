// The report's tables as HTML: the performance table (all / long / short), risk and return,
// exit reasons, monthly returns, skipped signals, the trades and the spec that produced them.
// Money shows at the quote coin's precision (2 decimals for USDT), prices at the tick size,
// quantities at the quantity step. Every text from the run is escaped.
import type { Decimal } from 'decimal.js';
import type { SideStats } from './breakdown.ts';
import type { BacktestResult } from './runner.ts';
import { moneyDecimals, quoteCoin } from '../spec/summary.ts';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmtT = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** How one result prints money, prices and quantities. */
export class Fmt {
  readonly quote: string;
  private readonly priceDp: number | undefined;
  private readonly qtyDp: number | undefined;

  constructor(r: Pick<BacktestResult, 'plan' | 'rules'>) {
    this.quote = quoteCoin(r.plan.market.symbol);
    this.priceDp = r.rules.tickSize.gt(0) ? r.rules.tickSize.decimalPlaces() : undefined;
    this.qtyDp = r.rules.qtyStep.gt(0) ? r.rules.qtyStep.decimalPlaces() : undefined;
  }

  /** Decimals for amounts of the quote coin. */
  private get moneyDp(): number {
    return moneyDecimals(this.quote);
  }

  /** 1,234.56 (sign only when negative). */
  amount(x: Decimal | number): string {
    const n = typeof x === 'number' ? x : x.toNumber();
    return n.toLocaleString('en-US', { minimumFractionDigits: this.moneyDp, maximumFractionDigits: this.moneyDp });
  }

  /** +1,234.56 USDT / −12.30 USDT. */
  money(x: Decimal | number | null, signed = true): string {
    if (x === null) return '–';
    const n = typeof x === 'number' ? x : x.toNumber();
    const s = this.amount(Math.abs(n));
    const zero = Number(s.replace(/,/g, '')) === 0;
    return `${zero ? '' : n < 0 ? '-' : signed ? '+' : ''}${s} ${this.quote}`;
  }

  price(x: Decimal | null): string {
    if (x === null) return '';
    return this.priceDp === undefined ? x.toFixed() : x.toFixed(this.priceDp);
  }

  qty(x: Decimal): string {
    return this.qtyDp === undefined ? x.toFixed() : x.toFixed(this.qtyDp);
  }
}

export const pct = (x: number | null, digits = 2, signed = false): string => (x === null || !Number.isFinite(x) ? '–' : `${signed && x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x).toFixed(digits)} %`);
const num = (x: number | null, digits = 2): string => (x === null ? '–' : x.toFixed(digits));
const cls = (x: number | Decimal | null): string => (x === null ? '' : (typeof x === 'number' ? x : x.toNumber()) > 0 ? 'pos' : (typeof x === 'number' ? x : x.toNumber()) < 0 ? 'neg' : '');

/** "3d 4h", "10h 15m", "45m". */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** The key figures as cards at the top of the page. */
export function headlineCards(r: BacktestResult, f: Fmt): string {
  const m = r.metrics;
  const ret = m.returnPercent.toNumber();
  const cards: [string, string, string][] = [
    ['Net P&L', f.money(m.netPnl), cls(m.netPnl)],
    ['Return', pct(ret, 2, true), cls(ret)],
    ['Buy and hold', r.buyAndHold ? pct(r.buyAndHold.percent, 2, true) : '–', r.buyAndHold ? cls(r.buyAndHold.percent) : ''],
    ['Max drawdown', pct(m.maxDrawdownPercent), m.maxDrawdownPercent > 0 ? 'neg' : ''],
    ['Trades', String(m.tradeCount), ''],
    ['Win rate', pct(m.winRatePercent, 1), ''],
    ['Profit factor', m.profitFactor ? m.profitFactor.toFixed(2) : '–', m.profitFactor ? (m.profitFactor.gt(1) ? 'pos' : 'neg') : ''],
    ['Sharpe', num(m.sharpe), cls(m.sharpe)],
  ];
  return `<div class="cards">${cards.map(([k, v, c]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v ${c}">${esc(v)}</div></div>`).join('')}</div>`;
}

/** Trades split all / long / short, in TradingView's order of rows. */
export function performanceTable(r: BacktestResult, f: Fmt): string {
  const b = r.metrics.breakdown;
  const sides: [string, SideStats][] = [['All trades', b.all], ['Long', b.long], ['Short', b.short]];
  const rows: [string, (s: SideStats) => string, (s: SideStats) => string][] = [
    ['Net P&L', (s) => f.money(s.netPnl), (s) => cls(s.netPnl)],
    ['Gross profit', (s) => f.money(s.grossProfit), () => ''],
    ['Gross loss', (s) => f.money(s.grossLoss), () => ''],
    ['Trades', (s) => String(s.count), () => ''],
    ['Winners / losers', (s) => `${s.wins} / ${s.losses}`, () => ''],
    ['Win rate', (s) => pct(s.count ? (s.wins / s.count) * 100 : null, 1), () => ''],
    ['Profit factor', (s) => (s.grossLoss.isZero() ? '–' : s.grossProfit.div(s.grossLoss.neg()).toFixed(2)), () => ''],
    ['Average trade', (s) => (s.count ? f.money(s.netPnl.div(s.count)) : '–'), (s) => (s.count ? cls(s.netPnl) : '')],
    ['Average win', (s) => (s.wins ? f.money(s.grossProfit.div(s.wins)) : '–'), () => ''],
    ['Average loss', (s) => (s.losses ? f.money(s.grossLoss.div(s.losses)) : '–'), () => ''],
    ['Largest win', (s) => f.money(s.largestWin), () => ''],
    ['Largest loss', (s) => f.money(s.largestLoss), () => ''],
    ['Average time in trade', (s) => duration(s.count ? s.totalDurationMs / s.count : null), () => ''],
    ['Longest trade', (s) => duration(s.count ? s.maxDurationMs : null), () => ''],
  ];
  const head = `<tr><th></th>${sides.map(([n]) => `<th>${n}</th>`).join('')}</tr>`;
  const body = rows.map(([k, v, c]) => `<tr><th>${esc(k)}</th>${sides.map(([, s]) => `<td class="${c(s)}">${esc(v(s))}</td>`).join('')}</tr>`).join('\n');
  return `<table class="metrics"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** Return, risk and costs: one figure per row. */
export function riskTable(r: BacktestResult, f: Fmt, funding: string): string {
  const m = r.metrics;
  const ex = m.breakdown.excursion;
  const dd = m.longestDrawdown;
  const rows: [string, string, string][] = [
    ['Return', `${pct(m.returnPercent.toNumber(), 2, true)} (${f.money(m.netPnl)}; ${f.amount(m.initialEquity)} → ${f.amount(m.finalEquity)} ${f.quote})`, cls(m.returnPercent)],
    ['Buy and hold, same candles', r.buyAndHold ? `${pct(r.buyAndHold.percent, 2, true)} (${r.buyAndHold.from} → ${r.buyAndHold.to}, no fees)` : '– (no candles)', r.buyAndHold ? cls(r.buyAndHold.percent) : ''],
    ['Max drawdown', `${pct(m.maxDrawdownPercent)} (${f.money(m.maxDrawdown, false)})`, ''],
    ['Longest drawdown', dd ? `${duration(dd.ms)} (${fmtT(dd.from)} → ${dd.to === null ? 'not recovered by the end' : fmtT(dd.to)})` : '– (never below a peak)', ''],
    ['Sharpe / Sortino', `${num(m.sharpe)} / ${num(m.sortino)} (daily returns, annualised)`, ''],
    ['Expectancy', m.expectancyR === null ? '–' : `${m.expectancyR >= 0 ? '+' : '-'}${Math.abs(m.expectancyR).toFixed(2)} R per trade`, cls(m.expectancyR)],
    ['Exposure', `${pct(m.exposurePercent, 1)} of candles in a position`, ''],
    ['Average MAE / MFE', ex.count ? `${pct(ex.averageMae)} / ${pct(ex.averageMfe)} of the entry price (worst MAE ${pct(ex.worstMae)}, best MFE ${pct(ex.bestMfe)})` : '– (needs the candles the trades were held through)', ''],
    ['Fees', f.money(m.fees, false), ''],
    ['Funding', funding, ''],
  ];
  return `<table class="metrics narrow"><tbody>\n${rows.map(([k, v, c]) => `<tr><th>${esc(k)}</th><td class="${c}">${esc(v)}</td></tr>`).join('\n')}\n</tbody></table>`;
}

export function exitReasonTable(r: BacktestResult, f: Fmt): string {
  const reasons = r.metrics.breakdown.exitReasons;
  if (reasons.length === 0) return '<p class="note">No closed trades.</p>';
  const total = r.metrics.breakdown.all.count;
  const rows = reasons.map((x) => `<tr><th>${esc(x.reason.replace(/_/g, ' '))}</th><td>${x.count}</td><td>${pct((x.count / total) * 100, 1)}</td><td>${pct((x.wins / x.count) * 100, 1)}</td><td class="${cls(x.netPnl)}">${esc(f.money(x.netPnl))}</td></tr>`);
  return `<table class="metrics narrow"><thead><tr><th>exit reason</th><th>trades</th><th>share</th><th>win rate</th><th>net P&amp;L</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Years down, months across, the year compounded at the end; cells shaded by size. */
export function monthlyGrid(r: BacktestResult): string {
  const monthly = r.metrics.monthly;
  if (monthly.length === 0) return '<p class="note">No full day of equity.</p>';
  const byYear = new Map<string, Map<number, number>>();
  for (const m of monthly) {
    const [y, mo] = m.month.split('-') as [string, string];
    if (!byYear.has(y)) byYear.set(y, new Map());
    byYear.get(y)!.set(Number(mo) - 1, m.returnPercent);
  }
  const scale = Math.max(1, ...monthly.map((m) => Math.abs(m.returnPercent)));
  const cell = (x: number | undefined): string => {
    if (x === undefined) return '<td class="empty"></td>';
    const a = Math.min(1, Math.abs(x) / scale) * 0.55 + 0.05;
    const bg = x >= 0 ? `rgba(26,127,55,${a.toFixed(2)})` : `rgba(198,40,40,${a.toFixed(2)})`;
    return `<td style="background:${bg}">${pct(x, 1, true)}</td>`;
  };
  const rows = [...byYear].map(([y, months]) => {
    let year = 1;
    for (const v of months.values()) year *= 1 + v / 100;
    return `<tr><th>${y}</th>${MONTHS.map((_, i) => cell(months.get(i))).join('')}${cell((year - 1) * 100)}</tr>`;
  });
  return `<table class="monthly"><thead><tr><th></th>${MONTHS.map((m) => `<th>${m}</th>`).join('')}<th>Year</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

export function skippedTable(r: BacktestResult, source: string): string {
  if (r.skipped.length === 0) return `<p class="note">No entry signal was skipped${source ? ` (${esc(source)})` : ''}.</p>`;
  const total = r.skipped.reduce((a, s) => a + s.count, 0);
  return `<p class="note">${total} entry signal${total === 1 ? ' was' : 's were'} not taken${source ? ` (${esc(source)})` : ''}; N stands for the figures that differ between them.</p>` +
    `<table class="metrics narrow"><thead><tr><th>why the signal was skipped</th><th>signals</th></tr></thead><tbody>\n` +
    r.skipped.map((s) => `<tr><th>${esc(s.reason)}</th><td>${s.count}</td></tr>`).join('\n') + '\n</tbody></table>';
}

const TABLE_ROWS = 5000;

export function tradesTable(r: BacktestResult, f: Fmt): string {
  const rows = r.trades.slice(0, TABLE_ROWS).map((t, i) => {
    const title = t.entryReason ? ` title="${esc(`entered on: ${t.entryReason}`)}"` : '';
    return `<tr class="${t.netPnl.isNegative() ? 'loss' : 'win'}"><td>${i + 1}</td><td${title}>${t.side}</td>` +
      `<td>${fmtT(t.entryTime)}</td><td>${f.price(t.entryPrice)}</td><td>${fmtT(t.exitTime)}</td><td>${f.price(t.exitPrice)}</td>` +
      `<td>${f.qty(t.qty)}</td><td>${f.price(t.stopLoss)}</td><td>${f.price(t.takeProfit)}</td><td>${esc(t.reason)}</td>` +
      `<td>${duration(t.exitTime - t.entryTime)}</td><td>${t.maePercent === null ? '' : t.maePercent.toFixed(2)}</td><td>${t.mfePercent === null ? '' : t.mfePercent.toFixed(2)}</td>` +
      `<td>${f.amount(t.fees)}</td><td>${f.amount(t.netPnl)}</td><td>${t.rMultiple?.toFixed(2) ?? ''}</td></tr>`;
  }).join('\n');
  const more = r.trades.length > TABLE_ROWS || r.omitted.trades > 0
    ? `<p class="note">Showing ${Math.min(TABLE_ROWS, r.trades.length)} of ${r.trades.length + r.omitted.trades} trades.</p>` : '';
  return `${more}<p class="note">Hover a side to see why the trade was entered. MAE / MFE: how far price went against / for the trade while it was open, in percent of the entry price. Money in ${esc(f.quote)}.</p>
<table class="trades"><thead><tr><th>#</th><th>side</th><th>entry time</th><th>entry</th><th>exit time</th><th>exit</th><th>qty</th><th>stop</th><th>target</th><th>exit reason</th><th>held</th><th>MAE %</th><th>MFE %</th><th>fees</th><th>net P&amp;L</th><th>R</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

/** What produced the report: the spec's plain-English summary and its exact text. */
export function specSection(spec: { file: string; text: string; summary: string; hash?: string } | undefined): string {
  if (!spec) return '<p class="note">The spec is not available.</p>';
  return `<p class="spec-summary">${esc(spec.summary)}</p>
<details open><summary>${esc(spec.file)}${spec.hash ? ` <span class="note">sha256 ${esc(spec.hash.slice(0, 12))}</span>` : ''}</summary><pre class="spec">${esc(spec.text)}</pre></details>`;
}
