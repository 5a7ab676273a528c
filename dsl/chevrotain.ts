// The one place dsl/ loads Chevrotain. Its package entry (lib/src/api.js) is ~400 small modules
// (mostly lodash-es), and under tsx's loader importing them cost 0.6–2 s of every botctl start,
// `--help` included. The package also ships the same code as one pre-built file,
// lib/chevrotain.mjs, which imports in tens of milliseconds. The package's `exports` map hides
// that file, so its path is found from the resolved entry (…/lib/src/api.js → ../chevrotain.mjs)
// and imported by URL. Types still come from the package, so typing is unchanged.
// Nothing here builds a lexer or parser: that happens on first compile (lexer.ts, parser.ts).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = new URL('../chevrotain.mjs', pathToFileURL(entry));
const chevrotain = (await import(bundle.href)) as typeof Chevrotain;

export const { createToken, Lexer, CstParser, EOF, VERSION } = chevrotain;
export type { CstNode, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
