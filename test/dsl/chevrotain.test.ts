// dsl/chevrotain.ts loads Chevrotain's single-file bundle by a path derived from the package entry;
// make sure that file is the installed package's own build, not a stale or foreign copy.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VERSION, Lexer, createToken } from '../../dsl/chevrotain.ts';
import { allTokens, LEXER_CONFIG, ruleLexer } from '../../dsl/lexer.ts';
import { RuleParser } from '../../dsl/parser.ts';

t.test('the bundle dsl/ loads is the installed chevrotain version', async (t) => {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('chevrotain').replace(/lib[\\/]src[\\/]api\.js$/, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string };
  t.equal(VERSION, pkg.version);
});

/** Runs `fn`, returning what it printed through console.warn/error (Chevrotain's warning channel). */
function printedBy(fn: () => void): unknown[] {
  const printed: unknown[] = [];
  const { warn, error } = console;
  console.warn = (...a: unknown[]) => void printed.push(a);
  console.error = (...a: unknown[]) => void printed.push(a);
  try {
    fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
  return printed;
}

t.test('the bundle works as a lexer', async (t) => {
  const Word = createToken({ name: 'Word', pattern: /[a-z]+/ });
  const Space = createToken({ name: 'Space', pattern: / +/, group: Lexer.SKIPPED });
  // No token here can hold a line break, so there are no lines to track (left on, Chevrotain warns).
  let lexer: InstanceType<typeof Lexer> | undefined;
  t.strictSame(printedBy(() => { lexer = new Lexer([Space, Word], { positionTracking: 'onlyOffset' }); }), [], 'no warning');
  const r = lexer!.tokenize('ema close');
  t.strictSame(r.tokens.map((tok) => tok.image), ['ema', 'close']);
});

// botctl builds the lexer and parser with Chevrotain's definition checks off (they cost start-up
// time on every command); here they run: a definition error throws, a warning is printed.
t.test("the rule lexer and parser pass Chevrotain's own definition checks, silently", async (t) => {
  t.strictSame(printedBy(() => {
    new Lexer(allTokens, { ...LEXER_CONFIG, skipValidations: false });
    new RuleParser({ validate: true });
  }), [], 'no errors and nothing printed');
  t.same(ruleLexer().tokenize('a and\n  b').tokens.map((tok) => [tok.image, tok.startOffset]), [['a', 0], ['and', 2], ['b', 8]], 'a rule over two lines');
});
