// dsl/chevrotain.ts loads Chevrotain's single-file bundle by a path derived from the package entry;
// make sure that file is the installed package's own build, not a stale or foreign copy.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VERSION, Lexer, createToken } from '../../dsl/chevrotain.ts';

t.test('the bundle dsl/ loads is the installed chevrotain version', async (t) => {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('chevrotain').replace(/lib[\\/]src[\\/]api\.js$/, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string };
  t.equal(VERSION, pkg.version);
});

t.test('the bundle works as a lexer', async (t) => {
  const Word = createToken({ name: 'Word', pattern: /[a-z]+/ });
  const Space = createToken({ name: 'Space', pattern: / +/, group: Lexer.SKIPPED });
  const r = new Lexer([Space, Word]).tokenize('ema close');
  t.strictSame(r.tokens.map((tok) => tok.image), ['ema', 'close']);
});
