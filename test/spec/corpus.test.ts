// Every broken spec in test/fixtures/specs/ must fail with exactly these located messages, so
// a trader always sees the same precise `file:line:col: error: message`.
import t from 'tap';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { loadBotSpec } from '../../engine/spec/load.ts';
import type { Diagnostic } from '../../engine/spec/diagnostic.ts';
import { numbersForValidation, runtimeValidator, validateShape, validatorModuleSource, VALIDATOR_FILE } from '../../engine/spec/schema.ts';
import { SpecSource } from '../../engine/spec/source.ts';

process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
const F = 'test/fixtures/specs';

const line = (d: Diagnostic): string => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;

/** Each spec is loaded once per file: a strategy module's spec costs a worker thread to probe it. */
const loaded = new Map<string, Promise<{ errors: string[]; all: Diagnostic[] }>>();
function errorsOf(name: string): Promise<{ errors: string[]; all: Diagnostic[] }> {
  let r = loaded.get(name);
  if (!r) loaded.set(name, (r = load(name)));
  return r;
}
async function load(name: string): Promise<{ errors: string[]; all: Diagnostic[] }> {
  const r = await loadBotSpec(`${F}/${name}.yaml`);
  if (r.ok) return { errors: [], all: r.warnings };
  return { errors: r.diagnostics.filter((d) => d.severity === 'error').map(line), all: r.diagnostics };
}

