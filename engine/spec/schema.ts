// The bot-spec JSON Schema (schemas/bot.schema.json), compiled once with ajv, and a lookup of the
// schema that describes a given data path (for hints, decimals and the reference).
import { readFileSync } from 'node:fs';
import * as Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';

export type SchemaNode = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  examples?: unknown[];
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  const?: unknown;
  pattern?: string;
  patternErrorMessage?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $defs?: Record<string, SchemaNode>;
  [k: string]: unknown;
};

export const SCHEMA_URL = new URL('../../schemas/bot.schema.json', import.meta.url);
export const botSchema: SchemaNode = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as SchemaNode;

// ajv's CommonJS build puts the class on `.default` when loaded from ESM.
const Ajv2020 = Ajv2020Module.default.default;

let compiled: ValidateFunction | undefined;

/** Validates `data` (with decimals already turned into numbers) against the schema. */
export function validateShape(data: unknown): ErrorObject[] {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTypes: false });
    // Editors' JSON-schema services show this message for failed patterns; ajv only carries it.
    ajv.addKeyword('patternErrorMessage');
    compiled = ajv.compile(botSchema);
  }
  const validate = compiled;
  validate(data);
  return [...(validate.errors ?? [])];
}

/** Follows a local `$ref`, keeping the referring node's own keywords (2020-12 allows siblings). */
export function resolve(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const target = pointer(botSchema, node.$ref.replace(/^#/, ''));
  const { $ref: _ref, ...own } = node;
  return { ...(target as SchemaNode), ...own };
}

/** The schema node at a JSON pointer (`/properties/risk`), or undefined. */
export function pointer(root: unknown, ptr: string): unknown {
  let n: unknown = root;
  for (const raw of ptr.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (n === null || typeof n !== 'object') return undefined;
    n = (n as Record<string, unknown>)[seg];
  }
  return n;
}

/** The schema for the value at a data path (object keys only), or undefined. */
export function schemaAt(path: readonly (string | number)[]): SchemaNode | undefined {
  let n: SchemaNode | undefined = resolve(botSchema);
  for (const seg of path) {
    if (!n) return undefined;
    const child: SchemaNode | boolean | undefined = n.properties?.[String(seg)] ?? n.additionalProperties;
    n = typeof child === 'object' ? resolve(child) : undefined;
  }
  return n;
}

export function isDecimalSchema(node: SchemaNode | undefined): boolean {
  return node?.$ref === '#/$defs/decimal';
}

/**
 * A copy of `data` where decimals written as strings (`"0.1"`) are numbers, so the schema's
 * numeric bounds check them too. The plan itself is built from the source text, not from these.
 */
export function numbersForValidation(data: unknown, node: SchemaNode | undefined = botSchema): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !node) return data;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const raw = node.properties?.[k];
    if (raw && isDecimalSchema(raw) && typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v.trim())) out[k] = Number(v);
    else out[k] = numbersForValidation(v, raw ? resolve(raw) : undefined);
  }
  return out;
}
