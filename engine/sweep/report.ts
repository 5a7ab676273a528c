// What a sweep prints and writes: the terminal report (top N table, walk-forward, warnings in a
// trader's words) and the --json file. Both come from the results file through the Summarizer;
// the JSON is a pure function of the description and the results (no times, no worker count, one
// combination per line), so the same sweep gives the same bytes however it was run: with any
// number of workers, resumed, or as shards merged back together.
import { createWriteStream } from 'node:fs';
import type { ComboResult } from './evaluate.ts';
import { OBJECTIVE_WORDS } from './objective.ts';
import type { SweepDescription } from './run.ts';
import { annualPercent, judge, StabilityScan, Summarizer, type Stability, type Summary, type SweepHeader, type TopEntry } from './summary.ts';
import { UserError } from '../cli/exit.ts';

export function headerOf(d: SweepDescription, folds: SweepHeader['walkForward']): SweepHeader {
  return {
    objective: d.objective.name,
    constraints: { minTrades: d.constraints.minTrades, ...(d.constraints.maxDrawdownPercent !== null ? { maxDrawdownPercent: d.constraints.maxDrawdownPercent } : {}) },
    parameters: d.parameters.map((p) => ({ name: p.name, values: p.values })),
    walkForward: folds,
    top: d.top,
  };
}

export interface Report {
  summary: Summary;
  stability: Stability | null;
  warnings: string[];
}

/** Two passes over the results: the ranking, then the stability around the best. */
export async function summarize(h: SweepHeader, results: () => AsyncIterable<ComboResult>): Promise<Report> {
  const s = new Summarizer(h);
  for await (const r of results()) s.add(r);
  const summary = s.finish();
  let stability: Stability | null = null;
  const best = summary.top[0];
  if (best) {
    const scan = new StabilityScan(h, s, best);
    for await (const r of results()) scan.add(r);
    stability = scan.finish();
  }
  return { summary, stability, warnings: warningsOf(h, summary, stability) };
}

// ---------------------------------------------------------------- trader's words

