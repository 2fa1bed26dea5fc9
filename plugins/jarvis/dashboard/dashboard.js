// The JARVIS dashboard's script. window.jarvis exposes the connection state and every
// message received ({type, payload, ...} parsed, or {binary: [bytes]}) for people
// debugging in the console, and for the browser test. Every message is written with
// textContent, never as HTML, so an event cannot inject markup.
'use strict';
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

  // Same origin, so the token cookie goes along and a proxy's https becomes wss. Current
  // browsers take the relative URL; older ones throw on it and get the absolute one.
  let ws;
  try {
    ws = new WebSocket('/ws');
  } catch {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`);
  }
  jarvis.url = ws.url;
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
