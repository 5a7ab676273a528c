// A crash mid-write must leave a consistent journal holding everything acknowledged as durable.
// A child process (crash-writer.mjs) writes as fast as it can and prints an acknowledgement after
// each record call returns; the test SIGKILLs it mid-stream, reopens the journal and checks it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { build } from '../../engine/build/build.mjs';
import { Journal } from '../../engine/journal/index.ts';

const FILLS_PER_ORDER = 50;
const T0 = Date.UTC(2026, 10, 24);
const WRITER = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));

// The writer runs the compiled journal: bring dist/ up to date with the sources first.
await build();

t.test('SIGKILL mid-stream leaves a consistent journal with every acknowledged write', async (t) => {
  const path = join(t.testdir({}), 'crash.sqlite');
  const acked = { intent: new Set<string>(), fills: new Set<string>(), filled: new Set<string>(), decision: new Set<string>() };
  // Kill after different amounts of progress, each round on the journal the previous crash left.
  for (const [round, killAfter] of [[1, 40], [2, 333], [3, 97], [4, 1201]] as const) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [WRITER, path, String(round), String(FILLS_PER_ORDER), String(T0)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      let lines = 0;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const [kind, link] = buf.slice(0, nl).split(' ') as [keyof typeof acked, string];
          buf = buf.slice(nl + 1);
          acked[kind].add(link);
          if (++lines === killAfter) child.kill('SIGKILL');
        }
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended without being killed (${signal ?? _code})`))));
      child.on('error', reject);
    });

    const journal = Journal.open(path);
    try {
      t.equal(journal.db.pragma('integrity_check', { simple: true }), 'ok', `round ${round}: integrity check`);
      const view = journal.view({ mode: 'paper', bot: 'crash' });
      const orders = new Map(view.orders().map((o) => [o.orderLinkId, o]));
      const fillCounts = new Map<string, number>();
      for (const f of view.fills()) fillCounts.set(f.orderLinkId, (fillCounts.get(f.orderLinkId) ?? 0) + 1);
      const decisions = new Set(view.decisions({ limit: 1_000_000 }).map((d) => d.reason));

      const missing = {
        intent: [...acked.intent].filter((l) => !orders.has(l)),
        fills: [...acked.fills].filter((l) => fillCounts.get(l) !== FILLS_PER_ORDER),
        filled: [...acked.filled].filter((l) => orders.get(l)?.status !== 'Filled'),
        decision: [...acked.decision].filter((l) => !decisions.has(l)),
      };
      t.same(missing, { intent: [], fills: [], filled: [], decision: [] }, `round ${round}: every acknowledged write is there`);
      const partial = [...fillCounts].filter(([, n]) => n !== FILLS_PER_ORDER);
      t.same(partial, [], `round ${round}: a transaction is all or nothing (no order with some of its fills)`);
      const orphanFills = [...fillCounts.keys()].filter((l) => !orders.has(l));
      t.same(orphanFills, [], `round ${round}: no fill without its order intent`);
      const noEvent = [...orders.keys()].filter((l) => view.orderEvents(l)[0]?.status !== 'Intent');
      t.same(noEvent, [], `round ${round}: every order has its Intent event`);
      t.ok(acked.intent.size >= killAfter / 4, `round ${round}: the child made progress (${acked.intent.size} intents acknowledged so far)`);
      // Writing must work again after the crash.
      const run = journal.startRun({ mode: 'paper', bot: 'crash', symbol: 'BTCUSDT', category: 'linear', interval: '1', network: 'testnet', specText: 'x', time: T0 });
      run.end({ time: T0, reason: 'check' });
    } finally {
      journal.close();
    }
  }
});
