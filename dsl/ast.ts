// The typed syntax tree the parser hands to the checker. Every node keeps the span of source
// text it came from, so each later phase can point its errors at the exact characters.

/** Half-open range [start, end) of offsets into the expression text. */
export interface Span {
  start: number;
  end: number;
}

export type CmpOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

export type Expr =
  | { kind: 'number'; value: number; span: Span }
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'call'; name: string; nameSpan: Span; args: Expr[]; span: Span }
  | { kind: 'history'; target: Expr; offset: Expr; span: Span }
  | { kind: 'negate'; operand: Expr; span: Span }
  | { kind: 'arith'; op: ArithOp; left: Expr; right: Expr; opSpan: Span; span: Span }
  /** `a < b < c`: operands.length === ops.length + 1; desugared to `and` by the checker. */
  | { kind: 'compare'; ops: CmpOp[]; opSpans: Span[]; operands: Expr[]; span: Span }
  | { kind: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr; opSpan: Span; span: Span }
  | { kind: 'not'; operand: Expr; span: Span };
