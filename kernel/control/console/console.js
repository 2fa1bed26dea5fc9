// The Switchyard web console (docs/console.md): plain JavaScript, no framework, no build
// step, served by the control API from the kernel binary. Everything it shows comes from
// the control API on the same origin:
//   GET  /api/v1/plugins, /api/v1/streams (polled every second: event rates are the seq
//        deltas between two polls)
//   POST /api/v1/plugins/{name}/reload|enable|disable (the buttons)
//   GET  /api/v1/events?stream=S (the live tail, read with fetch() and a stream reader,
//        since EventSource cannot send an Authorization header)
// The control token, when the API asks for one (401), is typed into a form and kept in
// this module's memory only: not in localStorage, not in a cookie, not in the URL.

const kPollMs = 1000;
const kTailLines = 200; // the tail keeps at most this many lines
const kTailBacklog = 20; // a new tail starts with up to this many recent events
const kDataChars = 240; // an event's data is cut to this many characters in the tail
const kRateWindowMs = 900; // a stream's rate is measured over at least this long

let token = null; // the control token, only ever here
let waitingForToken = false;
let pollTimer = null;
let tail = null; // {stream, controller}
const pluginRows = new Map(); // name -> {row, cells}
const streamRows = new Map(); // name -> {row, cells}
const lastSeqs = new Map(); // stream -> {seq, at}: where the rate is measured from
const rates = new Map(); // stream -> events/s, as shown
const streamSeqs = new Map(); // stream -> seq, from the last poll
const busy = new Set(); // plugins with an action under way

const $ = (id) => document.getElementById(id);

class Unauthorized extends Error {}

// fetch() against the control API, with the token when there is one. A 401 shows the
// token form and throws Unauthorized.
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...options, headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) {
    const body = await response.json().catch(() => ({}));
    askForToken(token === null ? '' : `the token was refused: ${body.message || 'unauthorized'}`);
    throw new Unauthorized(body.message || 'unauthorized');
  }
  return response;
}

async function apiJson(path, options) {
  const response = await api(path, options);
  const body = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, body };
}

function askForToken(error) {
  waitingForToken = true;
  $('token-form').hidden = false;
  const errorLine = $('token-error');
  errorLine.textContent = error;
  errorLine.hidden = !error;
  setStatus('the control API asks for its token', true);
  $('token-input').focus();
}

function setStatus(text, bad = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('bad', bad);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- plugins ------------------------------------------------------------------------------

function pluginRow(name) {
  let entry = pluginRows.get(name);
  if (entry) return entry;
  const row = element('tr');
  row.dataset.plugin = name;
  const cells = {};
  for (const key of ['name', 'version', 'state', 'generation', 'endpoints', 'connections', 'actions', 'result']) {
    cells[key] = element('td', key === 'connections' ? `num ${key}` : key);
    row.append(cells[key]);
  }
  cells.name.append(element('strong', '', name));
  cells.stateBadge = element('span', 'state');
  cells.state.append(cells.stateBadge);
  cells.buttons = {};
  for (const action of ['reload', 'enable', 'disable']) {
    const button = element('button', action, action[0].toUpperCase() + action.slice(1));
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => pluginAction(name, action));
    cells.buttons[action] = button;
    cells.actions.append(button);
  }
  cells.resultText = element('span', 'result');
  cells.result.append(cells.resultText);
  entry = { row, cells };
  pluginRows.set(name, entry);
  $('plugins').tBodies[0].append(row);
  return entry;
}

function renderPlugins(plugins) {
  const seen = new Set();
  plugins.sort((a, b) => a.name.localeCompare(b.name));
  for (const plugin of plugins) {
    seen.add(plugin.name);
    const { row, cells } = pluginRow(plugin.name);
    row.dataset.state = plugin.state;
    cells.version.textContent = plugin.version || '—';
    cells.stateBadge.textContent = plugin.state;
    cells.stateBadge.className = `state state-${plugin.state}`;
    cells.generation.textContent = plugin.state === 'disabled' && !plugin.generation ? '—' : String(plugin.generation);
    const endpoints = (plugin.endpoints || []).map((e) => `${e.name} ${hostPort(e.address, e.port)}`);
    cells.endpoints.textContent = endpoints.length ? endpoints.join(', ') : '—';
    cells.endpoints.classList.add('mono');
    cells.connections.textContent = plugin.state === 'disabled' ? '—' : String(plugin.connections);
    const running = plugin.state !== 'disabled';
    const working = busy.has(plugin.name);
    cells.buttons.reload.disabled = working || !running;
    cells.buttons.disable.disabled = working || !running;
    cells.buttons.enable.disabled = working || running;
  }
  for (const [name, { row }] of pluginRows) {
    if (!seen.has(name)) {
      row.remove();
      pluginRows.delete(name);
    }
  }
}

