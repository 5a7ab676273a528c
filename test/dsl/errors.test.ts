// Every diagnostic a user can meet: exact text, offset and length (the spec loader turns the
// offset into file:line:col and draws the caret, so both must be right).
import t from 'tap';
import { compileRules, renderExpressionError, type DslDiagnostic } from '../../dsl/index.ts';

const params = new Map<string, number | boolean>([['fast', 9], ['slow', 21], ['ratio', 1.5], ['use_rsi', true]]);
type D = Omit<DslDiagnostic, 'field'>;

function diagnose(expr: string): D[] {
  const r = compileRules({ long_entry: expr }, params);
  if (r.ok) return [];
  return r.diagnostics.map(({ field, ...d }) => {
    if (field !== 'long_entry') throw new Error(`wrong field ${field}`);
    return d;
  });
}

const SPREADSHEET = 'conditions are joined by `and`, `or` and `not` written between them, not by AND(…), OR(…), NOT(…) around them, and a rule has no `=` in front';
const PERCENT = '`%` between two numbers is the remainder of a division; rsi and other oscillators already run from 0 to 100';

const cases: [string, D[]][] = [
  // Lexer traps: the operator the user meant is named.
  ['close > open &&  close > 1', [{ offset: 13, length: 2, message: "'&&' is not an operator in rules", hint: "write 'and' instead of '&&'" }]],
  ['a || b', [{ offset: 2, length: 2, message: "'||' is not an operator in rules", hint: "write 'or' instead of '||'" }]],
  ['close = open', [{ offset: 6, length: 1, message: "'=' is not an operator in rules", hint: "to test for equality write '==' (for example close == open)" }]],
  ['close => open', [{ offset: 6, length: 2, message: "'=>' is not an operator in rules", hint: "for 'greater than or equal' write '>='" }]],
  ['close =< open', [{ offset: 6, length: 2, message: "'=<' is not an operator in rules", hint: "for 'less than or equal' write '<='" }]],
  ['close <> open', [{ offset: 6, length: 2, message: "'<>' is not an operator in rules", hint: "for 'not equal' write '!='" }]],
  ['!crossover(close, open)', [{ offset: 0, length: 1, message: "'!' is not an operator in rules", hint: "write 'not' instead of '!' (for example not crossover(a, b))" }]],
  ['close ? 1 : 2', [{ offset: 6, length: 1, message: 'there is no `? :` operator in rules: write `iff(close, 1, 2)`', hint: 'iff(condition, value_if_true, value_if_false)' }]],
  ['close > open @', [{ offset: 13, length: 1, message: "unexpected character '@'", hint: 'expressions use names, numbers, ( ) [ ] , and the operators + - * / % < <= > >= == != and, or, not' }]],
  ['rsi(close, 14) ≥ 70', [{ offset: 15, length: 1, message: "unexpected character '≥'", hint: "write '>='" }]],
  ['close − open > 0', [{ offset: 6, length: 1, message: "unexpected character '−'", hint: "this is a typographic minus; type '-'" }]],
  ['close > 1 & open > 1', [{ offset: 10, length: 1, message: "unexpected character '&'", hint: "write 'and'" }]],
  // Several traps in one expression are all reported.
  ['a && b || c', [
    { offset: 2, length: 2, message: "'&&' is not an operator in rules", hint: "write 'and' instead of '&&'" },
    { offset: 7, length: 2, message: "'||' is not an operator in rules", hint: "write 'or' instead of '||'" },
  ]],

  // Habits from spreadsheets and percentages: the whole rule rewritten, in one step.
  ['=AND(close > open, rsi(close, 14) < 70)', [{ offset: 0, length: 1, message: 'rules are not spreadsheet formulas: write `close > open and rsi(close, 14) < 70`', hint: SPREADSHEET }]],
  ['AND(close > open, volume > 0)', [{ offset: 0, length: 3, message: 'rules are not spreadsheet formulas: write `close > open and volume > 0`', hint: SPREADSHEET }]],
  ['OR(AND(close > open, volume > 0), close = high) and rsi(close, 14) <> 50', [{ offset: 0, length: 2, message: 'rules are not spreadsheet formulas: write `((close > open and volume > 0) or close == high) and rsi(close, 14) != 50`', hint: SPREADSHEET }]],
  ['NOT(close > open)', [{ offset: 0, length: 3, message: 'rules are not spreadsheet formulas: write `not (close > open)`', hint: SPREADSHEET }]],
  ['and(close > open, volume > 0)', [{ offset: 0, length: 3, message: 'rules are not spreadsheet formulas: write `close > open and volume > 0`', hint: SPREADSHEET }]],
  ['not(close > open) or (volume > 0 and close > 1)', []],
  ['rsi(close, 14) < 70%', [{ offset: 19, length: 1, message: 'percent signs are not needed: write 70', hint: PERCENT }]],
  ['max(rsi(close, 14), 20%) > 50% and close > open', [
    { offset: 22, length: 1, message: 'percent signs are not needed: write 20', hint: PERCENT },
    { offset: 29, length: 1, message: 'percent signs are not needed: write 50', hint: PERCENT },
  ]],
  ['volume % 2 == 0', []],

  // Syntax.
  ['rsi(close, 14) < 70 and crossover(ema(close, 9), ema(close, 21)', [{ offset: 63, length: 1, message: "expected ')' to close 'crossover('" }]],
  ['(close > open', [{ offset: 13, length: 1, message: "expected ')' to close '('" }]],
  ['close[1 > 2', [{ offset: 8, length: 1, message: "expected ']' after `close[1` but found '>'", hint: 'a history offset is a whole number in brackets right after the series: write `close[1] > 2`' }]],
  ['close[1 + 2', [{ offset: 11, length: 1, message: "expected ']' to close '['" }]],
  ['rsi(close 14) < 30', [{ offset: 10, length: 2, message: "expected ',' or ')' after an argument of 'rsi(' but found `14`", hint: "separate arguments with ','" }]],
  ['close open', [{ offset: 6, length: 4, message: 'expected an operator before `open`', hint: "join conditions with 'and' / 'or', and values with + - * / or a comparison" }]],
  ['close > 1 adn open > 1', [{ offset: 10, length: 3, message: 'unexpected `adn`; did you mean `and`?', hint: 'the logical operators are and, or, not (lower case)' }]],
  ['close > 1 AND open > 1', [{ offset: 10, length: 3, message: 'unexpected `AND`; did you mean `and`?', hint: 'the logical operators are and, or, not (lower case)' }]],
  ['close > open and', [{ offset: 16, length: 1, message: "the expression ends after 'and'; a condition is missing" }]],
  ['close >', [{ offset: 7, length: 1, message: "the expression ends after '>'; a value is missing" }]],
  ['close > open and )', [{ offset: 17, length: 1, message: "expected a condition after 'and' but found ')'" }]],
  ['max(close, ) > 1', [{ offset: 11, length: 1, message: "expected a value after ',' but found ')'", hint: 'a value is a number, a name such as close, or a call such as ema(close, 9)' }]],
  ['close > open)', [{ offset: 12, length: 1, message: "unmatched ')': there is no '(' for it to close" }]],
  ['   ', [{ offset: 0, length: 1, message: 'the expression is empty', hint: 'write a condition such as close > open' }]],

  // Names.
  ['emaa(close, 9) > 1', [{ offset: 0, length: 4, message: 'unknown function `emaa`; did you mean `ema`?' }]],
  ['EMA(close, 9) > 1', [{ offset: 0, length: 3, message: 'unknown function `EMA`; did you mean `ema`?' }]],
  ['crossabove(close, open)', [{ offset: 0, length: 10, message: 'unknown function `crossabove`; did you mean `crossover`?' }]],
  ['clsoe > 1', [{ offset: 0, length: 5, message: 'unknown name `clsoe`; did you mean `close`?' }]],
  ['fsat > 1', [{ offset: 0, length: 4, message: 'unknown name `fsat`; did you mean `fast`?' }]],
  ['ema > 1', [{ offset: 0, length: 3, message: '`ema` is a function; call it with its arguments: ema(source, length)' }]],
  ['close(1) > 1', [{ offset: 0, length: 5, message: '`close` is a series, not a function', hint: 'for an earlier value write close[1]' }]],
  ['fast(1) > 1', [{ offset: 0, length: 4, message: '`fast` is a param, not a function' }]],
  ['constructor > 1', [{ offset: 0, length: 11, message: 'unknown name `constructor`', hint: 'names are open, high, low, close, volume, hl2, hlc3, ohlc4, true, false, na, or one of the params fast, slow, ratio, use_rsi' }]],

  // Arity and constant arguments.
  ['ema(close) > 1', [{ offset: 0, length: 10, message: '`ema` takes 2 arguments, ema(source, length), but got 1' }]],
  ['ema(close, 9, 3) > 1', [{ offset: 0, length: 16, message: '`ema` takes 2 arguments, ema(source, length), but got 3' }]],
  ['change() > 1', [{ offset: 0, length: 8, message: '`change` takes 1 to 2 arguments, change(source, length = 1), but got 0' }]],
  ['max(close) > 1', [{ offset: 0, length: 10, message: '`max` takes at least 2 arguments, max(a, b, …), but got 1' }]],
  ['ema(close, close) > 1', [{ offset: 11, length: 5, message: '`length` of ema(source, length) must be a whole number or a param, but `close` changes from bar to bar', hint: 'lengths and offsets must be whole numbers or params' }]],
  ['ema(close, 9.5) > 1', [{ offset: 11, length: 3, message: '`length` of ema(source, length) must be a whole number, not 9.5', hint: 'lengths and offsets must be whole numbers or params' }]],
  ['ema(close, ratio) > 1', [{ offset: 11, length: 5, message: '`length` of ema(source, length) must be a whole number, but `ratio` is 1.5', hint: 'lengths and offsets must be whole numbers or params' }]],
  ['ema(close, 0) > 1', [{ offset: 11, length: 1, message: '`length` of ema(source, length) must be at least 1, not 0' }]],
  ['ema(close, 6000) > 1', [{ offset: 11, length: 4, message: '`length` of ema(source, length) is 6000; the largest allowed is 5000' }]],
  ['close[1.5] > 1', [{ offset: 6, length: 3, message: 'the history offset in `close[1.5]` must be a whole number, not 1.5', hint: 'lengths and offsets must be whole numbers or params' }]],
  ['close[-1] > 1', [{ offset: 6, length: 2, message: 'the history offset in `close[-1]` must be at least 0, not -1' }]],
  ['close[5001] > 1', [{ offset: 6, length: 4, message: 'the history offset in `close[5001]` is 5001; the largest allowed is 5000' }]],
  ['close[close] > 1', [{ offset: 6, length: 5, message: 'the history offset in `close[close]` must be a whole number or a param, but `close` changes from bar to bar', hint: 'lengths and offsets must be whole numbers or params' }]],
  ['5[1] > 1', [{ offset: 0, length: 1, message: "`5` is a constant, so it has no earlier values to read with [1]: use a series such as `close` (`close[1]` is the previous candle's close)" }]],
  ['tr(1) > 0', [{ offset: 3, length: 1, message: '`handle_na` of tr(handle_na = false) must be true or false' }]],
  ['bb_upper(close, 20, 0) > 1', [{ offset: 20, length: 1, message: '`mult` of bb_upper(source, length, mult = 2) must be a positive number or a param, but `0` is 0' }]],

  // Types.
  ['close > na', [{ offset: 8, length: 2, message: 'comparing with `na` is never true', hint: 'to test for a missing value write na(x)' }]],
  ['close and open', [
    { offset: 0, length: 5, message: "'and' needs true/false conditions, but `close` is a number", hint: 'compare it with something, for example close > 0' },
    { offset: 10, length: 4, message: "'and' needs true/false conditions, but `open` is a number", hint: 'compare it with something, for example open > 0' },
  ]],
  ['not rsi(close, 14)', [{ offset: 4, length: 14, message: "'not' needs true/false conditions, but `rsi(close, 14)` is a number", hint: 'compare it with something, for example rsi(close, 14) > 0' }]],
  ['crossover(close, open) > 1', [{ offset: 0, length: 22, message: "'>' compares numbers, but `crossover(close, open)` is a true/false condition", hint: "combine conditions with 'and' / 'or'" }]],
  ['close + crossover(close, open) > 1', [{ offset: 8, length: 22, message: "'+' works on numbers, but `crossover(close, open)` is a true/false condition" }]],
  ['-(close > 1) and true', [{ offset: 0, length: 12, message: "'-' works on numbers, but `(close > 1)` is a true/false condition" }]],
  ['iff(close > 1, 1, close > 2)', [{ offset: 0, length: 28, message: 'both branches of iff must have the same type, but `1` is a number and `close > 2` is a true/false condition' }]],
  ['na(close > 1)', [{ offset: 3, length: 9, message: '`x` of na(x) must be a number, but `close > 1` is a true/false condition' }]],
  ['close', [{ offset: 0, length: 5, message: 'long_entry must be a true/false condition, but `close` is a number', hint: 'compare it with something, for example `rsi(close, 14) < 30`' }]],
  // Problems in separate places are all reported, in order.
  ['emaa(close, 9) > clsoe and rsi(close) and ema(close, 9.5) > 1', [
    { offset: 0, length: 4, message: 'unknown function `emaa`; did you mean `ema`?' },
    { offset: 17, length: 5, message: 'unknown name `clsoe`; did you mean `close`?' },
    { offset: 27, length: 10, message: '`rsi` takes 2 arguments, rsi(source, length), but got 1' },
    { offset: 53, length: 3, message: '`length` of ema(source, length) must be a whole number, not 9.5', hint: 'lengths and offsets must be whole numbers or params' },
  ]],
];

