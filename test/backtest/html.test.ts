// The HTML report opens offline in a real browser, renders its charts without console errors.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../engine/cli/main.ts';

const CHROMIUM = '/usr/bin/chromium';

t.test('HTML report is self-contained and renders in headless Chromium', async (t) => {
  const dir = t.testdir();
  const html = join(dir, 'report.html');
  let err = '';
  const code = await main(['backtest', 'bots/btc-ema.yaml', '--data', 'bots/data/BTCUSDT-1h-2021-10_2022-03.csv', '--html', html], { out: () => {}, err: (s) => { err += s; } });
  t.equal(code, 0, err);
  const text = readFileSync(html, 'utf8');
  t.notMatch(text, /<script[^>]+src=/, 'no external scripts');
  t.notMatch(text, /<link[^>]+href=/, 'no external stylesheets');
  t.match(text, /TradingView Lightweight Charts/, 'chart library inlined');
  t.match(text, /<td>take_profit<\/td>/, 'trade table lists exit reasons');

  if (!existsSync(CHROMIUM)) {
    console.error('SKIPPED: chromium not installed');
    t.skip('SKIPPED: chromium not installed', async () => {});
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-rendered="yes"]', { timeout: 15_000 });
    t.same(problems, [], 'no console errors');
    t.same(requests, [], 'no network requests: opens offline');
    const canvases = await page.locator('#price canvas').count();
    t.ok(canvases > 0, 'price chart drew canvases');
    t.ok(await page.locator('#equity canvas').count() > 0, 'equity chart drew');
    t.ok(await page.locator('#drawdown canvas').count() > 0, 'drawdown chart drew');
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    t.ok(existsSync(shot), `screenshot saved at ${shot}`);
  } finally {
    await browser.close();
  }
});
