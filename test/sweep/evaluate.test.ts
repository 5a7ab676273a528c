// A sweep's figures for a combination are the figures `botctl backtest` prints for the spec
// written with its values, to the last digit: the signal series recorded once and replayed, the
// lean backtest and the shared candles change how fast, never what.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';
import { Evaluator } from '../../engine/sweep/evaluate.ts';
import { prepareSweep } from '../../engine/sweep/run.ts';
import { evaluatorSetup } from '../../engine/sweep/setup.ts';
import { SpecVariants } from '../../engine/sweep/variant.ts';
import { foldsOf } from '../../engine/sweep/windows.ts';
import { stitch } from '../../engine/sweep/objective.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';

t.test('every combination gives what botctl backtest gives for its written spec', async (t) => {
  const dir = t.testdir();
  const p = await prepareSweep({
    spec: 'bots/btc-ema.yaml', data: [DATA],
    params: [{ name: 'fast', values: '7,12', where: 'a' }, { name: 'slow', values: '26,40', where: 'b' }, { name: 'risk.stop_loss.atr.multiple', values: '1.5,3', where: 'c' }, { name: 'cooldown.after_exit', values: '1 bar,6 bars', where: 'd' }],
    objective: 'sharpe', constraints: { minTrades: 1 }, top: 3, workers: 1, resume: false, results: join(dir, 'r.jsonl'),
  });
  const ev = new Evaluator(await evaluatorSetup(p.init));
  for (const n of [0, 5, 10, 15]) {
    const r = await ev.evaluate(n);
    t.equal(r.status, 'ok');
    const spec = join(dir, `c${n}.yaml`);
    writeFileSync(spec, ev.setup.variants.specText(p.params, SpecVariants.pick(p.params, p.space.digits(n))));
    const json = join(dir, `c${n}.json`);
    let err = '';
    const code = await main(['backtest', spec, '--data', DATA, '--json', json], { out: () => {}, err: (s) => { err += s; } });
    t.equal(code, 0, err);
    const m = JSON.parse(readFileSync(json, 'utf8')).metrics;
    const f = r.figures!;
    t.strictSame(
      [f.trades, f.netPnl, f.maxDrawdownPercent, f.sharpe, f.sortino, f.profitFactor, f.expectancyR, f.fees, f.winRatePercent],
      [m.tradeCount, m.netPnl, m.maxDrawdownPercent, m.sharpe, m.sortino, m.profitFactor, m.expectancyR, m.fees, m.winRatePercent],
      `combination ${n} (${r.values.join(', ')}): ${f.trades} trades, net ${f.netPnl}`,
    );
  }
});

t.test('walk-forward windows: consecutive windows of one run join into the whole run', async (t) => {
  const p = await prepareSweep({
    spec: 'bots/btc-ema.yaml', data: [DATA], params: [{ name: 'fast', values: '9', where: 'a' }],
    objective: 'sharpe', constraints: { minTrades: 1 }, top: 1, workers: 1, resume: false, results: join(t.testdir(), 'r.jsonl'),
  });
  const setup = await evaluatorSetup(p.init);
  const times = setup.candles.map((c) => c.start);
  const folds = foldsOf(times, { folds: 3, mode: 'anchored' });
  t.equal(folds[0]!.inSample.from, times[0], 'anchored: in sample starts at the beginning');
  t.equal(folds[2]!.inSample.from, times[0]);
  t.equal(folds[0]!.outOfSample.from, folds[0]!.inSample.to, 'out of sample follows in sample');
  t.equal(folds[1]!.outOfSample.from, folds[0]!.outOfSample.to, 'out-of-sample windows follow each other');
  t.equal(folds[2]!.outOfSample.to, Infinity, 'the last runs to the end');
  const rolling = foldsOf(times, { folds: 3, mode: 'rolling' });
  t.equal(rolling[1]!.inSample.from, rolling[0]!.outOfSample.from, 'rolling: in sample is the window before');

  // One run, measured whole and in four back-to-back windows.
  const edges = [times[0]!, folds[0]!.outOfSample.from, folds[1]!.outOfSample.from, folds[2]!.outOfSample.from, Infinity];
  const ev = new Evaluator({ ...setup, folds: [{ inSample: { from: edges[0]!, to: edges[1]! }, outOfSample: { from: edges[1]!, to: edges[2]! } }, { inSample: { from: edges[2]!, to: edges[3]! }, outOfSample: { from: edges[3]!, to: edges[4]! } }] });
  const checked = await setup.variants.check(p.params, SpecVariants.pick(p.params, [0]));
  if (!checked.ok) throw new Error('spec');
  const r = await ev.run(checked.plan);
  const parts = r.folds!.flatMap((f) => [f.inSample!, f.outOfSample!]);
  const whole = r.stats!;
  const joined = stitch(parts);
  t.equal(parts.reduce((n, w) => n + w.trades, 0), whole.trades, 'every trade in exactly one window');
  t.equal(joined.trades, whole.trades);
  t.ok(Math.abs(joined.returnPercent - whole.returnPercent) < 1e-9, `returns compound to the whole (${joined.returnPercent} vs ${whole.returnPercent})`);
  t.ok(Math.abs(joined.maxDrawdownPercent - whole.maxDrawdownPercent) < 1e-9, `drawdown across windows (${joined.maxDrawdownPercent} vs ${whole.maxDrawdownPercent})`);
  t.equal(joined.daily.count, whole.daily.count, 'daily returns add up');
  t.ok(Math.abs(joined.sharpe! - whole.sharpe!) < 1e-9, 'so does Sharpe');
});
