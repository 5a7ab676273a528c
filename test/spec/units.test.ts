// Building blocks of the spec checker: formatting, suggestions, spans, expression positions.
import t from 'tap';
import { parseDocument, isScalar, isMap } from 'yaml';
import { formatDiagnostics, countLine } from '../../engine/spec/diagnostic.ts';
import type { Diagnostic } from '../../engine/spec/diagnostic.ts';
import { editDistance, didYouMean } from '../../engine/spec/suggest.ts';
import { parseSpan, describeSpanProblem, describeSpan } from '../../engine/spec/span.ts';
import { valueToSource } from '../../engine/spec/expressions.ts';

t.test('formatDiagnostics: sorted, excerpt with caret, hint, count line', async (t) => {
  const diags: Diagnostic[] = [
    { file: 'bots/x.yaml', line: 12, column: 5, severity: 'error', message: 'second', hint: 'fix it' },
    { file: 'bots/x.yaml', line: 3, column: 9, severity: 'error', message: 'first', excerpt: { lineText: '\tleverage: 0', caretStart: 11, caretLength: 1 } },
    { file: 'bots/x.yaml', line: 3, column: 1, severity: 'warning', message: 'a warning' },
  ];
  t.equal(formatDiagnostics(diags), [
    'bots/x.yaml:3:1: warning: a warning',
    'bots/x.yaml:3:9: error: first',
    '    \tleverage: 0',
    '    \t          ^',
    'bots/x.yaml:12:5: error: second',
    '  hint: fix it',
    '2 errors and 1 warning in bots/x.yaml',
    '',
  ].join('\n'));
  t.equal(formatDiagnostics([]), '');
  t.equal(countLine('a.yaml', [diags[0]!]), '1 error in a.yaml');
});

t.test('edit distance counts a transposition as one edit', async (t) => {
  t.equal(editDistance('stop_loss', 'stop_loss'), 0);
  t.equal(editDistance('stop_los', 'stop_loss'), 1);
  t.equal(editDistance('stpo_loss', 'stop_loss'), 1);
  t.equal(editDistance('leverage', 'levrage'), 1);
  t.equal(editDistance('abc', 'xyz'), 3);
  t.equal(didYouMean('Quote', ['quantity', 'quote']), '; did you mean `quote`?');
  t.equal(didYouMean('zzz', ['quantity', 'quote']), '');
});

t.test('spans', async (t) => {
  t.strictSame(parseSpan('3 bars'), { unit: 'bars', bars: 3 });
  t.strictSame(parseSpan('1 bar'), { unit: 'bars', bars: 1 });
  t.strictSame(parseSpan('90m'), { unit: 'ms', ms: 5_400_000 });
  t.strictSame(parseSpan('4h'), { unit: 'ms', ms: 14_400_000 });
  t.strictSame(parseSpan('1d'), { unit: 'ms', ms: 86_400_000 });
  t.strictSame(parseSpan('30s'), { unit: 'ms', ms: 30_000 });
  t.equal(parseSpan('3 candles'), undefined);
  t.match(describeSpanProblem('3 candles').message, 'unknown unit `candles`; write `3 bars`');
  t.match(describeSpanProblem('2 weeks').message, 'write `14d`');
  t.match(describeSpanProblem('5 minutes').message, 'write `5m`');
  t.match(describeSpanProblem('3 fortnights').message, 'unknown unit `fortnights`');
  t.equal(describeSpan({ unit: 'ms', ms: 5_400_000 }), '90 minutes');
  t.equal(describeSpan({ unit: 'bars', bars: 1 }), '1 bar');
});

t.test('expression offsets map to file positions in every scalar style', async (t) => {
  const check = (yamlText: string, key: string, word: string): void => {
    const doc = parseDocument(yamlText);
    if (!isMap(doc.contents)) throw new Error('map expected');
    const node = doc.contents.get(key, true);
    if (!isScalar(node)) throw new Error('scalar expected');
    const value = String(node.value);
    const map = valueToSource(yamlText, node, value);
    const at = value.indexOf(word);
    t.ok(at >= 0, `${word} in value`);
    t.equal(yamlText.slice(map[at]!, map[at]! + word.length), word, `${JSON.stringify(yamlText.split('\n')[0])}… ${word}`);
  };
  check('e: close > foo\n', 'e', 'foo');
  check('e: "close > foo"\n', 'e', 'foo');
  check("e: 'it''s > foo'\n", 'e', 'foo');
  check('e: "a \\" b > foo"\n', 'e', 'foo');
  check('e: close >\n  and foo\n', 'e', 'foo');
  check('e: >-\n  crossover(a, b)\n  and foo > 1\n', 'e', 'foo');
  check('e: >-\n  crossover(a, b)\n    and foo > 1\n', 'e', 'foo');
  check('e: >-\n  a\n\n  and foo > 1\n', 'e', 'foo');
  check('e: |\n  crossunder(a,\n             foo)\n', 'e', 'foo');
});
