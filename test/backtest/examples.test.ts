// Every example spec in bots/ is in the README's examples table, and each one with a bundled
// candle file backtests offline on the file the README names.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { main } from '../../engine/cli/main.ts';

const readme = readFileSync('README.md', 'utf8');
const table = readme.slice(readme.indexOf('## Example bots and their data'));
const rows = [...table.matchAll(/^\| `(bots\/[^`]+\.yaml)` \| [^|]+ \| (.+) \|$/gm)].map((m) => ({ spec: m[1]!, data: /^`(bots\/data\/[^`]+\.csv)`/.exec(m[2]!)?.[1] }));

t.test('every example spec is listed with its data', async (t) => {
  const specs = readdirSync('bots').filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')).map((f) => `bots/${f}`).sort();
  t.same(rows.map((r) => r.spec).sort(), specs);
});

for (const { spec, data } of rows) {
  if (!data) continue;
  t.test(`${spec} backtests offline on ${data}`, async (t) => {
    let out = '';
    let err = '';
    const code = await main(['backtest', spec, '--data', data], { out: (s) => void (out += s), err: (s) => void (err += s) });
    t.equal(code, 0, err);
    const trades = Number(/\n {2}Trades +(\d+)/.exec(out)?.[1]);
    t.ok(trades > 0, `${spec}: ${trades} trades`);
  });
}