function pct(x: number | null, digits = 1): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)} %`;
}

function num(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

function warningsOf(h: SweepHeader, s: Summary, st: Stability | null): string[] {
  const out: string[] = [];
  const wf = s.walkForward;
  if (wf?.stitched && wf.inSample) {
    const inYear = annualPercent(wf.inSample);
    const outYear = annualPercent(wf.stitched);
    if (inYear !== null && outYear !== null && inYear > 0) {
      if (outYear <= 0) {
        out.push(`overfitting: the settings that looked best on past data made ${pct(inYear)} a year there, but ${pct(outYear)} a year on the data that came after, which they had not seen. What they learned did not carry over; do not trade them on the strength of the in-sample figures.`);
      } else if (outYear < inYear / 2) {
        out.push(`likely overfitting: the best settings made ${pct(inYear)} a year on the data they were picked on, but only ${pct(outYear)} a year on the data after it (${Math.round((outYear / inYear) * 100)} % of it). Expect live results nearer the out-of-sample figure; fewer parameters or more data make the choice sturdier.`);
      }
    }
    const winners = wf.folds.map((f) => f.winner?.values.join(' ') ?? '');
    if (new Set(winners).size === winners.length && winners.length >= 3) {
      out.push(`unstable: every fold picked different settings (${wf.folds.map((f) => `fold ${f.fold}: ${f.winner ? settings(h, f.winner.values) : 'none'}`).join('; ')}); the best settings depend on the period, so no single choice is clearly right.`);
    }
  }
  const best = s.top[0];
  if (best && st && st.worstNeighbour !== null && best.score > 0) {
    const drop = (best.score - st.worstNeighbour) / Math.abs(best.score);
    if (drop > 0.5) {
      out.push(`lone peak: the best ${shortObjective(h)} is ${num(best.score)}, but one step away along a parameter it falls to ${num(st.worstNeighbour)}; a result that vanishes when a setting moves a little is usually luck. Prefer a setting whose neighbours do nearly as well (see the stability view in --html).`);
    }
  }
  if (s.ranked === 0 && s.ok > 0) {
    const most = s.mostTrades;
    const tooFew = h.constraints.minTrades > 0 && (most?.trades ?? 0) < h.constraints.minTrades;
    out.push(tooFew
      ? `no combination made at least ${h.constraints.minTrades} trades (the most was ${most?.trades ?? 0}); figures from so few trades are luck. Use more data or a shorter interval, widen the parameters, or lower --min-trades.`
      : `no combination could be ranked by ${OBJECTIVE_WORDS[h.objective]}: ${s.rejected.reasons.map((r) => `${r.count} × ${r.reason}`).join('; ')}.`);
  }
  return out;
}

/** "fast 12, slow 40, multiple 1.5": values with the last part of their parameter's name. */
export function settings(h: SweepHeader, values: readonly string[]): string {
  return values.map((v, i) => `${h.parameters[i]!.name.split('.').pop()} ${v}`).join(', ');
}

function shortObjective(h: SweepHeader): string {
  return { net: 'net profit %', sharpe: 'Sharpe', sortino: 'Sortino', calmar: 'Calmar', profit_factor: 'profit factor', expectancy: 'expectancy' }[h.objective];
}

// ---------------------------------------------------------------- terminal

export function terminalReport(d: SweepDescription, h: SweepHeader, r: Report): string {
  const s = r.summary;
  const lines: string[] = [];
  const names = d.parameters.map((p) => p.name);
  lines.push(`${d.bot.name}: ${s.combinations.toLocaleString('en')} combinations of ${names.join(' × ')} on ${d.data.candles.toLocaleString('en')} candles, ${(d.data.first ?? '').slice(0, 16).replace('T', ' ')} → ${(d.data.last ?? '').slice(0, 16).replace('T', ' ')} UTC${d.shard ? ` (shard ${d.shard.index}/${d.shard.count})` : ''}`);
  if (s.skipped.count > 0) {
    lines.push(`  skipped ${s.skipped.count} that do not validate${s.skipped.reasons.length ? `, e.g. ${s.skipped.reasons[0]!.reason}` : ''}`);
  }
  if (s.failed.count > 0) {
    lines.push(`  failed ${s.failed.count}:`);
    for (const f of s.failed.list.slice(0, 3)) lines.push(`    #${f.n} (${settings(h, f.values)}): ${f.reason.replace(/\n\s*/g, '\n      ')}`);
  }
  const scope = h.walkForward ? 'out of sample' : 'over the whole data';
  lines.push(`  ranked by ${OBJECTIVE_WORDS[h.objective]} ${scope}: ${s.ranked} ranked${s.rejected.count ? `, ${s.rejected.count} not ranked (${s.rejected.reasons.slice(0, 3).map((x) => `${x.count} × ${x.reason}`).join(', ')})` : ''}`);
  if (s.top.length > 0) lines.push('', table(d, h, s.top));
  if (s.walkForward) lines.push('', ...walkForwardLines(d, h, s));
  for (const w of r.warnings) lines.push('', wrap(`warning: ${w}`, 100, '  '));
  return `${lines.join('\n')}\n`;
}

