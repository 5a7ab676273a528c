// The bot's one lane (engine/live/queue.ts): whatever is queued runs one job at a time, in order,
// even when a candle's job starts at once in the caller's turn (runNow) and what it queues has to
// wait for it, whether it finishes there and then or goes on asynchronously.
import t from 'tap';
import { SerialQueue } from '../../engine/live/queue.ts';

function lane() {
  const errors: unknown[] = [];
  const log: string[] = [];
  const q = new SerialQueue((e) => void errors.push(e));
  return { q, log, errors };
}

/** A candle's job: the runner passes its handler and the candle. */
const runNow = (q: SerialQueue, job: () => Promise<void> | void) => q.runNow(job, undefined);

const tick = () => new Promise<void>((r) => setImmediate(r));

t.test('runNow with nothing queued: runs in the caller\'s turn, returns nothing when the job did not await', async (t) => {
  const { q, log } = lane();
  const r = runNow(q, () => void log.push('candle'));
  t.equal(r, undefined, 'no promise for a job that finished at once');
  t.same(log, ['candle'], 'already ran');
  t.equal(q.size, 0);
  await q.idle();
});

t.test('jobs queued from inside a synchronous job run after it, in order', async (t) => {
  const { q, log } = lane();
  const r = runNow(q, () => {
    log.push('candle: start');
    void q.run(() => void log.push('settle'));
    void q.run(async () => {
      await tick();
      log.push('check');
    });
    log.push('candle: end');
  });
  t.type(r, Promise, 'the caller can wait for what the candle queued');
  t.same(log, ['candle: start', 'candle: end']);
  t.equal(q.size, 2, 'two jobs waiting');
  await r;
  t.same(log, ['candle: start', 'candle: end', 'settle', 'check']);
  t.equal(q.size, 0);
});

t.test('a job that goes on asynchronously holds what it queued until it is done', async (t) => {
  const { q, log } = lane();
  const r = runNow(q, async () => {
    log.push('candle: start');
    void q.run(() => void log.push('fill'));
    await tick();
    await tick();
    log.push('candle: orders sent');
  });
  const next = runNow(q, () => void log.push('next candle'));
  t.type(next, Promise, 'the next candle waits in the lane');
  await r;
  await next;
  t.same(log, ['candle: start', 'candle: orders sent', 'fill', 'next candle']);
});

t.test('with work queued, runNow waits its turn', async (t) => {
  const { q, log } = lane();
  void q.run(async () => {
    await tick();
    log.push('settle');
  });
  const r = runNow(q, () => void log.push('candle'));
  t.same(log, [], 'not run in the caller\'s turn');
  await r;
  t.same(log, ['settle', 'candle']);
});

t.test('failures go to the handler and never stop the lane', async (t) => {
  const { q, log, errors } = lane();
  const r = runNow(q, () => {
    void q.run(() => void log.push('after'));
    throw new Error('strategy broke');
  });
  t.type(r, Promise);
  await r;
  const s = runNow(q, async () => {
    await tick();
    throw new Error('venue down');
  });
  await s;
  runNow(q, () => void log.push('still running'));
  await q.idle();
  t.same(errors.map((e) => (e as Error).message), ['strategy broke', 'venue down']);
  t.same(log, ['after', 'still running']);
  t.equal(q.size, 0);
});

t.test('idle() asked from inside a job resolves after that job, not at once', async (t) => {
  const { q, log } = lane();
  let idle: Promise<void> | undefined;
  runNow(q, () => {
    idle = q.idle();
    log.push('candle');
  });
  let resolved = false;
  void idle!.then(() => (resolved = true));
  t.notOk(resolved);
  await idle;
  t.same(log, ['candle']);
  t.equal(q.size, 0);
});
