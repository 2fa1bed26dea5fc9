// Chromium (Debian's chromium, driven by playwright-core) trusting a test CA, in front of
// a kernel whose groove endpoint serves TLS itself (tls = { cert, key }): the page is
// loaded from https://127.0.0.1:<port>/, opens wss://127.0.0.1:<port>/ws and receives an
// event published through the control API. No certificate error is ignored: the CA is
// trusted through the NSS database in <home>/.pki/nssdb, which Chromium on Linux reads,
// and HOME points there for the browser alone.
//
//   node tls_browser.mjs <groove-port> <control-port> <user-data-dir> <home> [untrusted]
//
// With `untrusted` (a home whose database lacks the CA) the page must fail to load with
// a certificate error instead. Run by tests/integration/tls_browser_test.cpp. Prints
// "PASS" at the end; on any failure "FAIL: <why>" and exit code 1. Works on Node 18.
import { chromium } from 'playwright-core';

import { expect, publish, waitFor, kWait } from './clijaw_support.mjs';

async function main() {
  const [portText, controlPortText, userDataDir, home, mode] = process.argv.slice(2);
  const port = Number(portText);
  const controlPort = Number(controlPortText);
  expect(port > 0 && controlPort > 0 && userDataDir && home,
    'usage: tls_browser.mjs <groove-port> <control-port> <user-data-dir> <home> [untrusted]');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, HOME: home },
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
    const url = `https://127.0.0.1:${port}/`;
    if (mode === 'untrusted') {
      let error = null;
      try {
        await page.goto(url);
      } catch (e) {
        error = String(e);
      }
      expect(error !== null && error.includes('ERR_CERT_AUTHORITY_INVALID'),
        `without the CA the page must not load: ${error}`);
      console.log('PASS');
      return;
    }
    const answer = await page.goto(url);
    expect(answer !== null, 'no answer to the page');
    const security = await answer.securityDetails();
    expect(security !== null && security.issuer === 'Switchyard test CA',
      `the page's certificate: ${JSON.stringify(security)}`);

    await page.evaluate((p) => new Promise((resolve, reject) => {
      window.received = [];
      window.wsClosed = null;
      const ws = new WebSocket(`wss://127.0.0.1:${p}/ws`);
      ws.onmessage = (event) => window.received.push(event.data);
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('the wss:// WebSocket failed'));
      ws.onclose = (event) => { window.wsClosed = event.code; };
    }), port);
    await publish(controlPort, { topic: 'groove', type: 'browser-tls', data: { n: 1 } });
    const wanted = '{"event":"browser-tls","data":{"n":1}}';
    let last = '';
    await waitFor(async () => {
      const received = await page.evaluate(() => window.received);
      last = JSON.stringify(received);
      return received.includes(wanted);
    }, () => `received: ${last}`);
    const closed = await page.evaluate(() => window.wsClosed);
    expect(closed === null, `the socket closed: ${closed}`);
    console.log('PASS');
  } finally {
    await context.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
