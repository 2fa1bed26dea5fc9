// Chromium (Debian's chromium, driven by playwright-core) as the ClaudeControl phone UI:
// a page of the plugin's own origin logs in with the PIN through POST /api/auth/login,
// opens the WebSocket with ?token=<token> (the seed's JavaScript example), subscribes to
// a workspace and receives that workspace's event, not another's; the same page without
// the token sees the socket closed with 4001.
//
//   node claudecontrol_browser.mjs <claudecontrol-port> <control-port> <pin> <user-data-dir>
//
// Run by tests/integration/claudecontrol_browser_test.cpp. This script is the backend too
// (publishing through the control API). Prints "PASS" at the end; on any failure
// "FAIL: <why>" and exit code 1. Works on Node 18.
import { chromium } from 'playwright-core';

import { expect, publish, waitFor, kWait } from './clijaw_support.mjs';

async function main() {
  const [port, controlPort, pin, userDataDir] = process.argv.slice(2);
  expect(Number(port) > 0 && Number(controlPort) > 0 && pin && userDataDir,
    'usage: claudecontrol_browser.mjs <claudecontrol-port> <control-port> <pin> <user-data-dir>');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
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
    // Any page of the plugin's origin will do (it serves no UI: this one is a 404).
    await page.goto(`http://127.0.0.1:${port}/app`);

    const token = await page.evaluate(async (thePin) => {
      const answer = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin: thePin }),
      });
      const { token: got } = await answer.json();
      window.cc = { events: [], closed: null, anonymousClosed: null, anonymousReason: null };
      const ws = new WebSocket(`ws://${location.host}?token=${got}`);
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'subscribe', workspaceId: 'ws_browser' }));
        ws.send(JSON.stringify({ type: 'sync' }));
      };
      ws.onmessage = (event) => window.cc.events.push(JSON.parse(event.data));
      ws.onclose = (event) => { window.cc.closed = event.code; };
      const anonymous = new WebSocket(`ws://${location.host}`);
      anonymous.onclose = (event) => {
        window.cc.anonymousClosed = event.code;
        window.cc.anonymousReason = event.reason;
      };
      return got;
    }, pin);
    expect(/^[0-9a-f]{64}$/.test(token), `login gave the token ${JSON.stringify(token)}`);

    const state = () => page.evaluate(() => window.cc);
    const describe = async () => `${JSON.stringify(await state())}\nconsole:\n${consoleLines.join('\n')}`;
    let last = '';
    // The sync's error event: the subscribe before it was handled.
    await waitFor(async () => {
      last = await describe();
      return (await state()).events.some((e) => e.type === 'error');
    }, () => last);

    await publish(Number(controlPort), {
      topic: 'claudecontrol/ws_other', type: 'agent_text', data: { agentId: 'b', text: 'not yours' },
    });
    await publish(Number(controlPort), {
      topic: 'claudecontrol/ws_browser', type: 'agent_text', data: { agentId: 'a', text: 'hello phone' },
    });
    await waitFor(async () => {
      last = await describe();
      return (await state()).events.some((e) => e.type === 'agent_text');
    }, () => last);
    const seen = await state();
    const texts = seen.events.filter((e) => e.type === 'agent_text');
    expect(texts.length === 1 && texts[0].workspaceId === 'ws_browser' && texts[0].agentId === 'a'
      && texts[0].text === 'hello phone', `events: ${JSON.stringify(seen.events)}`);
    expect(seen.closed === null, `the socket closed: ${seen.closed}`);
    await waitFor(async () => {
      last = await describe();
      return (await state()).anonymousClosed !== null;
    }, () => last);
    const after = await state();
    expect(after.anonymousClosed === 4001 && after.anonymousReason === 'Unauthorized',
      `the socket without a token closed with ${after.anonymousClosed} ${after.anonymousReason}`);
    console.log('PASS');
  } finally {
    await context.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
