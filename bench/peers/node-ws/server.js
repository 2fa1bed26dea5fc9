'use strict';
// Comparison peer for Switchyard's benchmarks: a broadcast server on npm `ws`, written
// the way the ws README shows (iterate wss.clients, check readyState, client.send), with
// nothing clever, so it stands for what a typical Node service does.
//
//   node server.js [--port P] [--host H]     (or NODE_WS_PORT / NODE_WS_HOST)
//
// Port 0 (the default) picks a free port. Once listening it prints one line on stdout,
// `node-ws ready port=<P>`, which the bench scripts wait for.
//
// One HTTP server serves:
//   GET /ws (upgrade)     WebSocket; a message from a client goes to every other open
//                         client (the README's "broadcast ... excluding itself")
//   POST /api/v1/publish  {"topic","type","data"} -> {"event":type,"data":data} to every
//                         WebSocket client and every SSE client; answers 200 {"seq":N},
//                         400 on bad JSON
//   GET /api/v1/events    Server-Sent Events: `id: <seq>` and `data: <json>` per event

const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

const MAX_BODY = 64 * 1024 * 1024;

function option(name, envName, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at !== -1 && at + 1 < process.argv.length) return process.argv[at + 1];
  const prefixed = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  if (prefixed) return prefixed.slice(name.length + 3);
  return process.env[envName] ?? fallback;
}

const port = Number(option('port', 'NODE_WS_PORT', '0'));
const host = option('host', 'NODE_WS_HOST', '127.0.0.1');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`node-ws: bad --port '${option('port', 'NODE_WS_PORT', '0')}'`);
  process.exit(2);
}

const sseClients = new Set();
let seq = 0;

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
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
    if (body === null || typeof body !== 'object') {
      return reply(res, 400, { error: 'BAD_EVENT', message: 'an event must be a JSON object' });
    }
    seq += 1;
    const json = JSON.stringify({ event: body.type, data: body.data });
    wss.clients.forEach(function each(client) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(json);
      }
    });
    const event = `id: ${seq}\ndata: ${json}\n\n`;
    for (const sse of sseClients) sse.write(event);
    reply(res, 200, { seq });
  });
}

function events(req, res) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  sseClients.add(res);
  req.on('close', () => sseClients.delete(res));
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/api/v1/publish') return publish(req, res);
  if (req.method === 'GET' && path === '/api/v1/events') return events(req, res);
  reply(res, 404, { error: 'NOT_FOUND' });
});

const wss = new WebSocketServer({ server, path: '/ws' });

wss.on('connection', function connection(ws) {
  ws.on('error', console.error);

  ws.on('message', function message(data, isBinary) {
    wss.clients.forEach(function each(client) {
      if (client !== ws && client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    });
  });
});

server.on('error', (err) => {
  console.error(`node-ws: ${err.message}`);
  process.exit(2);
});

server.listen(port, host, () => {
  console.log(`node-ws ready port=${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
