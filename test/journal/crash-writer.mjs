// The child of crash.test.ts (`node crash-writer.mjs JOURNAL ROUND FILLS_PER_ORDER T0`): writes to
// the journal as fast as it can, printing an acknowledgement after each record call returns, until
// the parent SIGKILLs it. Plain JavaScript
// on the compiled build (the parent brings dist/ up to date first), as botctl runs: no TypeScript
// loader to start for each of the rounds.
import { writeSync } from 'node:fs';
import { Journal } from '../../dist/engine/journal/index.js';

const [path, round, FILLS_PER_ORDER, T0] = [process.argv[2], ...process.argv.slice(3, 6).map(Number)];
const journal = Journal.open(path);
const run = journal.startRun({
  mode: 'paper', bot: 'crash', symbol: 'BTCUSDT', category: 'linear', interval: '1', network: 'testnet', specText: 'x', time: T0,
});
const ack = (line) => writeSync(1, line + '\n');
const deadline = Date.now() + 60_000; // never outlive a parent that died
for (let i = 0; Date.now() < deadline; i++) {
  const link = `r${round}-o${i}`;
  const time = T0 + i;
  run.recordOrderIntent({ orderLinkId: link, side: 'buy', type: 'market', qty: '1', purpose: 'entry', reason: 'crash test', time });
  ack(`intent ${link}`);
  const fills = Array.from({ length: FILLS_PER_ORDER }, (_, k) => ({
    execId: `${link}-f${k}`, orderId: `x-${link}`, orderLinkId: link, side: 'buy', price: '100.5', qty: '0.02', fee: '0.001', time,
  }));
  run.recordFills(fills);
  ack(`fills ${link}`);
  run.recordOrderUpdate({ orderLinkId: link, orderId: `x-${link}`, status: 'Filled', filledQty: '1', updatedAt: time });
  ack(`filled ${link}`);
  run.recordDecision({ time, kind: 'signal', action: 'enter_long', outcome: 'entry', reason: link });
  ack(`decision ${link}`);
}
journal.close();
