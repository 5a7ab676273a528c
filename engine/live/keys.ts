// API keys come only from the environment: BYBIT_API_KEY / BYBIT_API_SECRET, or a `.env` file in
// the current directory (plain KEY=VALUE lines). Never from a spec. The values are never printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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

export function readApiKeys(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiKeys | undefined {
  if (env.BYBIT_API_KEY && env.BYBIT_API_SECRET) return { key: env.BYBIT_API_KEY, secret: env.BYBIT_API_SECRET, source: 'environment' };
  const file = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const vars = parseDotEnv(text);
  const key = env.BYBIT_API_KEY || vars.BYBIT_API_KEY;
  const secret = env.BYBIT_API_SECRET || vars.BYBIT_API_SECRET;
  return key && secret ? { key, secret, source: file } : undefined;
}
