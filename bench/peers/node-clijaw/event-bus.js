'use strict';
// The event bus of the comparison peer, built the way CLI-JAW's src/core/event-bus.ts is:
// an EventEmitter with one 'event' listener per SSE connection, a global sequence, and a
// replay ring of the newest 1,000 events kept in an array (push, then shift the oldest).
// Events carry {id, topic, event, data, ts}. One difference: the product leaves internal
// events out before they reach this bus; here they take a sequence number and a ring slot
// and are skipped by the SSE route, as PROTOCOLS.md states for the clijaw plugin.

const { EventEmitter } = require('node:events');

const RING_SIZE = 1000;
const MAX_SSE_LISTENERS = 256;

const emitter = new EventEmitter();
emitter.setMaxListeners(MAX_SSE_LISTENERS);

let seq = 0;
const ring = [];

// Takes the next sequence number, keeps the event in the ring and hands it to every
// listener, in order, on this call stack.
function publish(topic, event, data, internal) {
  const entry = { id: ++seq, topic, event, data, ts: Date.now(), internal };
  ring.push(entry);
  if (ring.length > RING_SIZE) ring.shift();
  emitter.emit('event', entry);
  return entry.id;
}

// Adds a listener; returns the function that removes it. A listener that throws is
// logged and does not stop the others.
function subscribe(listener) {
  const guarded = (entry) => {
    try {
      listener(entry);
    } catch (err) {
      console.error(`node-clijaw: listener failed: ${err.message}`);
    }
  };
  emitter.on('event', guarded);
  return () => emitter.off('event', guarded);
}

// The held events after `cursor`, oldest first.
function eventsAfter(cursor) {
  const first = ring.findIndex((entry) => entry.id > cursor);
  return first === -1 ? [] : ring.slice(first);
}

// Whether something after `cursor` has already left the ring.
function isOlderThanRing(cursor) {
  return cursor > 0 && ring.length > 0 && ring[0].id > cursor + 1;
}

function currentSeq() {
  return seq;
}

module.exports = {
  RING_SIZE,
  MAX_SSE_LISTENERS,
  publish,
  subscribe,
  eventsAfter,
  isOlderThanRing,
  currentSeq,
};
