// The web UI in a real browser: `perpsim serve` as a process (manual prices, a temporary data directory)
// serving dist/web, driven by Debian's chromium through playwright-core.
//
// What-if page: for the seed article's account the figures on screen are, character for character, the
// ones `perpsim calc` (`calculate`) gives for the same documents; past the isolated liquidation price
// the isolated BTC position is liquidated while ETH's margin is untouched; at −25 % Cross loses it all.
// Live page: a key made through POST /sim/v1/accounts is pasted, a LIMIT order placed from the form shows
// up in the open orders (and at the venue), and a rejected order shows Binance's {code,msg}.
//
// Chromium is required: the test fails (it does not skip) when it is missing. `.ci/run` installs it.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { calculate } from './calc.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WEB_INDEX = join(ROOT, 'dist', 'web', 'index.html');
const CHROMIUM = process.env['PERPSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const ADMIN = 'web-test-admin';
/** set to a directory to keep screenshots of the pages the test saw */
const SHOTS = process.env['PERPSIM_WEB_SCREENSHOTS'];
const UI_TIMEOUT = 20_000;

type Json = Record<string, any>;

type Server = ServeProcess;

let server: Server | undefined;
let browser: Browser | undefined;
const dirs: string[] = [];

function startServe(dataDir: string): Promise<Server> {
  return startServeProcess(['--data-dir', dataDir, '--feed', 'manual', '--admin-token', ADMIN]);
}

async function admin(path: string, body: unknown): Promise<Json> {
  const r = await fetch(`${server?.url}/sim/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-PERPSIM-ADMIN': ADMIN },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as Json;
}

async function signed(cred: Json, method: string, path: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: '10000' }).toString();
  const signature = createHmac('sha256', cred['apiSecret'] as string)
    .update(query)
    .digest('hex');
  const r = await fetch(`${server?.url}${path}?${query}&signature=${signature}`, {
    method,
    headers: { 'X-MBX-APIKEY': cred['apiKey'] as string },
  });
  return { status: r.status, body: await r.json() };
}

/** A page, with the script errors it raises collected. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  assert.ok(browser, 'the browser was launched');
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(UI_TIMEOUT);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The exact figure behind a number on the page (`data-value`, the string calc printed). */
async function value(page: Page, testId: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute('data-value');
}

/** The seed article's Case A account (examples/seed-case-a-cross.json) in one margin mode, BTC/ETH moved to the given marks. */
function seedCaseA(mode: 'isolated' | 'cross', btc: string, eth: string): Json {
  const isolated = mode === 'isolated';
  const leg = (symbol: string, amt: string, entry: string) => ({
    symbol,
    positionSide: 'BOTH',
    positionAmt: amt,
    entryPrice: entry,
    leverage: 10,
    marginType: mode,
    ...(isolated ? { isolatedWallet: '500' } : {}),
  });
  return {
    positionMode: 'one-way',
    crossWalletBalance: isolated ? '0' : '1000',
    markPrices: { BTCUSDT: '100000', ETHUSDT: '2500' },
    positions: [leg('BTCUSDT', '0.05', '100000'), leg('ETHUSDT', '2', '2500')],
    scenarios: [{ name: 'move', markPrices: { BTCUSDT: btc, ETHUSDT: eth } }],
  };
}

/** Every per-position figure the page shows for a mode equals calc's, and so do the account figures. */
async function assertMatchesCalc(page: Page, mode: 'isolated' | 'cross', expected: Json): Promise<void> {
  const scenario = expected['scenarios'][0] as Json;
  const fields = ['markPrice', 'unRealizedProfit', 'maintMargin', 'marginRatio', 'liquidationPrice'];
  if (mode === 'isolated') fields.push('isolatedMargin', 'isolatedWallet');
  for (const p of scenario['positions'] as Json[]) {
    for (const f of fields) {
      const want = p[f] === null ? '' : (p[f] as string);
      assert.equal(await value(page, `${mode}-${p['symbol']}-${f}`), want, `${mode} ${p['symbol']} ${f}`);
    }
    const status = await page.getByTestId(`${mode}-${p['symbol']}-status`).innerText();
    assert.equal(status, p['liquidatable'] ? 'Liquidated' : 'Open', `${mode} ${p['symbol']} status`);
  }
  assert.equal(await value(page, `${mode}-marginBalance`), scenario['account']['totalMarginBalance'], `${mode} margin balance`);
  if (mode === 'cross') {
    assert.equal(await value(page, 'cross-accountMarginRatio'), scenario['account']['accountMarginRatio'] ?? '', 'cross margin ratio');
  }
}

describe('web UI in chromium', { timeout: 180_000 }, () => {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium is required at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`);
    assert.ok(existsSync(WEB_INDEX), `the web UI is not built (${WEB_INDEX}): npm run build`);
    const dir = mkdtempSync(join(tmpdir(), 'perpsim-web-'));
    dirs.push(dir);
    server = await startServe(dir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (server !== undefined && server.proc.exitCode === null) {
      const exited = new Promise((resolve) => server?.proc.once('exit', resolve));
      server.proc.kill('SIGTERM');
      await exited;
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serve prints the web address and serves the app at / without shadowing the API', async () => {
    const url = server?.url as string;
    assert.match(server?.banner ?? '', new RegExp(`\\n  Web        ${url.replace(/[.]/g, '\\.')}/\\n`));
    const home = await fetch(`${url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await home.text(), /<div id="root">/);
    for (const path of ['/fapi/v1/nothing', '/sim', '/ws', '/market/ws', '/public/ws', '/private/ws', '/some/page']) {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 404, path);
      assert.deepEqual(await r.json(), { code: -5000, msg: `Path ${path}, Method GET is invalid` }, path);
    }
    assert.equal((await fetch(`${url}/fapi/v1/ping`)).status, 200);
    assert.equal((await fetch(`${url}/sim/v1/state`)).status, 401, 'the simulator endpoints keep their admin guard');
  });

  it('what-if: the seed example shows exactly the figures of perpsim calc, side by side for Isolated and Cross', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${server?.url}/`);
    await page.getByTestId('mode-cross').waitFor();

    // the documents the page evaluates are the seed's (examples/seed-case-a-cross.json) ...
    const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'seed-case-a-cross.json'), 'utf8')) as Json;
    const crossDoc = JSON.parse((await page.getByTestId('calc-input-cross').textContent()) ?? '') as Json;
    const isolatedDoc = JSON.parse((await page.getByTestId('calc-input-isolated').textContent()) ?? '') as Json;
    assert.equal(crossDoc['crossWalletBalance'], example['crossWalletBalance']);
    assert.deepEqual(crossDoc['markPrices'], example['markPrices']);
    assert.deepEqual(crossDoc['positions'], example['positions']);
    assert.deepEqual(crossDoc['scenarios'][0]['markPrices'], example['scenarios'][0]['markPrices'], 'BTC −8 % / ETH +5 %');
    // ... and calc gives the same figures for them as for the test's own rendering of the seed
    const cross = calculate(seedCaseA('cross', '92000', '2625')) as Json;
    const isolated = calculate(seedCaseA('isolated', '92000', '2625')) as Json;
    assert.deepEqual((calculate(crossDoc) as Json)['scenarios'][0]['positions'], cross['scenarios'][0]['positions']);
    assert.deepEqual((calculate(isolatedDoc) as Json)['scenarios'][0]['positions'], isolated['scenarios'][0]['positions']);

    await assertMatchesCalc(page, 'cross', cross);
    await assertMatchesCalc(page, 'isolated', isolated);

    // the article's numbers, literally: net loss 150, balance 850, no liquidation; the cross account
    // liquidates near BTC 75,700 (75,722.89 with ETH at +5 %); isolated BTC at 90,361.45 (README)
    assert.equal(await value(page, 'cross-change'), '-150');
    assert.equal(await value(page, 'cross-equity'), '850');
    assert.equal(await value(page, 'cross-BTCUSDT-liquidationPrice'), '75722.89156627');
    assert.ok(Math.abs(Number(await value(page, 'cross-BTCUSDT-liquidationPrice')) - 75_700) < 100, 'cross liquidation near 75,700');
    assert.match(await page.getByTestId('cross-BTCUSDT-liquidationPrice').innerText(), /^75,722\.89/);
    assert.equal(await value(page, 'isolated-BTCUSDT-liquidationPrice'), '90361.44578313');
    assert.equal(await value(page, 'isolated-BTCUSDT-isolatedMargin'), '100', 'BTC: 500 of margin, −400');
    assert.equal(await page.getByTestId('cross-verdict').innerText(), 'No liquidation');
    assert.equal(await page.getByTestId('isolated-verdict').innerText(), 'No liquidation');
    // one equity chart per mode, drawn by lightweight-charts
    for (const mode of ['isolated', 'cross']) {
      const chart = page.getByTestId(`${mode}-chart`);
      assert.ok(Number(await chart.getAttribute('data-points')) > 100, `${mode} chart points`);
      assert.ok((await chart.locator('canvas').count()) > 0, `${mode} chart canvas`);
    }
    await shot(page, 'what-if-seed');

    // BTC −10 %: past the isolated liquidation price (90,361.45), not past the cross one
    await page.getByLabel('BTC move %').fill('-10');
    await page.getByTestId('isolated-BTCUSDT-status').getByText('Liquidated').waitFor();
    const isolated10 = calculate(seedCaseA('isolated', '90000', '2625')) as Json;
    const cross10 = calculate(seedCaseA('cross', '90000', '2625')) as Json;
    assert.equal(isolated10['scenarios'][0]['positions'][0]['liquidatable'], true, 'calc: BTC isolated liquidatable at 90,000');
    await assertMatchesCalc(page, 'isolated', isolated10);
    await assertMatchesCalc(page, 'cross', cross10);
    assert.equal(await page.getByTestId('isolated-ETHUSDT-status').innerText(), 'Open');
    assert.equal(await value(page, 'isolated-ETHUSDT-isolatedWallet'), '500', "ETH's margin is untouched");
    assert.equal(await value(page, 'isolated-ETHUSDT-isolatedMargin'), '750');
    assert.match(await page.getByTestId('isolated-verdict').innerText(), /^BTC liquidated: 500\.00 USDT of margin lost$/);
    assert.equal(await value(page, 'isolated-equity'), '750', 'the 500 of BTC lost, ETH 500 + 250 kept');
    assert.equal(await page.getByTestId('cross-verdict').innerText(), 'No liquidation');
    await shot(page, 'what-if-btc-10');

    // BTC −25 %: the whole cross account is liquidated; Isolated still holds ETH's 750
    await page.getByLabel('BTC move %').fill('-25');
    await page.getByTestId('cross-verdict').getByText('Account liquidated').waitFor();
    assert.equal(await value(page, 'cross-equity'), '0');
    assert.equal(await value(page, 'cross-change'), '-1000');
    assert.equal(await value(page, 'isolated-equity'), '750');
    await assertMatchesCalc(page, 'cross', calculate(seedCaseA('cross', '75000', '2625')) as Json);
    assert.deepEqual(errors, [], 'no script error on the page');
    await page.close();
  });

  it('live: a pasted key places a LIMIT order that appears in the open orders; a bad order shows Binance’s error', async () => {
    await admin('markPrice', { symbol: 'BTCUSDT', price: '60000' });
    const cred = await admin('accounts', { balances: { USDT: '10000' } });
    const { page, errors } = await newPage();
    await page.goto(`${server?.url}/#/live`);

    // market data: the book quoted by the market maker (REST + stream), the mark from @markPrice@1s
    await page.getByTestId('book-bids').locator('tr').first().waitFor();
    await page.getByTestId('live-mark').waitFor();
    assert.equal(await value(page, 'live-mark'), '60000');

    await page.getByTestId('api-key').fill(cred['apiKey'] as string);
    await page.getByTestId('api-secret').fill(cred['apiSecret'] as string);
    await page.getByTestId('connect').click();
    await page.getByTestId('balances').waitFor();
    assert.equal(await value(page, 'wallet-balance-live'), '10000');
    assert.equal(await page.getByTestId('no-open-orders').innerText(), 'No open order.');

    await page.getByTestId('side-BUY').click();
    await page.getByTestId('type-LIMIT').click();
    await page.getByTestId('order-price').fill('55000');
    await page.getByTestId('order-qty').fill('0.01');
    await page.getByTestId('place-order').click();
    const result = await page.getByTestId('order-result').innerText();
    const orderId = /^Order (\d+): NEW/.exec(result)?.[1];
    assert.ok(orderId !== undefined, `order accepted: ${result}`);
    const row = page.getByTestId(`order-${orderId}`);
    await row.waitFor();
    assert.match(await row.innerText(), /BTCUSDT\s+BUY\s+LIMIT\s+55,000\.00\s+0\.01\s+0/);
    // the venue has it, as the page says
    const open = await signed(cred, 'GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' });
    assert.equal(open.status, 200);
    assert.deepEqual(
      (open.body as Json[]).map((o) => [o['orderId'], o['side'], o['type'], o['price'], o['origQty']]),
      [[Number(orderId), 'BUY', 'LIMIT', '55000.00', '0.010']],
    );

    // a rejected order: the page shows the code and message the venue answers for the same request
    await page.getByTestId('order-qty').fill('100');
    await page.getByTestId('place-order').click();
    await page.getByTestId('order-error').waitFor();
    const direct = await signed(cred, 'POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '100',
      price: '55000',
    });
    assert.equal(direct.status, 400);
    assert.deepEqual(direct.body, { code: -2019, msg: 'Margin is insufficient.' });
    assert.equal(await page.getByTestId('order-error-code').innerText(), String(direct.body.code));
    assert.equal(await page.getByTestId('order-error-msg').innerText(), direct.body.msg);
    // nothing else was placed
    const after = await signed(cred, 'GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' });
    assert.equal((after.body as Json[]).length, 1);
    await shot(page, 'live');
    assert.deepEqual(errors, [], 'no script error on the page');
    await page.close();
  });
});