const expected: Record<string, string[]> = {
  'yaml-syntax': [
    `${F}/yaml-syntax.yaml:11:5: error: YAML syntax error: this line is indented more than the key above it, so YAML cannot tell which mapping it belongs to`,
  ],
  'yaml-duplicate': [`${F}/yaml-duplicate.yaml:12:3: error: this key appears twice in the same mapping`],
  'wrong-types': [
    `${F}/wrong-types.yaml:6:13: error: market.interval must be one of \`1\`, \`3\`, \`5\`, \`15\`, \`30\`, \`60\`, \`120\`, \`240\`, \`360\`, \`720\`, \`D\`, \`W\` or \`M\`, not \`sixty\``,
    `${F}/wrong-types.yaml:9:17: error: strategy.min_strength must be a number, but it is the text \`high\``,
    `${F}/wrong-types.yaml:11:13: error: risk.quantity must be a number, but YAML reads it as a list`,
    `${F}/wrong-types.yaml:12:13: error: risk.leverage must be a number, like \`0.5\``,
    `${F}/wrong-types.yaml:14:20: error: risk.stop_loss.atr.length must be a whole number, not 14.5`,
    `${F}/wrong-types.yaml:15:14: error: protections must be a mapping (indented \`key: value\` lines), but it is the number 3`,
  ],
  'unknown-keys': [
    `${F}/unknown-keys.yaml:11:3: error: unknown key \`stop_los\` in \`risk\`; did you mean \`stop_loss\`?`,
    `${F}/unknown-keys.yaml:13:3: error: unknown key \`after_exits\` in \`cooldown\`; did you mean \`after_exit\`?`,
    `${F}/unknown-keys.yaml:14:1: error: unknown key \`protection\` at the top level; did you mean \`protections\`?`,
  ],
  'missing-required': [
    `${F}/missing-required.yaml:1:1: error: missing required key \`risk\``,
    `${F}/missing-required.yaml:2:1: error: missing required key \`symbol\` in \`market\``,
  ],
  'sizing-none': [`${F}/sizing-none.yaml:9:1: error: \`risk\` needs one of \`quantity\`, \`quote\` or \`risk_percent\``],
  'sizing-two': [`${F}/sizing-two.yaml:11:3: error: \`risk\` takes only one of \`quantity\`, \`quote\` or \`risk_percent\`, but has \`quantity\` and \`risk_percent\``],
  'stop-zero': [`${F}/stop-zero.yaml:12:14: error: risk.stop_loss.percent must be greater than 0`],
  'trailing-no-stop': [`${F}/trailing-no-stop.yaml:11:34: error: a trailing stop with an \`activation\` needs a stop-loss: until it activates, nothing would protect the position`],
  'spot-short': [`${F}/spot-short.yaml:10:3: error: spot cannot go short: a spot bot can only buy the coin and sell it again`],
  'spot-module-short': [`${F}/spot-module-short.yaml:9:14: error: spot cannot go short, so \`direction: both\` is not possible`],
  'spot-leverage': [`${F}/spot-leverage.yaml:11:13: error: leverage applies only to linear perpetuals; spot trades without leverage`],
  'risk-percent-no-stop': [
    `${F}/risk-percent-no-stop.yaml:10:3: error: risk_percent sizing needs a stop-loss: the size is computed from the distance to the stop`,
    `${F}/risk-percent-no-stop.yaml:11:18: error: a risk_reward take-profit is a multiple of the stop distance, so it needs a stop-loss`,
  ],
  'tp-below-fees': [`${F}/tp-below-fees.yaml:12:27: error: a take-profit of 0.1% does not cover the round-trip taker fees (2 × 0.055% = 0.11%), so every winning trade would lose money`],
  'tp-rr-below-fees': [`${F}/tp-rr-below-fees.yaml:12:31: error: a take-profit at 1R of a 0.05% stop is 0.05% away, which does not cover the round-trip taker fees (0.11%)`],
  'span-unit': [
    `${F}/span-unit.yaml:13:15: error: cooldown.after_exit is given in an unknown unit \`candles\`; write \`3 bars\``,
    `${F}/span-unit.yaml:14:15: error: cooldown.after_loss needs a unit: write \`90 bars\` or \`90m\``,
    `${F}/span-unit.yaml:15:16: error: cooldown.after_entry must be a whole number of units, not \`1.5\``,
  ],
  'max-position': [`${F}/max-position.yaml:11:29: error: max_position.quantity (0.005) is smaller than the fixed entry quantity (0.01), so no entry could be placed`],
  'limit-timeout': [`${F}/limit-timeout.yaml:12:12: error: a limit-order timeout of 0 would cancel the order before it could fill`],
  'limit-incomplete': [
    `${F}/limit-incomplete.yaml:9:1: error: entry_order needs \`offset_percent\` when \`type\` is \`limit\``,
    `${F}/limit-incomplete.yaml:9:1: error: entry_order needs \`timeout\` when \`type\` is \`limit\``,
  ],
  'market-with-timeout': [`${F}/market-with-timeout.yaml:11:3: error: \`timeout\` only applies when \`type\` is \`limit\``],
  'module-and-rules': [`${F}/module-and-rules.yaml:9:3: error: \`long\` cannot be used together with \`module\` in \`strategy\``],
  'no-strategy': [`${F}/no-strategy.yaml:7:1: error: \`strategy\` needs at least one of \`long\`, \`short\` or \`module\``],
  liquidation: [`${F}/liquidation.yaml:12:25: error: a stop-loss 6% away is beyond the liquidation price at 20× leverage (about 5% away)`],
  volatility: [
    `${F}/volatility.yaml:13:50: error: baseline_length (20) must be longer than atr_length (50): the baseline is the normal volatility the recent one is compared with`,
    `${F}/volatility.yaml:15:3: error: \`drawdown_cool_off\` in \`protections\` needs \`max_drawdown_percent\``,
  ],
  'expr-traps': [
    `${F}/expr-traps.yaml:9:12: error: strategy.long.entry is the YAML true/false value \`true\`, not a rule`,
    `${F}/expr-traps.yaml:10:11: error: strategy.long.exit is a YAML list, not a rule: a value starting with \`[\` or \`- \` is read as a list`,
    `${F}/expr-traps.yaml:13:7: error: strategy.short.entry is a YAML mapping, not a rule: \`?\` at the start, or \`: \` inside an unquoted value, makes a key/value pair`,
  ],
  'expr-comment-cut': [`${F}/expr-comment-cut.yaml:9:12: error: strategy.long.entry is empty: everything after \`#\` is a YAML comment, so the rule was cut off`],
  'expr-colon': [`${F}/expr-colon.yaml:9:12: error: YAML syntax error: this value contains \`: \` (or starts with \`? \`), so YAML reads it as another key instead of text`],
  'resume-after': [`${F}/resume-after.yaml:14:3: error: \`resume_after\` is gone: a drawdown pause now lasts until \`botctl resume resume-after\`; to lift it by itself after a time, write \`drawdown_cool_off: 1d\``],
  // The rule language and validate as a non-programmer meets them: each message gives the fix in one step.
  'expr-spreadsheet': [
    `${F}/expr-spreadsheet.yaml:9:13: error: rules are not spreadsheet formulas: write \`close > open and rsi(close, 14) < 70\``,
    `${F}/expr-spreadsheet.yaml:10:12: error: rules are not spreadsheet formulas: write \`close < open and (volume > 100 or not (close > high[1]))\``,
    `${F}/expr-spreadsheet.yaml:12:32: error: percent signs are not needed: write 30`,
  ],
  'expr-brackets': [
    `${F}/expr-brackets.yaml:9:21: error: expected ']' after \`close[1\` but found '>'`,
    `${F}/expr-brackets.yaml:10:12: error: \`5\` is a constant, so it has no earlier values to read with [1]: use a series such as \`close\` (\`close[1]\` is the previous candle's close)`,
    `${F}/expr-brackets.yaml:12:76: error: expected ')' to close 'crossover('`,
    `${F}/expr-brackets.yaml:13:25: error: there is no \`? :\` operator in rules: write \`iff(close < open, true, false)\``,
  ],
  'expr-ternary': [`${F}/expr-ternary.yaml:10:26: error: there is no \`? :\` operator in rules: write \`iff(close > open, 1, 0)\``],
  'expr-number': [
    `${F}/expr-number.yaml:9:13: error: strategy.long.entry must be a true/false condition, but \`5\` is a number`,
    `${F}/expr-number.yaml:10:12: error: strategy.long.exit must be a true/false condition, but \`close - open\` is a number`,
    `${F}/expr-number.yaml:11:14: error: strategy.strength must be a number, but \`close > open\` is a true/false condition`,
  ],
  'stop-percent-sign': [
    `${F}/stop-percent-sign.yaml:12:14: error: risk.stop_loss must be a mapping: write \`stop_loss: { percent: 2 }\``,
    `${F}/stop-percent-sign.yaml:13:16: error: risk.take_profit must be a mapping: write \`take_profit: { percent: 4 }\``,
    `${F}/stop-percent-sign.yaml:14:44: error: risk.trailing_stop.activation must be a mapping: write \`activation: { percent: 1.5 }\``,
  ],
  'stoploss-typo': [`${F}/stoploss-typo.yaml:12:3: error: unknown key \`stoploss\` in \`risk\`; did you mean \`stop_loss\`?`],
  'param-percent': [
    `${F}/param-percent.yaml:9:15: error: rule parameter \`vol_mult\` must be a plain number, not \`150%\`: write \`vol_mult: 1.5\` (150 % as a multiplier) or \`vol_mult: 150\``,
    `${F}/param-percent.yaml:10:13: error: rule parameter \`quoted\` must be a plain number, not \`2%\`: write \`quoted: 0.02\` (2 % as a multiplier) or \`quoted: 2\``,
  ],
  'param-equals': [`${F}/param-equals.yaml:9:5: error: \`fast = 10\` is not a YAML key and value: write \`fast: 10\``],
  'param-equals-last': [`${F}/param-equals-last.yaml:10:5: error: \`fast = 10\` is not a YAML key and value: write \`fast: 10\``],
  'symbol-spelling': [`${F}/symbol-spelling.yaml:5:11: error: market.symbol must be a Bybit symbol in capitals, like \`BTCUSDT\`: write \`BTCUSDT\``],
  'symbol-lowercase': [`${F}/symbol-lowercase.yaml:2:55: error: market.symbol must be a Bybit symbol in capitals, like \`BTCUSDT\`: write \`BTCUSDT\``],
  'long-only': [`${F}/long-only.yaml:8:3: error: \`long_only\` is not a setting: to trade long only, remove the \`short:\` block`],
  'module-missing': [`${F}/module-missing.yaml:8:11: error: strategy module test/fixtures/strategies/throwng.ts does not exist`],
  'module-syntax': ['test/fixtures/strategies/syntax-error.ts:7:15: error: syntax error: Unexpected ";"'],
  'module-syntax-js': ["test/fixtures/strategies/syntax-error-js.mjs:3:15: error: syntax error: Unexpected token ';'"],
  'module-no-default': [`${F}/module-no-default.yaml:8:11: error: strategy module test/fixtures/strategies/no-default.ts has no default export`],
  'module-arrow': [`${F}/module-arrow.yaml:8:11: error: the default export of test/fixtures/strategies/default-arrow.ts must be a strategy class, but it is an arrow function`],
  'module-shape': [`${F}/module-shape.yaml:8:11: error: the strategy in test/fixtures/strategies/wrong-shape.ts does not implement Strategy: \`onCandle(candle)\` is missing; \`warmupBars\` must be a whole number ≥ 0, but it is "20"`],
  'module-throws': [`${F}/module-throws.yaml:8:11: error: the strategy's constructor threw: cannot open indicator cache`],
  'module-missing-import': [`${F}/module-missing-import.yaml:8:11: error: strategy module test/fixtures/strategies/missing-import.ts imports test/fixtures/strategies/does-not-exist.ts, which cannot be found`],
  'module-params': [`${F}/module-params.yaml:11:19: error: exit_channel must be a whole number of candles from 2 to 1000, not 1.5`],
  'module-params-unknown': [`${F}/module-params-unknown.yaml:10:5: error: unknown parameter \`chanel\`; this strategy takes channel and exit_channel`],
};

