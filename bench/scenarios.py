#!/usr/bin/env python3
"""The scenarios of docs/benchmarks.md, Switchyard against its Node peers.

scripts/bench builds everything and calls this; run it directly only on a built tree.
Each run starts a fresh server pinned to the first CPU, drives it with bench/loadgen pinned
to the second, and stops it again; the servers alternate (S N S N ...) so that drift on
the machine hits both alike. The table gives the median of each figure over the runs and
the ratio Switchyard / Node. Raw results (one JSON line per run) go to --out.

A scenario names its target: "groove" (Switchyard's groove plugin against the Node `ws`
peer, bench/peers/node-ws), "clijaw" (Switchyard's clijaw plugin against a Node server
that serves CLI-JAW's `GET /api/events` the way the product does, bench/peers/node-clijaw)
or "jetstart" (Switchyard's jetstart plugin against a Node server that serves JetStart's
core socket the way the product does, bench/peers/node-jetstart), or "claudecontrol"
(Switchyard's claudecontrol plugin alone: its figure is read against the groove broadcast
of fanout_b, the same 10,000 clients, so no Node peer runs).
Switchyard runs only the target's plugin, with `workers = 1`.

The bus: `--bus memory` (the default) or `--bus redis`, which starts a private
redis-server for every Switchyard run (no persistence, a Unix socket in a temporary folder,
no TCP), pinned to the server's CPU, and points `[bus]` at it. Scenarios that name their
bus (the redis engine's: fanout_a_redis, fanout_a_2nodes, latency_1k_*) use theirs
whatever --bus says; two-node scenarios start two Switchyard processes on one Redis,
put half the subscribers on each and publish on the first. Their figures are
Switchyard-only (no Node peer): the summary table at the end reads them together and
says whether the issue's goals are met (reported, never asserted).
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# The JetStart session both servers expect (the plugin's session_id and token settings).
JETSTART_SESSION = "0123456789abcdef0123456789abcdef"
JETSTART_TOKEN = "fedcba9876543210fedcba9876543210"


@dataclass
class Target:
    """What a scenario measures: a Switchyard plugin and the Node server it is compared with."""
    plugin: str          # the one plugin Switchyard runs
    peer: str            # bench/peers/<peer>/server.js ("": none, Switchyard runs alone)
    peer_label: str      # the Node column's heading
    topic: str           # the topic loadgen publishes to
    sse_path: str        # the SSE stream: Switchyard's and the peer's (when they differ)
    peer_sse_path: str
    ws_path: str = "/ws"  # the WebSocket path, the same on both sides
    endpoint: str = ""    # the plugin's endpoint loadgen subscribes to ("": its first)
    plugin_config: str = 'listen = "127.0.0.1:0"\n'  # the rest of [plugins.<plugin>]
    kernel_config: str = ""  # sections of Switchyard's config the deployment sets for it
    peer_args: list = field(default_factory=list)     # extra arguments of server.js
    loadgen_args: list = field(default_factory=list)  # extra arguments of loadgen


TARGETS = {
    "groove": Target("groove", "node-ws", "Node ws", "groove",
                     # the kernel's own event stream, on the control API's port
                     "/api/v1/events?stream=groove", "/api/v1/events"),
    "clijaw": Target("clijaw", "node-clijaw", "Node (CLI-JAW's way)", "clijaw/bench",
                     "/api/events", "/api/events"),
    # Issue 11: devices log in with client:connect and wait for core:connected; the
    # publishes are core:dex-reload events whose dexBase64 is checked byte for byte.
    "jetstart": Target(
        "jetstart", "node-jetstart", "Node (JetStart's way)", "jetstart", "", "",
        ws_path="/", endpoint="core",
        plugin_config=('listen = { core = "127.0.0.1:0", logs = "127.0.0.1:0", '
                       'http = "127.0.0.1:0" }\n'
                       f'session_id = "{JETSTART_SESSION}"\ntoken = "{JETSTART_TOKEN}"\n'),
        # As config/switchyard.toml ships it: the bus keeps the newest dex, not 256 MiB.
        kernel_config="[bus.streams.jetstart]\nreplay_bytes = 1048576\n",
        peer_args=["--session", JETSTART_SESSION, "--token", JETSTART_TOKEN],
        loadgen_args=["--first-message",
                      json.dumps({"type": "client:connect", "timestamp": int(time.time() * 1000),
                                  "sessionId": JETSTART_SESSION,
                                  "token": JETSTART_TOKEN,
                                  "deviceInfo": {"id": "bench", "model": "loadgen",
                                                 "platform": "android",
                                                 "architecture": "x86_64"}},
                                 separators=(",", ":")),
                      "--await-reply", '"core:connected"',
                      "--type", "core:dex-reload", "--payload-key", "dexBase64",
                      "--data-extra", '"classNames":["dev.bench.MainActivity"]',
                      "--verify-payload"]),
    # Issue 12: clients subscribe to a workspace ({group} is loadgen's zero-padded group
    # index) and each event goes to one workspace's topic.
    "claudecontrol": Target(
        "claudecontrol", "", "-", "claudecontrol/ws_{group}", "", "", ws_path="/",
        loadgen_args=["--first-message", '{"type":"subscribe","workspaceId":"ws_{group}"}']),
}


@dataclass
class Scenario:
    name: str
    title: str
    subscribers: int
    messages: int
    transport: str = "ws"  # "ws" or "sse"
    size: int = 128
    window: int = 64
    # Which figures the table shows for this scenario (keys of figures_of()).
    figures: list = field(default_factory=list)
    target: str = "groove"  # a key of TARGETS
    kernel_config: str = ""  # more of Switchyard's config file (sections other than the plugin's)
    groups: int = 0  # loadgen --groups: rooms the subscribers are spread over (0: none)
    group_run: int = 1  # loadgen --group-run: consecutive messages to one room
    # Another scenario whose Switchyard figures this one is read against (same table row).
    versus: str = ""
    bus: str = ""      # "memory" or "redis": this scenario's bus whatever --bus says ("": --bus)
    nodes: int = 1     # Switchyard nodes on one bus (2: subscribers split, publish on the first)
    rate: int = 0      # loadgen --rate: open-loop publishes per second (0: the window paces)
    peer: bool = True  # whether the Node peer runs it too
    family: str = ""   # scenarios read together in one summary table (the redis engine's)
    # Goals, reported in the summary and never asserted: deliveries per server CPU-second
    # at least goal_ratio x those of the `versus` scenario; latency p99 below goal_p99_ms.
    goal_ratio: float = 0.0
    goal_p99_ms: float = 0.0


FANOUT_FIGURES = ["deliveries_per_s", "deliveries_per_cpu_s", "p50_ms", "p99_ms", "max_ms",
                  "server_cpu_s", "publishes_per_s", "lost"]

SCENARIOS = [
    Scenario("fanout_a", "Fan-out A: 1,000 subscribers, 10,000 messages of 128 B, window 64",
             1000, 10000, figures=FANOUT_FIGURES),
    # Every message fanned out alone: what one delivery costs when nothing can be batched.
    Scenario("fanout_a_w1", "Fan-out A, window 1: 1,000 subscribers, 2,000 messages, one at a time",
             1000, 2000, window=1, figures=FANOUT_FIGURES),
    Scenario("fanout_b", "Fan-out B: 10,000 subscribers, 2,000 messages of 128 B, window 64",
             10000, 2000, figures=FANOUT_FIGURES),
    Scenario("idle", "Idle: 10,000 connected WebSocket clients", 10000, 0,
             figures=["rss_per_connection_bytes", "rss_connected_kib", "connect_s"]),
    Scenario("sse", "SSE: 256 listeners, 10,000 messages of 128 B, window 64", 256, 10000,
             transport="sse", figures=FANOUT_FIGURES),
    # Issue 12's yardstick: a broadcast that reaches 100 clients, as a workspace event does.
    Scenario("fanout_100", "Fan-out to 100: 100 subscribers, 100,000 messages of 128 B, "
             "window 64", 100, 100000, figures=FANOUT_FIGURES),
    Scenario("publish_0", "Publish: control-API publishes, no subscriber, window 64", 0, 500000,
             figures=["publishes_per_s", "publishes_per_cpu_s", "server_cpu_s"]),
    # Issue 10: CLI-JAW's GET /api/events, the plugin against the product's way of serving it.
    Scenario("clijaw", "CLI-JAW: 256 SSE listeners on /api/events, 10,000 messages of 128 B, "
             "window 64", 256, 10000, transport="sse", figures=FANOUT_FIGURES, target="clijaw"),
]
# Publishes per second with 1,000 subscribers is Fan-out A's publishes_per_s.

# Issue 11: a 4 MiB dex reload to every device, one reload at a time (window 1) as a
# developer saving files makes them; what it costs the server per delivery, and how far
# its memory rises above where it stood before publishing (a payload per socket, or one).
JETSTART_SIZE = 4 << 20
JETSTART_FIGURES = ["deliveries_per_cpu_s", "cpu_per_delivery_ms", "peak_growth_mib",
                    "peak_growth_payloads", "peak_growth_per_device_kib", "deliveries_per_s",
                    "p50_ms", "max_ms", "server_cpu_s", "lost"]
SCENARIOS += [
    Scenario("jetstart", "JetStart: a 4 MiB core:dex-reload to 100 devices, 20 reloads, "
             "window 1", 100, 20, size=JETSTART_SIZE, window=1, figures=JETSTART_FIGURES,
             target="jetstart"),
    # The same with a tenth of the devices: peak growth should not follow the device count.
    Scenario("jetstart_10", "JetStart: a 4 MiB core:dex-reload to 10 devices, 20 reloads, "
             "window 1", 10, 20, size=JETSTART_SIZE, window=1, figures=JETSTART_FIGURES,
             target="jetstart"),
    # Without the stream's own replay limit the bus keeps up to 1,000 events or 256 MiB
    # of every stream for replay: each reload then stays in memory after it went out, and
    # the growth counts them (what [bus.streams.jetstart] in the shipped config avoids).
    Scenario("jetstart_ring256", "JetStart with the bus's default replay ring (256 MiB): a "
             "4 MiB core:dex-reload to 100 devices, 20 reloads, window 1", 100, 20,
             size=JETSTART_SIZE, window=1, figures=JETSTART_FIGURES, target="jetstart",
             kernel_config="[bus.streams.jetstart]\nreplay_bytes = 268435456\n"),
]

# Issue 12: 10,000 ClaudeControl clients in 100 workspaces (100 each), every event published
# to one workspace: each reaches 100 clients. Deliveries per server CPU-second against the
# groove broadcast, goal within 20 %: filtering by kernel group membership costs no
# per-client check. A figure per delivery depends on how many messages share a client's
# write, so each workspace scenario is read against the groove scenario that batches alike:
# - workspaces: a workspace's events come in runs (an agent's output; 64 in a row, window
#   64), so a client gets them 64 to a write, as fanout_b's clients get its broadcasts;
# - workspaces_interleaved: every event to the next workspace in turn (the worst case), so
#   a client gets one per write, as in fanout_a_w1 (window 1: one message at a time).
SCENARIOS += [
    Scenario("workspaces", "ClaudeControl: 10,000 clients in 100 workspaces, 100,000 messages "
             "of 128 B in runs of 64 to one workspace, window 64", 10000, 100000,
             figures=FANOUT_FIGURES, target="claudecontrol", groups=100, group_run=64,
             versus="fanout_b"),
    # The same path (subscribe, kernel group, the plugin's envelope) with no idle socket:
    # 100 clients, all in one workspace, every event to it; read against fanout_100. What
    # it costs more than fanout_100 is ClaudeControl's; what workspaces costs more than it
    # is the 9,900 other sockets (bench/README.md).
    Scenario("workspace_100", "ClaudeControl: 100 clients in one workspace, 100,000 messages "
             "of 128 B to it, window 64", 100, 100000, figures=FANOUT_FIGURES,
             target="claudecontrol", groups=1, group_run=64, versus="fanout_100"),
    Scenario("workspaces_interleaved", "ClaudeControl: 10,000 clients in 100 workspaces, "
             "20,000 messages of 128 B, each to the next workspace in turn, window 64",
             10000, 20000, figures=FANOUT_FIGURES, target="claudecontrol", groups=100,
             versus="fanout_a_w1"),
]

# Issue 15: the redis bus engine (Redis Streams) against the memory engine, on one machine.
# - fan-out: fanout_a on redis, read against fanout_a (on --bus, memory by default); goal:
#   at least half the memory engine's deliveries per server CPU-second;
# - two nodes on one Redis (500 subscribers on each, publishing on the first) against one;
# - latency at 1,000 events/s (open loop, loadgen --rate 1000): 100 subscribers, 10,000
#   messages of 128 B, on memory, redis and redis with two nodes; goal: p99 under 5 ms.
# Every process of the server side (the nodes, redis-server) is pinned to the server's CPU,
# so each configuration gets the one core the memory engine gets.
REDIS_FIGURES = ["publishes_per_s", "deliveries_per_s", "deliveries_per_cpu_s",
                 "deliveries_per_cpu_s_incl_redis", "p50_ms", "p99_ms", "max_ms",
                 "server_cpu_s", "redis_cpu_s", "lost"]
LATENCY_FIGURES = ["p50_ms", "p99_ms", "max_ms", "p50_ms_other_node", "p99_ms_other_node",
                   "publishes_per_s", "deliveries_per_cpu_s",
                   "deliveries_per_cpu_s_incl_redis", "server_cpu_s", "redis_cpu_s",
                   "send_late_max_ms", "lost"]
SCENARIOS += [
    Scenario("fanout_a_redis", "Fan-out A on the redis engine: 1,000 subscribers, 10,000 "
             "messages of 128 B, window 64", 1000, 10000, figures=REDIS_FIGURES, bus="redis",
             peer=False, family="redis_fanout", versus="fanout_a", goal_ratio=0.5),
    Scenario("fanout_a_2nodes", "Fan-out A on two nodes of one Redis: 500 subscribers on each, "
             "publishing on the first, 10,000 messages of 128 B, window 64", 1000, 10000,
             figures=REDIS_FIGURES, bus="redis", nodes=2, peer=False, family="redis_fanout",
             versus="fanout_a_redis"),
    Scenario("latency_1k", "Latency at 1,000 events/s: 100 subscribers, 10,000 messages of "
             "128 B, open loop", 100, 10000, figures=LATENCY_FIGURES, rate=1000, peer=False,
             family="redis_latency"),
    Scenario("latency_1k_redis", "Latency at 1,000 events/s on the redis engine: 100 "
             "subscribers, 10,000 messages of 128 B, open loop", 100, 10000,
             figures=LATENCY_FIGURES, rate=1000, bus="redis", peer=False,
             family="redis_latency", versus="latency_1k", goal_p99_ms=5.0),
    Scenario("latency_1k_2nodes", "Latency at 1,000 events/s on two nodes of one Redis: 50 "
             "subscribers on each, publishing on the first, 10,000 messages of 128 B, open loop",
             100, 10000, figures=LATENCY_FIGURES, rate=1000, bus="redis", nodes=2, peer=False,
             family="redis_latency", versus="latency_1k_redis", goal_p99_ms=5.0),
]
# fanout_a is the memory engine's side of the redis_fanout family.
FAMILY_TITLES = {
    "redis_fanout": "The redis engine: fan-out A (1,000 subscribers, 10,000 x 128 B, window 64)",
    "redis_latency": "The redis engine: latency at 1,000 events/s (100 subscribers, 10,000 x "
                     "128 B, open loop)",
}
FAMILY_MEMBERS = {"redis_fanout": ["fanout_a", "fanout_a_redis", "fanout_a_2nodes"],
                  "redis_latency": ["latency_1k", "latency_1k_redis", "latency_1k_2nodes"]}
# --scenario NAME for a family runs all its members.
GROUPS = {"redis": FAMILY_MEMBERS["redis_fanout"] + FAMILY_MEMBERS["redis_latency"],
          **FAMILY_MEMBERS}

LABELS = {
    "deliveries_per_s": "deliveries/s",
    "deliveries_per_cpu_s": "deliveries per server CPU-s",
    "p50_ms": "latency p50 (ms)",
    "p99_ms": "latency p99 (ms)",
    "max_ms": "latency max (ms)",
    "server_cpu_s": "server CPU (s)",
    "publishes_per_s": "publishes/s",
    "publishes_per_cpu_s": "publishes per server CPU-s",
    "lost": "lost + duplicated",
    "rss_per_connection_bytes": "server RSS per connection (B)",
    "rss_connected_kib": "server RSS, all connected (KiB)",
    "connect_s": "time to connect all (s)",
    "cpu_per_delivery_ms": "server CPU per delivery (ms)",
    "peak_growth_mib": "peak RSS growth (MiB)",
    "peak_growth_payloads": "peak RSS growth ÷ payload (goal < 4)",
    "peak_growth_per_device_kib": "peak RSS growth per device (KiB)",
    "deliveries_per_cpu_s_incl_redis": "deliveries per CPU-s, server + redis-server",
    "redis_cpu_s": "redis-server CPU (s)",
    "send_late_max_ms": "latest paced send (ms late)",
    "p50_ms_other_node": "latency p50, the other node (ms)",
    "p99_ms_other_node": "latency p99, the other node (ms)",
}
# Figures where less is better (the ratio reads the other way).
LOWER_IS_BETTER = {"p50_ms", "p99_ms", "max_ms", "server_cpu_s", "lost",
                   "rss_per_connection_bytes", "rss_connected_kib", "connect_s",
                   "cpu_per_delivery_ms", "peak_growth_mib", "peak_growth_payloads",
                   "peak_growth_per_device_kib", "redis_cpu_s", "send_late_max_ms",
                   "p50_ms_other_node", "p99_ms_other_node"}


def say(*args):
    print("bench:", *args, file=sys.stderr, flush=True)


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def terminate(proc):
    """SIGTERM, then SIGKILL if it has not ended within 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """A server process started for one run, pinned to `cpu`, killed on exit. Its stderr
    goes to `log` (a path) when given, and the end of it into the error when it fails."""

    def __init__(self, argv, ready_pattern, cpu, env=None, log=None):
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + argv
        stderr = open(log, "w") if log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr,
                                         text=True, preexec_fn=raise_open_files, env=env)
        finally:
            if log:
                stderr.close()
        deadline = time.monotonic() + 30
        self.ready = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = re.search(ready_pattern, line)
            if match:
                self.ready = match
                break
        if self.ready is None:
            self.stop()
            why = Path(log).read_text()[-1500:] if log and Path(log).exists() else ""
            raise RuntimeError(f"{argv[-3:]} did not become ready" + (f":\n{why}" if why else ""))

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        terminate(self.proc)


