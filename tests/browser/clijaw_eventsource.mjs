// A real EventSource client (npm `eventsource`, WHATWG-compliant, from the committed lock)
// against the clijaw plugin's /api/events, through a proxy that cuts its first
// connections in the middle of an event. The client reconnects by itself with
// Last-Event-ID (the library's own reconnect, as a browser does) and must end with every
// published event exactly once, in order; the proxy sees Last-Event-ID on every
// reconnect.
//
//   node clijaw_eventsource.mjs <clijaw-port> <control-port>
//
// Run by tests/integration/clijaw_browser_test.cpp. This script is also the backend: it
// publishes through the control API, in bursts each time the client has caught up, and a
// burst while the client is away after each cut. Prints "PASS" at the end; on any
// failure "FAIL: <why>" and exit code 1. Works on Node 18.
import { EventSource } from 'eventsource';

import {
  Publisher, checkExactlyOnce, expect, kWait, requestHeader, startCuttingProxy, waitFor,
} from './clijaw_support.mjs';

const kEvents = 40;
const kCuts = 3;

async function main() {
  const [clijawPort, controlPort] = process.argv.slice(2).map(Number);
  expect(clijawPort > 0 && controlPort > 0, 'usage: clijaw_eventsource.mjs <clijaw-port> <control-port>');

  const publisher = new Publisher(controlPort, kEvents);
  const proxy = await startCuttingProxy(clijawPort, {
    cuts: kCuts,
    cutAfterEvents: 5,
    onCut: () => publisher.burst(3), // published while the client is away
  });
  const received = [];
  const others = []; // frames that are not numbered events (a replay_gap would be one)
  let opens = 0;
  let errors = 0;
  const source = new EventSource(`http://127.0.0.1:${proxy.port}/api/events`);
  source.onopen = () => { opens += 1; };
  source.onerror = () => { errors += 1; };
  source.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (typeof data.n !== 'number') {
      others.push(message.data);
      return;
    }
    expect(data.topic === 'agent' && data.event === 'agent_output', `a frame with topic ${data.topic}, event ${data.event}`);
    received.push({ id: Number(message.lastEventId), n: data.n });
  };
  const progress = () => `opens ${opens}, errors ${errors}, cuts ${proxy.stats.cuts}, ` +
    `received ${received.length}/${publisher.published.length}, others ${JSON.stringify(others)}`;

  try {
    await waitFor(() => opens >= 1, progress);
    // Publish in bursts, each once the client has everything published so far.
    while (!publisher.done()) {
      await publisher.burst(4);
      const last = publisher.lastSeq();
      await waitFor(() => received.some((r) => r.id >= last), progress, kWait);
    }
    await publisher.chain;
    const last = publisher.lastSeq();
    await waitFor(() => received.some((r) => r.id >= last), progress, kWait);
    expect(proxy.stats.cuts === kCuts, `the proxy cut ${proxy.stats.cuts} connections, not ${kCuts}`);
    expect(opens >= kCuts + 1, `the client opened ${opens} times`);
    checkExactlyOnce(received, publisher);
    expect(others.length === 0, `unexpected frames: ${JSON.stringify(others)}`);
    // Every reconnect resumed with the id of the last whole event received.
    for (let i = 1; i < proxy.stats.requests.length; i++) {
      const cursor = requestHeader(proxy.stats.requests[i], 'last-event-id');
      expect(cursor !== undefined && /^[0-9]+$/.test(cursor), `reconnect ${i} sent Last-Event-ID ${cursor}`);
    }
    console.log(`reconnects ${opens - 1}, events ${received.length}`);
    console.log('PASS');
  } finally {
    source.close();
    proxy.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
}).finally(() => process.exit());