for (const [name, lines] of Object.entries(expected)) {
  t.test(name, async (t) => {
    const { errors } = await errorsOf(name);
    t.strictSame(errors, lines);
  });
}

t.test('a misspelt key is the first thing validate says, warnings included: what follows from it is not repeated', async (t) => {
  const { all } = await errorsOf('stoploss-typo');
  t.strictSame(all.map(line), [`${F}/stoploss-typo.yaml:12:3: error: unknown key \`stoploss\` in \`risk\`; did you mean \`stop_loss\`?`]);
});

t.test('hints say how to fix the problem', async (t) => {
  const hintOf = async (name: string): Promise<string | undefined> => (await errorsOf(name)).all.find((d) => d.severity === 'error')?.hint;
  t.match(await hintOf('span-unit'), /`bars` \(closed candles\), `s`, `m`, `h` or `d`/);
  t.match(await hintOf('expr-traps'), /quote it/);
  t.match(await hintOf('expr-comment-cut'), /double quotes/);
  t.match(await hintOf('tp-below-fees'), /above 0\.11/);
  t.match(await hintOf('module-throws'), /test\/fixtures\/strategies\/throwing\.ts:5:11/);
  t.match(await hintOf('module-no-default'), /exports `Forgotten` by name/);
  t.match(await hintOf('missing-required'), /How big each position is/);
  t.equal(await hintOf('module-missing'), 'did you mean `throwing.ts`? (the path is relative to the spec file)');
});

