// Bot spec files that are not what they seem: not regular files, far too large, YAML features a
// spec must not use (tags, self-referencing or exploding aliases), numbers in forms that read
// differently elsewhere, names JavaScript reserves, invisible characters. Each is a located error,
// exit 1, in bounded time; the plain forms a trader may mean (`1.`, `+60`, `.5`, `1e3`) are read
// exactly as written.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBotSpec } from '../../engine/spec/load.ts';
import { REPO, botctl, botctlHere, refused, rulesSpec, scratch, CANDLES } from './harness.ts';

const dir = scratch();
let n = 0;
/** Writes `text` as a new spec file; returns its path. */
function spec(text: string | Buffer): string {
  const file = join(dir, `s${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}
const BASE = rulesSpec();
/** Line (1-based) of the first line of `extra` once appended to BASE. */
const EXTRA_LINE = BASE.split('\n').length;

t.test('files that are not specs are refused before they are read', async (t) => {
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  mkdirSync(join(dir, 'folder.yaml'));
  const cases: Array<[string, string, RegExp]> = [
    ['a named pipe', fifo, /cannot read the spec: it is a named pipe \(FIFO\), not a file/],
    ['/dev/zero', '/dev/zero', /cannot read the spec: it is a device, not a file/],
    ['/dev/null', '/dev/null', /cannot read the spec: it is a device, not a file/],
    ['a directory', join(dir, 'folder.yaml'), /cannot read the spec: it is a directory, not a file/],
    ['2 MB of text', spec('#'.repeat(2_000_000)), /cannot read the spec: it is 2\.0 MB; a bot spec is a few kilobytes \(at most 1 MB\)/],
    ['50 MB', spec(Buffer.alloc(50_000_000, 0x61)), /it is 50\.0 MB/],
    ['100,000 keys (under 1 MB)', spec(BASE + Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n')), /:1:1: error: this file holds more than 10,000 values; a bot spec has a few dozen/],
    ['80,000 keys on one line', spec(BASE + `extra: {${Array.from({ length: 80_000 }, (_, i) => `k${i}: 1`).join(', ')}}`), /holds more than 10,000 values/],
    ['a missing file', join(dir, 'nope.yaml'), /cannot read the spec: no such file/],
  ];
  for (const [name, file, says] of cases) {
    const a = await botctlHere(['validate', file]);
    refused(t, a, { code: 1, case: name, says });
    t.ok(a.ms < 30_000, `${name}: answered in ${a.ms} ms`);
  }
  // A sweep file is read the same way: the FIFO in a child (reading it would block this process),
  // /dev/zero here.
  for (const [name, file, says] of [['a named pipe', fifo, /cannot read the sweep file .*: it is a named pipe \(FIFO\), not a file/], ['/dev/zero', '/dev/zero', /it is a device, not a file/]] as const) {
    const args = ['sweep', 'bots/btc-ema.yaml', '--data', CANDLES, '--file', file];
    const a = file === fifo ? await botctl(args, { limitMs: 20_000 }) : await botctlHere(args, { cwd: REPO });
    refused(t, a, { code: 1, case: `sweep file: ${name}`, says });
  }
});

t.test('YAML a spec must not use: each refused at its line and column', async (t) => {
  const bombs = [
    'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    `x: &x [${Array(60).fill('1').join(',')}]\ny: [${Array(120).fill('*x').join(',')}]`,
    'l0: &l0 [lol, lol]\nl1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]\nl2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\nl4: [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]',
  ];
  // [name, extra YAML appended to a valid spec, line offset in extra, column, message]
  const cases: Array<[string, string, number, number, RegExp]> = [
    ...bombs.map((b, i): [string, string, number, number, RegExp] => [`alias bomb ${i + 1}`, b, 1, b.split('\n')[1]!.indexOf('*') + 1, /expand to too many values/]),
    ['a sequence holding itself', 'loop: &a [1, *a]', 0, 14, /`\*a` refers to the anchor `&a` it is inside of/],
    ['a mapping holding itself', 'loop: &m { x: *m }', 0, 15, /`\*m` refers to the anchor `&m` it is inside of/],
    ['a deeper self-reference', 'loop: &d\n  a:\n    b: [*d]', 2, 9, /`\*d` refers to the anchor `&d`/],
    ...['!!str', '!!int', '!!float', '!!bool', '!!binary', '!!timestamp', '!custom', '!<tag:example.com:x>'].map((tag): [string, string, number, number, RegExp] => [
      `tag ${tag}`, `simulation: { initial_equity: ${tag} 10000 }`, 0, 31, /YAML tags \(`[^`]+`\) are not used in bot specs/,
    ]),
    ['tag on a mapping', 'cooldown: !!map { after_exit: 3 bars }', 0, 11, /YAML tags \(`!!map`\)/],
    ['tag !!set', 'cooldown: !!set { a }', 0, 11, /YAML tags \(`!!set`\)/],
    ['tag on a block mapping', 'cooldown: !!map\n  after_exit: 3 bars', 0, 11, /YAML tags \(`!!map`\)/],
    ['tag in a list', 'notes: [1, !!str 2]', 0, 12, /YAML tags \(`!!str`\)/],
    ['hexadecimal', 'simulation: { initial_equity: 0x2710 }', 0, 31, /`0x2710` is a hexadecimal number[\s\S]*hint: write 10000/],
    // YAML's core schema reads -0x1 as text: refused as not a number.
    ['negative hexadecimal', 'simulation: { slippage_percent: -0x1 }', 0, 33, /slippage_percent must be a number/],
    ['octal', 'simulation: { initial_equity: 0o23420 }', 0, 31, /`0o23420` is an octal number[\s\S]*hint: write 10000/],
    ['a leading zero', 'simulation: { initial_equity: 010000 }', 0, 31, /`010000` starts with a zero[\s\S]*hint: write 10000/],
    ['infinity', 'simulation: { initial_equity: .inf }', 0, 31, /`\.inf` is not a number botctl can use/],
    ['minus infinity', 'simulation: { slippage_percent: -.Inf }', 0, 33, /`-\.Inf` is not a number/],
    ['not a number', 'simulation: { initial_equity: .NaN }', 0, 31, /`\.NaN` is not a number/],
    ['a duplicate key', 'cooldown: { after_exit: 3 bars }\ncooldown: { after_exit: 4 bars }', 1, 1, /this key appears twice in the same mapping/],
  ];
  for (const [name, extra, line, column, says] of cases) {
    const a = await botctlHere(['validate', spec(BASE + extra + '\n')]);
    refused(t, a, { code: 1, case: name, says: [new RegExp(`s\\d+\\.yaml:${EXTRA_LINE + line}:${column}: error`), says] });
  }
});

