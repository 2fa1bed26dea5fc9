#!/usr/bin/env python3
"""Hot reload under load: the dispatch pause of a plugin reload, and what clients see.

Starts a Switchyard kernel with the groove plugin, connects N WebSocket clients (default
10,000) to it, publishes at a steady rate and measures, in two phases of equal length:

  A  no reloads;
  B  the same rate, with R reloads (default 50) spaced evenly through the phase.

Reported: the kernel's own `pause_ms` of every reload (median, p99, max); delivery
latency (publish time -> receive time, p50/p99/max) in A and in B, from the sampling
clients; frames expected vs received over all clients in every phase (lost must be 0);
sequence continuity on the sampling clients; connections still open at the end.

Python 3 standard library only. The WebSocket client is written here: an HTTP upgrade,
then unmasked server frames whose headers are parsed to count them (cheap); sampling
clients also decode the payload. Clients live in child processes of this script
(`--role clients`), each one epoll loop, so the publisher is not starved by them.

Latency figures are an upper bound: they include the client processes' own scheduling
delay (with thousands of sockets on one core, the time to sweep them all), not only the
kernel's. The pause figure is the kernel's measurement and does not depend on the client.

Run: python3 bench/reload_pause.py            (see bench/README.md; --help for options)
"""

import argparse
import asyncio
import base64
import ctypes
import hashlib
import json
import os
import re
import resource
import select
import shutil
import random
import signal
import socket
import sys
import tempfile
import time

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FD_MARGIN = 256  # descriptors kept free besides the client sockets (pipes, logs, control)


# ----------------------------------------------------------------------------------------
# Client side (child process): many WebSocket clients in one epoll loop.
# ----------------------------------------------------------------------------------------

def websocket_key():
    return base64.b64encode(os.urandom(16))


def expected_accept(key):
    return base64.b64encode(hashlib.sha1(key + WS_GUID).digest())


