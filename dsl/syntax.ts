// Text → AST, with every syntax problem phrased for a trader rather than a grammar author.
// Lexer problems (unknown characters, trap operators) are all reported; of the parse errors only
// the first, since later ones are usually its echo.
import { EOF, type IRecognitionException, type IToken } from './chevrotain.ts';
import type { Expr } from './ast.ts';
import { And, CmpOp, Identifier, LBrack, LParen, Not, NumberLit, Or, RBrack, RParen, TRAPS, ruleLexer } from './lexer.ts';
import { ruleParser } from './parser.ts';
import { astBuilder } from './to-ast.ts';
import { closestNames, didYouMean } from './suggest.ts';
import { LIMITS } from './limits.ts';
import { percentProblems, spreadsheetProblem } from './habits.ts';

/** Characters people paste from documents or other languages, and what to type instead. */
const CHAR_HINTS: ReadonlyMap<string, string> = new Map([
  ['&', "write 'and'"],
  ['|', "write 'or'"],
  ['?', "there is no '? :' operator; use iff(condition, value_if_true, value_if_false)"],
  [':', "there is no '? :' operator; use iff(condition, value_if_true, value_if_false)"],
  ['≥', "write '>='"],
  ['≤', "write '<='"],
  ['≠', "write '!='"],
  ['−', "this is a typographic minus; type '-'"],
  ['–', "this is a dash; type '-'"],
  ['×', "write '*'"],
  ['÷', "write '/'"],
  ['"', 'expressions have no strings; if this is YAML quoting, quote the whole expression'],
  ["'", 'expressions have no strings; if this is YAML quoting, quote the whole expression'],
  [';', 'one expression per field; join conditions with and / or'],
]);

/** A diagnostic before it is tied to a spec field. */
export interface Problem {
  offset: number;
  length: number;
  message: string;
  hint?: string;
}

export type ParseResult = { ok: true; ast: Expr } | { ok: false; problems: Problem[] };

export function parseExpression(text: string): ParseResult {
  if (text.length > LIMITS.textLength) {
    return fail({ offset: 0, length: 1, message: `the expression is ${text.length} characters long; the limit is ${LIMITS.textLength}`, hint: 'split the idea into shorter conditions or use params for repeated numbers' });
  }
  if (text.trim() === '') return fail({ offset: 0, length: 1, message: 'the expression is empty', hint: 'write a condition such as close > open' });

  const lexed = ruleLexer().tokenize(text);
  if (lexed.errors.length === 0) {
    const habit = spreadsheetProblem(text, lexed.tokens);
    if (habit) return fail(habit);
    const percents = percentProblems(lexed.tokens);
    if (percents.length > 0) return { ok: false, problems: percents };
  }
  const ternary = /^(.+?)\?(.+?):(.+)$/s.exec(text);
  if (ternary && lexed.errors.some((e) => text[e.offset] === '?')) {
    const [cond, yes, no] = [ternary[1]!, ternary[2]!, ternary[3]!].map((x) => x.replace(/\s+/g, ' ').trim());
    return fail({ offset: text.indexOf('?'), length: 1, message: `there is no \`? :\` operator in rules: write \`iff(${cond}, ${yes}, ${no})\``, hint: 'iff(condition, value_if_true, value_if_false)' });
  }
  const problems: Problem[] = [];
  for (const t of lexed.tokens) {
    const trap = TRAPS.get(t.tokenType);
    if (trap) problems.push({ offset: t.startOffset, length: t.image.length, message: trap.message, hint: trap.hint });
  }
  for (const e of lexed.errors) {
    const ch = String.fromCodePoint(text.codePointAt(e.offset) ?? 0);
    problems.push({
      offset: e.offset,
      length: ch.length,
      message: `unexpected character '${ch}'`,
      hint: CHAR_HINTS.get(ch) ?? 'expressions use names, numbers, ( ) [ ] , and the operators + - * / % < <= > >= == != and, or, not',
    });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.offset - b.offset) };

  const tokens = lexed.tokens;
  if (tokens.length > LIMITS.tokens) {
    return fail({ offset: 0, length: 1, message: `the expression has ${tokens.length} tokens; the limit is ${LIMITS.tokens}` });
  }
  const deep = tooDeep(tokens);
  if (deep) return fail(deep);

  const parser = ruleParser();
  parser.input = tokens;
  let cst;
  try {
    cst = parser.expression();
  } catch (e) {
    if (e instanceof RangeError) return fail({ offset: 0, length: 1, message: `the expression is nested too deeply (the limit is ${LIMITS.nesting} levels)` });
    throw e;
  }
  const err = parser.errors[0];
  if (err) return fail(describe(err, tokens, text));
  return { ok: true, ast: astBuilder().visit(cst) as Expr };
}