for (const [expr, expected] of cases) {
  t.strictSame(diagnose(expr), expected, expr);
}

t.test('accepted spellings', async (t) => {
  t.strictSame(diagnose('ta.ema(close, fast) > ta.sma(close, slow) and use_rsi'), [], 'Pine ta. prefixes and params');
  t.strictSame(diagnose('math.abs(close - open) > 0'), [], 'Pine math. prefix');
  t.strictSame(diagnose('not close > open'), [], '`not` binds looser than comparisons');
  t.strictSame(diagnose('crossover(ema(close, fast), ema(close, slow))'), [], 'params as lengths');
});

t.test('keywords need whole words: names starting with or/and/not are names', async (t) => {
  t.strictSame(diagnose('orders > 1'), [{ offset: 0, length: 6, message: 'unknown name `orders`', hint: 'names are open, high, low, close, volume, hl2, hlc3, ohlc4, true, false, na, or one of the params fast, slow, ratio, use_rsi' }]);
  t.strictSame(diagnose('notable > 1').map((d) => d.message), ['unknown name `notable`']);
});

t.test('strength and confidence must be numbers', async (t) => {
  const r = compileRules({ long_entry: 'close > open', strength: 'close > 1', confidence: 'rsi(close, 14) / 100' }, params);
  t.notOk(r.ok);
  if (!r.ok) t.strictSame(r.diagnostics, [{ field: 'strength', offset: 0, length: 9, message: 'strength must be a number, but `close > 1` is a true/false condition', hint: 'use a number expression, for example `(70 - rsi(close, 14)) / 70`' }]);
});

