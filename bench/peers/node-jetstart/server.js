'use strict';
// Comparison peer for Switchyard's JetStart benchmark: JetStart's core WebSocket served
// the way JetStart's own server serves it (packages/core of dev-phantom/jetstart, read
// for its behaviour: src/websocket/index.ts, manager.ts, handler.ts; no code copied).
// What the product does, and so what this does:
//   - npm `ws`, one WebSocketServer; every connection gets a random id in a Map;
//   - every message is JSON.parse'd; `client:connect` checks sessionId (close 4001) and,
//     when one is sent, token (close 4002), then records the session and answers
//     `core:connected` (JSON.stringify, ws.send);
//   - a dex reload (and a JS update) is built as {type, timestamp, sessionId, ...},
//     JSON.stringify'd once and handed to ws.send of every open connection (the product's
//     broadcastToAll); every other core:* message goes to the session's connections
//     (broadcastToSession), also stringified once.
// Left out: the product's console.log per client per broadcast (it only adds cost to
// this side) and its logs server. ws.send of a string makes ws encode it to a Buffer for
// each connection: that per-socket copy is the product's, and is what the benchmark shows.
//
//   node server.js [--port P] [--host H] [--session S] [--token T]
//                  (or NODE_JETSTART_PORT / _HOST / _SESSION / _TOKEN)
//
// Port 0 (the default) picks a free port. Once listening it prints one line on stdout,
// `node-jetstart ready port=<P>`, which the bench scripts wait for.
//
// One HTTP server serves:
//   WebSocket upgrade (any path)  the core protocol above
//   POST /api/v1/publish          what Switchyard's control API takes for the plugin:
//                                 {"topic":"jetstart","type":"core:...","data":{...}} ->
//                                 {type, timestamp, sessionId, ...data} (the server's keys
//                                 win); answers 200 {"seq":N}, 400 on bad JSON or event

const crypto = require('node:crypto');
const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');

const MAX_BODY = 64 * 1024 * 1024; // as Switchyard's control.max_body_bytes

function option(name, envName, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at !== -1 && at + 1 < process.argv.length) return process.argv[at + 1];
  const prefixed = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  if (prefixed) return prefixed.slice(name.length + 3);
  return process.env[envName] ?? fallback;
}

const port = Number(option('port', 'NODE_JETSTART_PORT', '0'));
const host = option('host', 'NODE_JETSTART_HOST', '127.0.0.1');
const expectedSessionId = option('session', 'NODE_JETSTART_SESSION', 'bench-session');
const expectedToken = option('token', 'NODE_JETSTART_TOKEN', 'bench-token');
const projectName = 'JetStart Project';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`node-jetstart: bad --port '${option('port', 'NODE_JETSTART_PORT', '0')}'`);
  process.exit(2);
}

// ─── connections (the product's ConnectionManager) ──────────────────────────

const connections = new Map(); // id -> { ws, sessionId }

function sendToClient(id, message) {
  const connection = connections.get(id);
  if (!connection || connection.ws.readyState !== WebSocket.OPEN) return false;
  try {
    connection.ws.send(JSON.stringify(message));
    return true;
  } catch (err) {
    console.error(`node-jetstart: send to ${id}: ${err.message}`);
    return false;
  }
}

function broadcastToSession(sessionId, message) {
  const data = JSON.stringify(message);
  connections.forEach((connection, id) => {
    if (connection.sessionId !== sessionId || connection.ws.readyState !== WebSocket.OPEN) return;
    try {
      connection.ws.send(data);
    } catch (err) {
      console.error(`node-jetstart: send to ${id}: ${err.message}`);
    }
  });
}

function broadcastToAll(message) {
  const data = JSON.stringify(message);
  connections.forEach((connection, id) => {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    try {
      connection.ws.send(data);
    } catch (err) {
      console.error(`node-jetstart: send to ${id}: ${err.message}`);
    }
  });
}

// ─── client messages (the product's WebSocketHandler) ───────────────────────

function handleConnect(id, message) {
  const connection = connections.get(id);
  if (!connection) return;
  if (message.sessionId !== expectedSessionId) {
    connection.ws.close(4001, 'Session mismatch — rescan QR code');
    connections.delete(id);
    return;
  }
  if (expectedToken && message.token && message.token !== expectedToken) {
    connection.ws.close(4002, 'Token mismatch — rescan QR code');
    connections.delete(id);
    return;
  }
  connection.sessionId = message.sessionId;
  sendToClient(id, {
    type: 'core:connected',
    timestamp: Date.now(),
    sessionId: message.sessionId,
    projectName,
  });
}

function handleMessage(id, data) {
  let message;
  try {
    message = JSON.parse(data.toString());
  } catch (err) {
    console.error(`node-jetstart: bad message from ${id}: ${err.message}`);
    return;
  }
  if (message === null || typeof message.type !== 'string') return;
  if (message.type === 'client:connect') handleConnect(id, message);
  // client:status, client:log, client:heartbeat, client:disconnect: no cost this
  // benchmark measures (its devices send only client:connect).
}

// ─── the publish route (Switchyard's control API, topic "jetstart") ─────────

let seq = 0;

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

// The message the backend's event becomes: the server's keys first and never overridden.
function coreMessage(type, data) {
  const message = { type, timestamp: Date.now(), sessionId: expectedSessionId, ...data };
  message.type = type;
  message.timestamp = Date.now();
  message.sessionId = expectedSessionId;
  return message;
}

function publish(req, res) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return reply(res, 413, { error: 'TOO_LARGE' });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      return reply(res, 400, { error: 'BAD_JSON', message: err.message });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return reply(res, 400, { error: 'BAD_EVENT', message: 'an event must be a JSON object' });
    }
    if (body.topic !== 'jetstart' || typeof body.type !== 'string' || !body.type.startsWith('core:')) {
      return reply(res, 400, { error: 'BAD_EVENT', message: 'topic "jetstart", type "core:..."' });
    }
    const data = body.data !== null && typeof body.data === 'object' ? body.data : {};
    seq += 1;
    const message = coreMessage(body.type, data);
    // The product sends dex and JS payloads to every connection (sendDexReload and
    // sendJsUpdate call broadcastToAll), everything else to the session.
    if (body.type === 'core:dex-reload' || body.type === 'core:js-update') {
      broadcastToAll(message);
    } else {
      broadcastToSession(expectedSessionId, message);
    }
    return reply(res, 200, { seq });
  });
}

// ─── servers ────────────────────────────────────────────────────────────────

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/api/v1/publish') return publish(req, res);
  return reply(res, 404, { error: 'NOT_FOUND' });
});

const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  const id = crypto.randomUUID();
  connections.set(id, { ws, sessionId: undefined });
  ws.on('message', (data) => handleMessage(id, data));
  ws.on('close', () => connections.delete(id));
  ws.on('error', (err) => console.error(`node-jetstart: ${id}: ${err.message}`));
});

server.on('error', (err) => {
  console.error(`node-jetstart: ${err.message}`);
  process.exit(2);
});

server.listen(port, host, () => {
  console.log(`node-jetstart ready port=${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
