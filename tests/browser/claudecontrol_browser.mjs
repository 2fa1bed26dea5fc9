// Chromium (Debian's chromium, driven by playwright-core) as the ClaudeControl phone UI:
// a page logs in with the PIN through POST /api/auth/login, opens the WebSocket with
// ?token=<token> (the seed's JavaScript example), subscribes to a workspace and receives
// that workspace's event, not another's. Twice: a page of the plugin's own origin, and a
// page served by this script from http://localhost:<p> (another origin, as a UI on a dev
// server: the login goes through CORS, preflight included). The same page without the
// token sees its socket closed with 4001.
//
//   node claudecontrol_browser.mjs <claudecontrol-port> <control-port> <pin> <user-data-dir>
//
// Run by tests/integration/claudecontrol_browser_test.cpp. This script is the backend too
// (publishing through the control API). Prints "PASS" at the end; on any failure
// "FAIL: <why>" and exit code 1. Works on Node 18.
import http from 'node:http';
import { chromium } from 'playwright-core';

import { expect, publish, waitFor, kWait } from './clijaw_support.mjs';

// An empty page for the other origin.
async function servePage() {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!doctype html><title>phone</title>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// On `page`: logs in at `base` with `pin`, opens the WebSocket with the token, subscribes
// to `workspace`; and opens one socket without a token. Returns the token.
async function startSession(page, base, pin, workspace) {
  return page.evaluate(async ({ theBase, thePin, theWorkspace }) => {
    const answer = await fetch(`${theBase}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin: thePin }),
    });
    const { token } = await answer.json();
    window.cc = { events: [], closed: null, anonymousClosed: null, anonymousReason: null };
    const wsBase = theBase.replace(/^http/, 'ws');
    const ws = new WebSocket(`${wsBase}?token=${token}`);
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'subscribe', workspaceId: theWorkspace }));
      ws.send(JSON.stringify({ type: 'sync' }));
    };
    ws.onmessage = (event) => window.cc.events.push(JSON.parse(event.data));
    ws.onclose = (event) => { window.cc.closed = event.code; };
    const anonymous = new WebSocket(wsBase);
    anonymous.onclose = (event) => {
      window.cc.anonymousClosed = event.code;
      window.cc.anonymousReason = event.reason;
    };
    return token;
  }, { theBase: base, thePin: pin, theWorkspace: workspace });
}

// Checks that `page`'s session receives its workspace's event and not another's.
async function checkSession(page, controlPort, workspace, consoleLines) {
  const state = () => page.evaluate(() => window.cc);
  const describe = async () => `${JSON.stringify(await state())}\nconsole:\n${consoleLines.join('\n')}`;
  let last = '';
  // The sync's error event: the subscribe before it was handled.
  await waitFor(async () => {
    last = await describe();
    return (await state()).events.some((e) => e.type === 'error');
  }, () => last);
  await publish(controlPort, {
    topic: 'claudecontrol/ws_other', type: 'agent_text', data: { agentId: 'b', text: 'not yours' },
  });
  await publish(controlPort, {
    topic: `claudecontrol/${workspace}`, type: 'agent_text', data: { agentId: 'a', text: 'hello phone' },
  });
  await waitFor(async () => {
    last = await describe();
    return (await state()).events.some((e) => e.type === 'agent_text');
  }, () => last);
  const seen = await state();
  const texts = seen.events.filter((e) => e.type === 'agent_text');
  expect(texts.length === 1 && texts[0].workspaceId === workspace && texts[0].agentId === 'a'
    && texts[0].text === 'hello phone', `events: ${JSON.stringify(seen.events)}`);
  expect(seen.closed === null, `the socket closed: ${seen.closed}`);
  await waitFor(async () => {
    last = await describe();
    return (await state()).anonymousClosed !== null;
  }, () => last);
  const after = await state();
  expect(after.anonymousClosed === 4001 && after.anonymousReason === 'Unauthorized',
    `the socket without a token closed with ${after.anonymousClosed} ${after.anonymousReason}`);
}

async function main() {
  const [port, controlPortText, pin, userDataDir] = process.argv.slice(2);
  const controlPort = Number(controlPortText);
  expect(Number(port) > 0 && controlPort > 0 && pin && userDataDir,
    'usage: claudecontrol_browser.mjs <claudecontrol-port> <control-port> <pin> <user-data-dir>');
  const server = await servePage();
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
    const base = `http://127.0.0.1:${port}`;
    const sessions = [
      // Any page of the plugin's origin will do (it serves no UI: this one is a 404).
      { url: `${base}/app`, workspace: 'ws_same' },
      { url: `http://localhost:${server.address().port}/`, workspace: 'ws_cross' },
    ];
    for (const [k, session] of sessions.entries()) {
      const page = k === 0 ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage();
      page.setDefaultTimeout(kWait);
      const consoleLines = [];
      page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
      await page.goto(session.url);
      const token = await startSession(page, base, pin, session.workspace);
      expect(/^[0-9a-f]{64}$/.test(token), `${session.url}: login gave the token ${JSON.stringify(token)}`);
      await checkSession(page, controlPort, session.workspace, consoleLines);
      await page.close();
    }
    console.log('PASS');
  } finally {
    await context.close();
    server.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
