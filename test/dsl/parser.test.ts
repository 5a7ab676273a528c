// Grammar: precedence, associativity, chains, history, calls and the spans every later error
// message relies on.
import t from 'tap';
import { parseExpression } from '../../dsl/syntax.ts';
import type { Expr } from '../../dsl/ast.ts';

/** Fully parenthesised rendering of the tree, to compare shapes compactly. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'number': return String(e.value);
    case 'name': return e.name;
    case 'call': return `${e.name}(${e.args.map(shape).join(', ')})`;
    case 'history': return `${shape(e.target)}[${shape(e.offset)}]`;
    case 'negate': return `(-${shape(e.operand)})`;
    case 'arith': return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'compare': return `(${e.operands.map((o, i) => (i === 0 ? shape(o) : `${e.ops[i - 1]} ${shape(o)}`)).join(' ')})`;
    case 'logic': return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'not': return `(not ${shape(e.operand)})`;
  }
}

function parse(text: string): string {
  const r = parseExpression(text);
  if (!r.ok) throw new Error(r.problems[0]!.message);
  return shape(r.ast);
}

t.equal(parse('a or b and c'), '(a or (b and c))', 'and binds tighter than or');
t.equal(parse('a and b or c and d'), '((a and b) or (c and d))');
t.equal(parse('a or b or c'), '((a or b) or c)', 'left associative');
t.equal(parse('not close > open'), '(not (close > open))', 'not is looser than comparisons (Python-style)');
t.equal(parse('not not a'), '(not (not a))');
t.equal(parse('a and not b'), '(a and (not b))');
t.equal(parse('1 + 2 * 3 - 4 / 5 % 6'), '((1 + (2 * 3)) - ((4 / 5) % 6))');
t.equal(parse('10 - 3 - 2'), '((10 - 3) - 2)', 'subtraction is left associative');
t.equal(parse('-close[1] * 2'), '((-close[1]) * 2)', 'history binds tighter than unary minus');
t.equal(parse('- -3'), '(-(-3))');
t.equal(parse('+close'), 'close', 'unary plus is a no-op');
t.equal(parse('30 < rsi(close, 14) < 70'), '(30 < rsi(close, 14) < 70)', 'comparison chains stay one node (desugared by the checker)');
t.equal(parse('close + 1 > open * 2'), '((close + 1) > (open * 2))');
t.equal(parse('lowest(low, 20)[1]'), 'lowest(low, 20)[1]', 'history on a call');
t.equal(parse('(open[2])[1]'), 'open[2][1]');
t.equal(parse('close[n + 1]'), 'close[(n + 1)]', 'offsets are expressions (checked for constness later)');
t.equal(parse('ta.ema(close, 9)'), 'ta.ema(close, 9)', 'dotted names for Pine spellings');
t.equal(parse('tr()'), 'tr()');
t.equal(parse('f(a, b, c)'), 'f(a, b, c)');
t.equal(parse('1.5e2 + .5 + 2.'), '((150 + 0.5) + 2)');
t.equal(parse('orders and android or notable'), '((orders and android) or notable)', 'keywords need word boundaries');

t.test('spans cover the source text, parentheses included', async (t) => {
  const text = '(close + 1) * 2 > ema( close , 9 )';
  const r = parseExpression(text);
  if (!r.ok) throw new Error('parse');
  const cmp = r.ast;
  t.equal(cmp.kind, 'compare');
  if (cmp.kind !== 'compare') return;
  const [left, right] = cmp.operands as [Expr, Expr];
  t.equal(text.slice(left.span.start, left.span.end), '(close + 1) * 2');
  t.equal(text.slice(right.span.start, right.span.end), 'ema( close , 9 )');
  if (left.kind === 'arith') t.equal(text.slice(left.left.span.start, left.left.span.end), '(close + 1)');
  if (right.kind === 'call') t.strictSame(right.nameSpan, { start: 18, end: 21 });
});

t.test('one parser instance serves any number of expressions', async (t) => {
  t.notOk(parseExpression('close >').ok);
  t.equal(parse('close > open'), '(close > open)', 'an earlier error leaves no state behind');
});