function hostPort(address, port) {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function showResult(name, text, ok) {
  const entry = pluginRows.get(name);
  if (!entry) return;
  entry.cells.resultText.textContent = text;
  entry.cells.resultText.className = `result ${ok ? 'ok' : 'error'}`;
}

function describeAnswer(action, body) {
  if (action === 'reload') return `reloaded: generation ${body.generation} (paused ${Number(body.pause_ms).toFixed(1)} ms)`;
  if (action === 'enable') return `enabled: ${body.version} generation ${body.generation}`;
  return 'disabled';
}

async function pluginAction(name, action) {
  busy.add(name);
  for (const button of Object.values(pluginRows.get(name)?.cells.buttons || {})) button.disabled = true;
  showResult(name, `${action}…`, true);
  try {
    const answer = await apiJson(`/api/v1/plugins/${encodeURIComponent(name)}/${action}`, { method: 'POST' });
    if (answer.ok) {
      showResult(name, describeAnswer(action, answer.body), true);
    } else {
      showResult(name, `${answer.body.error || answer.status}: ${answer.body.message || 'failed'}`, false);
    }
  } catch (e) {
    showResult(name, e instanceof Unauthorized ? 'the control API asks for its token' : `failed: ${e.message}`, false);
  } finally {
    busy.delete(name);
    poll();
  }
}

// -- streams ------------------------------------------------------------------------------

function streamRow(name) {
  let entry = streamRows.get(name);
  if (entry) return entry;
  const row = element('tr');
  row.dataset.stream = name;
  const cells = {};
  for (const key of ['name', 'seq', 'rate', 'held', 'bytes', 'subscribers', 'actions']) {
    cells[key] = element('td', key === 'name' || key === 'actions' ? key : `num ${key}`);
    row.append(cells[key]);
  }
  cells.name.append(element('strong', '', name));
  const follow = element('button', 'follow', 'Tail');
  follow.type = 'button';
  follow.addEventListener('click', () => {
    $('tail-stream').value = name;
    startTail(name);
  });
  cells.actions.append(follow);
  entry = { row, cells };
  streamRows.set(name, entry);
  $('streams').tBodies[0].append(row);
  const option = element('option', '', name);
  option.value = name;
  $('tail-stream').append(option);
  return entry;
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function renderStreams(streams, at) {
  for (const stream of streams) {
    const { cells } = streamRow(stream.name);
    // The rate over at least kRateWindowMs: a poll a button asked for right after the
    // timer's would divide by a few milliseconds.
    const previous = lastSeqs.get(stream.name);
    if (!previous || stream.seq < previous.seq) {
      lastSeqs.set(stream.name, { seq: stream.seq, at });
    } else if (at - previous.at >= kRateWindowMs) {
      const perSecond = (stream.seq - previous.seq) / ((at - previous.at) / 1000);
      rates.set(stream.name, perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1));
      lastSeqs.set(stream.name, { seq: stream.seq, at });
    }
    const rate = rates.get(stream.name) ?? '—';
    streamSeqs.set(stream.name, stream.seq);
    cells.seq.textContent = String(stream.seq);
    cells.rate.textContent = rate;
    cells.held.textContent = `${stream.held_events} / ${stream.capacity}`;
    cells.bytes.textContent = formatBytes(stream.held_bytes);
    cells.subscribers.textContent = String(stream.subscribers);
  }
}

// -- polling ------------------------------------------------------------------------------

let polling = false; // a poll is under way
let pollAgain = false; // and another was asked for meanwhile

async function poll() {
  if (polling) {
    pollAgain = true;
    return;
  }
  clearTimeout(pollTimer);
  pollTimer = null;
  if (waitingForToken) return;
  polling = true;
  try {
    await pollOnce();
  } finally {
    polling = false;
  }
  if (pollAgain) {
    pollAgain = false;
    poll();
  } else if (!waitingForToken && pollTimer === null) {
    pollTimer = setTimeout(poll, kPollMs);
  }
}

async function pollOnce() {
  try {
    const [plugins, streams] = await Promise.all([apiJson('/api/v1/plugins'), apiJson('/api/v1/streams')]);
    const at = performance.now();
    if (plugins.ok) renderPlugins(plugins.body.plugins || []);
    if (streams.ok) renderStreams(streams.body.streams || [], at);
    if (plugins.ok && streams.ok) {
      setStatus(`updated ${new Date().toLocaleTimeString()} · ${pluginRows.size} plugins · ${streamRows.size} streams`);
    } else {
      const failed = plugins.ok ? streams : plugins;
      setStatus(`control API: ${failed.body.error || failed.status}: ${failed.body.message || ''}`, true);
    }
  } catch (e) {
    if (e instanceof Unauthorized) return; // polling resumes once a token is typed
    setStatus(`control API unreachable: ${e.message}`, true);
  }
}

// -- live tail ----------------------------------------------------------------------------

function addTailLine(fields) {
  const list = $('tail');
  const line = element('li');
  if (fields.event === 'gap') {
    line.className = 'gap';
    line.textContent = `gap: ${fields.data}`;
  } else {
    let event = null;
    try {
      event = JSON.parse(fields.data);
    } catch {
      event = null;
    }
    line.dataset.seq = fields.id || '';
    line.append(element('span', 'seq', `#${fields.id || '?'}`));
    if (event && typeof event === 'object') {
      line.append(element('span', 'type', `${event.topic ?? ''} ${event.type ?? ''}`.trim()));
      const data = JSON.stringify(event.data ?? null);
      line.append(element('span', 'data', data.length > kDataChars ? `${data.slice(0, kDataChars)}…` : data));
    } else {
      line.append(element('span', 'data', fields.data.slice(0, kDataChars)));
    }
  }
  list.prepend(line);
  while (list.children.length > kTailLines) list.lastElementChild.remove();
}

function setTailState(text, following) {
  $('tail-state').textContent = text;
  $('tail-stop').disabled = !following;
}

function stopTail() {
  if (!tail) return;
  tail.controller.abort();
  tail = null;
  setTailState('stopped', false);
}

async function startTail(stream) {
  if (!stream) return;
  stopTail();
  const controller = new AbortController();
  const current = { stream, controller };
  tail = current;
  $('tail').replaceChildren();
  setTailState(`following ${stream}…`, true);
  const seq = streamSeqs.get(stream) || 0;
  const cursor = seq > 0 ? `&lastEventId=${Math.max(0, seq - kTailBacklog)}` : '';
  try {
    const response = await api(`/api/v1/events?stream=${encodeURIComponent(stream)}${cursor}`, {
      signal: controller.signal,
      headers: { Accept: 'text/event-stream' },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(`${body.error || response.status}: ${body.message || ''}`);
    }
    setTailState(`following ${stream}`, true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let fields = { id: '', event: '', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop(); // an unfinished line waits for the rest
      for (const line of lines) {
        if (line === '') {
          if (fields.data.length) addTailLine({ id: fields.id, event: fields.event, data: fields.data.join('\n') });
          fields = { id: '', event: '', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue; // a comment (": connected")
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) text = text.slice(1);
        if (name === 'data') fields.data.push(text);
        else if (name === 'id') fields.id = text;
        else if (name === 'event') fields.event = text;
      }
    }
    if (tail === current) {
      tail = null;
      setTailState(`${stream}: the stream ended`, false);
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    if (tail === current) tail = null;
    setTailState(e instanceof Unauthorized ? 'the control API asks for its token' : `${stream}: ${e.message}`, false);
  }
}

// -- start --------------------------------------------------------------------------------

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('token-input');
  token = input.value;
  input.value = '';
  waitingForToken = false;
  $('token-form').hidden = true;
  setStatus('connecting…');
  poll();
});

$('tail-form').addEventListener('submit', (event) => {
  event.preventDefault();
  startTail($('tail-stream').value);
});
$('tail-stop').addEventListener('click', stopTail);

poll();