def redis_server_binary():
    path = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(path, os.X_OK):
        raise RuntimeError("redis-server is not installed: scripts/setup --tests installs it "
                           "(Debian's redis-server)")
    return path


class RedisServer:
    """A private redis-server for one run: no persistence (`--save ""`, no AOF), a Unix
    socket in its own temporary folder and no TCP (`--port 0`), pinned to `cpu`."""

    def __init__(self, cpu, workdir):
        self.dir = Path(tempfile.mkdtemp(prefix="redis-", dir=workdir))
        self.socket = self.dir / "redis.sock"
        argv = [redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket),
                "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"),
                "--daemonize", "no"]
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers_ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.dir / "redis.log"
                raise RuntimeError("redis-server did not start: "
                                   + (log.read_text()[-1000:] if log.exists() else "no log"))
            time.sleep(0.02)

    def answers_ping(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect(str(self.socket))
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def pid(self):
        # taskset execs redis-server, so the child is redis-server itself.
        return self.proc.pid

    @property
    def url(self):
        return f"unix://{self.socket}"

    def stop(self):
        terminate(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def bus_config(bus, redis):
    """Switchyard's [bus] table: nothing for the memory engine (its default)."""
    if bus != "redis":
        return ""
    return ("[bus]\nengine = \"redis\"\n"
            f"redis_url = \"{redis.url}\"\n"
            "redis_key_prefix = \"bench\"\n")


def wait_ready(control, timeout=30):
    """Waits for /readyz: a redis node says "ready" on stdout before its engine has
    connected to Redis and caught up."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{control}/readyz", timeout=5) as r:
                if r.status == 200:
                    return
        except Exception as error:  # 503 while the engine connects, or not listening yet
            last = str(error)
        time.sleep(0.05)
    raise RuntimeError(f"switchyard on control port {control} not ready: {last}")


def start_switchyard(build, cpu, workdir, target, kernel_config="", bus="memory", redis=None,
                     name="bench"):
    config = Path(workdir) / f"{name}.toml"
    config.write_text(
        "[kernel]\nworkers = 1\nlog_level = \"warn\"\n"
        f"plugin_dir = \"{build / 'plugins'}\"\n"
        "[control]\nlisten = \"127.0.0.1:0\"\n"
        f"{bus_config(bus, redis)}"
        f"{kernel_config or target.kernel_config}"
        f"[plugins.{target.plugin}]\nenabled = true\n{target.plugin_config}")
    server = Server([str(build / "bin" / "switchyard"), "--config", str(config)],
                    r"switchyard ready control=([\d.]+):(\d+)", cpu,
                    log=Path(workdir) / f"{name}.log")
    control = int(server.ready.group(2))
    try:
        wait_ready(control)
        with urllib.request.urlopen(f"http://127.0.0.1:{control}/api/v1/plugins",
                                    timeout=10) as r:
            plugins = json.load(r)["plugins"]
    except Exception:
        server.stop()
        raise
    plugin = next(p for p in plugins if p["name"] == target.plugin)
    endpoint = next(e for e in plugin["endpoints"] if not target.endpoint
                    or e["name"] == target.endpoint)
    port = endpoint["port"]
    # The groove stream is the kernel's own, on the control port; clijaw's is the plugin's.
    sse_port = control if target.plugin == "groove" else port
    urls = {
        "ws": f"ws://127.0.0.1:{port}{target.ws_path}",
        "sse": f"http://127.0.0.1:{sse_port}{target.sse_path}",
        "publish": f"http://127.0.0.1:{control}/api/v1/publish",
    }
    return server, urls


class Deployment:
    """What one run measures: the Node peer, or one or more Switchyard nodes on one bus
    (and the bus's redis-server). Everything it started stops with stop()."""

    def __init__(self):
        self.servers = []  # the measured processes: Switchyard nodes or the Node peer
        self.redis = None
        self.urls = []     # each server's URLs, in start order

    @classmethod
    def switchyard(cls, build, cpu, workdir, target, kernel_config, bus, nodes):
        deployment = cls()
        try:
            if bus == "redis":
                deployment.redis = RedisServer(cpu, workdir)
            for n in range(nodes):
                server, urls = start_switchyard(build, cpu, workdir, target, kernel_config,
                                                bus, deployment.redis, name=f"node{n}")
                deployment.servers.append(server)
                deployment.urls.append(urls)
        except Exception:
            deployment.stop()
            raise
        return deployment

    @classmethod
    def node(cls, cpu, target):
        deployment = cls()
        server, urls = start_node(cpu, target)
        deployment.servers.append(server)
        deployment.urls.append(urls)
        return deployment

    def stop(self):
        for server in self.servers:
            server.stop()
        if self.redis is not None:
            self.redis.stop()


def start_node(cpu, target):
    peer = ROOT / "bench" / "peers" / target.peer / "server.js"
    server = Server(["node", str(peer), "--port", "0"] + target.peer_args,
                    re.escape(target.peer) + r" ready port=(\d+)", cpu)
    port = int(server.ready.group(1))
    urls = {
        "ws": f"ws://127.0.0.1:{port}{target.ws_path}",
        "sse": f"http://127.0.0.1:{port}{target.peer_sse_path}",
        "publish": f"http://127.0.0.1:{port}/api/v1/publish",
    }
    return server, urls


def run_loadgen(build, scenario, deployment, cpu, scale):
    messages = max(1, scenario.messages // scale) if scenario.messages else 0
    argv = [str(build / "bin" / "loadgen")]
    # Subscriber k goes to node k mod n; everything is published on the first node.
    for urls in deployment.urls:
        argv += ["--subscribe", urls[scenario.transport]]
    argv += ["--subscribers", str(scenario.subscribers),
             "--publish", deployment.urls[0]["publish"],
             "--topic", TARGETS[scenario.target].topic,
             "--messages", str(messages), "--size", str(scenario.size),
             "--label", scenario.name, "--timeout-s", "900"]
    # Open loop (--rate) is paced by the clock alone; otherwise by the window.
    argv += ["--rate", str(scenario.rate)] if scenario.rate else ["--window", str(scenario.window)]
    for server in deployment.servers:
        argv += ["--server-pid", str(server.pid)]
    if deployment.redis is not None:
        argv += ["--redis-pid", str(deployment.redis.pid)]
    argv += TARGETS[scenario.target].loadgen_args
    if scenario.groups:
        argv += ["--groups", str(scenario.groups), "--group-run", str(scenario.group_run)]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu)] + argv
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"loadgen printed no result (exit {done.returncode}):\n"
                           + done.stderr[-2000:])
    result = json.loads(lines[-1])
    result["exit_status"] = done.returncode
    return result


def complete(result, scenario):
    """Whether every subscriber connected: loadgen counts deliveries to those that did, so
    a server refusing some (a listener cap) would otherwise go unnoticed."""
    return result.get("connected", 0) == scenario.subscribers


def scaled(value, factor):
    return None if value is None else value * factor


def figures_of(result):
    server = result.get("server") or {}
    latency = result.get("latency_us") or {}

    # Two nodes: the subscribers of the node not published to (their events came through
    # Redis and that node's follower).
    other = (result.get("latency_us_by_node") or {}).get("1") or {}

    def ms(key, histogram=latency):
        value = histogram.get(key)
        return None if value is None else value / 1000

    return {
        "deliveries_per_s": result.get("deliveries_per_s"),
        "deliveries_per_cpu_s": server.get("deliveries_per_cpu_s"),
        "p50_ms": ms("p50"),
        "p99_ms": ms("p99"),
        "max_ms": ms("max"),
        "server_cpu_s": server.get("cpu_s"),
        "publishes_per_s": result.get("publishes_per_s"),
        "publishes_per_cpu_s": server.get("publishes_per_cpu_s"),
        "lost": (result.get("lost") or 0) + (result.get("duplicated") or 0),
        "rss_per_connection_bytes": server.get("rss_per_connection_bytes"),
        "rss_connected_kib": server.get("rss_connected_kib"),
        "connect_s": result.get("connect_s"),
        "cpu_per_delivery_ms": scaled(server.get("cpu_per_delivery_us"), 1e-3),
        "peak_growth_mib": scaled(server.get("peak_growth_bytes"), 1 / (1 << 20)),
        "peak_growth_payloads": server.get("peak_growth_payloads"),
        "peak_growth_per_device_kib": scaled(server.get("peak_growth_per_subscriber_bytes"),
                                             1 / 1024),
        "deliveries_per_cpu_s_incl_redis": server.get("deliveries_per_cpu_s_incl_redis"),
        "redis_cpu_s": server.get("cpu_s_redis"),
        "send_late_max_ms": scaled(result.get("send_late_max_us"), 1e-3),
        "p50_ms_other_node": ms("p50", other),
        "p99_ms_other_node": ms("p99", other),
    }


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float) and abs(value) < 100:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def ratio(figure, ours, theirs):
    if ours is None or theirs is None or theirs == 0 or ours == 0:
        return "-"
    value = ours / theirs
    better = value < 1 if figure in LOWER_IS_BETTER else value > 1
    return f"{value:.2f}" + (" ✓" if better else "")


