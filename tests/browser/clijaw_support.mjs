// What the CLI-JAW client scripts share (clijaw_eventsource.mjs, clijaw_browser.mjs): a
// TCP proxy in front of the plugin's /api/events that cuts connections in the middle of
// an event (a server-side drop, from the client's view), the backend's publishing through
// the kernel's control API, and waiting on a condition with a timeout. Works on Node 18.
import net from 'node:net';

export const kWait = 30000;

export function fail(why) {
  console.log(`FAIL: ${why}`);
  process.exitCode = 1;
  throw new Error(why);
}

export function expect(condition, why) {
  if (!condition) fail(why);
}

// Resolves once `check()` (sync or async) is truthy; fails with `why()` after `timeout`.
export async function waitFor(check, why, timeout = kWait) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) fail(`timed out: ${why()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Publishes one event into the bus (POST /api/v1/publish) and returns its seq.
export async function publish(controlPort, event) {
  const answer = await fetch(`http://127.0.0.1:${controlPort}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const body = await answer.text();
  expect(answer.status === 200, `publish answered ${answer.status}: ${body}`);
  return JSON.parse(body).seq;
}

// The backend: publishes numbered public events on clijaw/agent, one at a time in order
// (a chain, so bursts asked for from several places never interleave), with an internal
// event now and then (it takes a seq the client never sees).
export class Publisher {
  constructor(controlPort, total) {
    this.controlPort = controlPort;
    this.total = total;
    this.published = []; // {n, seq} of the public events, in order
    this.chain = Promise.resolve();
  }

  done() {
    return this.published.length >= this.total;
  }

  lastSeq() {
    return this.published.length ? this.published[this.published.length - 1].seq : 0;
  }

  // Queues `count` more events (fewer once `total` is reached); resolves when published.
  burst(count) {
    this.chain = this.chain.then(async () => {
      for (let i = 0; i < count && !this.done(); i++) {
        const n = this.published.length;
        if (n % 4 === 3) {
          await publish(this.controlPort, {
            topic: 'clijaw/agent', type: 'agent_output', visibility: 'internal', data: { secret: n },
          });
        }
        const seq = await publish(this.controlPort, {
          topic: 'clijaw/agent', type: 'agent_output', data: { n, text: `event ${n}` },
        });
        this.published.push({ n, seq });
      }
    });
    return this.chain;
  }
}

// Checks that `received` ({id, n} in arrival order) is every published event exactly once,
// in order, with the ids the bus gave them.
export function checkExactlyOnce(received, publisher) {
  const got = received.map((r) => `${r.n}@${r.id}`).join(' ');
  const want = publisher.published.map((p) => `${p.n}@${p.seq}`).join(' ');
  expect(got === want, `received (n@id) [${got}]\n  published [${want}]`);
}

// A proxy on 127.0.0.1:<ephemeral> to 127.0.0.1:<targetPort>. Its first `cuts`
// connections are cut once the server has started the (cutAfterEvents + 1)-th event on
// them: the client gets half of that event, then the connection closes. `onCut` is
// called after each cut. `stats.requests` keeps each connection's request head.
export async function startCuttingProxy(targetPort, { cuts, cutAfterEvents, onCut }) {
  const stats = { connections: 0, cuts: 0, requests: [] };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const index = stats.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let head = '';
    let cutting = index < cuts;
    let text = ''; // what the server sent on this connection (only while it may be cut)
    let scanned = 0;
    let events = 0;
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk) => {
      if (head.length < 16384 && !head.includes('\r\n\r\n')) {
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) stats.requests[index] = head.slice(0, head.indexOf('\r\n\r\n'));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!cutting) {
        client.write(chunk);
        return;
      }
      const before = text.length;
      text += chunk.toString('latin1');
      for (;;) {
        const at = text.indexOf('\nid: ', scanned);
        if (at < 0) break;
        scanned = at + 1;
        events += 1;
        if (events === cutAfterEvents + 1) {
          // Half of this event: into its data line when it is here, else into its id line.
          const data = text.indexOf('\ndata: ', at + 1);
          const cutAt = data >= 0 ? Math.min(data + 12, text.length - 1) : at + 4;
          cutting = false;
          client.write(Buffer.from(text.slice(before, cutAt), 'latin1'), () => {
            stats.cuts += 1;
            end();
            if (onCut) onCut();
          });
          return;
        }
      }
      client.write(chunk);
    });
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stats,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

// The value of header `name` in a request head, lower-cased names; undefined if absent.
export function requestHeader(head, name) {
  const line = (head || '').split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
}
