// Grammar of the rule language: one rule per precedence level (Chevrotain's calculator pattern),
// lowest first: or < and < not < comparisons < + - < * / % < unary - < call / history.
// Error recovery stays off: in a one-line expression it only adds cascading noise, so the first
// syntax error is reported precisely instead (messages are built in syntax-errors.ts).
import { CstParser, type IParserErrorMessageProvider, type IToken, type TokenType } from './chevrotain.ts';
import {
  allTokens, AddOp, And, CmpOp, Comma, Identifier, LBrack, LParen, MulOp, Not, NumberLit, Or, RBrack, RParen,
} from './lexer.ts';

/**
 * Chevrotain builds its messages as text; this provider instead smuggles the facts out as JSON so
 * syntax-errors.ts can phrase them for people who have never seen a grammar.
 */
const structuredErrors: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) => JSON.stringify({ kind: 'mismatch', expected: expected.name, ruleName }),
  buildNotAllInputParsedMessage: ({ ruleName }) => JSON.stringify({ kind: 'leftover', ruleName }),
  buildNoViableAltMessage: ({ ruleName }) => JSON.stringify({ kind: 'noalt', ruleName }),
  buildEarlyExitMessage: ({ ruleName }) => JSON.stringify({ kind: 'noalt', ruleName }),
};

export class RuleParser extends CstParser {
  /** `validate` runs Chevrotain's grammar checks (ambiguities, left recursion): the tests do. */
  constructor(opts: { validate?: boolean } = {}) {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 2, errorMessageProvider: structuredErrors, skipValidations: !opts.validate });
    this.performSelfAnalysis();
  }

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  private orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(Or, { LABEL: 'ops' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  private andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(And, { LABEL: 'ops' });
      this.SUBRULE2(this.notExpr, { LABEL: 'operands' });
    });
  });

  private notExpr = this.RULE('notExpr', () => {
    this.OR([
      { ALT: () => { this.CONSUME(Not); this.SUBRULE(this.notExpr); } },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  private comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.additive, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(CmpOp, { LABEL: 'ops' });
      this.SUBRULE2(this.additive, { LABEL: 'operands' });
    });
  });

  private additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(AddOp, { LABEL: 'ops' });
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  private multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(MulOp, { LABEL: 'ops' });
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  private unary = this.RULE('unary', () => {
    this.OR([
      { ALT: () => { this.CONSUME(AddOp); this.SUBRULE(this.unary); } },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  private postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(LBrack, { LABEL: 'open' });
      this.SUBRULE(this.expression, { LABEL: 'offsets' });
      this.CONSUME(RBrack, { LABEL: 'close' });
    });
  });

  private primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.SUBRULE(this.callOrName) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(RParen);
        },
      },
    ]);
  });

  private callOrName = this.RULE('callOrName', () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'args' }) });
      this.CONSUME(RParen);
    });
  });
}

let parser: RuleParser | undefined;

/**
 * One parser per process (assigning `input` resets it), built on first use: construction runs
 * the grammar analysis, which commands that never compile a rule should not pay for.
 */
export function ruleParser(): RuleParser {
  parser ??= new RuleParser();
  return parser;
}

export type { IToken, TokenType };