def shown_figures(scenario, runs):
    """The scenario's figures, plus redis-server's when a run of it was on the redis bus."""
    figures = list(scenario.figures)
    if any(r.get("bus") == "redis" for r in runs):
        figures += [f for f in ("deliveries_per_cpu_s_incl_redis", "redis_cpu_s")
                    if f not in figures]
    return figures


def median_figure(results, name, figure, server="switchyard"):
    values = [figures_of(r)[figure] for r in results
              if r["label"] == name and r["server_name"] == server]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(results, scenarios):
    out = []
    for scenario in scenarios:
        ran = [r for r in results if r["label"] == scenario.name]
        runs = {s: [figures_of(r) for r in ran if r["server_name"] == s]
                for s in ("switchyard", "node")}
        with_peer = bool(runs["node"])
        out.append(f"\n**{scenario.title}** ({len(runs['switchyard'])}"
                   + (f" + {len(runs['node'])}" if with_peer else "") + " runs"
                   + bus_note(ran) + ")\n")
        if with_peer:
            out.append(f"| figure | Switchyard | {TARGETS[scenario.target].peer_label} | "
                       "Switchyard / Node |")
            out.append("|---|---:|---:|---:|")
        else:
            out.append("| figure | Switchyard |")
            out.append("|---|---:|")
        for figure in shown_figures(scenario, ran):
            medians = {}
            for s, figs in runs.items():
                values = [f[figure] for f in figs if f.get(figure) is not None]
                medians[s] = statistics.median(values) if values else None
            if with_peer:
                out.append(f"| {LABELS[figure]} | {fmt(medians['switchyard'])} | "
                           f"{fmt(medians['node'])} | "
                           f"{ratio(figure, medians['switchyard'], medians['node'])} |")
            else:
                out.append(f"| {LABELS[figure]} | {fmt(medians['switchyard'])} |")
        versus = by_name(scenarios, scenario.versus)
        if versus is not None:
            out.append(versus_line(results, scenario, versus))
    return "\n".join(out)


