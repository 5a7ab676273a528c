// Continuing the core's saved state after a restart (restore.ts) and the recovery summary text.
import t from 'tap';
import { Decimal } from 'decimal.js';
import { initialState, type CoreState } from '../../engine/core/state.ts';
import { mergeSavedState } from '../../engine/live/restore.ts';
import { closePaperOrders, emptySummary, formatRecovery, hasNews, type JournalRecovery } from '../../engine/live/reconcile-report.ts';

const H = 3_600_000;
const d = (x: string | number) => new Decimal(x);
const T0 = Date.UTC(2024, 0, 1, 10);

function state(over: Partial<CoreState>): CoreState {
  return { ...initialState(), ...over };
}

t.test('bar-counted holds move to the new bar numbering by candle time', async (t) => {
  // Saved at bar 500 (candle T0); the new run warmed up 50 bars ending 3 candles later.
  const saved = state({
    bar: 500, lastCandle: T0, day: 19723,
    cooldowns: [
      { cause: 'loss', untilBar: 503, bars: 4, untilMs: null }, // blocks bars 500..502: ends before the next candle
      { cause: 'exit', untilBar: 506, bars: 6, untilMs: null }, // blocks up to bar 505: 2 more candles
      { cause: 'entry', untilBar: null, bars: null, untilMs: T0 + 10 * H },
    ],
    recentEntries: [{ bar: 498, time: T0 - 2 * H }],
    drawdownPause: { sinceTime: T0, untilBar: 520, untilMs: null, forever: false },
    dayEntries: 3, dayRealised: d('-12.5'), peakEquity: 10500,
  });
  const fresh = state({ bar: 49, lastCandle: T0 + 3 * H, day: 19723, peakEquity: 10000 });
  const r = mergeSavedState(fresh, saved, H, false);
  t.equal(r.barsAway, 3);
  // Saved bar 500 is fresh bar 46 (49 − 3): shift −454.
  t.same(r.state.cooldowns.map((c) => [c.cause, c.untilBar, c.untilMs]), [['exit', 52, null], ['entry', null, T0 + 10 * H]], 'the expired loss cooldown is dropped');
  t.equal((r.state.cooldowns[0]!.untilBar as number) - (r.state.bar + 1), 2, 'two more candles blocked: new bars 50 and 51 are old bars 504 and 505');
  t.same(r.state.recentEntries, [{ bar: 44, time: T0 - 2 * H }]);
  t.equal(r.state.drawdownPause?.untilBar, 66);
  t.equal(r.state.dayEntries, 3, 'same UTC day: tallies continue');
  t.equal(r.state.dayRealised.toFixed(), '-12.5');
  t.equal(r.state.peakEquity, 10500);
  t.equal(r.state.bar, 49, 'the warmed-up bar count and ATR stay');
});

t.test('a new UTC day resets the day tallies; paper drops the position, live keeps it for reconciling', async (t) => {
  const position = { side: 'long' as const, qty: d('0.1'), entryPrice: d(50000), entryTime: T0, entryBar: 500, entryFee: d(1), stopLoss: d(49000), takeProfit: null, initialRisk: d(1000), trailActive: true, stopKind: 'trailing_stop' as const };
  const saved = state({ bar: 500, lastCandle: T0, day: 19723, dayEntries: 5, dailyLossPausedDay: 19723, position, exitPending: 'signal' });
  const fresh = state({ bar: 10, lastCandle: T0 + 24 * H, day: 19724 });
  const paper = mergeSavedState(fresh, saved, H, false);
  t.equal(paper.state.dayEntries, 0);
  t.equal(paper.state.dailyLossPausedDay, null, "yesterday's loss pause ends with the day");
  t.equal(paper.state.position, null);
  t.equal(paper.state.exitPending, null, 'an exit in flight is for the exchange to tell');
  const live = mergeSavedState(fresh, saved, H, true);
  t.match(live.state.position, { side: 'long', stopLoss: d(49000), stopKind: 'trailing_stop', trailActive: true, entryBar: 10 - 24 });
});

t.test('the recovery line', async (t) => {
  const s = emptySummary('BTCUSDT');
  t.notOk(hasNews(s), 'a first start says nothing');
  s.position = { side: 'long', size: d('0.12'), avgPrice: d('43120.5'), known: false, stopLoss: d(42000), takeProfit: null, set: ['stop-loss 42000'] };
  s.orphansCancelled.entry = 1;
  s.cooldowns.push('cooldown after loss (2 bars left)');
  t.equal(formatRecovery(s), 'recovered: long 0.12 BTCUSDT @ 43120.5 adopted, stop-loss 42000 was missing → set; 1 orphan entry order cancelled; cooldown after loss (2 bars left) restored');
  const gone = emptySummary('BTCUSDT');
  gone.closedWhileAway = { side: 'short', qty: d('0.5'), fromFills: false };
  t.equal(formatRecovery(gone), "recovered: the journal's short 0.5 is no longer on the exchange and no closing fill is listed: dropped without a P&L", 'no exit price is invented');
});

t.test('paper: the previous simulator\'s working orders are closed in the journal', async (t) => {
  const closed: string[] = [];
  const j: JournalRecovery = {
    unfinishedOrders: () => [{ orderLinkId: 'b1-a-e', status: 'New', createdAt: 1 }],
    orderUpdate: () => {},
    neverPlaced: () => {},
    abandoned: (link, reason) => void closed.push(`${link}: ${reason}`),
    fills: () => 0,
  };
  const s = emptySummary('BTCUSDT');
  closePaperOrders(j, s, 5);
  t.same(closed, ['b1-a-e: the paper run that placed it ended; the simulator starts afresh']);
  t.match(formatRecovery(s), /1 journaled order brought up to date \(New → Cancelled\)/);
});
