// `botctl init` through botctl's main (the real command where stdin or a terminal is the point):
// every template writes a spec that `botctl validate` accepts, nothing invalid or half-written is
// left behind, existing files are not overwritten.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { botctl, ROOT, spawnBotctl } from '../fixtures/commands/journal.ts';
import { BOTCTL } from '../helpers/run-cli.ts';

const TEMPLATES = ['ema-crossover', 'rsi-mean-reversion', 'breakout-module'];


// Some cases spawn the real CLI; a loaded machine can take minutes.
t.setTimeout(300_000);

t.test('every template, linear and spot, validates as written', async (t) => {
  const dir = t.testdir();
  const specs: string[] = [];
  for (const template of TEMPLATES) {
    for (const category of ['linear', 'spot']) {
      const name = `${template}-${category}`;
      const r = await botctl(dir, ['init', '--yes', '--template', template, '--category', category, '--name', name, ...(category === 'spot' ? ['--symbol', 'ETHUSDT', '--stop', 'percent', '--interval', '15'] : [])]);
      t.equal(r.code, 0, `${name}: ${r.err}`);
      t.match(r.out, new RegExp(`wrote bots/${name}\\.yaml \\(${template}, (BTC|ETH)USDT ${category}, valid\\)`));
      t.match(r.out, new RegExp(`Next steps:\\n  botctl validate bots/${name}\\.yaml`));
      const file = join(dir, 'bots', `${name}.yaml`);
      const text = readFileSync(file, 'utf8');
      const schema = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      t.ok(schema, `${name}: schema line first`);
      t.equal(resolve(dirname(file), schema![1]!), join(ROOT, 'schemas', 'bot.schema.json'), `${name}: schema path resolves to botctl's schema`);
      t.match(text, new RegExp(`^name: ${name}$`, 'm'));
      if (category === 'spot') {
        t.notMatch(text, /^\s+short:/m, `${name}: no short rules on spot`);
        t.notMatch(text, /leverage:/, `${name}: no leverage on spot`);
        t.match(r.out, /note: spot cannot go short/, `${name}: says why the template was adjusted`);
      } else t.notMatch(r.out, /note:/);
      specs.push(`bots/${name}.yaml`);
    }
  }
  t.ok(existsSync(join(dir, 'bots', 'strategies', 'donchian-breakout.mts')), 'the module template writes its strategy module');
  const v = await botctl(dir, ['validate', ...specs]);
  t.equal(v.code, 0, v.out + v.err);
  for (const s of specs) t.match(v.out, new RegExp(`${s.replace(/\./g, '\\.')}: valid`));
  t.same(readdirSync(join(dir, 'bots')).filter((f) => f.includes('tmp')), [], 'no temporary files left');

  // The generated module really trades: a backtest on the bundled data runs and finds trades.
  const b = await botctl(dir, ['backtest', 'bots/breakout-module-linear.yaml', '--data', join(ROOT, 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv'), '--json', 'bt.json']);
  t.equal(b.code, 0, b.err);
  t.ok(JSON.parse(readFileSync(join(dir, 'bt.json'), 'utf8')).trades.length > 5, 'the breakout module trades');
});

t.test('defaults: btc-ema on BTCUSDT linear 1h; flags are checked', async (t) => {
  const dir = t.testdir();
  const r = await botctl(dir, ['init', '--yes']);
  t.equal(r.code, 0, r.err);
  const text = readFileSync(join(dir, 'bots', 'btc-ema.yaml'), 'utf8');
  t.match(text, /^name: btc-ema$/m);
  t.match(text, /^ {2}symbol: BTCUSDT$/m);
  t.match(text, /^ {2}interval: 60 /m);
  t.match(text, /^ {2}risk_percent: 1 /m);
  t.match(text, /atr: \{ length: 14, multiple: 2 \}/);

  const h = await botctl(dir, ['init', '--yes', '--name', 'h4', '--interval', '4h', '--risk', '0.5', '--symbol', 'solusdt']);
  t.equal(h.code, 0, h.err);
  const h4 = readFileSync(join(dir, 'bots', 'h4.yaml'), 'utf8');
  t.match(h4, /^ {2}interval: 240 /m);
  t.match(h4, /^ {2}risk_percent: 0\.5 /m);
  t.match(h4, /^ {2}symbol: SOLUSDT$/m);

  for (const [args, msg] of [
    [['--template', 'grid'], /template "grid" must be one of ema-crossover, rsi-mean-reversion, breakout-module/],
    [['--interval', '7'], /interval "7" must be one of/],
    [['--category', 'inverse'], /category "inverse" must be linear/],
    [['--name', 'My Bot'], /name "My Bot" must be lower-case letters/],
    [['--risk', '50'], /risk percent "50" must be a number above 0 and at most 10/],
    [['--out', 'bots/x.txt'], /must end in \.yaml/],
    [['--bogus'], /unknown option/],
  ] as [string[], RegExp][]) {
    const u = await botctl(dir, ['init', '--yes', '--name', 'zz', ...args]);
    t.equal(u.code, 2, args.join(' '));
    t.match(u.err, msg);
  }
  t.notOk(existsSync(join(dir, 'bots', 'zz.yaml')), 'nothing written on a usage error');
});

t.test('refuses to overwrite unless --force', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'bots'));
  const file = join(dir, 'bots', 'btc-ema.yaml');
  writeFileSync(file, 'name: mine\n');
  let r = await botctl(dir, ['init', '--yes']);
  t.equal(r.code, 1);
  t.equal(r.err, 'error: bots/btc-ema.yaml already exists; choose another --name or --out, or pass --force to overwrite it\n');
  t.equal(readFileSync(file, 'utf8'), 'name: mine\n', 'untouched');
  r = await botctl(dir, ['init', '--yes', '--force']);
  t.equal(r.code, 0, r.err);
  t.match(readFileSync(file, 'utf8'), /^name: btc-ema$/m);
});

