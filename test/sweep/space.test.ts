// Combination numbering: the grid in a fixed order (strategy parameters slowest, so neighbours
// share a signal series), random samples reproducible from their seed, shards that split a run
// without overlap.
import t from 'tap';
import { Space } from '../../engine/sweep/space.ts';
import type { ParamDef } from '../../engine/sweep/params.ts';

function def(name: string, path: string[], n: number): ParamDef {
  return { name, path, kind: 'number', values: Array.from({ length: n }, (_, i) => ({ value: i, text: String(i) })) };
}

const STOP = def('stop', ['risk', 'stop_loss', 'atr', 'multiple'], 2);
const FAST = def('fast', ['strategy', 'params', 'fast'], 3);
const SLOW = def('slow', ['strategy', 'params', 'slow'], 2);

t.test('the grid: every combination once, strategy parameters varying slowest', async (t) => {
  const s = new Space([STOP, FAST, SLOW]);
  t.equal(s.gridSize, 12);
  t.equal(s.size, 12);
  const all = [...s.positions()].map((k) => s.digits(k).join(''));
  t.equal(new Set(all).size, 12, 'no combination twice');
  // digits are in declared order (stop, fast, slow); fast changes slowest, then slow, then stop
  t.strictSame(all.slice(0, 5), ['000', '100', '001', '101', '010']);
});

t.test('--random N --seed S: N distinct grid points, the same for the same seed', async (t) => {
  const params = [def('a', ['strategy', 'params', 'a'], 100), def('b', ['risk', 'leverage'], 100)];
  const a = new Space(params, { random: { count: 50, seed: 7 } });
  const b = new Space(params, { random: { count: 50, seed: 7 } });
  const c = new Space(params, { random: { count: 50, seed: 8 } });
  const pts = (s: Space) => [...s.positions()].map((k) => s.gridIndex(k));
  t.equal(a.size, 50);
  t.strictSame(pts(a), pts(b), 'same seed, same sample');
  t.not(JSON.stringify(pts(a)), JSON.stringify(pts(c)), 'another seed, another sample');
  t.equal(new Set(pts(a)).size, 50, 'distinct');
  t.ok(pts(a).every((g, i, xs) => g >= 0 && g < 10_000 && (i === 0 || g > xs[i - 1]!)), 'inside the grid, in grid order');
  const whole = new Space(params.map((p) => ({ ...p, values: p.values.slice(0, 5) })), { random: { count: 50, seed: 7 } });
  t.equal(whole.size, 25, 'asking for more than the grid runs the grid');
});

t.test('--shard i/n: the shards together are the run, each combination once', async (t) => {
  const params = [FAST, SLOW, STOP];
  const whole = [...new Space(params).positions()];
  const parts = [1, 2, 3].map((i) => [...new Space(params, { shard: { index: i, count: 3 } }).positions()]);
  t.strictSame(parts.flat().sort((x, y) => x - y), whole);
  t.strictSame(parts.map((p) => p.length), parts.map((_, i) => new Space(params, { shard: { index: i + 1, count: 3 } }).shardSize));
  t.strictSame([...new Space(params, { shard: { index: 2, count: 3 } }).positions(5)], [7, 10], 'resuming a shard after position 4');
});
