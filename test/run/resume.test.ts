// The running bot applies a `botctl resume` request from its journal before the next candle.
import t from 'tap';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledInstrument } from '../../engine/market/instruments.ts';
import { instantiateStrategy } from '../../engine/strategy/load.ts';
import { BotRunner } from '../../engine/live/runner.ts';
import { SimVenue } from '../../engine/venue/sim/venue.ts';
import { CsvCandleSource } from '../../engine/venue/sim/csv-source.ts';
import type { Decision } from '../../engine/core/types.ts';
import { captureLog, planOf } from '../helpers/run.ts';

t.test('a resume request read from the journal lifts the drawdown pause; read again it changes nothing', async (t) => {
  // The flagship with a 3 % drawdown limit pauses early in the bundled data; nothing else lifts it.
  const spec = join(t.testdir(), 'dd.yaml');
  writeFileSync(spec, readFileSync('bots/btc-ema.yaml', 'utf8').replace('max_drawdown_percent: 15', 'max_drawdown_percent: 3'));
  const plan = await planOf(spec);
  const rules = bundledInstrument(plan.market.symbol, plan.market.category);
  const source = new CsvCandleSource({ file: 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv', rules, market: plan.market });
  const venue = new SimVenue({ plan, source });
  const decisions: Decision[] = [];
  let request: number | undefined;
  const runner = new BotRunner({
    plan, strategy: await instantiateStrategy(plan), venue, log: captureLog().logger, mode: 'replay', now: () => venue.now(),
    recorder: {
      decision: (d) => {
        decisions.push(d);
        // The trader resumes a day after the pause, once.
        if (d.action === 'max_drawdown' && request === undefined) request = d.time + 86_400_000;
      },
      resumeRequest: () => (request !== undefined && venue.now() > request ? request : undefined),
    },
  });
  await runner.start();
  await source.finished;
  await runner.idle();
  await runner.stop();
  const pause = decisions.findIndex((d) => d.action === 'max_drawdown');
  const resumed = decisions.filter((d) => d.action === 'resume');
  t.ok(pause >= 0, 'paused by the 3 % drawdown');
  t.equal(resumed.length, 1, 'resumed once, although the request is read before every candle');
  t.match(resumed[0]?.text, /entries resumed by `botctl resume`: drawdown now measured from equity [0-9.]+ \(the next pause comes below [0-9.]+\)/);
  const after = decisions.slice(decisions.indexOf(resumed[0]!));
  t.ok(after.some((d) => d.outcome === 'entry'), 'entries again after the resume');
  t.notOk(decisions.slice(pause, decisions.indexOf(resumed[0]!)).some((d) => d.outcome === 'entry'), 'none while paused');
});
