// Chromium (Debian's chromium, driven by playwright-core) as the GROOVE GUI in front of
// Switchyard: the page comes from the daemon through the plugin's pass-through, connects
// its WebSocket at ws://<host>:<port> (path /) as stores/groove.js does, calls
// /api/status on the same port when the socket opens, sends editor:watchdir, leaves its
// loading screen when `state` arrives, and its terminal sends terminal:spawn with a
// requestId and waits for the terminal:spawned that carries it.
//
//   node groove_gui.mjs <groove-port> <control-port> <user-data-dir>
//
// Run by tests/integration/groove_gui_browser_test.cpp, whose FakeBackend serves the page
// and the REST routes. This script is the daemon's WebSocket side: it publishes the state
// and answers terminal:spawn through the control API (reading inbound/groove as SSE).
// Prints "PASS" at the end; on any failure "FAIL: <why>" and exit code 1. Works on Node 18.
import http from 'node:http';
import { chromium } from 'playwright-core';

import { expect, publish, waitFor, kWait } from './clijaw_support.mjs';

const kAgents = [{ id: 'a1b2', name: 'backend-1', role: 'backend', status: 'running' }];

// Follows inbound/groove and answers terminal:spawn as the daemon does: terminal:spawned
// {id, requestId} to the spawning client alone (scope.conn). Returns the request, and the
// types heard in order.
function followInbound(controlPort) {
  const heard = [];
  let terminals = 0;
  const request = http.get({
    host: '127.0.0.1', port: controlPort,
    path: '/api/v1/events?stream=inbound&topic=inbound/groove',
    headers: { 'Last-Event-ID': '0' },
  }, (response) => {
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart()).join('\n');
        if (!data) continue;
        const event = JSON.parse(data);
        heard.push(event.type);
        if (event.type !== 'terminal:spawn') continue;
        publish(controlPort, {
          topic: 'groove', type: 'terminal:spawned',
          data: { id: `term-${++terminals}`, requestId: event.data.requestId },
          scope: { conn: event.scope.conn },
        }).catch((e) => console.log(`FAIL: publish: ${e}`));
      }
    });
  });
  request.on('error', (e) => console.log(`FAIL: inbound feed: ${e}`));
  return { request, heard };
}

async function main() {
  const [port, controlPortText, userDataDir] = process.argv.slice(2);
  const controlPort = Number(controlPortText);
  expect(Number(port) > 0 && controlPort > 0 && userDataDir,
    'usage: groove_gui.mjs <groove-port> <control-port> <user-data-dir>');
  const inbound = followInbound(controlPort);
  // The daemon's registry at start.
  await publish(controlPort, { topic: 'groove', type: 'state', data: kAgents });

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
    const answer = await page.goto(`http://127.0.0.1:${port}/`);
    expect(answer.status() === 200, `the page answered ${answer.status()}`);

    // What the GUI's store does (facts from grooveai-dev/groove's stores/groove.js).
    await page.evaluate(() => {
      window.gui = { hydrated: false, status: null, spawned: null, messages: [], closed: null };
      const ws = new WebSocket(`ws://${window.location.hostname}:${window.location.port || 31415}`);
      window.gui.ws = ws;
      ws.onopen = () => {
        fetch('/api/status').then((r) => r.json()).then((s) => { window.gui.status = s; });
        ws.send(JSON.stringify({ type: 'editor:watchdir', path: '' }));
      };
      ws.onmessage = (event) => {
        const msg = JSON.parse(event.data);
        window.gui.messages.push(msg);
        if (msg.type === 'state' || msg.type === 'state:delta') window.gui.hydrated = true;
        if (msg.type === 'terminal:spawned' && msg.requestId === 'spawn-1') window.gui.spawned = msg;
      };
      ws.onclose = (event) => { window.gui.closed = event.code; };
    });
    const state = () => page.evaluate(() => {
      const { ws, ...rest } = window.gui;
      return rest;
    });
    let last = '';
    const describe = async () => `${JSON.stringify(await state())}\nheard: ${inbound.heard}\n`
      + `console:\n${consoleLines.join('\n')}`;
    await waitFor(async () => {
      last = await describe();
      const s = await state();
      return s.hydrated && s.status !== null;
    }, () => last);
    const hydrated = await state();
    expect(hydrated.messages[0].type === 'state'
      && JSON.stringify(hydrated.messages[0].data) === JSON.stringify(kAgents),
      `the first message: ${JSON.stringify(hydrated.messages[0])}`);
    expect(hydrated.status.version === '0.27.216', `/api/status: ${JSON.stringify(hydrated.status)}`);

    // The terminal panel.
    await page.evaluate(() => {
      window.gui.ws.send(JSON.stringify({ type: 'terminal:spawn', cols: 80, rows: 24, requestId: 'spawn-1' }));
    });
    await waitFor(async () => {
      last = await describe();
      return (await state()).spawned !== null;
    }, () => last);
    const done = await state();
    expect(done.spawned.id === 'term-1', `terminal:spawned: ${JSON.stringify(done.spawned)}`);
    expect(done.closed === null, `the socket closed: ${done.closed}`);
    expect(inbound.heard.join() === 'editor:watchdir,terminal:spawn',
      `the daemon heard: ${inbound.heard}`);
    console.log('PASS');
  } finally {
    inbound.request.destroy();
    await context.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