function table(d: SweepDescription, h: SweepHeader, top: readonly TopEntry[]): string {
  const params = d.parameters.map((p) => p.name.split('.').slice(-2).join('.'));
  const wf = h.walkForward !== null;
  const head = ['#', ...params, 'trades', 'net %', 'max DD %', 'Sharpe', ...(wf ? [`IS ${shortObjective(h)}`, `OOS ${shortObjective(h)}`, 'OOS net %'] : h.objective === 'sharpe' || h.objective === 'net' ? [] : [shortObjective(h)])];
  const rows = top.map((e) => [
    String(e.rank), ...e.values, String(e.stats.trades), num(e.stats.returnPercent, 1), num(e.stats.maxDrawdownPercent, 1), num(e.stats.sharpe),
    ...(wf ? [num(e.inSampleScore), num(e.score), num(e.outOfSample?.returnPercent, 1)] : h.objective === 'sharpe' || h.objective === 'net' ? [] : [num(e.score)]),
  ]);
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => `  ${r.map((c, i) => (i === 0 ? c.padStart(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

function walkForwardLines(d: SweepDescription, h: SweepHeader, s: Summary): string[] {
  const wf = s.walkForward!;
  const day = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : 'end');
  const out = [`walk-forward, ${d.walkForward!.folds} folds (${d.walkForward!.mode}): each fold picks its best in sample, then trades it on the next window`];
  for (const f of wf.folds) {
    const w = f.winner;
    out.push(`  fold ${f.fold}: in sample ${day(f.inSample.from)} → ${day(f.inSample.to)}, out of sample → ${day(f.outOfSample.to)}: ${w
      ? `${settings(h, w.values)}: ${shortObjective(h)} ${num(w.inSampleScore)} in, ${num(w.outOfSampleScore)} out; net ${pct(w.inSample.returnPercent)} in, ${pct(w.outOfSample?.returnPercent ?? null)} out`
      : 'no combination qualified in sample'}`);
  }
  if (wf.stitched) {
    const st = wf.stitched;
    out.push(`  stitched out of sample: net ${pct(st.returnPercent)} (${pct(annualPercent(st))} a year), max drawdown ${num(st.maxDrawdownPercent, 1)} %, Sharpe ${num(st.sharpe)}, ${st.trades} trades`);
  }
  if (wf.inSample) out.push(`  in sample (winners, averaged): ${pct(wf.inSample.returnPercent)} a year, max drawdown ${num(wf.inSample.maxDrawdownPercent, 1)} %, Sharpe ${num(wf.inSample.sharpe)}`);
  return out;
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

// ---------------------------------------------------------------- JSON

const FORMAT = 'botctl-sweep/1';

/** The entry of one combination in --json. */
function entryOf(r: ComboResult, h: SweepHeader, names: readonly string[]): Record<string, unknown> {
  const params: Record<string, string> = {};
  names.forEach((name, i) => { params[name] = r.values[i]!; });
  const e: Record<string, unknown> = { n: r.n, params, status: r.status };
  if (r.reason !== undefined) e.reason = r.reason;
  const j = judge(r, h);
  if (j) {
    e.score = j.score;
    e.rejected = j.rejected;
    if (j.inSampleScore !== undefined) e.inSampleScore = j.inSampleScore;
  }
  if (r.figures) e.figures = r.figures;
  if (r.stats) e.stats = r.stats;
  if (r.folds) e.folds = r.folds;
  return e;
}

function summaryJson(d: SweepDescription, r: Report): Record<string, unknown> {
  const s = r.summary;
  const names = d.parameters.map((p) => p.name);
  const params = (values: readonly string[]): Record<string, string> => Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  const top = (e: TopEntry): Record<string, unknown> => ({
    rank: e.rank, n: e.n, params: params(e.values), score: e.score, stats: e.stats,
    ...(e.outOfSample ? { inSampleScore: e.inSampleScore ?? null, outOfSample: e.outOfSample } : {}),
  });
  return {
    combinations: s.combinations,
    ok: s.ok,
    skipped: s.skipped,
    failed: s.failed,
    ranked: s.ranked,
    rejected: s.rejected,
    best: s.top[0] ? { n: s.top[0].n, params: params(s.top[0].values), score: s.top[0].score } : null,
    top: s.top.map(top),
    stability: r.stability ? { best: r.stability.best, worstNeighbour: r.stability.worstNeighbour, axes: r.stability.axes.map((a) => ({ param: names[a.param], scores: a.scores })) } : null,
    walkForward: s.walkForward ? {
      folds: s.walkForward.folds.map((f) => ({ fold: f.fold, winner: f.winner ? { n: f.winner.n, params: params(f.winner.values), inSampleScore: f.winner.inSampleScore, outOfSampleScore: f.winner.outOfSampleScore, inSample: f.winner.inSample, outOfSample: f.winner.outOfSample } : null })),
      stitched: s.walkForward.stitched,
      inSample: s.walkForward.inSample,
    } : null,
    warnings: r.warnings,
  };
}

/** Writes --json: the description, the summary, then every combination on a line of its own. */
export async function writeSweepJson(file: string, d: SweepDescription, h: SweepHeader, r: Report, results: AsyncIterable<ComboResult>): Promise<void> {
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.on('error', (e) => reject(new UserError(`cannot write ${file}: ${e.message}`))));
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await Promise.race([new Promise<void>((res) => out.once('drain', () => res())), failed]);
  };
  const head = { format: FORMAT, ...d, summary: summaryJson(d, r) };
  const text = JSON.stringify(head, null, 1);
  await write(`${text.slice(0, -2)},\n "combinations": [`);
  const names = d.parameters.map((p) => p.name);
  let first = true;
  for await (const c of results) {
    await write(`${first ? '\n' : ',\n'}  ${JSON.stringify(entryOf(c, h, names))}`);
    first = false;
  }
  await write(`${first ? '' : '\n '}]\n}\n`);
  await Promise.race([new Promise<void>((res) => out.end(() => res())), failed]);
}
