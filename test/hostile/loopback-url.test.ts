// BOTCTL_BYBIT_REST_URL / BOTCTL_BYBIT_WS_URL are test settings: with --live, the API key and every
// signature go wherever they point. Anything but a bare loopback URL is refused at start, before
// a connection is made; the accepted ones are passed on rebuilt from scheme, host and port only.
import t from 'tap';
import { createServer } from 'node:net';
import { loopbackOverrides } from '../../engine/venue/bybit/index.ts';
import { REPO, botctl, botctlHere, refused } from './harness.ts';

const HOSTILE_REST = [
  'http://127.0.0.2:4000', 'http://127.1.1.1', 'http://10.0.0.1:4000', 'http://192.0.2.2', 'http://example.com',
  'http://127.0.0.1@192.0.2.2:4000', 'http://localhost@example.com', 'http://user:pw@127.0.0.1:4000', 'http://127.0.0.1:4000@evil.example',
  'http://127.0.0.1.evil.example', 'http://localhost.evil.example', 'http://localhost.', 'http://[::2]:4000', 'http://[::ffff:192.0.2.2]:4000',
  'http://0.0.0.0:4000', 'https://127.0.0.1:4000', 'ws://127.0.0.1:4000', 'file:///etc/passwd', 'ftp://127.0.0.1',
  'http://127.0.0.1:4000/v5', 'http://127.0.0.1:4000/?x=1', 'http://127.0.0.1:4000/#frag', 'http://127.0.0.1\\@evil.example',
  '127.0.0.1:4000', 'localhost:4000', '//127.0.0.1:4000', 'http://', 'not a url', ' ', 'http://127.0.0.1:99999', 'http://[::1',
];
const HOSTILE_WS = ['ws://127.0.0.2:4000', 'wss://127.0.0.1:4000', 'ws://example.com', 'ws://127.0.0.1@example.com', 'http://127.0.0.1:4000', 'ws://127.0.0.1:4000/v5/public', 'ws://[::2]'];
const ALLOWED: Array<[string, string]> = [
  ['http://127.0.0.1:4000', 'http://127.0.0.1:4000'],
  ['http://127.0.0.1:4000/', 'http://127.0.0.1:4000'],
  ['  http://localhost:4000  ', 'http://localhost:4000'],
  ['http://LOCALHOST:4000', 'http://localhost:4000'],
  ['http://[::1]:4000', 'http://[::1]:4000'],
  ['http://127.0.0.1', 'http://127.0.0.1'],
];

t.test('every non-loopback or malformed REST URL is refused, naming the variable', async (t) => {
  for (const url of HOSTILE_REST) {
    t.throws(() => loopbackOverrides({ BOTCTL_BYBIT_REST_URL: url }), { name: 'UserError', message: /^BOTCTL_BYBIT_REST_URL=.*local test server/ }, url);
  }
  for (const url of HOSTILE_WS) {
    t.throws(() => loopbackOverrides({ BOTCTL_BYBIT_WS_URL: url }), { name: 'UserError', message: /^BOTCTL_BYBIT_WS_URL=/ }, url);
  }
});

t.test('loopback URLs pass, rebuilt from scheme, host and port', async (t) => {
  for (const [url, want] of ALLOWED) t.same(loopbackOverrides({ BOTCTL_BYBIT_REST_URL: url }).restUrl, want, url);
  t.same(loopbackOverrides({ BOTCTL_BYBIT_WS_URL: 'ws://[::1]:9/' }), { wsUrl: 'ws://[::1]:9' });
  t.same(loopbackOverrides({}), {}, 'unset: real Bybit');
  t.same(loopbackOverrides({ BOTCTL_BYBIT_REST_URL: '' }), {}, 'empty: unset');
});

t.test('botctl run refuses them at start and sends nothing to the host they name', async (t) => {
  // A "Bybit" on another loopback address stands for a foreign host: it must never see a connection.
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const keys = { BYBIT_API_KEY: 'hostile-key-123456', BYBIT_API_SECRET: 'hostile-secret-123456' };
  const cases: Array<[string[], NodeJS.ProcessEnv]> = [
    [['--live', '--network', 'testnet'], { ...keys, BOTCTL_BYBIT_REST_URL: `http://127.0.0.2:${port}` }],
    [['--live', '--network', 'testnet'], { ...keys, BOTCTL_BYBIT_REST_URL: `http://127.0.0.1@127.0.0.2:${port}` }],
    [['--live', '--network', 'testnet'], { ...keys, BOTCTL_BYBIT_WS_URL: `ws://127.0.0.2:${port}` }],
    [[], { BOTCTL_BYBIT_WS_URL: `ws://127.0.0.2:${port}` }],
    [[], { BOTCTL_BYBIT_REST_URL: 'http://[::1' }],
  ];
  // The first as a real botctl process; the others in this process (in the repository, as a child runs).
  for (const [i, [flags, env]] of cases.entries()) {
    const args = ['run', 'bots/btc-ema.yaml', ...flags];
    const a = i === 0 ? await botctl(args, { env, limitMs: 20_000 }) : await botctlHere(args, { cwd: REPO, env });
    refused(t, a, { code: 1, says: /BOTCTL_BYBIT_(REST|WS)_URL=.*local test server/, case: JSON.stringify(env) });
    t.notMatch(a.err + a.out, /hostile-(key|secret)/, 'no key printed');
  }
  t.equal(connections, 0, 'the foreign host was never contacted');
});
