// The dashboard the plugin serves at GET /: a small page that opens /ws from the
// browser (ws:, or wss: behind an HTTPS proxy), shows what arrives and sends chat.
//
// It is what seed 000's browser bootstrap needs to be real: /?token= sets the cookie,
// the page loads, and its WebSocket upgrade carries the cookie. Every message is written
// with textContent, never as HTML, so an event cannot inject markup. The script is a
// separate file so the page's Content-Security-Policy can forbid inline script.
#pragma once

#include <string_view>

namespace switchyard::jarvis {

// The Content-Security-Policy of the page: its own script and connections only.
inline constexpr std::string_view kDashboardPolicy =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// GET / (text/html).
inline constexpr std::string_view kDashboardPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>JARVIS</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
#log { list-style: none; padding: 0; font-family: ui-monospace, monospace; }
#log li { border-bottom: 1px solid #ddd; padding: .25rem 0; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>JARVIS</h1>
<p>Connection: <span id="state">connecting</span></p>
<form id="chat"><input id="text" name="text" autocomplete="off" size="60" placeholder="Message">
<button id="send" type="submit">Send</button></form>
<ul id="log"></ul>
<script src="/dashboard.js"></script>
</body>
</html>
)html";

// GET /dashboard.js (text/javascript). window.jarvis exposes the connection state and
// every message received ({text} parsed, or {binary: [bytes]}) for people debugging in
// the console, and for the browser test.
inline constexpr std::string_view kDashboardScript = R"js('use strict';
(() => {
  const received = [];
  const stateEl = document.getElementById('state');
  const logEl = document.getElementById('log');
  const jarvis = { state: 'connecting', received, closeCode: null };
  window.jarvis = jarvis;

  const setState = (state) => { jarvis.state = state; stateEl.textContent = state; };
  const show = (line) => {
    const li = document.createElement('li');
    li.textContent = line;
    logEl.appendChild(li);
  };

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  let sent = 0;
  const send = (type, payload) => {
    const message = { type, payload, id: `dashboard-${++sent}`, timestamp: Date.now() };
    ws.send(JSON.stringify(message));
    return message.id;
  };
  jarvis.send = send;

  ws.addEventListener('open', () => {
    setState('connected');
    send('command', { command: 'health' });
  });
  ws.addEventListener('message', (event) => {
    if (typeof event.data === 'string') {
      let message;
      try { message = JSON.parse(event.data); } catch { message = { type: 'unparsed', raw: event.data }; }
      received.push(message);
      show(`${message.type}: ${JSON.stringify(message.payload)}`);
    } else {
      const bytes = Array.from(new Uint8Array(event.data));
      received.push({ binary: bytes });
      show(`binary: ${bytes.length} bytes`);
    }
  });
  ws.addEventListener('close', (event) => {
    jarvis.closeCode = event.code;
    setState(`closed (${event.code})`);
  });

  document.getElementById('chat').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('text');
    if (input.value === '' || ws.readyState !== WebSocket.OPEN) return;
    send('chat', { text: input.value });
    show(`you: ${input.value}`);
    input.value = '';
  });
})();
)js";

} // namespace switchyard::jarvis