t.test('rule parameters: text values rejected where defined, unused ones warned about', async (t) => {
  const { errors, all } = await errorsOf('rule-params');
  t.strictSame(errors, [
    `${F}/rule-params.yaml:10:11: error: rule parameter \`slow\` must be a number or true/false, not the text \`21\``,
    `${F}/rule-params.yaml:14:3: error: \`min_strength\` needs a \`strength\` expression to compare with`,
  ]);
  t.strictSame(all.filter((d) => d.severity === 'warning').map(line), [
    `${F}/rule-params.yaml:11:5: warning: parameter \`unused\` is defined but never used in the rules`,
  ]);
});

t.test('the excerpt underlines the offending value', async (t) => {
  const { all } = await errorsOf('stop-zero');
  t.strictSame(all[0]?.excerpt, { lineText: '    percent: 0', caretStart: 13, caretLength: 1 });
});

t.test('a missing file is a clear error, not a crash', async (t) => {
  const r = await loadBotSpec(`${F}/does-not-exist.yaml`);
  t.equal(r.ok, false);
  if (!r.ok) t.equal(r.diagnostics[0]?.message, 'cannot read the spec: no such file');
});

t.test('keys botctl does not implement are "not supported yet", and secrets are never echoed', async (t) => {
  const { errors, all } = await errorsOf('not-supported');
  t.strictSame(errors, [
    `${F}/not-supported.yaml:6:13: error: market.interval must be one of \`1\`, \`3\`, \`5\`, \`15\`, \`30\`, \`60\`, \`120\`, \`240\`, \`360\`, \`720\`, \`D\`, \`W\` or \`M\`, not \`4h\`; write \`240\``,
    `${F}/not-supported.yaml:7:3: error: \`market.exchange\` is not supported yet: botctl trades on Bybit only`,
    `${F}/not-supported.yaml:15:5: error: take-profit \`levels\` (partial exits) are not supported yet`,
    `${F}/not-supported.yaml:17:3: error: API keys are never read from the spec`,
  ]);
  t.notOk(JSON.stringify(all).includes('s3cr3t-value'), 'the secret is not in any diagnostic');
});

