// API keys come only from the environment: BYBIT_API_KEY / BYBIT_API_SECRET, or a `.env` file in
// the current directory (plain KEY=VALUE lines). Never from a spec. The values are never printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../cli/exit.ts';

export interface ApiKeys {
  key: string;
  secret: string;
  /** Where they came from, for messages: 'environment' or the .env path. */
  source: string;
}

/** Minimal .env parsing: `KEY=VALUE`, optional `export `, optional matching quotes, # comments. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] as string).trim();
    const q = v.charAt(0);
    if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1] as string] = v;
  }
  return out;
}

/**
 * The keys, checked where they enter: a key or secret that is blank or holds a space or control
 * character (a copy-paste slip) is refused here, not sent to Bybit to fail as something else.
 */
export function readApiKeys(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiKeys | undefined {
  const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const envKey = set(env.BYBIT_API_KEY);
  const envSecret = set(env.BYBIT_API_SECRET);
  if (envKey !== undefined && envSecret !== undefined) return checked(envKey, envSecret, 'environment');
  const file = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    if (envKey !== undefined || envSecret !== undefined) checked(envKey ?? '', envSecret ?? '', 'environment');
    return undefined;
  }
  const vars = parseDotEnv(text);
  const key = envKey ?? set(vars.BYBIT_API_KEY);
  const secret = envSecret ?? set(vars.BYBIT_API_SECRET);
  if (key === undefined && secret === undefined) return undefined;
  return checked(key ?? '', secret ?? '', envKey !== undefined && envSecret !== undefined ? 'environment' : file);
}

function checked(key: string, secret: string, source: string): ApiKeys | undefined {
  const k = keyProblem('BYBIT_API_KEY', key, source) ?? keyProblem('BYBIT_API_SECRET', secret, source);
  if (k) throw new UserError(`${k}. Nothing was traded.`);
  if (key === '' || secret === '') return undefined;
  return { key: key.trim(), secret: secret.trim(), source };
}

function keyProblem(name: string, value: string, source: string): string | undefined {
  const where = source === 'environment' ? 'in the environment' : `in ${source}`;
  if (value === '') return undefined;
  const v = value.trim();
  if (v === '') return `${name} ${where} is blank (only spaces); set it to the key Bybit gave you, or unset it`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(v)) return `${name} ${where} contains a space or an invisible character; copy it again from Bybit's API page`;
  return undefined;
}
