// CST → AST: a Chevrotain visitor that turns the concrete tree into the small typed tree of
// ast.ts, keeping the source span of every node (parentheses included, so a node's span always
// slices out readable source text).
import type { CstNode, IToken } from './chevrotain.ts';
import type { ArithOp, CmpOp, Expr, Span } from './ast.ts';
import { ruleParser } from './parser.ts';

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

function tokSpan(t: IToken): Span {
  return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}
function nodes(ctx: Ctx, key: string): CstNode[] {
  return (ctx[key] ?? []) as CstNode[];
}
function tokens(ctx: Ctx, key: string): IToken[] {
  return (ctx[key] ?? []) as IToken[];
}
function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

/** Turns a CST from ruleParser() into the AST. */
export interface AstBuilder {
  visit(cst: CstNode): unknown;
}

let builder: AstBuilder | undefined;

/** Built on first use: the visitor's base class comes from the parser, which is itself lazy. */
export function astBuilder(): AstBuilder {
  builder ??= makeAstBuilder();
  return builder;
}

function makeAstBuilder(): AstBuilder {
  const BaseVisitor = ruleParser().getBaseCstVisitorConstructor();

  class Visitor extends BaseVisitor {
    constructor() {
      super();
      this.validateVisitor();
    }

    private one(ctx: Ctx, key: string): Expr {
      return this.visit(nodes(ctx, key)[0]!) as Expr;
    }

    expression(ctx: Ctx): Expr {
      return this.one(ctx, 'orExpr');
    }

    private logicChain(ctx: Ctx, op: 'and' | 'or'): Expr {
      const operands = nodes(ctx, 'operands').map((n) => this.visit(n) as Expr);
      const ops = tokens(ctx, 'ops');
      let acc = operands[0]!;
      for (let i = 1; i < operands.length; i++) {
        const right = operands[i]!;
        acc = { kind: 'logic', op, left: acc, right, opSpan: tokSpan(ops[i - 1]!), span: join(acc.span, right.span) };
      }
      return acc;
    }

    orExpr(ctx: Ctx): Expr {
      return this.logicChain(ctx, 'or');
    }

    andExpr(ctx: Ctx): Expr {
      return this.logicChain(ctx, 'and');
    }

    notExpr(ctx: Ctx): Expr {
      const not = tokens(ctx, 'Not')[0];
      if (!not) return this.one(ctx, 'comparison');
      const operand = this.one(ctx, 'notExpr');
      return { kind: 'not', operand, span: join(tokSpan(not), operand.span) };
    }

    comparison(ctx: Ctx): Expr {
      const operands = nodes(ctx, 'operands').map((n) => this.visit(n) as Expr);
      const ops = tokens(ctx, 'ops');
      if (ops.length === 0) return operands[0]!;
      return {
        kind: 'compare',
        ops: ops.map((t) => t.image as CmpOp),
        opSpans: ops.map(tokSpan),
        operands,
        span: join(operands[0]!.span, operands[operands.length - 1]!.span),
      };
    }

    private arithChain(ctx: Ctx): Expr {
      const operands = nodes(ctx, 'operands').map((n) => this.visit(n) as Expr);
      const ops = tokens(ctx, 'ops');
      let acc = operands[0]!;
      for (let i = 1; i < operands.length; i++) {
        const right = operands[i]!;
        const op = ops[i - 1]!;
        acc = { kind: 'arith', op: op.image as ArithOp, left: acc, right, opSpan: tokSpan(op), span: join(acc.span, right.span) };
      }
      return acc;
    }

    additive(ctx: Ctx): Expr {
      return this.arithChain(ctx);
    }

    multiplicative(ctx: Ctx): Expr {
      return this.arithChain(ctx);
    }

    unary(ctx: Ctx): Expr {
      const sign = tokens(ctx, 'AddOp')[0];
      if (!sign) return this.one(ctx, 'postfix');
      const operand = this.one(ctx, 'unary');
      const span = join(tokSpan(sign), operand.span);
      if (sign.image === '+') return { ...operand, span };
      return { kind: 'negate', operand, span };
    }

    postfix(ctx: Ctx): Expr {
      let acc = this.one(ctx, 'primary');
      const offsets = nodes(ctx, 'offsets');
      const closes = tokens(ctx, 'close');
      for (let i = 0; i < offsets.length; i++) {
        const offset = this.visit(offsets[i]!) as Expr;
        acc = { kind: 'history', target: acc, offset, span: join(acc.span, tokSpan(closes[i]!)) };
      }
      return acc;
    }

    primary(ctx: Ctx): Expr {
      const num = tokens(ctx, 'NumberLit')[0];
      if (num) return { kind: 'number', value: Number(num.image), span: tokSpan(num) };
      const lparen = tokens(ctx, 'LParen')[0];
      if (lparen) {
        const inner = this.one(ctx, 'expression');
        return { ...inner, span: join(tokSpan(lparen), tokSpan(tokens(ctx, 'RParen')[0]!)) };
      }
      return this.one(ctx, 'callOrName');
    }

    callOrName(ctx: Ctx): Expr {
      const id = tokens(ctx, 'Identifier')[0]!;
      const nameSpan = tokSpan(id);
      const rparen = tokens(ctx, 'RParen')[0];
      if (!rparen) return { kind: 'name', name: id.image, span: nameSpan };
      const args = nodes(ctx, 'args').map((n) => this.visit(n) as Expr);
      return { kind: 'call', name: id.image, nameSpan, args, span: join(nameSpan, tokSpan(rparen)) };
    }
  }

  return new Visitor();
}
