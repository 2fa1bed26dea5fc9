// The web console (kernel/control/console/) in a real browser: Debian's Chromium, driven
// by playwright-core.
//
//   node console.mjs <control-url> <token> <user-data-dir> <screenshot.png>...
//
// Run by tests/integration/console_browser_test.cpp, which plays the backends: it
// publishes events and, when this script prints "TAIL READY <marker>", publishes an event
// carrying <marker> that must appear in the live tail. This side does what an operator
// does: opens <control-url>/console, types the control token into the form the page shows
// on the API's 401, checks the plugins listed, reloads one with its button (the
// generation shown goes up), follows a stream, disables then enables a plugin, and takes a
// full-page screenshot into each <screenshot.png>.
//
// Prints "RELOADED <plugin> <generation>", "ENABLED <plugin> <generation>" along the way
// and "PASS" at the end; on any failure "FAIL: <why>" and exit code 1. Every wait has a
// timeout. Works on Node 18.
import { chromium } from 'playwright-core';

const [base, token, userDataDir, ...screenshots] = process.argv.slice(2);
const kWait = 20000;

function fail(why) {
  console.log(`FAIL: ${why}`);
  process.exitCode = 1;
  throw new Error(why);
}

function expect(condition, why) {
  if (!condition) fail(why);
}

async function main() {
  expect(base && token && userDataDir && screenshots.length,
    'usage: console.mjs <control-url> <token> <user-data-dir> <screenshot.png>...');
  // The flags of jarvis_dashboard.mjs: no sandbox as root, no background connections,
  // no /dev/shm.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    timeout: kWait,
  });
  const consoleLines = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(kWait);
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    const apiCalls = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/')) apiCalls.push({ url: r.url(), auth: r.headers().authorization || '' });
    });

    const answer = await page.goto(`${base}/console`);
    expect(answer.status() === 200, `GET /console answered ${answer.status()}`);
    const policy = answer.headers()['content-security-policy'] || '';
    expect(policy.includes("default-src 'self'"), `Content-Security-Policy: ${policy}`);

    // The API answers 401: the page asks for the token with its form.
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.locator('#token-input').fill(token);
    await page.locator('#token-submit').click();
    await page.locator('#token-form').waitFor({ state: 'hidden' });

    // The plugins, with what they serve.
    const row = (name) => page.locator(`#plugins tr[data-plugin="${name}"]`);
    for (const name of ['groove', 'jarvis']) {
      await row(name).locator('span.state', { hasText: 'running' }).waitFor();
    }
    await row('echo').locator('span.state', { hasText: 'disabled' }).waitFor();
    const endpoints = await row('groove').locator('td.endpoints').textContent();
    expect(/127\.0\.0\.1:\d+/.test(endpoints), `groove's endpoints read "${endpoints}"`);

    // The token was sent as a bearer token, and nowhere else: not in storage, not in a
    // cookie, not in the address bar.
    expect(apiCalls.some((c) => c.auth === `Bearer ${token}`), 'no API call carried the token');
    const stored = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie);
    expect(!stored.includes(token), 'the token is in storage or a cookie');
    expect(!page.url().includes(token), `the token is in the URL: ${page.url()}`);

    // Reload from the button: the generation shown goes up.
    const generation = async (name) => Number(await row(name).locator('td.generation').textContent());
    const before = await generation('groove');
    await row('groove').locator('button[data-action="reload"]').click();
    await row('groove').locator('td.result', { hasText: 'reloaded' }).waitFor();
    await page.waitForFunction(([n]) => Number(document.querySelector('#plugins tr[data-plugin="groove"] td.generation').textContent) === n,
      [before + 1]);
    console.log(`RELOADED groove ${before + 1}`);

    // The live tail of the groove stream: an event the backend publishes shows up.
    await page.locator('#streams tr[data-stream="groove"]').waitFor();
    await page.locator('#tail-stream').selectOption('groove');
    await page.locator('#tail-start').click();
    await page.locator('#tail-state', { hasText: 'following groove' }).waitFor();
    await page.waitForFunction(() => document.querySelector('#tail-state').textContent === 'following groove');
    const marker = `marker-${Date.now()}`;
    console.log(`TAIL READY ${marker}`);
    await page.locator('#tail li', { hasText: marker }).first().waitFor();
    // Newest first.
    const seqs = (await page.locator('#tail li').evaluateAll((lines) => lines.map((l) => Number(l.dataset.seq))))
      .filter((n) => n > 0);
    expect(seqs.length > 1 && seqs.every((n, i) => i === 0 || n < seqs[i - 1]), `tail seqs ${seqs.join(',')}`);

    // Disable, then enable, from the buttons.
    await row('groove').locator('button[data-action="disable"]').click();
    await row('groove').locator('span.state', { hasText: 'disabled' }).waitFor();
    await row('groove').locator('td.result', { hasText: 'disabled' }).waitFor();
    await row('groove').locator('button[data-action="enable"]').click();
    await row('groove').locator('span.state', { hasText: 'running' }).waitFor();
    await row('groove').locator('td.result', { hasText: 'enabled' }).waitFor();
    const enabled = await generation('groove');
    expect(enabled === before + 2, `groove came back with generation ${enabled}, not ${before + 2}`);
    console.log(`ENABLED groove ${enabled}`);

    // An error is shown as the API says it: enabling a plugin that fails to load.
    await row('broken').locator('button[data-action="enable"]').click();
    await row('broken').locator('td.result', { hasText: 'ENABLE_FAILED' }).waitFor();

    // Rates need two polls with events between them: the backend keeps publishing.
    await page.waitForFunction(() => [...document.querySelectorAll('#streams td.rate')]
      .some((cell) => Number(cell.textContent) > 0));
    await page.locator('#tail li').nth(5).waitFor();
    for (const path of screenshots) await page.screenshot({ path, fullPage: true });

    // Stop ends the tail.
    await page.locator('#tail-stop').click();
    await page.locator('#tail-state', { hasText: 'stopped' }).waitFor();
    const errors = consoleLines.filter((l) => l.startsWith('pageerror') || l.startsWith('error'));
    // The 401 and the 500 the page showed are logged as failed resources; nothing else may be.
    const unexpected = errors.filter((l) => !l.includes('Failed to load resource'));
    expect(unexpected.length === 0, `the page logged: ${unexpected.join(' | ')}`);
    console.log('PASS');
  } catch (e) {
    if (!process.exitCode) console.log(`FAIL: ${e.message}`);
    process.exitCode = 1;
    console.log(`page console: ${consoleLines.join(' | ')}`);
  } finally {
    await context.close();
  }
}

await main();
