// The README's spec reference, generated from schemas/bot.schema.json so the two cannot drift.
//   npx tsx engine/spec/reference.ts          print the generated block
//   npx tsx engine/spec/reference.ts --write  replace the block in README.md
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { botSchema, resolve } from './schema.ts';
import type { SchemaNode } from './schema.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

export const README_URL = new URL('README.md', PACKAGE_ROOT);
export const START_MARKER = '<!-- spec-reference:start (generated from schemas/bot.schema.json; do not edit by hand) -->';
export const END_MARKER = '<!-- spec-reference:end -->';

function typeOf(raw: SchemaNode): string {
  if (raw.$ref === '#/$defs/decimal') return 'number';
  if (raw.$ref === '#/$defs/span') return 'span';
  if (raw.$ref === '#/$defs/expression') return 'expression';
  const n = resolve(raw);
  if (n.enum) return [...new Set(n.enum.map(String))].map((x) => `\`${x}\``).join(' \\| ');
  if (n.type === 'object') return 'mapping';
  const types = Array.isArray(n.type) ? n.type : [n.type ?? 'any'];
  return types.map((t) => ({ string: 'text', integer: 'whole number', boolean: 'true/false' } as Record<string, string>)[t!] ?? t).join(' or ');
}

/** A value written the way it would appear in YAML flow style. */
function inline(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  if (Array.isArray(x)) return `[${x.map(inline).join(', ')}]`;
  return `{ ${Object.entries(x).map(([k, v]) => `${k}: ${inline(v)}`).join(', ')} }`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function constraints(n: SchemaNode): string {
  const parts: string[] = [];
  if (n.exclusiveMinimum !== undefined) parts.push(`> ${n.exclusiveMinimum}`);
  if (n.minimum !== undefined) parts.push(`≥ ${n.minimum}`);
  if (n.exclusiveMaximum !== undefined) parts.push(`< ${n.exclusiveMaximum}`);
  if (n.maximum !== undefined) parts.push(`≤ ${n.maximum}`);
  const choice = (n.oneOf ?? n.anyOf)?.flatMap((b) => b.required ?? []);
  if (choice?.length) parts.push(`${n.oneOf ? 'exactly one of' : 'at least one of'} ${choice.map((c) => `\`${c}\``).join(', ')}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function rows(node: SchemaNode, prefix: string, out: string[]): void {
  const n = resolve(node);
  const required = new Set(n.required ?? []);
  for (const [key, raw] of Object.entries(n.properties ?? {})) {
    const path = `${prefix}${key}`;
    const child = resolve(raw);
    const def = required.has(key) ? 'required' : child.default !== undefined ? `\`${inline(child.default)}\`` : child.defaultText ?? '—';
    const example = child.examples?.[0];
    out.push(`| \`${path}\` | ${typeOf(raw)}${constraints(raw)} | ${def} | ${cell(child.description ?? '')} | ${example === undefined ? '' : `\`${cell(inline(example))}\``} |`);
    if (child.properties) rows(child, `${path}.`, out);
    if (typeof child.additionalProperties === 'object') {
      const extra = child.additionalProperties;
      out.push(`| \`${path}.<name>\` | ${typeOf(extra)} | — | ${cell(extra.description ?? '')} | ${extra.examples?.[0] === undefined ? '' : `\`${inline(extra.examples[0])}\``} |`);
    }
  }
}

/** The text between the markers (without them). */
export function generateReference(): string {
  const out: string[] = [
    '',
    `Every key of a bot spec. The JSON Schema is \`schemas/bot.schema.json\`; start a spec with`,
    '`# yaml-language-server: $schema=../schemas/bot.schema.json` to get completion and hover in editors.',
    'Numbers marked *number* may also be written in quotes (`"0.1"`); they are read exactly as written.',
    `A *span* is a whole number and a unit: \`3 bars\` (closed candles), \`90s\`, \`90m\`, \`4h\`, \`1d\`.`,
    'An *expression* is a rule in the expression language (quote it if it contains `#` or `: `).',
    'Keys not listed here are rejected. Regenerate this table with `npx tsx engine/spec/reference.ts --write`.',
    '',
    '| key | type | default | description | example |',
    '| --- | --- | --- | --- | --- |',
  ];
  rows(botSchema, '', out);
  out.push('');
  return out.join('\n');
}

/** README text with the block between the markers replaced. */
export function withReference(readme: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md lacks the ${START_MARKER} … ${END_MARKER} markers`);
  return readme.slice(0, start + START_MARKER.length) + generateReference() + readme.slice(end);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) {
    const readme = readFileSync(README_URL, 'utf8');
    writeFileSync(README_URL, withReference(readme));
    process.stdout.write('README.md spec reference updated\n');
  } else {
    process.stdout.write(generateReference());
  }
}
