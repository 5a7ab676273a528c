// Tokens of the rule language. Order matters: Chevrotain takes the first pattern that matches,
// so two-character operators come before their one-character prefixes, and keywords come before
// Identifier with `longer_alt` so that `orders` stays one name instead of `or` + `ders`.
// Trap tokens exist only to be rejected with a hint: with lexer recovery, `rsi(close,14) => 70`
// silently lost the `=` and parsed as `>`.
import { createToken, Lexer, type IToken, type TokenType } from './chevrotain.ts';

// A rule may span lines (YAML folded or literal scalars); only white space can hold the line breaks.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/,
  label: 'name',
});
export const And = createToken({ name: 'And', pattern: /and/, longer_alt: Identifier, label: "'and'" });
export const Or = createToken({ name: 'Or', pattern: /or/, longer_alt: Identifier, label: "'or'" });
export const Not = createToken({ name: 'Not', pattern: /not/, longer_alt: Identifier, label: "'not'" });
export const NumberLit = createToken({
  name: 'NumberLit',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'number',
});

export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA, label: 'comparison' });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA, label: "'+' or '-'" });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA, label: "'*', '/' or '%'" });

// Trap tokens: recognised so the error can name the operator the user meant.
export const TrapArrowGe = createToken({ name: 'TrapArrowGe', pattern: /=>/, label: "'=>'" });
export const TrapArrowLe = createToken({ name: 'TrapArrowLe', pattern: /=</, label: "'=<'" });
export const TrapDiamond = createToken({ name: 'TrapDiamond', pattern: /<>/, label: "'<>'" });
export const TrapAndAnd = createToken({ name: 'TrapAndAnd', pattern: /&&/, label: "'&&'" });
export const TrapOrOr = createToken({ name: 'TrapOrOr', pattern: /\|\|/, label: "'||'" });

export const Ge = createToken({ name: 'Ge', pattern: />=/, categories: CmpOp, label: "'>='" });
export const Le = createToken({ name: 'Le', pattern: /<=/, categories: CmpOp, label: "'<='" });
export const Eq = createToken({ name: 'Eq', pattern: /==/, categories: CmpOp, label: "'=='" });
export const Ne = createToken({ name: 'Ne', pattern: /!=/, categories: CmpOp, label: "'!='" });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: CmpOp, label: "'>'" });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: CmpOp, label: "'<'" });
export const TrapAssign = createToken({ name: 'TrapAssign', pattern: /=/, label: "'='" });
export const TrapBang = createToken({ name: 'TrapBang', pattern: /!/, label: "'!'" });

export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: AddOp, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: AddOp, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: MulOp, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: MulOp, label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: /%/, categories: MulOp, label: "'%'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBrack = createToken({ name: 'LBrack', pattern: /\[/, label: "'['" });
export const RBrack = createToken({ name: 'RBrack', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  NumberLit,
  And, Or, Not,
  Identifier,
  TrapArrowGe, TrapArrowLe, TrapDiamond, TrapAndAnd, TrapOrOr,
  Ge, Le, Eq, Ne, Gt, Lt, TrapAssign, TrapBang,
  CmpOp, AddOp, MulOp,
  Plus, Minus, Star, Slash, Percent,
  LParen, RParen, LBrack, RBrack, Comma,
];

/** What each trap token should have been. */
export const TRAPS: ReadonlyMap<TokenType, { message: string; hint: string }> = new Map([
  [TrapAssign, { message: "'=' is not an operator in rules", hint: "to test for equality write '==' (for example close == open)" }],
  [TrapAndAnd, { message: "'&&' is not an operator in rules", hint: "write 'and' instead of '&&'" }],
  [TrapOrOr, { message: "'||' is not an operator in rules", hint: "write 'or' instead of '||'" }],
  [TrapBang, { message: "'!' is not an operator in rules", hint: "write 'not' instead of '!' (for example not crossover(a, b))" }],
  [TrapArrowGe, { message: "'=>' is not an operator in rules", hint: "for 'greater than or equal' write '>='" }],
  [TrapArrowLe, { message: "'=<' is not an operator in rules", hint: "for 'less than or equal' write '<='" }],
  [TrapDiamond, { message: "'<>' is not an operator in rules", hint: "for 'not equal' write '!='" }],
]);

/** Full position tracking: token spans need end offsets (only `full` has them). */
export const LEXER_CONFIG = { positionTracking: 'full', recoveryEnabled: false, ensureOptimizations: true } as const;

let lexer: InstanceType<typeof Lexer> | undefined;

/**
 * One lexer per process, built on first use: construction runs Chevrotain's analysis, which
 * commands that never compile a rule (`botctl --help`, `status`) should not pay for. The token
 * definitions are checked by test/dsl/chevrotain.test.ts, so botctl skips those checks.
 */
export function ruleLexer(): InstanceType<typeof Lexer> {
  lexer ??= new Lexer(allTokens, { ...LEXER_CONFIG, skipValidations: true });
  return lexer;
}

export type Token = IToken;