class ClientPool:
    """N WebSocket clients to one port; every client counts its text frames, samplers
    also decode them and record (index, latency)."""

    def __init__(self, port, count, sampler_every, batch, deadline):
        self.port = port
        self.count = count
        self.sampler_every = sampler_every
        self.batch = batch
        self.deadline = deadline
        self.ep = select.epoll()
        self.buf = bytearray(1 << 18)
        # Per client, keyed by fd.
        self.sock = {}
        self.recv_into = {}
        self.frames = {}      # complete-or-started text frames
        self.skip = {}        # payload bytes of the current frame still to come
        self.partial = {}     # an incomplete frame header carried to the next read
        self.sampler = {}     # fd -> bytearray of undecoded bytes (samplers only)
        self.samples = {}     # fd -> list of [index, latency_us]
        self.other_frames = 0
        self.closed = {}      # fd -> reason
        self.failed = []

    # -- connecting -----------------------------------------------------------------------

    def connect_all(self):
        for first in range(0, self.count, self.batch):
            if time.monotonic() > self.deadline:
                self.failed.append("time limit reached while connecting")
                return
            pending = {}
            for k in range(first, min(first + self.batch, self.count)):
                try:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                except OSError as e:
                    self.failed.append("connect #%d: %s" % (k, e))
                    continue
                key = websocket_key()
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                          b"Sec-WebSocket-Version: 13\r\n\r\n" % (self.port, key))
                s.setblocking(False)
                pending[s.fileno()] = (s, key, bytearray(), k % self.sampler_every == 0)
                self.ep.register(s.fileno(), select.EPOLLIN)
            self.finish_handshakes(pending, time.monotonic() + 20)

    def finish_handshakes(self, pending, batch_deadline):
        while pending and time.monotonic() < min(batch_deadline, self.deadline):
            for fd, _ in self.ep.poll(0.1):
                if fd not in pending:
                    continue  # an established client; nothing is published yet
                s, key, got, is_sampler = pending[fd]
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    data, err = b"", str(e)
                else:
                    err = "closed during handshake"
                if not data:
                    self.failed.append(err)
                    self.ep.unregister(fd)
                    s.close()
                    del pending[fd]
                    continue
                got += data
                end = got.find(b"\r\n\r\n")
                if end < 0:
                    continue
                del pending[fd]
                head = bytes(got[:end]).decode("latin-1")
                accept = re.search(r"(?im)^sec-websocket-accept:\s*(\S+)", head)
                if not head.startswith("HTTP/1.1 101") or accept is None or \
                        accept.group(1).encode() != expected_accept(key):
                    self.failed.append("handshake refused: " + head.split("\r\n")[0])
                    self.ep.unregister(fd)
                    s.close()
                    continue
                self.adopt(s, is_sampler, bytes(got[end + 4:]))
        for fd, (s, *_rest) in pending.items():
            self.failed.append("no handshake answer in time")
            self.ep.unregister(fd)
            s.close()

    def adopt(self, s, is_sampler, early):
        fd = s.fileno()
        self.sock[fd] = s
        self.recv_into[fd] = s.recv_into
        self.frames[fd] = 0
        self.skip[fd] = 0
        self.partial[fd] = b""
        if is_sampler:
            self.sampler[fd] = bytearray()
            self.samples[fd] = []
        if early:
            self.consume(fd, early, len(early), time.monotonic_ns())

    # -- receiving ------------------------------------------------------------------------

    def poll_once(self, timeout):
        """One epoll round: read every ready socket once."""
        recv_into = self.recv_into
        buf = self.buf
        for fd, _ in self.ep.poll(timeout, 1024):
            r = recv_into.get(fd)
            if r is None:
                continue
            try:
                n = r(buf)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                self.drop(fd, "error: %s" % e)
                continue
            if n == 0:
                self.drop(fd, "closed by the server")
                continue
            if fd in self.sampler:
                self.consume(fd, bytes(buf[:n]), n, time.monotonic_ns())
            else:
                self.count_frames(fd, buf, n)

    def count_frames(self, fd, data, n):
        """Counts the text frames in data[:n] by walking the frame headers."""
        i = self.skip[fd]
        if self.partial[fd]:
            data = self.partial[fd] + bytes(data[:n])
            n = len(data)
            i = 0
        c = 0
        while i < n:
            if n - i < 2:
                break
            b0 = data[i]
            ln = data[i + 1] & 0x7F
            if ln < 126:
                i += 2 + ln
            elif ln == 126:
                if n - i < 4:
                    break
                i += 4 + int.from_bytes(data[i + 2:i + 4], "big")
            else:
                if n - i < 10:
                    break
                i += 10 + int.from_bytes(data[i + 2:i + 10], "big")
            if b0 == 0x81:
                c += 1
            else:
                self.other_frames += 1
        self.frames[fd] += c
        if i < n:  # an incomplete header: keep it for the next read
            self.partial[fd] = bytes(data[i:n])
            self.skip[fd] = 0
        else:
            self.partial[fd] = b""
            self.skip[fd] = i - n

    def consume(self, fd, data, n, now_ns):
        """Sampler path: decodes whole frames, records [index, latency in microseconds]."""
        pending = self.sampler[fd]
        pending += data[:n]
        i = 0
        m = len(pending)
        samples = self.samples[fd]
        while m - i >= 2:
            b0 = pending[i]
            ln = pending[i + 1] & 0x7F
            h = 2
            if ln == 126:
                if m - i < 4:
                    break
                ln, h = int.from_bytes(pending[i + 2:i + 4], "big"), 4
            elif ln == 127:
                if m - i < 10:
                    break
                ln, h = int.from_bytes(pending[i + 2:i + 10], "big"), 10
            if m - i < h + ln:
                break
            if b0 == 0x81:
                self.frames[fd] += 1
                try:
                    d = json.loads(bytes(pending[i + h:i + h + ln]))["data"]
                    samples.append([d["i"], (now_ns - d["t"]) // 1000])
                except (ValueError, KeyError, TypeError):
                    samples.append([-1, 0])  # not one of ours: breaks continuity, visibly
            else:
                self.other_frames += 1
            i += h + ln
        del pending[:i]

    def drop(self, fd, reason):
        self.closed[fd] = reason
        self.recv_into.pop(fd, None)
        try:
            self.ep.unregister(fd)
        except OSError:
            pass

    # -- reporting ------------------------------------------------------------------------

    def counts(self):
        values = list(self.frames.values())
        reasons = {}
        for r in self.closed.values():
            reasons[r] = reasons.get(r, 0) + 1
        return {
            "clients": len(values),
            "open": len(self.recv_into),
            "frames": sum(values),
            "min": min(values) if values else 0,
            "max": max(values) if values else 0,
            "mid_frame": sum(1 for v in self.skip.values() if v) +
                         sum(1 for v in self.partial.values() if v) +
                         sum(1 for v in self.sampler.values() if v),
            "other_frames": self.other_frames,
            "closed": reasons,
        }

    def close_all(self):
        for s in self.sock.values():
            try:
                s.close()
            except OSError:
                pass


def run_clients(args):
    """The --role clients process: connect, then serve commands from stdin until quit."""
    deadline = time.monotonic() + args.time_limit
    pool = ClientPool(args.port, args.count, args.sampler_every, args.batch, deadline)
    pool.connect_all()
    out = sys.stdout
    out.write(json.dumps({"connected": len(pool.sock), "failed": len(pool.failed),
                          "errors": pool.failed[:5]}) + "\n")
    out.flush()
    stdin_fd = sys.stdin.fileno()
    os.set_blocking(stdin_fd, False)
    stdin_ep = select.epoll()
    stdin_ep.register(stdin_fd, select.EPOLLIN)
    line = b""
    while time.monotonic() < deadline:
        pool.poll_once(0.02)
        if not stdin_ep.poll(0):
            continue
        chunk = os.read(stdin_fd, 4096)
        if not chunk:
            break
        line += chunk
        while b"\n" in line:
            cmd, line = line.split(b"\n", 1)
            cmd = cmd.strip().decode()
            if cmd == "counts":
                reply = pool.counts()
            elif cmd == "samples":
                reply = {"samples": list(pool.samples.values())}
            elif cmd == "quit":
                pool.close_all()
                return
            else:
                reply = {"error": "unknown command " + cmd}
            out.write(json.dumps(reply) + "\n")
            out.flush()
    pool.close_all()


# ----------------------------------------------------------------------------------------
# Control side (this process): kernel, publisher, reloads, results.
# ----------------------------------------------------------------------------------------

class HttpConnection:
    """A tiny keep-alive HTTP/1.1 client on asyncio streams (loopback only)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, body=None, timeout=30):
        # The control API closes a keep-alive connection idle for 30 s; open a new one.
        if self.writer is None or self.reader.at_eof():
            self.close()
            await self.open()
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        head = ("%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (method, path, self.host, self.port,
                                                 len(payload))).encode()
        self.writer.write(head + payload)
        return await asyncio.wait_for(self.read_response(), timeout)

    async def read_response(self):
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("control connection closed")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        body = b""
        while True:
            size = int((await self.reader.readline()).strip(), 16)
            body += await self.reader.readexactly(size + 2)
            if size == 0:
                return status, body
        # unreachable

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    if not s:
        return None
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


def summary(values, scale=1.0, digits=3):
    if not values:
        return {"n": 0}
    return {"n": len(values),
            "p50": round(percentile(values, 50) * scale, digits),
            "p99": round(percentile(values, 99) * scale, digits),
            "max": round(max(values) * scale, digits)}


def child_setup(cpus):
    """For a child process: die with this script (no orphan kernel if it is killed) and,
    when asked, run on the given CPUs."""
    def setup():
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if cpus:
            os.sched_setaffinity(0, cpus)
    return setup


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="switchyard-reload-bench-")
        self.kernel = None
        self.kernel_log = None
        self.children = []   # client processes: (process, expected count)
        self.index = 0       # the next event's "i"
        self.phase_ranges = {}
        self.publish_lag_ms = []
        self.publish_ms = []  # round trip of every publish request
        self.sent_ns = {}    # "i" -> send time, to find the messages sent during a reload
        self.reloads = []
        self.reload_windows = []  # (start_ns, end_ns) of each reload request
        self.notes = []

    # -- kernel ---------------------------------------------------------------------------

    def write_config(self):
        library = os.path.join(self.tmp, "groove.so")
        shutil.copy(self.args.plugin, library)
        path = os.path.join(self.tmp, "bench.toml")
        with open(path, "w") as f:
            f.write('[kernel]\nworkers = %d\nlog_level = "warn"\n\n'
                    '[control]\nlisten = "127.0.0.1:0"\n\n'
                    '[plugins.groove]\nenabled = true\nlisten = "127.0.0.1:0"\n'
                    'library = "%s"\n' % (self.args.workers, library))
        return path

    async def start_kernel(self):
        config = self.write_config()
        self.kernel_log = open(os.path.join(self.tmp, "kernel.log"), "wb")
        cpus = self.args.kernel_cpus
        self.kernel = await asyncio.create_subprocess_exec(
            self.args.binary, "--config", config, stdout=asyncio.subprocess.PIPE,
            stderr=self.kernel_log, preexec_fn=child_setup(cpus))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = await asyncio.wait_for(self.kernel.stdout.readline(),
                                          max(0.1, deadline - time.monotonic()))
            if not line:
                break
            m = re.match(rb"switchyard ready control=([\d.]+):(\d+)", line)
            if m:
                asyncio.ensure_future(self.drain_kernel_stdout())
                return m.group(1).decode(), int(m.group(2))
        raise RuntimeError("the kernel did not become ready; see " + self.kernel_log.name)

    async def drain_kernel_stdout(self):
        while await self.kernel.stdout.read(65536):
            pass

    def cpu_seconds(self):
        """CPU time (user + system) so far of the kernel, the client processes and this
        process, to tell which side is the bottleneck."""
        def of(pid):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                return 0.0
        t = os.times()
        return {"kernel": of(self.kernel.pid),
                "clients": sum(of(p.pid) for p in self.children),
                "publisher": t.user + t.system}

    async def groove_status(self, control):
        status, body = await control.request("GET", "/api/v1/plugins")
        if status != 200:
            raise RuntimeError("GET /api/v1/plugins: %d %s" % (status, body[:200]))
        for p in json.loads(body)["plugins"]:
            if p["name"] == "groove":
                return p
        raise RuntimeError("groove is not among the plugins")

    # -- clients --------------------------------------------------------------------------

    async def start_clients(self, port):
        a = self.args
        per = [a.clients // a.procs + (1 if k < a.clients % a.procs else 0)
               for k in range(a.procs)]
        sampler_every = max(1, a.clients // max(1, a.samplers))
        cpus = a.client_cpus
        for count in per:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, os.path.abspath(__file__), "--role", "clients",
                "--port", str(port), "--count", str(count), "--batch", str(a.batch),
                "--sampler-every", str(sampler_every), "--time-limit", str(a.time_limit),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=1 << 28,  # the "samples" reply is one long line
                preexec_fn=child_setup(cpus))
            # One process connects at a time, so the accept backlog sees one batch.
            line = await asyncio.wait_for(proc.stdout.readline(), a.time_limit)
            hello = json.loads(line)
            self.children.append(proc)
            if hello["failed"]:
                self.notes.append("client process: %d of %d did not connect: %s" %
                                  (hello["failed"], count, hello["errors"]))
        return sum(per)

    async def ask(self, command):
        replies = []
        for proc in self.children:
            proc.stdin.write(command.encode() + b"\n")
            await proc.stdin.drain()
        for proc in self.children:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            replies.append(json.loads(line))
        return replies

    async def counts(self):
        replies = await self.ask("counts")
        total = {"clients": 0, "open": 0, "frames": 0, "mid_frame": 0, "other_frames": 0,
                 "min": None, "max": None, "closed": {}}
        for r in replies:
            for k in ("clients", "open", "frames", "mid_frame", "other_frames"):
                total[k] += r[k]
            if r["clients"]:
                total["min"] = r["min"] if total["min"] is None else min(total["min"], r["min"])
                total["max"] = r["max"] if total["max"] is None else max(total["max"], r["max"])
            for reason, n in r["closed"].items():
                total["closed"][reason] = total["closed"].get(reason, 0) + n
        return total

    async def wait_delivered(self, clients, timeout):
        """Waits until every client holds every frame published so far (or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            c = await self.counts()
            if c["frames"] >= self.index * clients and c["mid_frame"] == 0:
                return c
            if time.monotonic() > deadline:
                return c
            await asyncio.sleep(0.1)

    # -- load -----------------------------------------------------------------------------

    async def publish_phase(self, name, publisher, seconds):
        rate = self.args.rate
        n = int(round(rate * seconds))
        first = self.index
        start = time.monotonic()
        for k in range(n):
            due = start + k / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.publish_lag_ms.append(-delay * 1000)
            t = time.monotonic_ns()
            self.sent_ns[self.index] = t
            status, body = await publisher.request(
                "POST", "/api/v1/publish",
                {"topic": "groove", "type": "bench", "data": {"t": t, "i": self.index}})
            self.publish_ms.append((time.monotonic_ns() - t) / 1e6)
            if status != 200:
                raise RuntimeError("publish: %d %s" % (status, body[:200]))
            self.index += 1
        self.phase_ranges[name] = (first, self.index)
        return time.monotonic() - start

    async def reload_loop(self, control, seconds):
        count = self.args.reloads
        # One reload at a random point of each of `count` equal slots (fixed seed), so
        # reloads do not stay in step with the publish schedule.
        jitter = random.Random(self.args.seed)
        start = time.monotonic()
        for k in range(count):
            at = (k + jitter.uniform(0.1, 0.9)) * seconds / count
            delay = start + at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            begin = time.monotonic_ns()
            status, body = await control.request("POST", "/api/v1/plugins/groove/reload")
            end = time.monotonic_ns()
            self.reload_windows.append((begin, end))
            reply = json.loads(body) if body else {}
            reply["http_status"] = status
            reply["request_ms"] = (end - begin) / 1e6
            self.reloads.append(reply)

    # -- the run --------------------------------------------------------------------------

    async def run(self):
        a = self.args
        host, cport = await self.start_kernel()
        control = HttpConnection(host, cport)
        await control.open()
        groove = await self.groove_status(control)
        port = groove["endpoints"][0]["port"]
        t0 = time.monotonic()
        clients = await self.start_clients(port)
        connect_s = time.monotonic() - t0
        connected = (await self.counts())["open"]
        # Wait (bounded) until the kernel has every connection in its count.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            groove = await self.groove_status(control)
            if groove.get("connections", 0) >= connected:
                break
            await asyncio.sleep(0.2)

        publisher = HttpConnection(host, cport)
        await publisher.open()
        phases = {}
        for name, seconds, reloads in (("warmup", a.warmup, False),
                                       ("A", a.seconds, False),
                                       ("B", a.seconds, True)):
            if seconds <= 0:
                continue
            before = await self.wait_delivered(connected, 30)
            cpu_before = self.cpu_seconds()
            tasks = [self.publish_phase(name, publisher, seconds)]
            if reloads:
                tasks.append(self.reload_loop(control, seconds))
            results = await asyncio.gather(*tasks)
            after = await self.wait_delivered(connected, a.drain_timeout)
            cpu = {k: round(v - cpu_before[k], 2) for k, v in self.cpu_seconds().items()}
            if results[0] > 1.1 * seconds:
                self.notes.append(
                    "phase %s: the publisher could not keep %g msg/s (each publish waits for "
                    "its answer); it published %d in %.1f s" % (
                        name, a.rate, self.phase_ranges[name][1] - self.phase_ranges[name][0],
                        results[0]))
            first, last = self.phase_ranges[name]
            messages = last - first
            phases[name] = {
                "messages": messages,
                "publish_seconds": round(results[0], 3),
                "achieved_rate_per_s": round(messages / results[0], 2) if results[0] else None,
                "expected_frames": messages * connected,
                "received_frames": after["frames"] - before["frames"],
                "lost": messages * connected - (after["frames"] - before["frames"]),
                "per_client_expected": self.index,
                "per_client_min": after["min"], "per_client_max": after["max"],
                "open_after": after["open"],
                "cpu_seconds": cpu,
            }
        final_counts = await self.counts()
        groove = await self.groove_status(control)
        samples = [s for r in await self.ask("samples") for s in r["samples"]]
        publisher.close()
        control.close()
        return self.results(clients, connected, connect_s, phases, final_counts, groove,
                            samples)

    def latency_by_phase(self, samples):
        """Latency lists (µs) per phase, and continuity of every sampling client."""
        by_phase = {name: [] for name in self.phase_ranges}
        overlap = []
        gaps = 0
        windows = self.reload_windows
        b_first, b_last = self.phase_ranges.get("B", (0, 0))
        for client in samples:
            expect = 0
            for i, lat_us in client:
                if i != expect:
                    gaps += 1
                    expect = i
                expect += 1
                for name, (first, last) in self.phase_ranges.items():
                    if first <= i < last:
                        by_phase[name].append(lat_us)
            if expect != self.index:
                gaps += 1  # frames missing at the end
        # Messages of phase B sent while a reload request was in flight, and the first
        # message sent after each reload request began (it queues behind the swap if the
        # swap is under way when it reaches the plugin).
        next_after = set()
        for begin, _ in windows:
            later = [i for i, t in self.sent_ns.items() if t >= begin]
            if later:
                next_after.add(min(later))
        after = []
        for client in samples:
            for i, lat_us in client:
                if b_first <= i < b_last and self.sent_during_reload(i, windows):
                    overlap.append(lat_us)
                if i in next_after:
                    after.append(lat_us)
        return by_phase, overlap, after, gaps

    def sent_during_reload(self, i, windows):
        t = self.sent_ns.get(i)
        return t is not None and any(begin <= t <= end for begin, end in windows)

    def results(self, clients, connected, connect_s, phases, final_counts, groove, samples):
        a = self.args
        by_phase, overlap, next_after, gaps = self.latency_by_phase(samples)
        pauses = [r["pause_ms"] for r in self.reloads if "pause_ms" in r]
        failed = [r for r in self.reloads if r.get("http_status") != 200]
        lost = sum(p["lost"] for p in phases.values())
        result = {
            "bench": "reload_pause",
            "clients_requested": a.clients,
            "clients_connected": connected,
            "connect_seconds": round(connect_s, 2),
            "samplers": len(samples),
            "rate_per_s": a.rate,
            "phase_seconds": a.seconds,
            "workers": a.workers,
            "pinning": {"kernel": sorted(a.kernel_cpus or []),
                        "clients": sorted(a.client_cpus or [])},
            "client_processes": a.procs,
            "reloads": len(self.reloads),
            "reloads_failed": len(failed),
            "generation_final": groove.get("generation"),
            "pause_ms": summary(pauses, 1.0, 3),
            "publish_request_ms": summary(self.publish_ms, 1.0, 3),
            "reload_request_ms": summary([r["request_ms"] for r in self.reloads], 1.0, 3),
            "latency_ms": {name: summary(v, 1e-3, 3) for name, v in by_phase.items()},
            "latency_ms_sent_during_reload_request": summary(overlap, 1e-3, 3),
            "latency_ms_first_sent_after_reload_began": summary(next_after, 1e-3, 3),
            "phases": phases,
            "lost_total": lost,
            "sampler_sequence_gaps": gaps,
            "open_at_end": final_counts["open"],
            "kernel_connections_at_end": groove.get("connections"),
            "closed_by_server": final_counts["closed"],
            "non_text_frames": final_counts["other_frames"],
            "publish_late_ms_max": round(max(self.publish_lag_ms), 3)
            if self.publish_lag_ms else 0.0,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "notes": self.notes,
        }
        p99 = result["pause_ms"].get("p99")
        result["goal_met"] = bool(
            p99 is not None and p99 < 5.0 and lost == 0 and gaps == 0 and not failed and
            connected == a.clients and final_counts["open"] == a.clients)
        return result

    async def shutdown(self):
        for proc in self.children:
            try:
                proc.stdin.write(b"quit\n")
                await asyncio.wait_for(proc.wait(), 10)
            except (asyncio.TimeoutError, ConnectionError, OSError):
                proc.kill()
        if self.kernel is not None and self.kernel.returncode is None:
            self.kernel.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.kernel.wait(), 15)
            except asyncio.TimeoutError:
                self.kernel.kill()
                await self.kernel.wait()
        if self.kernel_log is not None:
            self.kernel_log.close()
            log = open(self.kernel_log.name, "rb").read().decode(errors="replace").strip()
            if log:
                self.notes.append("kernel log (tail): " + log[-400:])


def print_table(r):
    def row(label, s, unit="ms"):
        if not s or s.get("n", 0) == 0:
            return "  %-30s (none)" % label
        return "  %-30s p50 %8.3f  p99 %8.3f  max %8.3f %s  (n=%d)" % (
            label, s["p50"], s["p99"], s["max"], unit, s["n"])
    print("reload pause bench: %d/%d clients, %g msg/s, %gs per phase, workers=%d" % (
        r["clients_connected"], r["clients_requested"], r["rate_per_s"],
        r["phase_seconds"], r["workers"]), file=sys.stderr)
    print(row("reload pause (kernel)", r["pause_ms"]), file=sys.stderr)
    print(row("reload request (HTTP)", r["reload_request_ms"]), file=sys.stderr)
    for name in ("A", "B"):
        if name in r["latency_ms"]:
            label = "latency %s (%s)" % (name, "reloads" if name == "B" else "no reloads")
            print(row(label, r["latency_ms"][name]), file=sys.stderr)
    print(row("latency B, sent during a reload", r["latency_ms_sent_during_reload_request"]),
          file=sys.stderr)
    print(row("latency B, next after a reload", r["latency_ms_first_sent_after_reload_began"]),
          file=sys.stderr)
    for name, p in r["phases"].items():
        print("  frames %-6s expected %9d  received %9d  lost %d   cpu s: kernel %.1f, "
              "clients %.1f in %.1f s" % (
                  name, p["expected_frames"], p["received_frames"], p["lost"],
                  p["cpu_seconds"]["kernel"], p["cpu_seconds"]["clients"],
                  p["publish_seconds"]), file=sys.stderr)
    for note in r["notes"]:
        print("  note: " + note, file=sys.stderr)
    print("  reloads %d (failed %d), sampler seq gaps %d, open at end %d (kernel says %s)" % (
        r["reloads"], r["reloads_failed"], r["sampler_sequence_gaps"], r["open_at_end"],
        r["kernel_connections_at_end"]), file=sys.stderr)
    print("  goal (p99 pause < 5 ms, zero lost, all open): %s" %
          ("met" if r["goal_met"] else "NOT met"), file=sys.stderr)
    print("  latency is publish -> client receive, an upper bound: it includes the Python "
          "clients' own scheduling delay", file=sys.stderr)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", default=os.path.join(REPO, "build-bench", "bin", "switchyard"))
    p.add_argument("--plugin", default=os.path.join(REPO, "build-bench", "plugins", "groove.so"))
    p.add_argument("--clients", type=int, default=10000)
    p.add_argument("--samplers", type=int, default=100)
    p.add_argument("--rate", type=float, default=5.0, help="publishes per second")
    p.add_argument("--seconds", type=float, default=10.0, help="length of phase A and of B")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before phase A")
    p.add_argument("--reloads", type=int, default=50)
    p.add_argument("--workers", type=int, default=1, help="kernel worker threads")
    p.add_argument("--procs", type=int, default=1, help="client processes")
    p.add_argument("--batch", type=int, default=250, help="clients connected per batch")
    p.add_argument("--pin", choices=("auto", "yes", "no"), default="auto",
                   help="kernel on CPU 0, clients on the other CPUs (auto: if >= 2 CPUs)")
    p.add_argument("--seed", type=int, default=1, help="seed of the reload times")
    p.add_argument("--drain-timeout", type=float, default=60.0,
                   help="seconds to wait for every frame after a phase")
    p.add_argument("--time-limit", type=float, default=600.0, help="whole run, seconds")
    # Internal: the client processes.
    p.add_argument("--role", choices=("main", "clients"), default="main", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, help=argparse.SUPPRESS)
    p.add_argument("--sampler-every", type=int, default=100, help=argparse.SUPPRESS)
    return p.parse_args()


async def main_async(args):
    bench = Bench(args)
    try:
        result = await asyncio.wait_for(bench.run(), args.time_limit)
    finally:
        await bench.shutdown()
        shutil.rmtree(bench.tmp, ignore_errors=True)
    result["notes"] = bench.notes
    return result


def main():
    args = parse_args()
    if args.role == "clients":
        raise_fd_limit()
        run_clients(args)
        return 0
    hard = raise_fd_limit()
    if args.clients + FD_MARGIN > hard:
        print("fd limit %d allows %d clients, not %d; running with %d" % (
            hard, hard - FD_MARGIN, args.clients, hard - FD_MARGIN), file=sys.stderr)
        args.clients = hard - FD_MARGIN
    cpus = sorted(os.sched_getaffinity(0))
    pin = args.pin == "yes" or (args.pin == "auto" and len(cpus) >= 2)
    args.kernel_cpus = {cpus[0]} if pin and len(cpus) >= 2 else None
    args.client_cpus = set(cpus[1:]) if pin and len(cpus) >= 2 else None
    if args.client_cpus:
        os.sched_setaffinity(0, args.client_cpus)
    for path in (args.binary, args.plugin):
        if not os.path.exists(path):
            print("missing %s (build: cmake --build build-bench --target switchyard groove)"
                  % path, file=sys.stderr)
            return 2
    try:
        result = asyncio.run(main_async(args))
    except (RuntimeError, OSError, ValueError, KeyError, asyncio.TimeoutError) as e:
        print("reload bench failed: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    print(json.dumps(result, separators=(",", ":")), flush=True)
    print_table(result)
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
