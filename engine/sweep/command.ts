// The two things `botctl sweep` does for the command line: run a sweep and report it (terminal,
// --json, --html, --write-spec), and join shards' --json files into the result of one run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { CliIo } from '../cli/main.ts';
import { ExitCode, UserError } from '../cli/exit.ts';
import { checkOutputPath, writeFailure } from '../cli/output-path.ts';
import { checkSpecText } from '../spec/load.ts';
import { formatDiagnostics } from '../spec/diagnostic.ts';
import type { ComboResult } from './evaluate.ts';
import { headerOf, summarize, terminalReport, writeSweepJson, type Report } from './report.ts';
import { readResults } from './results.ts';
import { prepareSweep, runCombinations, type Prepared, type SweepDescription, type SweepOptions } from './run.ts';
import type { SweepHeader } from './summary.ts';
import { SpecVariants } from './variant.ts';
import { renderSweepHtml } from './html.ts';

export interface SweepOutputs {
  json?: string | undefined;
  html?: string | undefined;
  writeSpec?: string | undefined;
}

export async function runSweep(o: SweepOptions, out: SweepOutputs, io: CliIo): Promise<number> {
  for (const [flag, file] of [['--json', out.json], ['--html', out.html], ['--write-spec', out.writeSpec]] as const) {
    if (file !== undefined) checkOutputPath(flag, file, [['spec', o.spec], ...o.data.map((d) => ['candle file', d] as const), ['instrument file', o.instrumentFile], ['results file', o.results]]);
  }
  const p = await prepareSweep(o);
  for (const t of p.dataTexts) io.err(`${t}\n`);
  const total = p.space.shardSize;
  io.err(`${p.plan.name}: ${total.toLocaleString('en')} combinations${p.description.shard ? ` (shard ${p.description.shard.index}/${p.description.shard.count} of ${p.space.size.toLocaleString('en')})` : ''} on ${p.description.data.candles.toLocaleString('en')} candles; results go to ${p.resultsFile} as they finish\n`);
  const run = await runCombinations(p, o, io.err);
  if (!run.complete) {
    io.err(`interrupted: ${run.done.toLocaleString('en')} of ${run.total.toLocaleString('en')} combinations done and kept in ${p.resultsFile}; run the same command with --resume to carry on\n`);
    return 130;
  }
  const header = headerOf(p.description, p.folds ? { folds: p.folds, mode: o.walkForward!.mode } : null);
  const report = await summarize(header, () => readResults(p.resultsFile));
  io.out(terminalReport(p.description, header, report));
  if (run.ran > 0) {
    const perSecond = run.seconds > 0 ? run.ran / run.seconds : 0;
    io.out(`\n  ${run.ran.toLocaleString('en')} combinations in ${run.seconds.toFixed(1)} s on ${run.workers} worker${run.workers === 1 ? '' : 's'}: ${perSecond.toFixed(perSecond < 10 ? 1 : 0)} combinations/s, ${((perSecond * p.description.data.candles) / 1e6).toFixed(2)} M candle-combinations/s\n`);
  }
  await writeOutputs(p, header, report, out, io);
  return ExitCode.Ok;
}

async function writeOutputs(p: Prepared, header: SweepHeader, report: Report, out: SweepOutputs, io: CliIo): Promise<void> {
  if (out.json) {
    await writeSweepJson(out.json, p.description, header, report, readResults(p.resultsFile));
    io.out(`wrote ${out.json}\n`);
  }
  if (out.html) {
    await writeText(out.html, await renderSweepHtml(p, header, report));
    io.out(`wrote ${out.html}\n`);
  }
  if (out.writeSpec) {
    const best = report.summary.top[0];
    if (!best) throw new UserError(`--write-spec: no combination was ranked, so there is no best to write (${report.warnings[0] ?? 'see above'})`);
    const variants = new SpecVariants(p.init.specFile, p.init.specText, p.init.specHash);
    const digits = best.values.map((v, i) => p.params[i]!.values.findIndex((x) => x.text === v));
    const values = SpecVariants.pick(p.params, digits);
    const text = variants.specText(p.params, values, out.writeSpec);
    // Checked as the file it becomes before it is written, so a spec that would not validate is never left behind.
    const check = await checkSpecText(out.writeSpec, text, createHash('sha256').update(text).digest('hex'));
    if (!check.ok) throw new UserError(`--write-spec: the best combination written as ${out.writeSpec} would not validate, so it was not written (a bug in botctl sweep; please report it):\n${formatDiagnostics(check.diagnostics, check.file).trimEnd()}`);
    await writeText(out.writeSpec, text);
    io.out(`wrote ${out.writeSpec} with ${p.params.map((q, i) => `${q.name} = ${values[i]!.text}`).join(', ')} (rank 1); it validates\n`);
  }
}

