// The specs `botctl init` writes: commented YAML a newcomer can read top to bottom, built from a
// few answers. Every value that reaches the text has been checked against the schema's patterns
// first (answers.ts), so nothing typed can break the YAML; the command still validates the result.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Category } from '../plan/plan.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

export const TEMPLATES = ['ema-crossover', 'rsi-mean-reversion', 'breakout-module'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const TEMPLATE_HELP: Record<TemplateName, string> = {
  'ema-crossover': 'trend following: enter when a fast EMA crosses a slow one (rules in the spec)',
  'rsi-mean-reversion': 'buy oversold dips inside an uptrend, sell on recovery (rules in the spec, limit entries)',
  'breakout-module': 'Donchian channel breakout written as a TypeScript strategy module',
};

export type StopStyle = 'atr' | 'percent';

export interface InitAnswers {
  name: string;
  symbol: string;
  category: Category;
  interval: string;
  template: TemplateName;
  riskPercent: string;
  stopStyle: StopStyle;
}

export interface RenderedSpec {
  yaml: string;
  /** Extra files the spec needs, relative to the spec's folder (the strategy module). */
  files: { path: string; text: string }[];
  /** What was changed from the template and why (e.g. short rules dropped on spot). */
  notes: string[];
}

function stopLines(style: StopStyle, indent: string): string {
  return style === 'atr'
    ? `${indent}stop_loss:\n${indent}  atr: { length: 14, multiple: 2 }   # 2 × ATR(14) from the signal close\n`
    : `${indent}stop_loss:\n${indent}  percent: 2                        # 2% from the signal close\n`;
}

function header(a: InitAnswers, schemaPath: string, what: string): string {
  return `# yaml-language-server: $schema=${schemaPath}
#
# ${what}
# Written by \`botctl init\`. Check it with \`botctl validate\`, which also reads back what the bot
# will do; backtest it before running it on paper.
name: ${a.name}

market:
  network: testnet        # mainnet (real money) | testnet | demo
  category: ${a.category}${a.category === 'spot' ? '          # spot: buy and sell the coin itself, long only' : '        # linear: USDT perpetual, long and short'}
  symbol: ${a.symbol}
  interval: ${/^\d+$/.test(a.interval) ? a.interval : `"${a.interval}"`}${' '.repeat(Math.max(1, 12 - a.interval.length))}# minutes (1 3 5 15 30 60 120 240 360 720) or D, W, M
`;
}

function riskBlock(a: InitAnswers, leverage: string, extra = ''): string {
  const lev = a.category === 'linear' ? `  leverage: ${leverage}             # also caps the position value at equity × ${leverage}\n` : '';
  return `
risk:
  risk_percent: ${a.riskPercent}${' '.repeat(Math.max(1, 10 - a.riskPercent.length))}# lose at most ${a.riskPercent}% of equity when the stop-loss is hit
${lev}${stopLines(a.stopStyle, '  ')}${extra}  placement: exchange     # stops live on Bybit, so they hold while botctl is down
`;
}

const FOOTER = `
run:
  mode: paper             # paper | live; the journal goes to journal/<name>.sqlite next to this file
  on_shutdown: keep_position

simulation:               # fill model for backtests and paper trading
  initial_equity: 10000
  slippage_percent: 0.02
`;

function emaCrossover(a: InitAnswers, schema: string): RenderedSpec {
  const notes: string[] = [];
  const short = a.category === 'linear'
    ? `  short:
    entry: "crossunder(ema(close, fast), ema(close, slow)) and rsi(close, 14) > 30"
    exit: "crossover(ema(close, fast), ema(close, slow))"
`
    : '';
  if (a.category === 'spot') notes.push('spot cannot go short, so the template\'s `short` rules were left out: this bot trades long only');
  const yaml = `${header(a, schema, `EMA crossover with an RSI filter on ${a.symbol} ${a.category}.`)}
strategy:
  params:                 # named numbers the rules refer to
    fast: 9
    slow: 21
  long:
    entry: "crossover(ema(close, fast), ema(close, slow)) and rsi(close, 14) < 70"
    exit: "crossunder(ema(close, fast), ema(close, slow))"
${short}
entry_order:
  type: market            # market | limit (with offset_percent, timeout, on_timeout)
${riskBlock(a, '3', '  take_profit:\n    risk_reward: 2        # 2R: twice the stop distance\n')}
cooldown:
  after_exit: 3 bars
  after_loss: 12h

protections:
  max_daily_loss_percent: 3
  max_drawdown_percent: 15
  max_trades_per_day: 6
${FOOTER}`;
  return { yaml, files: [], notes };
}

function rsiMeanReversion(a: InitAnswers, schema: string): RenderedSpec {
  const short = a.category === 'linear'
    ? `  short:                  # the mirror image: sell overbought rallies inside a downtrend
    entry: "rsi(close, rsi_length) > overbought and close < sma(close, trend)"
    exit: "rsi(close, rsi_length) < 100 - recovered"
`
    : '';
  const notes = a.category === 'spot' ? ['spot cannot go short, so the template\'s `short` rules were left out: this bot trades long only'] : [];
  const yaml = `${header(a, schema, `RSI mean reversion on ${a.symbol} ${a.category}: buy when RSI dips oversold inside an uptrend, sell when it recovers.`)}
strategy:
  params:
    rsi_length: 14
    oversold: 30
    overbought: 70
    recovered: 55
    trend: 200
  long:
    entry: "rsi(close, rsi_length) < oversold and close > sma(close, trend)"
    exit: "rsi(close, rsi_length) > recovered"
${short}
entry_order:
  type: limit
  offset_percent: 0.05    # bid 0.05% better than the signal candle's close
  timeout: 2 bars
  on_timeout: cancel
${riskBlock(a, '2', '  take_profit:\n    percent: 4            # 4% from the signal close\n')}
cooldown:
  after_exit: 4 bars
  after_loss: 2h
  activity:               # wait longer when the bot has been busy
    window: 1d
    free_trades: 3
    extra: 2 bars

protections:
  max_daily_loss_percent: 2
  max_trades_per_day: 8
${FOOTER}`;
  return { yaml, files: [], notes };
}

function breakoutModule(a: InitAnswers, schema: string, moduleText: string): RenderedSpec {
  const notes = a.category === 'spot' ? ['spot cannot go short, so the module\'s short breakouts are ignored (`direction: long`)'] : [];
  const trailing = a.stopStyle === 'atr'
    ? '  trailing_stop:          # follows the price once the trade is 1R in profit\n    atr: { length: 14, multiple: 3 }\n    activation: { risk_reward: 1 }\n'
    : '  trailing_stop:          # follows the price once the trade is 1R in profit\n    percent: 3\n    activation: { risk_reward: 1 }\n';
  const yaml = `${header(a, schema, `Donchian channel breakout on ${a.symbol} ${a.category}, written as a TypeScript strategy module\n# (strategies/donchian-breakout.mts next to this file) instead of rules.`)}
strategy:
  module: ./strategies/donchian-breakout.mts
  params:
    channel: 20           # enter on a close beyond the 20-candle high/low
    exit_channel: 10      # exit on a close beyond the opposite 10-candle edge
  direction: ${a.category === 'spot' ? 'long                 # spot trades long only' : 'both'}
${riskBlock(a, '2', trailing)}
cooldown:
  after_exit: 2 bars
  volatility:             # stretch cooldowns when the market is wild
    atr_length: 14
    baseline_length: 100
    max_multiplier: 3

protections:
  max_drawdown_percent: 20
${FOOTER}`;
  return { yaml, files: [{ path: 'strategies/donchian-breakout.mts', text: moduleText }], notes };
}

/**
 * `schemaPath`: the schema relative to the spec's folder; `enginePath`: botctl's engine/ folder
 * relative to the strategy module's folder (type-only imports, erased at run time).
 */
export function renderSpec(a: InitAnswers, schemaPath: string, enginePath: string): RenderedSpec {
  switch (a.template) {
    case 'ema-crossover': return emaCrossover(a, schemaPath);
    case 'rsi-mean-reversion': return rsiMeanReversion(a, schemaPath);
    case 'breakout-module': return breakoutModule(a, schemaPath, donchianModule(enginePath));
  }
}

/** The bundled example module, the one the tests check, behind a self-contained preamble. */
const BUNDLED_DONCHIAN = new URL('bots/strategies/donchian-breakout.ts', PACKAGE_ROOT);

// Outside this repository the module cannot import botctl's runtime values, so the preamble
// declares NO_SIGNALS and StrategyParamsError itself and keeps only type imports (erased when
// botctl loads the module). Everything from lengthParam on is the bundled module, so the two
// cannot drift apart.
export function donchianModule(enginePath: string): string {
  const source = readFileSync(BUNDLED_DONCHIAN, 'utf8');
  const at = source.indexOf('\nfunction lengthParam');
  if (at < 0) throw new Error(`${fileURLToPath(BUNDLED_DONCHIAN)} no longer has function lengthParam: update engine/init/templates.ts`);
  return `// Donchian channel breakout: go long when a candle closes above the highest high of the previous
// \`channel\` candles, short when it closes below the lowest low; exit when price closes back
// through the opposite edge of the shorter \`exit_channel\`. Written by \`botctl init\`: edit freely.
// The imports are type-only (erased when botctl loads the module), so the file runs wherever it lives.
import type { Candle } from '${enginePath}/market/candle.ts';
import type { Signal, Strategy, StrategyContext } from '${enginePath}/strategy/strategy.ts';

const NO_SIGNALS: readonly Signal[] = Object.freeze([]);

/** Thrown from the constructor, botctl reports it at the parameter in the spec. */
class StrategyParamsError extends Error {
  constructor(message: string, readonly param?: string) {
    super(message);
    this.name = 'StrategyParamsError';
  }
}

` + source.slice(at + 1);
}
