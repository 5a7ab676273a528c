// The live runner over a CSV replay decides exactly like the backtest: same candles, same spec,
// same decision texts, same fills.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Backtest } from '../../engine/backtest/runner.ts';
import { readCandleCsv } from '../../engine/market/csv.ts';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import type { Candle } from '../../engine/market/candle.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { BotRunner } from '../../engine/live/runner.ts';
import { SimVenue } from '../../engine/venue/sim/venue.ts';
import { CsvCandleSource } from '../../engine/venue/sim/csv-source.ts';
import type { Decision } from '../../engine/core/types.ts';
import { captureLog, planOf } from '../helpers/run.ts';

const DATA = 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv';

async function backtestDecisions(spec: string): Promise<Decision[]> {
  const plan = await planOf(spec);
  const rules = bundledInstrument(plan.market.symbol, plan.market.category);
  const bt = new Backtest(plan, await instantiateStrategy(plan), rules);
  const candles: Candle[] = [];
  await readCandleCsv(DATA, (c) => void candles.push(c));
  for (const c of candles) bt.push(c);
  return bt.finish().decisions;
}

async function replayDecisions(spec: string): Promise<{ decisions: Decision[]; runner: BotRunner; source: CsvCandleSource }> {
  const plan = await planOf(spec);
  const rules = bundledInstrument(plan.market.symbol, plan.market.category);
  const source = new CsvCandleSource({ file: DATA, rules, market: plan.market });
  const venue = new SimVenue({ plan, source });
  const runner = new BotRunner({ plan, strategy: await instantiateStrategy(plan), venue, log: captureLog().logger, mode: 'replay', now: () => venue.now() });
  await runner.start();
  await source.finished;
  await runner.idle();
  await runner.stop();
  return { decisions: runner.decisions, runner, source };
}

/** eth-rsi-spot retargeted at the BTC data: limit entries with timeouts, spot, long only. */
function limitSpecs(): string[] {
  const dir = t.testdir();
  const base = readFileSync('bots/eth-rsi-spot.yaml', 'utf8').replace('symbol: ETHUSDT', 'symbol: BTCUSDT').replace('interval: 15', 'interval: 60');
  const cancel = join(dir, 'limit-cancel.yaml');
  const amend = join(dir, 'limit-amend.yaml');
  writeFileSync(cancel, base);
  writeFileSync(amend, base.replace('on_timeout: cancel', 'on_timeout: amend'));
  return [cancel, amend];
}

for (const spec of ['bots/btc-ema.yaml', 'bots/btc-breakout-module.yaml', ...limitSpecs()]) {
  t.test(`${spec}: replay through the runner gives the backtest's decisions`, async (t) => {
    const expected = (await backtestDecisions(spec)).filter((d) => d.action !== 'end_of_data');
    const { decisions, runner, source } = await replayDecisions(spec);
    t.ok(expected.length > 20, `the backtest made ${expected.length} decisions`);
    t.ok(expected.some((d) => d.outcome === 'entry') && expected.some((d) => d.kind === 'exit'), 'with entries and stop/target exits');
    if (spec.endsWith('limit-amend.yaml')) t.ok(expected.some((d) => d.outcome === 'amended'), 'limit entries re-priced');
    if (spec.endsWith('limit-cancel.yaml')) t.ok(expected.some((d) => d.outcome === 'cancelled'), 'limit entries cancelled');
    t.same(decisions.map((d) => d.text), expected.map((d) => d.text), 'same decision texts, in order');
    t.same(decisions, expected, 'same records');
    t.equal(runner.processed.length, source.delivered, 'every streamed candle processed once');
    t.equal(new Set(runner.processed).size, runner.processed.length, 'none twice');
  });
}