async function writeText(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${writeFailure(e)}`);
  }
}

// ---------------------------------------------------------------- merge

interface ShardFile {
  file: string;
  head: SweepDescription & { format: string; summary: unknown };
  lines: AsyncIterator<string>;
}

/** Reads the description of a --json file and hands its combination lines out one by one. */
async function openShard(file: string): Promise<ShardFile> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  const head: string[] = [];
  for (;;) {
    const r = await it.next().catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message}`);
    });
    if (r.done) throw new UserError(`${file} is not a botctl sweep --json file (no combinations list)`);
    if (r.value === ' "combinations": [') break;
    head.push(r.value);
  }
  let parsed: ShardFile['head'];
  try {
    parsed = JSON.parse(`${head.join('\n').replace(/,\s*$/, '')}\n}`) as ShardFile['head'];
  } catch {
    throw new UserError(`${file} is not a botctl sweep --json file`);
  }
  if (parsed.format !== 'botctl-sweep/1') throw new UserError(`${file} is not a botctl sweep --json file (format ${String(parsed.format)})`);
  return { file, head: parsed, lines: it };
}

export async function mergeSweeps(files: readonly string[], outFile: string, io: CliIo): Promise<number> {
  const shards = await Promise.all(files.map(openShard));
  const first = shards[0]!;
  const count = first.head.shard?.count ?? 0;
  const same = (s: ShardFile): string => JSON.stringify({ ...s.head, shard: null, summary: null });
  for (const s of shards) {
    if (!s.head.shard) throw new UserError(`${s.file} is a whole sweep, not a shard (it was run without --shard)`);
    if (s.head.shard.count !== count) throw new UserError(`${s.file} is shard ${s.head.shard.index}/${s.head.shard.count}, but ${first.file} is one of ${count}; give the shards of one sweep`);
    if (same(s) !== same(first)) throw new UserError(`${s.file} and ${first.file} are shards of different sweeps (spec, data, parameters or options differ)`);
  }
  const indices = new Set(shards.map((s) => s.head.shard!.index));
  if (indices.size !== shards.length) throw new UserError('the same shard is given twice');
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !indices.has(i));
  if (missing.length) throw new UserError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing; give all ${count} --json files`);

  const { format: _format, summary: _summary, ...rest } = first.head;
  const description: SweepDescription = { ...rest, shard: null };
  const header = headerOf(description, foldsOf(description));
  // Each pass (two for the summary, one for the file) reads the shards again: memory stays flat.
  const results = (): AsyncGenerator<ComboResult> => mergedResults(files, description);
  const report = await summarize(header, results);
  io.out(terminalReport(description, header, report));
  await writeSweepJson(outFile, description, header, report, results());
  io.out(`wrote ${outFile} (${shards.length} shards, ${description.search.combinations.toLocaleString('en')} combinations)\n`);
  return ExitCode.Ok;
}

/** Combination n is the (n div count)-th line of shard n mod count + 1: read them round robin. */
async function* mergedResults(files: readonly string[], d: SweepDescription): AsyncGenerator<ComboResult> {
  const shards = await Promise.all(files.map(openShard));
  const count = shards.length;
  const ordered = shards.sort((a, b) => a.head.shard!.index - b.head.shard!.index);
  const names = d.parameters.map((p) => p.name);
  for (let n = 0; n < d.search.combinations; n++) {
    const s = ordered[n % count]!;
    const r = await s.lines.next();
    const line = r.done ? '' : r.value.replace(/,$/, '').trim();
    if (line === '' || line === ']') throw new UserError(`${s.file} ends before combination ${n}; was that shard interrupted? finish it with --resume`);
    const e = JSON.parse(line) as { n: number; params: Record<string, string>; status: ComboResult['status']; reason?: string; figures?: ComboResult['figures']; stats?: ComboResult['stats']; folds?: ComboResult['folds'] };
    if (e.n !== n) throw new UserError(`${s.file}: expected combination ${n}, found ${e.n}`);
    yield {
      n, values: names.map((k) => e.params[k]!), status: e.status,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.figures ? { figures: e.figures } : {}), ...(e.stats ? { stats: e.stats } : {}), ...(e.folds ? { folds: e.folds } : {}),
    };
  }
}

/** The walk-forward folds as the run had them, from the description's window dates. */
function foldsOf(d: SweepDescription): SweepHeader['walkForward'] {
  if (!d.walkForward) return null;
  const t = (s: string | null): number => (s === null ? Infinity : Date.parse(s));
  return {
    mode: d.walkForward.mode as 'anchored' | 'rolling',
    folds: d.walkForward.windows.map((w) => ({ inSample: { from: t(w.inSample.from), to: t(w.inSample.to) }, outOfSample: { from: t(w.outOfSample.from), to: t(w.outOfSample.to) } })),
  };
}
