// A replay's kept candles (engine/venue/sim/candle-window.ts), against the plain list they stand for.
import t from 'tap';
import { CandleWindow } from '../../engine/venue/sim/candle-window.ts';
import type { Candle } from '../../engine/market/candle.ts';

const MIN = 60_000;
const candle = (i: number): Candle => ({ start: 1_600_000_000_000 + i * MIN, open: 100 + i + 0.5, high: 102 + i, low: 99 + i, close: 101 + i + 0.25, volume: i / 7 });

t.test('the newest candles, exactly as pushed, across the ring\'s wrap and growth', async (t) => {
  const w = new CandleWindow(5);
  const all: Candle[] = [];
  let kept = 5;
  for (let i = 0; i < 40; i++) {
    if (i === 17) {
      w.grow(8); // more history asked for mid-replay: kept from now on
      kept = 8;
    }
    w.push(candle(i));
    all.push(candle(i));
    const held = all.slice(-Math.min(all.length, i < 17 ? 5 : Math.min(kept, 5 + (i - 16))));
    t.same(w.newest(100), held, `after ${i + 1} candles`);
    t.equal(w.size, held.length);
    const gone = all.length - held.length;
    t.equal(w.forgotten, gone > 0 ? (all[gone - 1] as Candle).start : -Infinity, 'the newest candle pushed out is remembered');
  }
  t.same(w.newest(3), all.slice(-3));
  t.same(w.between(candle(35).start, candle(37).start), all.slice(35, 38));
  t.same(w.between(candle(0).start, candle(100).start), all.slice(-8), 'only what is held');
  w.grow(4);
  t.equal(w.limit, 8, 'never shrinks');
});
