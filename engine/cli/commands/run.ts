// `botctl run`: paper trading by default (live public candles, simulated fills, no keys), real
// orders with --live, or an offline replay of a CSV file through the very same runner.
//
// Test-only environment (undocumented for users): BOTCTL_BYBIT_REST_URL and BOTCTL_BYBIT_WS_URL
// point every Bybit connection at a loopback fake (e.g. http://127.0.0.1:PORT, ws://127.0.0.1:PORT);
// BOTCTL_BYBIT_FAST_TIMERS=1 shortens the adapter's timers; BOTCTL_SHUTDOWN_BOUND_MS shortens the
// 10 s a graceful shutdown gets.
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode, UsageError, UserError } from '../exit.ts';
import { loadBotSpec } from '../../spec/load.ts';
import { formatDiagnostics } from '../../spec/diagnostic.ts';
import type { Network, Plan } from '../../plan/plan.ts';
import { createLogger } from '../../log/index.ts';
import { LineBatch } from '../../log/line-batch.ts';
import { VenueAuthError, VenueError } from '../../venue/errors.ts';
import type { BybitVenueOptions } from '../../venue/bybit/index.ts';
import { readApiKeys, type ApiKeys } from '../../live/keys.ts';
import type { BotSession, SessionOptions } from '../../live/session.ts';
import { LiveScreen, replaySummary } from '../../live/status.ts';
import { openJournals, type JournalRecorders } from '../../live/recorder.ts';
import { formatShutdown } from '../../live/shutdown.ts';
import { botIdOf } from '../../live/ids.ts';
import { createNotifier, notifyConfigFromEnv } from '../../notify/index.ts';
import { candleFileText } from '../../market/candle-file.ts';
import { intervalMs } from '../../market/candle.ts';
import { ReplayCheckAborted } from '../../venue/sim/csv-source.ts';

// The Bybit client (bybit-api is slow to load) and the live session load when a run starts, so
// `botctl run --help` and a mistyped flag answer at once.
const bybitModule = () => import('../../venue/bybit/index.ts');
// The URL checks and test switches need no client: a paper run or a replay never loads bybit-api.
const bybitSettings = () => import('../../venue/bybit/from-plan.ts');
const sessionModule = () => import('../../live/session.ts');

interface RunOpts {
  live?: boolean;
  network?: string;
  yes?: boolean;
  venue?: string;
  data?: string;
  speed?: string;
  allowOtherSymbol?: boolean;
}

const NETWORKS: readonly Network[] = ['testnet', 'demo', 'mainnet'];
const MIN_SPEED = 0.00001;

export function registerRun(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('<specs...>', 'bot spec YAML files (several bots run in one process, each with its own state)')
    .option('--live', 'place real orders on Bybit (keys from BYBIT_API_KEY / BYBIT_API_SECRET or ./.env)')
    .option('--network <network>', 'testnet | demo | mainnet (default: each spec\'s market.network)')
    .option('--yes', 'do not ask for confirmation before trading on mainnet')
    .option('--venue <venue>', 'sim: simulated fills (the default; on live candles, or on --data) | bybit: real orders (with --live)')
    .option('--data <file>', 'replay this candle CSV through the runner (implies --venue sim) and exit at its end')
    .option('--speed <n>', 'replay speed in candles per second (default: as fast as possible)')
    .option('--allow-other-symbol', 'replay a candle file that names another symbol, or whose prices do not fit the spec\'s symbol')
    .addHelpText('after', `
Examples:
  botctl run bots/btc-ema.yaml                          paper trading: live candles, simulated fills, no keys
  botctl run bots/btc-ema.yaml bots/btc-breakout-module.yaml
  botctl run bots/btc-ema.yaml --live --network testnet real orders on testnet
  botctl run bots/btc-ema.yaml --venue sim --data bots/data/BTCUSDT-1h-2021-10_2022-03.csv --speed 50

Keys come only from the environment (BYBIT_API_KEY, BYBIT_API_SECRET) or a .env file in the
current directory, never from a spec. Live trading on mainnet asks for confirmation unless --yes.
Ctrl-C (or SIGTERM) stops cleanly within 10 s: working entry orders are cancelled, and an open
position is kept under its exchange-side stops (checked, and set if missing) or, with
run.on_shutdown: close_position, closed at market. A second Ctrl-C exits at once; the next start
reconciles with the exchange (adopts the position, sets a missing stop, cancels orphan entries,
restores cooldowns) and prints what it did.
Exit status: 0 ok (stopped, or replay finished), 1 bad spec / keys / data, 2 wrong command line.`)
    .action(async (specs: string[], opts: RunOpts) => {
      setExit(await runCommand(specs, opts, io));
    });
}