function fail(p: Problem): ParseResult {
  return { ok: false, problems: [p] };
}

/** Brackets plus runs of prefix operators: both cost parser stack. */
function tooDeep(tokens: IToken[]): Problem | undefined {
  let depth = 0;
  let prefixRun = 0;
  let prev: IToken | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === LBrack) depth++;
    else if (type === RParen || type === RBrack) depth = Math.max(0, depth - 1);
    const prefix = type === Not || ((t.image === '-' || t.image === '+') && (!prev || !endsOperand(prev)));
    prefixRun = prefix ? prefixRun + 1 : 0;
    if (depth + prefixRun > LIMITS.nesting) {
      return { offset: t.startOffset, length: t.image.length, message: `the expression is nested more than ${LIMITS.nesting} levels deep`, hint: 'simplify it, or split it into separate conditions' };
    }
    prev = t;
  }
  return undefined;
}

function endsOperand(t: IToken): boolean {
  return t.tokenType === Identifier || t.tokenType === NumberLit || t.tokenType === RParen || t.tokenType === RBrack;
}

function startsOperand(t: IToken): boolean {
  return t.tokenType === Identifier || t.tokenType === NumberLit || t.tokenType === LParen || t.tokenType === Not;
}

function quoted(t: IToken): string {
  return t.tokenType === Identifier || t.tokenType === NumberLit ? `\`${t.image}\`` : `'${t.image}'`;
}

interface Opener {
  token: IToken;
  /** The function name when the bracket opens a call, e.g. `crossover`. */
  callee?: IToken;
}

/** Brackets still open just before `offset`: the innermost is last. */
function openBrackets(tokens: IToken[], offset: number): Opener[] {
  const stack: Opener[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startOffset >= offset) break;
    if (t.tokenType === LParen || t.tokenType === LBrack) {
      const before = tokens[i - 1];
      stack.push(t.tokenType === LParen && before?.tokenType === Identifier ? { token: t, callee: before } : { token: t });
    } else if (t.tokenType === RParen || t.tokenType === RBrack) {
      stack.pop();
    }
  }
  return stack;
}

function openerText(o: Opener): string {
  return o.callee ? `'${o.callee.image}('` : `'${o.token.image}'`;
}

/**
 * `close[1 > open`: the offset in brackets runs into a comparison or `and`/`or`, so the `]` was
 * forgotten right before it. Points at that operator and shows the rule with the `]` in place.
 */
function strayInOffset(tokens: IToken[], open: IToken, text: string): Problem | undefined {
  const start = tokens.indexOf(open);
  let depth = 0;
  for (let i = start + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (type === LParen || type === LBrack) depth++;
    else if (type === RParen || type === RBrack) depth--;
    if (depth < 0) return undefined;
    const operator = type === And || type === Or || (type.CATEGORIES ?? []).includes(CmpOp);
    if (depth > 0 || !operator || i === start + 1) continue;
    const before = tokens[i - 1]!;
    const fixedAt = (before.endOffset ?? before.startOffset) + 1;
    const target = text.slice(tokens[targetStart(tokens, start)]!.startOffset, fixedAt);
    return {
      offset: t.startOffset, length: t.image.length,
      message: `expected ']' after \`${target}\` but found ${quoted(t)}`,
      hint: `a history offset is a whole number in brackets right after the series: write \`${`${text.slice(0, fixedAt)}]${text.slice(fixedAt)}`.trim()}\``,
    };
  }
  return undefined;
}