def bus_note(runs):
    """ ", redis bus, 2 nodes" for the Switchyard runs of a scenario not on one memory node."""
    ours = [r for r in runs if r["server_name"] == "switchyard"]
    if not ours:
        return ""
    bus, nodes = ours[0].get("bus", "memory"), ours[0].get("nodes", 1)
    return ("" if bus == "memory" else f", {bus} bus") + ("" if nodes == 1 else f", {nodes} nodes")


def summary_tables(results, scenarios):
    """One table per family (the redis engine's scenarios read together), its goals."""
    out = []
    chosen = {s.name for s in scenarios}
    for family, members in FAMILY_MEMBERS.items():
        rows = [by_name(SCENARIOS, name) for name in members if name in chosen]
        rows = [r for r in rows if any(x["label"] == r.name and x["server_name"] == "switchyard"
                                        for x in results)]
        if not any(r.family == family for r in rows):
            continue  # fanout_a alone is no comparison
        figures = (REDIS_FIGURES if family == "redis_fanout" else LATENCY_FIGURES)
        figures = [f for f in figures if f not in ("server_cpu_s", "redis_cpu_s")]
        out.append(f"\n**{FAMILY_TITLES[family]}**\n")
        out.append("| scenario | bus | nodes | runs | " + " | ".join(LABELS[f] for f in figures)
                   + " |")
        out.append("|---|---|---:|---:|" + "---:|" * len(figures))
        for scenario in rows:
            ran = [r for r in results if r["label"] == scenario.name
                   and r["server_name"] == "switchyard"]
            cells = [fmt(median_figure(results, scenario.name, f)) for f in figures]
            out.append(f"| `{scenario.name}` | {ran[0].get('bus', 'memory')} | "
                       f"{ran[0].get('nodes', 1)} | {len(ran)} | " + " | ".join(cells) + " |")
        out.append("")
        for scenario in rows:
            out += goal_lines(results, scenario)
    return "\n".join(out)