t.test('diagnostics of every field are collected', async (t) => {
  const r = compileRules({ long_entry: 'clsoe > 1', long_exit: 'close >', short_entry: 'close && open' }, params);
  t.notOk(r.ok);
  if (!r.ok) t.strictSame(r.diagnostics.map((d) => `${d.field}@${d.offset}`), ['long_entry@0', 'long_exit@7', 'short_entry@6']);
});

t.test('limits', async (t) => {
  const long = `close > ${'1'.repeat(4100)}`;
  t.strictSame(diagnose(long), [{ offset: 0, length: 1, message: 'the expression is 4108 characters long; the limit is 4096', hint: 'split the idea into shorter conditions or use params for repeated numbers' }]);
  const deep = `${'('.repeat(33)}close${')'.repeat(33)} > 1`;
  t.strictSame(diagnose(deep), [{ offset: 32, length: 1, message: 'the expression is nested more than 32 levels deep', hint: 'simplify it, or split it into separate conditions' }]);
  t.strictSame(diagnose(`${'('.repeat(32)}close${')'.repeat(32)} > 1`), [], '32 levels are fine');
  const negations = `${'not '.repeat(40)}close > 1`;
  t.strictSame(diagnose(negations).map((d) => d.message), ['the expression is nested more than 32 levels deep']);
  const manyTokens = Array.from({ length: 501 }, () => 'close').join(' + ') + ' > 1';
  t.strictSame(diagnose(manyTokens), [{ offset: 0, length: 1, message: 'the expression has 1003 tokens; the limit is 1000' }]);
  // 4 fields × 130 distinct averages: well over 500 nodes in the shared program.
  const field = (k: number) => Array.from({ length: 130 }, (_, i) => `sma(close,${k * 1000 + i + 1})`).join('+') + '>0';
  const r = compileRules({ long_entry: field(0), long_exit: field(1), short_entry: field(2), short_exit: field(3) }, params);
  t.notOk(r.ok);
  if (!r.ok) {
    t.equal(r.diagnostics.length, 1);
    t.match(r.diagnostics[0]!.message, /^the rules need \d+ distinct computations; the limit is 500$/);
  }
});

t.test('renderExpressionError draws the caret under the problem', async (t) => {
  const expr = 'crossover(ema(close, 9), ema(close, 21)';
  const [d] = diagnose(expr);
  t.equal(renderExpressionError(expr, d!), [
    "error: expected ')' to close 'crossover('",
    '  crossover(ema(close, 9), ema(close, 21)',
    '                                         ^',
  ].join('\n'));
  const [e] = diagnose('close => open');
  t.equal(renderExpressionError('close => open', e!), "error: '=>' is not an operator in rules\n  close => open\n        ^^\n  hint: for 'greater than or equal' write '>='");
});