interface Resolved {
  mode: 'paper' | 'live' | 'replay';
  network?: Network;
  speed?: number;
}

function resolveOptions(opts: RunOpts): Resolved {
  if (opts.venue !== undefined && opts.venue !== 'bybit' && opts.venue !== 'sim') {
    throw new UsageError(`--venue must be bybit or sim, not "${opts.venue}"`);
  }
  if (opts.network !== undefined && !NETWORKS.includes(opts.network as Network)) {
    throw new UsageError(`--network must be testnet, demo or mainnet, not "${opts.network}"`);
  }
  if (opts.data !== undefined && opts.venue === 'bybit') throw new UsageError('--data replays a file on the simulated venue; drop --venue bybit (or use --venue sim)');
  if (opts.allowOtherSymbol && opts.data === undefined) throw new UsageError('--allow-other-symbol is about the candle file of a replay; it needs --data FILE.csv');
  if (opts.live && (opts.venue === 'sim' || opts.data !== undefined)) {
    throw new UsageError('--live places real orders on Bybit; it cannot be combined with --venue sim or --data');
  }
  if (opts.venue === 'bybit' && !opts.live) {
    throw new UsageError('--venue bybit sends real orders and needs --live; without flags botctl paper-trades (simulated fills on live candles)');
  }
  let speed: number | undefined;
  if (opts.speed !== undefined) {
    if (opts.data === undefined) throw new UsageError('--speed sets the replay speed; it needs --data FILE.csv');
    speed = Number(opts.speed);
    if (!Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed must be a positive number of candles per second, not "${opts.speed}"`);
    // No one replays slower; far slower, the wait between candles outgrows what a timer holds (24.8 days).
    if (speed < MIN_SPEED) throw new UsageError(`--speed ${opts.speed} is too slow: the slowest replay is ${MIN_SPEED} candles per second (one candle every ${Math.round(1 / MIN_SPEED / 3600)} hours)`);
  }
  const mode = opts.data !== undefined ? 'replay' : opts.live ? 'live' : 'paper';
  return { mode, ...(opts.network ? { network: opts.network as Network } : {}), ...(speed ? { speed } : {}) };
}

async function loadPlans(files: string[], io: CliIo): Promise<Plan[] | undefined> {
  const plans: Plan[] = [];
  let bad = false;
  for (const f of files) {
    const spec = await loadBotSpec(f);
    if (!spec.ok) {
      io.err(formatDiagnostics(spec.diagnostics, spec.file));
      bad = true;
    } else plans.push(spec.plan);
  }
  if (bad) return undefined;
  const seen = new Map<string, string>();
  for (const p of plans) {
    const id = botIdOf(p.name, p.market.symbol);
    const other = seen.get(id);
    if (other) throw new UserError(`${p.specFile} and ${other} are both bot "${p.name}" on ${p.market.symbol}; give each bot its own name`);
    seen.set(id, p.specFile);
  }
  return plans;
}

async function confirmMainnet(plans: Plan[], opts: RunOpts, io: CliIo): Promise<boolean> {
  const names = plans.map((p) => p.name).join(', ');
  if (opts.yes) return true;
  if (!process.stdin.isTTY) {
    io.err(`error: refusing to trade real money on mainnet (${names}) without confirmation: stdin is not a terminal. Add --yes to confirm.\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`botctl will place REAL orders on Bybit mainnet for: ${names}. Type "yes" to continue: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/** A private read before anything else, so bad keys fail before a single order. */
async function checkKeys(so: SessionOptions, plans: Plan[], keys: ApiKeys): Promise<void> {
  const checked = new Set<string>();
  for (const plan of plans) {
    const network = so.network ?? plan.market.network;
    if (checked.has(network)) continue;
    checked.add(network);
    const [{ BybitVenue }, { bybitOptions }] = await Promise.all([bybitModule(), sessionModule()]);
    const v = new BybitVenue({ ...bybitOptions(so, plan.market), key: keys.key, secret: keys.secret });
    try {
      await v.syncClock();
      await v.equity();
    } catch (e) {
      if (e instanceof VenueAuthError) {
        throw new UserError(`Bybit ${network} refused the API key from ${keys.source}: ${e.message} Nothing was traded.`);
      }
      throw new UserError(`could not check the API key on Bybit ${network}: ${(e as Error).message}. Nothing was traded.`);
    } finally {
      await v.close();
    }
  }
}

async function runCommand(files: string[], opts: RunOpts, io: CliIo): Promise<number> {
  const r = resolveOptions(opts);
  // Test-only URL overrides are refused before anything starts unless they name this machine.
  const { ENV_FAST_TIMERS, loopbackOverrides } = await bybitSettings();
  const urls = loopbackOverrides(process.env);
  const plans = await loadPlans(files, io);
  if (!plans) return ExitCode.UserError;

  if (r.mode === 'live') {
    // One-way mode: Bybit keeps one position per symbol, so two live bots would trade each other's.
    const bySymbol = new Map<string, Plan>();
    for (const p of plans) {
      const key = `${r.network ?? p.market.network} ${p.market.category} ${p.market.symbol}`;
      const other = bySymbol.get(key);
      if (other) throw new UserError(`${other.name} and ${p.name} both trade ${p.market.symbol} (${p.market.category}) live on ${r.network ?? p.market.network}: Bybit keeps one position per symbol, so run one live bot per symbol (paper trading has no such limit)`);
      bySymbol.set(key, p);
    }
  }

  let keys: ApiKeys | undefined;
  if (r.mode === 'live') {
    keys = readApiKeys();
    if (!keys) {
      throw new UserError('botctl run --live needs API keys: set BYBIT_API_KEY and BYBIT_API_SECRET in the environment or in a .env file in the current directory. Nothing was traded.');
    }
    const mainnet = plans.filter((p) => (r.network ?? p.market.network) === 'mainnet');
    if (mainnet.length && !(await confirmMainnet(mainnet, opts, io))) return ExitCode.UserError;
  }

  // Webhook notifications (BOTCTL_NOTIFY_URL ...) for paper and live runs; a bad setting stops here.
  const notifier = createNotifier(r.mode === 'replay' ? undefined : notifyConfigFromEnv());

  const tty = Boolean(process.stderr.isTTY) && r.mode !== 'replay';
  let status: LiveScreen | undefined;
  // A replay logs thousands of lines a second: gathered and written a chunk at a time. Everything
  // else this command prints goes through `io`, which writes the gathered lines first.
  const batch = r.mode === 'replay' ? new LineBatch(io.err) : undefined;
  if (batch) io = { out: batch.before(io.out), err: batch.before(io.err) };
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const line = String(chunk);
      if (status) status.write(line);
      else if (batch) batch.add(line);
      else io.err(line);
      cb();
    },
  });
  const log = createLogger({ console: sink, consoleFormat: process.stderr.isTTY ? 'pretty' : 'json', level: 'info', colour: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR });

  for (const p of plans) {
    if (p.run.mode === 'live' && r.mode === 'paper') log.warn(`${p.name}: the spec says run.mode: live, but without --live botctl paper-trades (simulated fills)`);
  }

  let fatal: ((e: Error) => void) | undefined;
  const fatalSeen = new Promise<Error>((resolve) => (fatal = resolve));
  // Ctrl-C while a replay's file is still being checked ends the check, rather than waiting for it.
  const startAbort = new AbortController();
  const so: SessionOptions = {
    plans, mode: r.mode, log, abort: startAbort.signal,
    ...(r.network ? { network: r.network } : {}),
    ...(opts.data ? { data: opts.data, allowOtherSymbol: Boolean(opts.allowOtherSymbol) } : {}),
    ...(r.speed ? { speed: r.speed } : {}),
    ...(keys ? { keys } : {}),
    ...urls,
    ...(process.env[ENV_FAST_TIMERS] === '1' ? { bybit: await fastTimers(plans[0] as Plan), exitRetry: { firstMs: 50, maxMs: 200 } } : {}),
    onFatal: (e) => fatal?.(e),
    ...(notifier.enabled ? { notify: (e) => notifier.notify(e) } : {}),
  };
  if (keys) await checkKeys(so, plans, keys);

  // A replay is journaled as a backtest run: apart from paper and live history (`--mode backtest`).
  const journals: JournalRecorders = openJournals(plans, r.mode === 'replay' ? 'backtest' : r.mode, r.network);
  so.recorderFor = (p) => journals.recorderFor(p);

  // Signals during startup wait for it to finish (bounded by the adapter's timeouts), then stop.
  // A second signal exits at once: every journal write is its own transaction, so the journal is
  // consistent at any instant, and the next start reconciles orders and position with the exchange.
  let stopping: ((why: string) => void) | undefined;
  const stopped = new Promise<string>((resolve) => (stopping = resolve));
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals === 1) {
      stopping?.(sig);
      startAbort.abort(sig);
      return;
    }
    status?.stop();
    io.err(`shutdown: ${sig} again — exiting now without finishing; the journal is consistent and the next start reconciles orders and position with the exchange\n`);
    journals.close('forced exit (second signal)');
    process.exit(ExitCode.UserError);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let session: BotSession;
  try {
    session = await (await sessionModule()).startSession(so);
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const aborted = e instanceof ReplayCheckAborted;
    journals.close(aborted ? `stopped by ${String(startAbort.signal.reason)} before the replay began` : 'failed to start');
    log.close();
    batch?.close();
    if (aborted) {
      io.err(`shutdown: ${String(startAbort.signal.reason)}: ${e.message}\n`);
      return ExitCode.Ok;
    }
    if (e instanceof UserError) throw e;
    if (e instanceof VenueError) throw new UserError(`could not start: ${e.message}`);
    throw e;
  }

  if (tty) {
    const bots = session.runners.map((runner, i) => ({ runner, network: r.network ?? (plans[i] as Plan).market.network }));
    status = new LiveScreen(process.stderr, () => bots, !process.env.NO_COLOR);
    status.start();
  }
  let code: number = ExitCode.Ok;
  let graceful = false;
  try {
    const why = await Promise.race([
      stopped,
      fatalSeen.then((e) => {
        io.err(`error: ${e.message}\n`);
        code = ExitCode.UserError;
        return 'fatal';
      }),
      // A replay whose file changed after it was checked (still being written) stops there.
      ...(session.finished ? [session.finished.then(() => 'end of data', (e: unknown) => {
        if (!(e instanceof UserError)) throw e;
        io.err(`error: ${e.message}\n`);
        code = ExitCode.UserError;
        return 'fatal';
      })] : []),
    ]);
    log.info('stopping', { reason: why });
    if (why === 'end of data') recordReplayEnd(session, plans, journals);
    graceful = why === 'SIGINT' || why === 'SIGTERM';
  } finally {
    status?.stop();
    status = undefined;
    const bound = shutdownBoundMs();
    const outcome = await stopWithin(session.stop(graceful), bound);
    if (outcome === 'timeout') {
      io.err(`shutdown: not finished within ${bound / 1000} s (an exchange call is still pending): working orders and the position are left as they are; the next start reconciles them\n`);
      code = ExitCode.UserError;
    } else {
      for (const report of outcome) {
        if (report.problems.length) code = ExitCode.UserError;
        io.err(formatShutdown(report, 'journal flushed') + '\n');
      }
    }
    journals.close(outcome === 'timeout' ? 'shutdown timed out' : code === ExitCode.Ok ? 'stopped' : 'error');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await notifier.flush(3000);
    if (outcome === 'timeout') {
      log.close();
      process.exit(code); // the pending call would keep the process alive
    }
  }
  if (r.mode === 'replay') {
    session.runners.forEach((runner, i) => {
      const source = session.sources[i];
      io.out(replaySummary(runner, opts.data as string, source?.summary ? candleFileText(source.summary) : undefined));
    });
  }
  log.close();
  batch?.close();
  return code;
}

/**
 * A replay ends with the position it holds at the last close and its unrealised P&L, journaled so
 * `botctl status` says what the replay summary says (a replay leaves the position open).
 */
function recordReplayEnd(session: BotSession, plans: Plan[], journals: JournalRecorders): void {
  session.runners.forEach((runner, i) => {
    const s = runner.status();
    const plan = plans[i] as Plan;
    if (s.lastCandle === null) return;
    const p = s.position;
    journals.recorderFor(plan)?.position?.({
      side: p.side, size: p.size, avgPrice: p.avgPrice, updatedAt: s.lastCandle + intervalMs(plan.market.interval),
      ...(p.stopLoss ? { stopLoss: p.stopLoss } : {}), ...(p.takeProfit ? { takeProfit: p.takeProfit } : {}),
      ...(p.side !== 'flat' ? { unrealisedPnl: s.unrealised } : {}),
    });
  });
}

/** Graceful shutdown gets this long; then botctl says what it could not finish and exits. */
const SHUTDOWN_BOUND_MS = 10_000;

function shutdownBoundMs(): number {
  const v = Number(process.env.BOTCTL_SHUTDOWN_BOUND_MS);
  return Number.isFinite(v) && v > 0 ? v : SHUTDOWN_BOUND_MS;
}

function stopWithin<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

/** Test only (BOTCTL_BYBIT_FAST_TIMERS=1): the adapter's timeouts, retries and heartbeats in milliseconds. */
async function fastTimers(plan: Plan): Promise<Partial<BybitVenueOptions>> {
  const { ENV_FAST_TIMERS, bybitVenueOptions } = await bybitSettings();
  const o = bybitVenueOptions(plan, { [ENV_FAST_TIMERS]: '1' });
  return { ...(o.httpTimeoutMs ? { httpTimeoutMs: o.httpTimeoutMs } : {}), ...(o.retry ? { retry: o.retry } : {}), ...(o.ws ? { ws: o.ws } : {}) };
}
