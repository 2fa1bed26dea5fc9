'use strict';
// Comparison peer for Switchyard's CLI-JAW benchmark: GET /api/events served the way
// CLI-JAW's own server serves it (express 5 as in the product, src/routes/events.ts and
// src/core/event-bus.ts): each SSE connection is one listener on an EventEmitter, and for
// every event each listener builds its own frame (JSON.stringify of {...data, topic,
// event}) and writes it with its own res.write. Nothing clever, so that it stands for
// what the product does. The product's helmet headers, host/origin checks and API rate
// limit are left out: they cost once per request, not per event, and the rate limit
// (120 requests a minute per address) would refuse the benchmark's 256 listeners.
//
//   node server.js [--port P] [--host H] [--heartbeat-ms MS]
//                  (or NODE_CLIJAW_PORT / NODE_CLIJAW_HOST / NODE_CLIJAW_HEARTBEAT_MS)
//
// Port 0 (the default) picks a free port. Once listening it prints one line on stdout,
// `node-clijaw ready port=<P>`, which the bench scripts wait for.
//
//   GET /api/events       the SSE stream, framed as PROTOCOLS.md's clijaw section says:
//                         `: connected`, then `id: <n>\ndata: {...data,"topic","event"}`
//                         per public event, `: ping` every 15 s, replay from
//                         Last-Event-ID (wins) or ?lastEventId=, 256 listeners at most
//                         (the next gets 503 {"error":"SSE_CAPACITY"})
//   POST /api/v1/publish  what Switchyard's control API takes: one event
//                         {"topic":"clijaw/<subtopic>","type","data","visibility"} or an
//                         array of them; answers 200 {"seq":N} or {"seqs":[...]}, 400 on
//                         bad JSON or a bad event. Subtopic `trace` and visibility
//                         "internal" take a sequence number but reach no listener.

const crypto = require('node:crypto');
const express = require('express');
const bus = require('./event-bus');

const MAX_BODY = '64mb';
const MAX_EVENTS_PER_PUBLISH = 10000;
const STREAM_PREFIX = 'clijaw/';

function option(name, envName, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at !== -1 && at + 1 < process.argv.length) return process.argv[at + 1];
  const prefixed = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  if (prefixed) return prefixed.slice(name.length + 3);
  return process.env[envName] ?? fallback;
}

function wholeNumberOption(name, envName, fallback, max) {
  const text = option(name, envName, fallback);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    console.error(`node-clijaw: bad --${name} '${text}'`);
    process.exit(2);
  }
  return value;
}

const port = wholeNumberOption('port', 'NODE_CLIJAW_PORT', '0', 65535);
const host = option('host', 'NODE_CLIJAW_HOST', '127.0.0.1');
const heartbeatMs = wholeNumberOption('heartbeat-ms', 'NODE_CLIJAW_HEARTBEAT_MS', '15000', 3600000);
// Remote peers need this bearer token (the product's JAW_AUTH_TOKEN); loopback passes.
const authToken = process.env.NODE_CLIJAW_TOKEN || crypto.randomBytes(32).toString('hex');

// ─── the SSE route ──────────────────────────────────────────────────────────

let activeListeners = 0;

// The frame of one event, built per listener as the product builds it.
function frameOf(entry) {
  const json = JSON.stringify({ ...entry.data, topic: entry.topic, event: entry.event });
  return `id: ${entry.id}\ndata: ${json}\n\n`;
}

// Last-Event-ID wins over ?lastEventId=; anything but a positive integer means no replay.
function cursorOf(req) {
  const header = req.headers['last-event-id'];
  const query = req.query.lastEventId;
  const text = typeof header === 'string' ? header : typeof query === 'string' ? query : '';
  const value = parseInt(text, 10);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function isLoopback(address) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function requireAuth(req, res, next) {
  if (isLoopback(req.socket.remoteAddress || '')) return next();
  const token = (req.headers.authorization || '').replace('Bearer ', '');
  if (token !== authToken) return res.status(401).json({ error: 'Unauthorized' });
  return next();
}

function events(req, res) {
  if (activeListeners >= bus.MAX_SSE_LISTENERS) {
    res.status(503).json({ error: 'SSE_CAPACITY' });
    return;
  }
  activeListeners += 1;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  res.write(': connected\n\n'); // sends the head now, not at the first event

  const cursor = cursorOf(req);
  if (cursor > 0) {
    // A cursor ahead of the sequence comes from an earlier server process.
    if (cursor > bus.currentSeq() || bus.isOlderThanRing(cursor)) {
      res.write('data: {"topic":"system","event":"replay_gap"}\n\n');
    }
    for (const entry of bus.eventsAfter(cursor)) {
      if (!entry.internal) res.write(frameOf(entry));
    }
  }

  const unsubscribe = bus.subscribe((entry) => {
    if (!entry.internal && !res.writableEnded) res.write(frameOf(entry));
  });
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    activeListeners -= 1;
    if (!res.writableEnded) res.end();
  };
  req.on('close', close);
  res.on('close', close);
  res.on('error', close);
}

// ─── the publish route (Switchyard's control API) ───────────────────────────

// One published event as the bus takes it, or a string saying what is wrong with it.
function eventOf(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'an event must be a JSON object';
  }
  if (typeof value.topic !== 'string' || !value.topic.startsWith(STREAM_PREFIX)) {
    return `'topic' must be a string "${STREAM_PREFIX}<subtopic>"`;
  }
  const topic = value.topic.slice(STREAM_PREFIX.length);
  if (topic === '' || topic.includes('/')) return "'topic' must name one subtopic";
  if (typeof value.type !== 'string' || value.type === '') {
    return "'type' is required and must be a non-empty string";
  }
  const data = value.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return "'data' must be an object";
  const visibility = value.visibility ?? 'public';
  if (visibility !== 'public' && visibility !== 'internal') {
    return "'visibility' must be \"public\" or \"internal\"";
  }
  return { topic, event: value.type, data, internal: visibility === 'internal' || topic === 'trace' };
}

function publish(req, res) {
  const body = req.body;
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > MAX_EVENTS_PER_PUBLISH) {
    return res.status(400).json({ error: 'BAD_EVENT', message: `1 to ${MAX_EVENTS_PER_PUBLISH} events` });
  }
  const parsed = [];
  for (let k = 0; k < list.length; k += 1) {
    const event = eventOf(list[k]);
    if (typeof event === 'string') {
      const where = Array.isArray(body) ? `event ${k}: ` : '';
      return res.status(400).json({ error: 'BAD_EVENT', message: where + event });
    }
    parsed.push(event);
  }
  const seqs = parsed.map((e) => bus.publish(e.topic, e.event, e.data, e.internal));
  return res.status(200).json(Array.isArray(body) ? { seqs } : { seq: seqs[0] });
}

// ─── the app ────────────────────────────────────────────────────────────────

const app = express();
app.use(express.json({ limit: MAX_BODY, strict: false }));
app.get('/api/events', requireAuth, events);
app.post('/api/v1/publish', publish);
app.use((req, res) => res.status(404).json({ error: 'NOT_FOUND' }));
// express.json's parse errors land here (bad JSON, too large).
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  const status = err.status || 500;
  const error = err.type === 'entity.parse.failed' ? 'BAD_JSON' : status === 413 ? 'TOO_LARGE' : 'ERROR';
  return res.status(status).json({ error, message: err.message });
});

const server = app.listen(port, host, () => {
  console.log(`node-clijaw ready port=${server.address().port}`);
});
server.on('error', (err) => {
  console.error(`node-clijaw: ${err.message}`);
  process.exit(2);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
