// Opens an HTML report in Debian's Chromium (never a downloaded browser) the way a trader would,
// and says what it drew: console problems, network requests (none: reports open offline), and per
// chart how many pixels carry ink. A screenshot of the whole page lands in test/output/ to be
// looked at. Undefined when Chromium is not installed (the caller says the check was skipped).
import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test', 'output');

export interface Rendered {
  problems: string[];
  requests: string[];
  /** Per chart container id: canvases, and coloured pixels on its largest canvas (0: an empty chart). */
  charts: Record<string, { canvases: number; ink: number }>;
  /** What the page says it drew (window.botctlReport), if it says. */
  drawn: Record<string, unknown> | undefined;
  screenshot: string;
  text: string;
}

// One browser per test file, started by the first report it opens and closed when the file's tests
// end: starting Chromium costs seconds, and each report still gets a fresh page in its own context.
let browser: Promise<Browser> | undefined;

function sharedBrowser(): Promise<Browser> {
  browser ??= (async () => {
    const { chromium } = await import('playwright-core');
    const b = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    t.teardown(() => b.close());
    return b;
  })();
  return browser;
}

export async function renderReport(file: string, shot: string, opts: { width?: number; height?: number } = {}): Promise<Rendered | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const page = await (await sharedBrowser()).newPage({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 1000 } });
  try {
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
    await page.goto(`file://${file}`);
    // Rendered, or failed trying: a script error never sets the flag.
    await Promise.race([
      page.waitForSelector('body[data-rendered="yes"]', { timeout: 15_000 }).catch(() => problems.push('the page never said it had rendered')),
      new Promise<void>((resolve) => page.on('pageerror', () => resolve())),
    ]);
    await page.waitForTimeout(300); // charts paint on the next animation frame
    // Browser-side code as text: this project compiles without the DOM library.
    const charts = (await page.evaluate(`(() => {
      const out = {};
      for (const div of document.querySelectorAll('div.chart')) {
        const canvases = Array.from(div.querySelectorAll('canvas'));
        let best;
        for (const c of canvases) if (!best || c.width * c.height > best.width * best.height) best = c;
        let ink = 0;
        if (best && best.width && best.height) {
          const px = best.getContext('2d').getImageData(0, 0, best.width, best.height).data;
          for (let i = 0; i < px.length; i += 4) if (255 - Math.min(px[i], px[i + 1], px[i + 2]) > 60 && px[i + 3] > 0) ink++;
        }
        out[div.id] = { canvases: canvases.length, ink };
      }
      return out;
    })()`)) as Rendered['charts'];
    const drawn = (await page.evaluate('window.botctlReport')) as Rendered['drawn'];
    mkdirSync(SCREENSHOTS, { recursive: true });
    const screenshot = join(SCREENSHOTS, shot);
    await page.screenshot({ path: screenshot, fullPage: true });
    const text = (await page.evaluate('document.body.innerText')) as string;
    return { problems, requests, charts, drawn, screenshot, text };
  } finally {
    await page.context().close();
  }
}