// Messages below come from the rule language; the positions and hints are the spec loader's job.
t.test('rule errors point at the exact spot in plain, quoted, folded and literal scalars', async (t) => {
  const { all } = await errorsOf('expr-positions');
  const at = all.filter((d) => d.severity === 'error').map((d) => ({ pos: `${d.line}:${d.column}`, text: d.excerpt?.lineText.slice(d.excerpt.caretStart, d.excerpt.caretStart + d.excerpt.caretLength) }));
  t.strictSame(at, [
    { pos: '12:37', text: 'volumee' },
    { pos: '13:34', text: 'fastt' },
    { pos: '17:38', text: 'clsoe' },
  ]);
});

t.test('a rule cut short by an unquoted # says so', async (t) => {
  const { all } = await errorsOf('expr-comment-inside');
  const error = all.find((d) => d.severity === 'error');
  t.equal(error && `${error.line}:${error.column}`, '9:37');
  t.match(error?.hint, /the rule ends where `#` starts a YAML comment: put the whole rule in quotes/);
  t.strictSame(all.filter((d) => d.severity === 'warning').map(line), [
    `${F}/expr-comment-inside.yaml:9:38: warning: the text after \`#\` is a YAML comment, not part of this rule`,
  ]);
});

t.test('valid but doubtful settings get warnings', async (t) => {
  const r = await loadBotSpec(`${F}/warnings.yaml`);
  t.equal(r.ok, true);
  if (!r.ok) return;
  t.strictSame(r.warnings.map(line), [
    `${F}/warnings.yaml:10:10: warning: each entry of 20000 is more than the simulated equity of 10000 can hold, so backtests and paper trading cannot place entries of that size`,
    `${F}/warnings.yaml:11:25: warning: a 0.15% stop is inside the round-trip taker fees (0.2%): fees alone cost more than the planned loss`,
    `${F}/warnings.yaml:14:15: warning: after_loss is not longer than after_exit, so it never changes anything`,
  ]);
});

// botctl validates with the code ajv generates at build time (dist/, see engine/build/build.mjs); these
// tests, run from the sources, compile the schema at run time. Both must report the same errors
// for every spec. (test/spec/cli.test.ts checks that dist/ holds this code.)
t.test('the validator generated for the build reports exactly what ajv compiled at run time reports', async (t) => {
  const file = join(t.testdir(), VALIDATOR_FILE);
  writeFileSync(file, validatorModuleSource());
  const generated = createRequire(import.meta.url)(file) as ValidateFunction;
  const runtime = runtimeValidator();
  const files = [...readdirSync(F).map((f) => `${F}/${f}`), ...readdirSync('bots').filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')).map((f) => `bots/${f}`)];
  let withErrors = 0;
  for (const spec of files) {
    const src = new SpecSource(spec, readFileSync(spec, 'utf8'));
    if (src.syntaxDiagnostics().some((d) => d.severity === 'error')) continue; // never reaches the schema
    const data = numbersForValidation(src.doc.toJS());
    const expected = validateShape(data, runtime);
    t.strictSame(validateShape(data, generated), expected, spec);
    if (expected.length > 0) withErrors++;
  }
  t.ok(withErrors >= 10, `the corpus makes the schema fail in ${withErrors} files`);
});
