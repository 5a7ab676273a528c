// The schema is what editors show: every property must carry a description and examples, and
// every mapping must reject unknown keys. The README reference must match it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { botSchema } from '../../engine/spec/schema.ts';
import { defaultFees } from '../../engine/spec/defaults.ts';
import type { SchemaNode } from '../../engine/spec/schema.ts';
import { README_URL, START_MARKER, END_MARKER, generateReference } from '../../engine/spec/reference.ts';

function walk(node: SchemaNode, path: string, visit: (n: SchemaNode, path: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.<name>`, visit);
}

t.test('every property has a description and examples', async (t) => {
  const missing: string[] = [];
  walk(botSchema, '$', (n, path) => {
    if (path === '$') return;
    if (typeof n.description !== 'string' || n.description.length < 10) missing.push(`${path}: description`);
    if (!Array.isArray(n.examples) || n.examples.length === 0) missing.push(`${path}: examples`);
  });
  t.strictSame(missing, []);
});

t.test('every mapping rejects unknown keys', async (t) => {
  const open: string[] = [];
  walk(botSchema, '$', (n, path) => {
    if (n.properties && n.additionalProperties !== false) open.push(path);
  });
  t.strictSame(open, []);
});

t.test('the schema is draft 2020-12', async (t) => {
  t.equal(botSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

t.test('the README spec reference is generated from the schema', async (t) => {
  const readme = readFileSync(README_URL, 'utf8');
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  t.ok(start >= 0 && end > start, 'markers present');
  const block = readme.slice(start + START_MARKER.length, end);
  t.equal(block, generateReference(), 'run `npx tsx engine/spec/reference.ts --write` after changing the schema');
  for (const key of ['risk.stop_loss.atr.multiple', 'cooldown.activity.free_trades', 'simulation.fees.taker_percent', 'strategy.params.<name>']) {
    t.ok(block.includes(`\`${key}\``), `${key} documented`);
  }
});

t.test('example bots point editors at the schema on their first line', async (t) => {
  for (const f of ['btc-ema', 'eth-rsi-spot', 'btc-breakout-module']) {
    const first = readFileSync(new URL(`../../bots/${f}.yaml`, import.meta.url), 'utf8').split('\n')[0];
    t.equal(first, '# yaml-language-server: $schema=../schemas/bot.schema.json', f);
  }
});

t.test('the reference gives each category its own fee defaults, as the plan builder applies them', async (t) => {
  const readme = readFileSync(README_URL, 'utf8');
  for (const [key, field] of [['taker_percent', 'taker'], ['maker_percent', 'maker']] as const) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`simulation.fees.${key}\``)) ?? '';
    const defaultCell = row.split(' | ')[2] ?? '';
    for (const category of ['linear', 'spot'] as const) {
      t.match(defaultCell, `\`${defaultFees(category)[field].toString()}\` (${category})`, `${key} default for ${category}`);
    }
  }
});

t.test('stops and targets are documented as measured from where the core measures them', async (t) => {
  // The core sends the stop with the entry order, so it is measured from the signal candle's close
  // (or the limit price), never from a fill price it does not know yet.
  const texts: string[] = [];
  walk(botSchema, '$', (n, path) => {
    if (/\.(stop_loss|take_profit|trailing_stop)/.test(path) && n.description) texts.push(`${path}: ${n.description}`);
  });
  t.strictSame(texts.filter((s) => /entry price/.test(s)), [], 'no description says "entry price"');
  t.ok(texts.some((s) => s.startsWith('$.risk.stop_loss.percent:') && /signal candle's close \(or the limit price\)/.test(s)));
});