const RESERVED = ['__proto__', 'constructor', 'prototype', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];

t.test(`${RESERVED.length} reserved names, as parameters and as keys`, async (t) => {
  for (const name of RESERVED) {
    for (const [where, text, line, column] of [
      ['parameter', BASE.replace('strategy:\n', `strategy:\n  params: { ${name}: 5 }\n`), 4, 13],
      ['top-level key', `${name}: 1\n${BASE}`, 1, 1],
      ['nested key', BASE + `risk_x: { ${name}: { polluted: true } }\n`, EXTRA_LINE, 11],
    ] as const) {
      const a = await botctlHere(['validate', spec(text)]);
      refused(t, a, { code: 1, case: `${name} as ${where}`, says: [new RegExp(`:${line}:${column}: error: \`${name}\` is a reserved name`)] });
    }
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});

const SPACES: Record<string, string> = {
  '\u00A0': 'no-break space', '\u2000': 'en quad', '\u2002': 'en space', '\u2003': 'em space', '\u2007': 'figure space', '\u2009': 'thin space',
  '\u200A': 'hair space', '\u200B': 'zero-width space', '\u200C': 'zero-width non-joiner', '\u200D': 'zero-width joiner', '\u200E': 'left-to-right mark',
  '\u2028': 'line separator', '\u202F': 'narrow no-break space', '\u205F': 'medium mathematical space', '\u2060': 'word joiner', '\u3000': 'ideographic space',
  '\uFEFF': 'zero-width no-break space', '\u00AD': 'soft hyphen', '\u1680': 'ogham space',
};

t.test(`${Object.keys(SPACES).length} invisible or unusual spaces inside a rule, a name and a number: named, located`, async (t) => {
  const entryLine = BASE.split('\n').findIndex((l) => l.includes('entry:')) + 1;
  for (const [ch, name] of Object.entries(SPACES)) {
    const code = `U\\+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const inRule = BASE.replace('entry: close > open', `entry: close >${ch}open`);
    const a = await botctlHere(['validate', spec(inRule)]);
    refused(t, a, { code: 1, case: `${name} in a rule`, says: [new RegExp(`:${entryLine}:19: error: this value contains an? ${name}[^\\n]*\\(${code}\\)`)] });
    const inName = BASE.replace('name: hostile', `name: host${ch}ile`);
    refused(t, await botctlHere(['validate', spec(inName)]), { code: 1, case: `${name} in the name`, says: new RegExp(`:1:11: error: this value contains[^\\n]*\\(${code}\\)`) });
  }
});

t.test('plain number forms a trader may mean are read exactly as written', async (t) => {
  const r = await loadBotSpec(spec(BASE.replace('quantity: 0.01', 'quantity: 1e-2') + 'simulation: { initial_equity: 1000., slippage_percent: +0.5, fees: { taker_percent: .05 } }\n'));
  if (!r.ok) return t.fail(JSON.stringify(r.diagnostics));
  t.equal(r.plan.simulation.initialEquity.toString(), '1000', '`1000.` is 1000');
  t.equal(r.plan.simulation.slippagePercent.toString(), '0.5', '`+0.5` is 0.5');
  t.equal(r.plan.simulation.takerFeePercent.toString(), '0.05', '`.05` is 0.05');
  t.equal(r.plan.risk.sizing.kind === 'quantity' ? r.plan.risk.sizing.quantity.toString() : '', '0.01', '`1e-2` is 0.01');
});
