// Times and speeds on the command line: one rule for --from, --to, --at and --since. A time that
// is not one, or lies outside 2000–2100 where candles live (`0000-01-01`, `999999999d` back), is a
// usage error (exit 2) naming the option; so is a replay speed a timer cannot hold.
import t from 'tap';
import { botctlHere, refused, rulesSpec, scratch, CANDLES } from './harness.ts';
import { join } from 'node:path';

const dir = scratch({ 'bot.yaml': rulesSpec({ journal: './journal/hostile.sqlite' }) });
const spec = join(dir, 'bot.yaml');

const MALFORMED = ['yesterday', '2024-02-30', '2024-13-01', '2024-1-1', '24-01-01', '2024-01-01T25:00', '2024-01-01 12:60', '', '2024-01-01T12', 'now', '1e9', '0x10'];
const OUT_OF_RANGE = ['0000-01-01', '1969-12-31', '1999-12-31T23:59', '2100-01-02', '9999-12-31'];
const SINCE_SPANS = ['999999999d', '99999999999999999999w', '9999999999h', '26w' /* fine */];

function commandFor(flag: string, value: string): string[] {
  switch (flag) {
    case '--from': return ['backtest', spec, '--from', value, '--to', '2030-01-01'];
    case '--to': return ['backtest', spec, '--from', '2024-01-01', '--to', value];
    case '--at': return ['explain', spec, '--data', CANDLES, '--at', value];
    default: return ['trades', spec, '--since', value];
  }
}

t.test(`${MALFORMED.length + OUT_OF_RANGE.length} bad times x 4 options: exit 2 naming the option`, async (t) => {
  for (const flag of ['--from', '--to', '--at', '--since']) {
    for (const value of [...MALFORMED, ...OUT_OF_RANGE]) {
      const a = await botctlHere(commandFor(flag, value));
      const quoted = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      // explain's --at reads years before 100 as no time at all; the others say the range.
      const says = !OUT_OF_RANGE.includes(value) ? new RegExp(`${flag}:? ["']?`)
        : flag === '--at' && value.startsWith('00') ? /--at: '0000-01-01' is not a UTC time/
        : new RegExp(`${flag} "${quoted}" is outside 2000–2100`);
      refused(t, a, { code: 2, case: `${flag} ${JSON.stringify(value)}`, says });
    }
  }
});

t.test('--since spans reaching before 2000 are refused; a sane span is not', async (t) => {
  for (const value of SINCE_SPANS) {
    const a = await botctlHere(['trades', spec, '--since', value]);
    if (value === '26w') {
      // No journal yet: the span itself was accepted and the next problem is reported (exit 1).
      t.equal(a.code, 1, `${value} accepted as a span`);
      t.match(a.err, /has no journal/);
    } else refused(t, a, { code: 2, case: value, says: new RegExp(`--since "${value}" is outside 2000–2100`) });
  }
});

t.test('--speed: values a timer cannot hold or that are not speeds are usage errors', async (t) => {
  for (const value of ['1e-7', '0.000001', '0', '-1', 'NaN', 'Infinity', 'fast', '', '1e400']) {
    const a = await botctlHere(['run', spec, '--data', CANDLES, '--speed', value]);
    refused(t, a, { code: 2, case: `--speed ${value}`, says: /--speed/ });
    t.notMatch(a.err, /TimeoutOverflowWarning/);
  }
});