def goal_lines(results, scenario):
    """The scenario's goals against the medians: met or not (reported, never asserted)."""
    lines = []
    if scenario.goal_ratio:
        ours = median_figure(results, scenario.name, "deliveries_per_cpu_s")
        theirs = median_figure(results, scenario.versus, "deliveries_per_cpu_s")
        incl = median_figure(results, scenario.name, "deliveries_per_cpu_s_incl_redis")
        if ours is None or not theirs:
            lines.append(f"- goal: `{scenario.name}` deliveries per server CPU-s >= "
                         f"{scenario.goal_ratio} x `{scenario.versus}`: not measured (run both)")
        else:
            value = ours / theirs
            lines.append(f"- goal: `{scenario.name}` deliveries per server CPU-s >= "
                         f"{scenario.goal_ratio} x `{scenario.versus}`: {fmt(ours)} / "
                         f"{fmt(theirs)} = **{value:.2f} x**, "
                         + ("met" if value >= scenario.goal_ratio else "NOT met")
                         + (f" (with redis-server's CPU counted: {incl / theirs:.2f} x)"
                            if incl else ""))
    if scenario.goal_p99_ms:
        p99 = median_figure(results, scenario.name, "p99_ms")
        if p99 is None:
            lines.append(f"- goal: `{scenario.name}` p99 < {fmt(scenario.goal_p99_ms)} ms: "
                         "not measured")
        else:
            lines.append(f"- goal: `{scenario.name}` p99 < {fmt(scenario.goal_p99_ms)} ms: "
                         f"**{fmt(p99)} ms**, "
                         + ("met" if p99 < scenario.goal_p99_ms else "NOT met"))
    return lines


