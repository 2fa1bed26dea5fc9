// Chromium's own EventSource (Debian's chromium, driven by playwright-core) on a page
// from another origin than the clijaw plugin's stream:
//  - the page (clijaw_page.html) is served by this script at http://localhost:<p>/ and
//    reads http://127.0.0.1:<proxy>/api/events, a proxy in front of the plugin that cuts
//    its first connections in the middle of an event; the page reconnects the way the
//    shipping web UI does (?lastEventId=N, 2 s x 1.5^n capped at 30 s, frames without
//    string topic and event dropped) and must end with every event exactly once, in
//    order: CORS works (allowed Origin localhost), and nothing is lost across the drops;
//  - the same page at http://evil.test:<p>/ (an origin the plugin does not allow; the
//    name resolves to 127.0.0.1 by a Chromium flag) gets nothing.
//
//   node clijaw_browser.mjs <clijaw-port> <control-port> <user-data-dir>
//
// Run by tests/integration/clijaw_browser_test.cpp. This script is the backend too
// (publishing through the control API). Prints "PASS" at the end; on any failure
// "FAIL: <why>" and exit code 1. Works on Node 18.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { chromium } from 'playwright-core';

import {
  Publisher, checkExactlyOnce, expect, kWait, startCuttingProxy, waitFor,
} from './clijaw_support.mjs';

const kEvents = 24;
const kCuts = 2;
const page = readFileSync(new URL('./clijaw_page.html', import.meta.url));

async function servePage() {
  const server = http.createServer((request, response) => {
    if (!request.url.startsWith('/?')) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function main() {
  const [clijawPort, controlPort, userDataDir] = process.argv.slice(2);
  expect(Number(clijawPort) > 0 && Number(controlPort) > 0 && userDataDir,
    'usage: clijaw_browser.mjs <clijaw-port> <control-port> <user-data-dir>');

  const publisher = new Publisher(Number(controlPort), kEvents);
  const proxy = await startCuttingProxy(Number(clijawPort), {
    cuts: kCuts, cutAfterEvents: 5, onCut: () => publisher.burst(3),
  });
  const server = await servePage();
  const pagePort = server.address().port;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--host-resolver-rules=MAP evil.test 127.0.0.1',
    ],
    timeout: kWait,
  });
  try {
    const allowed = context.pages()[0] ?? (await context.newPage());
    const refused = await context.newPage();
    const consoleLines = [];
    for (const [name, p] of [['allowed', allowed], ['refused', refused]]) {
      p.setDefaultTimeout(kWait);
      p.on('console', (m) => consoleLines.push(`${name} ${m.type()}: ${m.text()}`));
      p.on('pageerror', (e) => consoleLines.push(`${name} pageerror: ${e.message}`));
    }
    const state = (p) => p.evaluate(() => window.clijaw);
    const describe = async () => `allowed: ${JSON.stringify(await state(allowed))}\n` +
      `refused: ${JSON.stringify(await state(refused))}\ncuts ${proxy.stats.cuts}, ` +
      `published ${publisher.published.length}\nconsole:\n${consoleLines.join('\n')}`;
    let last = '';
    const progress = () => last;

    const stream = `http://127.0.0.1:${proxy.port}`;
    await allowed.goto(`http://localhost:${pagePort}/?stream=${encodeURIComponent(stream)}`);
    await refused.goto(`http://evil.test:${pagePort}/?stream=${encodeURIComponent(`http://127.0.0.1:${clijawPort}`)}`);
    await waitFor(async () => { last = await describe(); return (await state(allowed)).opens >= 1; }, progress);

    while (!publisher.done()) {
      await publisher.burst(4);
      const seq = publisher.lastSeq();
      await waitFor(async () => {
        last = await describe();
        return (await state(allowed)).received.some((r) => r.id >= seq);
      }, progress);
    }
    await publisher.chain;
    const seq = publisher.lastSeq();
    await waitFor(async () => {
      last = await describe();
      return (await state(allowed)).received.some((r) => r.id >= seq);
    }, progress);

    const seen = await state(allowed);
    last = await describe();
    expect(proxy.stats.cuts === kCuts, `the proxy cut ${proxy.stats.cuts} connections, not ${kCuts}\n${last}`);
    expect(seen.opens >= kCuts + 1, `the page opened ${seen.opens} times\n${last}`);
    checkExactlyOnce(seen.received, publisher);
    expect(seen.received.every((r) => r.topic === 'agent' && r.event === 'agent_output'), `topics: ${last}`);
    expect(seen.gaps === 0 && seen.dropped === 0, `gaps ${seen.gaps}, dropped ${seen.dropped}`);
    // Each reconnect asked for what followed the last id it had.
    expect(seen.urls.slice(1).every((u) => /\?lastEventId=[0-9]+$/.test(u)), `urls ${JSON.stringify(seen.urls)}`);
    expect(seen.delays.every((d) => d === 2000), `delays ${JSON.stringify(seen.delays)} (each after an open)`);

    // The page of a refused origin got nothing, while the allowed one got everything.
    const other = await state(refused);
    expect(other.received.length === 0 && other.opens === 0,
      `the refused origin's page received ${JSON.stringify(other)}`);
    expect(other.errors >= 1, `the refused origin's page saw no error: ${JSON.stringify(other)}`);
    console.log(`reconnects ${seen.opens - 1}, events ${seen.received.length}, refused-origin errors ${other.errors}`);
    console.log('PASS');
  } finally {
    await context.close();
    server.close();
    proxy.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