/** Index of the first token of what `[` at index `open` reads history of (`close`, `ema(close, 9)`). */
function targetStart(tokens: IToken[], open: number): number {
  let i = open - 1;
  if (tokens[i]?.tokenType === RParen) {
    let depth = 0;
    for (; i >= 0; i--) {
      const type = tokens[i]!.tokenType;
      if (type === RParen) depth++;
      else if (type === LParen && --depth === 0) break;
    }
    if (tokens[i - 1]?.tokenType === Identifier) i--;
  }
  return Math.max(0, i);
}

const KEYWORDS = ['and', 'or', 'not'];

function describe(err: IRecognitionException, tokens: IToken[], text: string): Problem {
  let info: { kind: string; expected?: string; ruleName?: string };
  try {
    info = JSON.parse(err.message) as typeof info;
  } catch {
    info = { kind: 'unknown' };
  }
  const tok = err.token;
  const atEnd = tok.tokenType === EOF || Number.isNaN(tok.startOffset);
  const last = tokens[tokens.length - 1];
  const endOffset = last ? (last.endOffset ?? last.startOffset) + 1 : text.length;
  const offset = atEnd ? endOffset : tok.startOffset;
  const length = atEnd ? 1 : Math.max(1, tok.image.length);
  const at = (message: string, hint?: string): Problem => (hint ? { offset, length, message, hint } : { offset, length, message });
  const index = atEnd ? tokens.length : tokens.indexOf(tok);
  const prev = index > 0 ? tokens[index - 1] : undefined;

  if (info.kind === 'mismatch' && (info.expected === 'RParen' || info.expected === 'RBrack')) {
    const closer = info.expected === 'RParen' ? "')'" : "']'";
    const opener = openBrackets(tokens, offset).pop();
    if (opener?.token.tokenType === LBrack) {
      const stray = strayInOffset(tokens, opener.token, text);
      if (stray) return stray;
    }
    // No column numbers: the caret is in file columns, and the opener is named by its text.
    const opened = opener ? ` to close ${openerText(opener)}` : '';
    if (atEnd) return at(`expected ${closer}${opened}`);
    if (opener?.callee && prev && endsOperand(prev) && startsOperand(tok)) {
      return at(`expected ',' or ')' after an argument of ${openerText(opener)} but found ${quoted(tok)}`, "separate arguments with ','");
    }
    if (prev && endsOperand(prev) && startsOperand(tok)) {
      return at(`expected an operator before ${quoted(tok)}`, "join conditions with 'and' / 'or', and values with + - * / or a comparison");
    }
    return at(`expected ${closer}${opened} but found ${quoted(tok)}`);
  }

  if (info.kind === 'leftover') {
    if (tok.tokenType === RParen || tok.tokenType === RBrack) {
      return at(`unmatched ${quoted(tok)}: there is no '${tok.tokenType === RParen ? '(' : '['}' for it to close`);
    }
    if (tok.tokenType === Identifier) {
      const kw = closestNames(tok.image, KEYWORDS, 1);
      if (kw.length > 0) return at(`unexpected ${quoted(tok)}${didYouMean(kw)}`, 'the logical operators are and, or, not (lower case)');
    }
    if (startsOperand(tok)) {
      return at(`expected an operator before ${quoted(tok)}`, "join conditions with 'and' / 'or', and values with + - * / or a comparison");
    }
    return at(`unexpected ${quoted(tok)}`);
  }

  // No alternative matched: a value was expected here.
  if (atEnd) {
    if (!prev) return at('the expression is empty');
    if (prev.tokenType === And || prev.tokenType === Or || prev.tokenType === Not) {
      return at(`the expression ends after '${prev.image}'; a condition is missing`);
    }
    return at(`the expression ends after ${quoted(prev)}; a value is missing`);
  }
  if (prev?.tokenType === And || prev?.tokenType === Or || prev?.tokenType === Not) {
    return at(`expected a condition after '${prev.image}' but found ${quoted(tok)}`);
  }
  if (prev) return at(`expected a value after ${quoted(prev)} but found ${quoted(tok)}`, 'a value is a number, a name such as close, or a call such as ema(close, 9)');
  return at(`expected a value but found ${quoted(tok)}`, 'a value is a number, a name such as close, or a call such as ema(close, 9)');
}
