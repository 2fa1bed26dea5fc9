// The jarvis dashboard in a real browser: Debian's Chromium, driven by playwright-core.
//
//   node jarvis_dashboard.mjs <base-url> <token> <user-data-dir>
//
// Run by tests/integration/jarvis_browser_test.cpp, which plays the backend: it reads
// the chat this script types from the bus and answers it. This side does what a person
// does: opens <base-url>/ (refused without the token), then <base-url>/?token=<token>
// (the cookie is set, the token leaves the address bar), lets the page open its
// WebSocket (new WebSocket('/ws'): ws:, or wss: behind an HTTPS proxy) with that cookie,
// types a chat message and waits for the backend's answer, its speech (tts_start, audio
// bytes, tts_end) and an event the backend publishes for every client. The page is the
// dashboard Switchyard ships, served from dashboard_dir.
//
// Prints "chat sent" once the message is typed, "PASS" at the end; on any failure
// "FAIL: <why>" and exit code 1. Every wait has a timeout. Works on Node 18.
import { chromium } from 'playwright-core';

const [base, token, userDataDir] = process.argv.slice(2);
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
  expect(base && token && userDataDir, 'usage: jarvis_dashboard.mjs <base-url> <token> <user-data-dir>');
  // The flags this machine's closed network and root user need (no sandbox as root; no
  // background connections, which would be refused and retried), and no /dev/shm: a
  // container's is often 64 MiB, too small for Chromium's shared memory, which crashes
  // tabs; --disable-dev-shm-usage puts it in /tmp.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true, // the proxy's certificate is self-signed by the test
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    timeout: kWait,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(kWait);
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));

    // Without the token the dashboard is refused.
    const refused = await page.goto(`${base}/`);
    expect(refused.status() === 401, `GET / without the token answered ${refused.status()}`);

    // With it: a redirect that sets the cookie and drops the token from the URL.
    const answer = await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
    expect(answer.status() === 200, `the dashboard answered ${answer.status()}`);
    expect(page.url() === `${base}/`, `the address bar still says ${page.url()}`);
    const cookies = await context.cookies(base);
    const cookie = cookies.find((c) => c.name === 'token');
    expect(cookie, `no token cookie; cookies: ${JSON.stringify(cookies)}`);
    // Over https (behind the TLS proxy) the cookie is Secure; over plain http it cannot be.
    const https = base.startsWith('https:');
    expect(cookie.value === token && cookie.httpOnly && cookie.sameSite === 'Lax' && cookie.path === '/' &&
      cookie.secure === https, `the token cookie is ${JSON.stringify(cookie)}`);
    // HttpOnly: the page's own script cannot read it.
    expect(!(await page.evaluate(() => document.cookie)).includes('token='), 'document.cookie shows the token');

    // The page's WebSocket opens (the upgrade carried the cookie) and its health command
    // is answered.
    try {
      await page.waitForFunction(() => window.jarvis && window.jarvis.state === 'connected');
      await page.waitForFunction(() => window.jarvis.received.some(
        (m) => m.type === 'status' && m.id === 'dashboard-1' && m.payload.status === 'ok'));
    } catch (e) {
      const state = await page.evaluate(() => window.jarvis && { state: window.jarvis.state, received: window.jarvis.received });
      fail(`the WebSocket did not come up: ${JSON.stringify(state)}; console: ${consoleLines.join(' | ')}`);
    }
    const socketUrl = await page.evaluate(() => window.jarvis.url);
    const wsBase = base.replace(/^http/, 'ws');
    expect(socketUrl === `${wsBase}/ws`, `the page's WebSocket is ${socketUrl}, not ${wsBase}/ws`);
    console.log(`connected over ${socketUrl.split('//')[0]}`);

    // A person types a message and presses Send.
    await page.fill('#text', 'hello from chromium');
    await page.click('#send');
    console.log('chat sent');

    // The backend's answer for this connection, then its speech, in order.
    try {
      await page.waitForFunction(() => {
        const r = window.jarvis.received;
        const answer = r.findIndex((m) => m.type === 'stream' && m.payload.text === 'hi chromium');
        const start = r.findIndex((m) => m.type === 'tts_start' && m.payload.requestId === 'speech-1');
        const audio = r.findIndex((m) => Array.isArray(m.binary) && m.binary.join(',') === '0,1,2,255');
        const end = r.findIndex((m) => m.type === 'tts_end' && m.payload.requestId === 'speech-1');
        const all = r.findIndex((m) => m.type === 'workflow_event' && m.payload.workflowId === 'wf-1');
        return answer >= 0 && answer < start && start < audio && audio < end && end < all;
      });
    } catch (e) {
      fail(`the answer did not arrive in order: ${JSON.stringify(await page.evaluate(() => window.jarvis.received))}`);
    }
    const answered = await page.evaluate(() => window.jarvis.received.find((m) => m.type === 'stream'));
    expect(answered.id === 'dashboard-2' && answered.priority === 'normal' && Number.isInteger(answered.timestamp),
      `the answer's envelope is ${JSON.stringify(answered)}`);
    // Shown as text, never as markup.
    const shown = await page.locator('#log li').allTextContents();
    expect(shown.some((line) => line.includes('<b>not bold</b>')), `the log shows ${JSON.stringify(shown)}`);
    expect((await page.locator('#log b').count()) === 0, 'an event was rendered as HTML');
    console.log('PASS');
  } finally {
    await context.close();
  }
}

main().catch((e) => {
  if (process.exitCode !== 1) console.log(`FAIL: ${e && e.stack ? e.stack : e}`);
  process.exitCode = 1;
});
