// `botctl resume`: lifts a drawdown pause only the trader can lift, through the bot's journal.
import t from 'tap';
import { Journal, RunJournal } from '../../engine/journal/index.ts';
import { initialState, serializeState } from '../../engine/core/state.ts';
import { RESUME_STATE_KIND } from '../../engine/ops/core-state.ts';
import { botctl, buildPaperJournal } from '../fixtures/commands/journal.ts';

t.setTimeout(300_000);

function savePausedState(path: string, since: number, cause: 'drawdown' | 'floor'): void {
  const j = Journal.open(path);
  const run = j.runs().at(-1)!;
  const state = initialState();
  state.bar = 100;
  state.lastCandle = since;
  state.peakEquity = 10000;
  state.drawdownPause = { sinceTime: since, untilBar: null, untilMs: null, forever: true, cause };
  new RunJournal(j, run).saveState('core', JSON.parse(serializeState(state)), since + 1000);
  j.close();
}

function resumeRequests(path: string): number {
  const j = Journal.open(path, { readonly: true });
  try {
    return (j.db.prepare('SELECT count(*) AS n FROM states WHERE kind = ?').get(RESUME_STATE_KIND) as { n: number }).n;
  } finally {
    j.close();
  }
}

t.test('nothing paused: says so and writes nothing', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['resume', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  t.equal(r.out, 'btc-ema (paper): entries are not paused by the drawdown protection; nothing to resume\n');
  t.equal(resumeRequests(s.journal), 0);
});

t.test('a drawdown pause: status says how to lift it, resume writes the request the bot reads', async (t) => {
  const s = buildPaperJournal(t.testdir());
  savePausedState(s.journal, s.now - 3_600_000, 'drawdown');
  const st = await botctl(s.dir, ['status', 'btc-ema']);
  t.match(st.out, /Cooldown and protections\n  Drawdown protection: entries pause once equity is 15% below its all-time peak, until `botctl resume btc-ema`\./);
  t.match(st.out, /entries paused: max drawdown reached at .*; lifted only by `botctl resume btc-ema`/);
  const r = await botctl(s.dir, ['resume', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^btc-ema \(paper\): resume requested at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(entries paused: max drawdown reached at .*\)\n/);
  t.match(r.out, new RegExp(`the running bot \\(pid ${process.pid}\\) lifts the pause before its next candle and measures the drawdown from the equity then`));
  t.equal(resumeRequests(s.journal), 1);
});

t.test('below halt_below_equity: the request is written, with the warning that the bot refuses until the floor is lowered', async (t) => {
  const s = buildPaperJournal(t.testdir());
  savePausedState(s.journal, s.now - 3_600_000, 'floor');
  const r = await botctl(s.dir, ['resume', 'btc-ema']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /\(entries stopped: equity fell below halt_below_equity at .*\)/);
  t.match(r.out, /lower halt_below_equity in the spec and restart the bot first/);
});

t.test('a backtest is never resumed', async (t) => {
  const s = buildPaperJournal(t.testdir());
  const r = await botctl(s.dir, ['resume', 'btc-ema', '--mode', 'backtest']);
  t.equal(r.code, 2);
  t.match(r.err, /a backtest is not resumed; only a paper or live bot is/);
});