def by_name(scenarios, name):
    return next((s for s in scenarios if s.name == name), None) if name else None


def versus_line(results, scenario, other):
    """Switchyard's deliveries per server CPU-second in `scenario` against `other`'s."""
    ours = median_figure(results, scenario.name, "deliveries_per_cpu_s")
    theirs = median_figure(results, other.name, "deliveries_per_cpu_s")
    if ours is None or theirs is None or theirs == 0:
        return f"\n(run {other.name} with it to compare with its figure)"
    return (f"\nSwitchyard deliveries per server CPU-s: {fmt(ours)} here, {fmt(theirs)} in "
            f"{other.name} ({ours / theirs:.2f}x)")


def chosen_scenarios(names):
    """The scenarios named (a family's name stands for its members), in SCENARIOS order."""
    if not names:
        return list(SCENARIOS)
    wanted = set()
    for name in names:
        members = GROUPS.get(name, [name])
        unknown = [m for m in members if by_name(SCENARIOS, m) is None]
        if unknown:
            raise SystemExit(f"bench: unknown scenario {unknown[0]}")
        wanted.update(members)
    return [s for s in SCENARIOS if s.name in wanted]


def run_once(build, scenario, name, bus, workdir, server_cpu, load_cpu, scale):
    """One run of `scenario` against server `name` ("switchyard" on `bus`, or "node"):
    starts the deployment, drives it with loadgen, stops it; loadgen's result, annotated."""
    target = TARGETS[scenario.target]
    deployment = (Deployment.switchyard(build, server_cpu, workdir, target,
                                        scenario.kernel_config, bus, scenario.nodes)
                  if name == "switchyard" else Deployment.node(server_cpu, target))
    try:
        result = run_loadgen(build, scenario, deployment, load_cpu, scale)
    finally:
        deployment.stop()
    result["server_name"] = name
    # The machine may be shared: how busy it was says how far to trust a figure.
    result["loadavg_1m"] = round(os.getloadavg()[0], 2)
    if name == "switchyard":
        result["bus"] = bus
        result["nodes"] = scenario.nodes
    return result