t.test('an existing strategy module that does not fit: nothing is written, the module is kept', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'bots', 'strategies'), { recursive: true });
  const mod = join(dir, 'bots', 'strategies', 'donchian-breakout.mts');
  const mine = 'export default class Mine { constructor(p: Record<string, unknown>) { if (Object.keys(p).length) throw Object.assign(new Error(`unknown parameter ${Object.keys(p)[0]}`), { name: "StrategyParamsError", param: Object.keys(p)[0] }); } warmupBars = 1; preloadBars = 1; onCandle() { return []; } }\n';
  writeFileSync(mod, mine);
  const r = await botctl(dir, ['init', '--yes', '--template', 'breakout-module']);
  t.equal(r.code, 1);
  t.match(r.err, /the spec botctl init generated does not validate, so nothing was written/);
  t.match(r.err, /unknown parameter channel/);
  t.match(r.err, /the existing strategy module it uses may not fit this template/);
  t.same(readdirSync(join(dir, 'bots')).sort(), ['strategies'], 'no spec and no temporary file left');
  t.equal(readFileSync(mod, 'utf8'), mine, 'the trader\'s module is untouched');
});

t.test('--interactive: answers read from input, bad answers asked again', async (t) => {
  const dir = t.testdir();
  const answers = ['grid', 'rsi-mean-reversion', 'ethusdt', 'spot', '15m', '2%', 'percent', ''].join('\n') + '\n';
  const r = await spawnBotctl(dir, ['init', '--interactive'], answers);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /Template \[ema-crossover\]: grid\n {2}template "grid" must be one of/);
  t.match(r.out, /Bot name \[eth-rsi\]: \n/);
  const text = readFileSync(join(dir, 'bots', 'eth-rsi.yaml'), 'utf8');
  t.match(text, /^ {2}symbol: ETHUSDT$/m);
  t.match(text, /^ {2}category: spot /m);
  t.match(text, /^ {2}interval: 15 /m);
  t.match(text, /^ {2}risk_percent: 2 /m);
  t.match(text, /stop_loss:\n {4}percent: 2 /);
  const v = await botctl(dir, ['validate', 'bots/eth-rsi.yaml']);
  t.equal(v.code, 0, v.out);

  // Input ending early keeps the remaining suggestions.
  const e = await spawnBotctl(dir, ['init', '--interactive', '--name', 'early'], 'breakout-module\n');
  t.equal(e.code, 0, e.err);
  t.match(readFileSync(join(dir, 'bots', 'early.yaml'), 'utf8'), /module: \.\/strategies\/donchian-breakout\.mts/);
});

t.test('on a terminal it asks without --interactive (pseudo-terminal through script(1))', async (t) => {
  if (!existsSync('/usr/bin/script')) {
    t.comment('SKIPPED: script(1) not installed');
    return;
  }
  const dir = t.testdir();
  const { spawn } = await import('node:child_process');
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BOTCTL)} init`;
  const child = spawn('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  // Typed ahead; the terminal turns Enter (\r) into a line end. Input stays open until botctl exits.
  child.stdin.write('breakout-module\r\rspot\r\r\r\rtty-bot\r');
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearTimeout(timer);
  t.equal(code, 0, out);
  t.match(out, /Template \[ema-crossover\]:/);
  t.match(out, /Bot name \[btc-breakout\]:/);
  const text = readFileSync(join(dir, 'bots', 'tty-bot.yaml'), 'utf8');
  t.match(text, /^ {2}category: spot /m);
  t.match(text, /^ {2}direction: long /m);
});
