// Habits from other tools, recognised before parsing so the message can give the whole fix:
// spreadsheet formulas (`=AND(a, b)`, `OR(a, b)`, `NOT(a)`) and percent signs on numbers
// (`rsi(close, 14) < 70%`). A trader who writes these means something precise; saying "'=' is not
// an operator" or "unknown function `AND`" sends them the wrong way.
import type { IToken } from './chevrotain.ts';
import { And, CmpOp, Comma, Identifier, LParen, NumberLit, Or, Percent, RBrack, RParen, TrapAssign, TrapDiamond } from './lexer.ts';
import type { Problem } from './syntax.ts';

const SPREADSHEET_HINT = 'conditions are joined by `and`, `or` and `not` written between them, not by AND(…), OR(…), NOT(…) around them, and a rule has no `=` in front';

/** `=AND(a, b)` or `AND(a, b)`: one problem at the `=` (or the first such call) with the whole rule rewritten. */
export function spreadsheetProblem(text: string, tokens: readonly IToken[]): Problem | undefined {
  const leading = tokens[0]?.tokenType === TrapAssign ? tokens[0] : undefined;
  const first = tokens.findIndex((_, i) => logicCall(tokens, i) !== undefined);
  if (!leading && first < 0) return undefined;
  const rewritten = rewrite(text, tokens, leading ? 1 : 0, tokens.length);
  if (rewritten === undefined || rewritten.text === '') return undefined;
  const at = leading ?? (tokens[first] as IToken);
  return { offset: at.startOffset, length: at.image.length, message: `rules are not spreadsheet formulas: write \`${rewritten.text}\``, hint: SPREADSHEET_HINT };
}

/** `70%` before the end, a comparison, `and`/`or` or a closing bracket: the `%` of a percentage, not the remainder. */
export function percentProblems(tokens: readonly IToken[]): Problem[] {
  const out: Problem[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as IToken;
    const num = tokens[i - 1] as IToken;
    if (t.tokenType !== Percent || num.tokenType !== NumberLit) continue;
    const next = tokens[i + 1];
    const ends = next === undefined || next.tokenType === RParen || next.tokenType === RBrack || next.tokenType === Comma
      || next.tokenType === And || next.tokenType === Or || isComparison(next);
    if (!ends) continue;
    out.push({
      offset: t.startOffset, length: 1, message: `percent signs are not needed: write ${num.image}`,
      hint: '`%` between two numbers is the remainder of a division; rsi and other oscillators already run from 0 to 100',
    });
  }
  return out;
}

function isComparison(t: IToken): boolean {
  return (t.tokenType.CATEGORIES ?? []).includes(CmpOp);
}

type Logic = 'and' | 'or' | 'not';

/**
 * The logic function of a spreadsheet at token `i`: `AND(`, `Or(`, `NOT(` (names the language does
 * not have), or `and(` / `or(` where a value should start. `a and (b)` and `not (a)` are rules.
 */
function logicCall(tokens: readonly IToken[], i: number): Logic | undefined {
  const t = tokens[i];
  if (!t || tokens[i + 1]?.tokenType !== LParen) return undefined;
  const word = t.image.toLowerCase();
  if (word !== 'and' && word !== 'or' && word !== 'not') return undefined;
  if (t.tokenType === Identifier) return word;
  const prev = tokens[i - 1];
  const operandEnds = prev !== undefined && (prev.tokenType === Identifier || prev.tokenType === NumberLit || prev.tokenType === RParen || prev.tokenType === RBrack);
  return (t.tokenType === And || t.tokenType === Or) && !operandEnds ? word : undefined;
}

/** Index of the `)` that closes the `(` at `open`, or −1. */
function closing(tokens: readonly IToken[], open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const type = (tokens[i] as IToken).tokenType;
    if (type === LParen) depth++;
    else if (type === RParen && --depth === 0) return i;
  }
  return -1;
}

interface Rewritten {
  text: string;
  /** The text is an and/or chain, so it needs parentheses inside another operator. */
  compound: boolean;
}

/** Tokens [from, to) as a rule: logic calls written infix, `=` as `==`, `<>` as `!=`; the rest as typed. */
function rewrite(text: string, tokens: readonly IToken[], from: number, to: number): Rewritten | undefined {
  if (from >= to) return { text: '', compound: false };
  let out = '';
  let cursor = (tokens[from] as IToken).startOffset;
  let compound = false;
  for (let i = from; i < to; i++) {
    const t = tokens[i] as IToken;
    const kind = logicCall(tokens, i);
    if (kind === undefined) {
      if (t.tokenType === TrapAssign || t.tokenType === TrapDiamond) {
        out += `${text.slice(cursor, t.startOffset)}${t.tokenType === TrapAssign ? '==' : '!='}`;
        cursor = t.startOffset + t.image.length;
      }
      if (t.tokenType === And || t.tokenType === Or) compound = true;
      continue;
    }
    const close = closing(tokens, i + 1, to);
    if (close < 0) return undefined;
    const args: Rewritten[] = [];
    let start = i + 2;
    let depth = 0;
    for (let j = i + 2; j <= close; j++) {
      const type = (tokens[j] as IToken).tokenType;
      if (type === LParen) depth++;
      else if (type === RParen && j < close) depth--;
      if (j === close || (type === Comma && depth === 0)) {
        const arg = rewrite(text, tokens, start, j);
        if (arg === undefined || arg.text === '') return undefined;
        args.push(arg);
        start = j + 1;
      }
    }
    if (kind === 'not' && args.length !== 1) return undefined;
    const call = kind === 'not'
      ? `not ${/\s/.test((args[0] as Rewritten).text) ? `(${(args[0] as Rewritten).text})` : (args[0] as Rewritten).text}`
      : args.map((a) => (a.compound ? `(${a.text})` : a.text)).join(` ${kind} `);
    // Inside a longer rule an and/or chain keeps its grouping: `OR(a, b) and c` is `(a or b) and c`.
    const chain = kind !== 'not' && args.length > 1;
    const whole = i === from && close === to - 1;
    out += `${text.slice(cursor, t.startOffset)}${chain && !whole ? `(${call})` : call}`;
    cursor = (tokens[close] as IToken).startOffset + 1;
    if (chain && whole) compound = true;
    i = close;
  }
  const last = tokens[to - 1] as IToken;
  out += text.slice(cursor, last.startOffset + last.image.length);
  return { text: out.replace(/\s+/g, ' ').trim(), compound };
}