def progress_line(scenario, result):
    """One line per run for stderr: the scenario's figures and what went wrong, if anything."""
    name = result["server_name"]
    nodes = result.get("nodes", 1)
    where = (f" ({result['bus']}, {nodes} node{'s' if nodes > 1 else ''})"
             if name == "switchyard" else "")
    f = figures_of(result)
    status = result["exit_status"]
    return (f"{scenario.name} run {result['run']} {name}{where}: "
            + ", ".join(f"{k}={fmt(f[k])}" for k in shown_figures(scenario, [result]))
            + f", load average {result['loadavg_1m']}"
            + ("" if status == 0 else f" (loadgen exit {status})")
            + ("" if complete(result, scenario) else
               f" (only {result.get('connected')} of {scenario.subscribers} connected)"))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the build tree")
    parser.add_argument("--runs", type=int, default=2, help="runs per server (default 2)")
    parser.add_argument("--scenario", action="append",
                        help="run only these (repeatable): "
                        + ", ".join(s.name for s in SCENARIOS)
                        + "; or a family: " + ", ".join(GROUPS))
    parser.add_argument("--servers", default="switchyard,node",
                        help="comma-separated: switchyard, node (default both)")
    parser.add_argument("--bus", choices=["memory", "redis"], default="memory",
                        help="Switchyard's bus engine where a scenario does not name its own "
                        "(redis: a private redis-server per run; default memory)")
    parser.add_argument("--scale", type=int, default=1,
                        help="divide the message counts by this (a quick look; default 1)")
    parser.add_argument("--out", default=None, help="raw results, one JSON line per run")
    args = parser.parse_args()

    build = Path(args.build).resolve()
    chosen = chosen_scenarios(args.scenario)
    servers = args.servers.split(",")
    cpus = os.sched_getaffinity(0)
    server_cpu, load_cpu = (sorted(cpus)[0], sorted(cpus)[1]) if len(cpus) >= 2 else (None, None)
    if server_cpu is None:
        say("one CPU only: server and load generator share it (figures are not comparable)")
    raise_open_files()
    out = Path(args.out) if args.out else build / "bench-results" / time.strftime("%Y%m%d-%H%M%S.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)

    results = []
    with tempfile.TemporaryDirectory() as workdir, out.open("w") as raw:
        # Run-major: run 1 of every scenario, then run 2, ...; within a scenario the servers
        # alternate. Scenarios read against each other (memory and redis) thereby alternate
        # too, so that drift on the machine hits them alike.
        for run in range(args.runs):
            for scenario in chosen:
                for name in servers:
                    target = TARGETS[scenario.target]
                    if name == "node" and not (target.peer and scenario.peer):
                        continue
                    bus = scenario.bus or args.bus
                    result = run_once(build, scenario, name, bus, workdir, server_cpu, load_cpu,
                                      args.scale)
                    result["run"] = run + 1
                    results.append(result)
                    raw.write(json.dumps(result) + "\n")
                    raw.flush()
                    say(progress_line(scenario, result))

    print(table(results, chosen))
    summary = summary_tables(results, chosen)
    if summary:
        print(summary)
    say(f"raw results: {out}")
    by_label = {s.name: s for s in chosen}
    failed = [r for r in results
              if r["exit_status"] != 0 or not complete(r, by_label[r["label"]])]
    if failed:
        say(f"{len(failed)} run(s) lost or duplicated messages, failed to publish, "
            "or did not connect every subscriber")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
