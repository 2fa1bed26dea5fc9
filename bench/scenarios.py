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
"""

import argparse
import json
import os
import re
import resource
import signal
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
}
# Figures where less is better (the ratio reads the other way).
LOWER_IS_BETTER = {"p50_ms", "p99_ms", "max_ms", "server_cpu_s", "lost",
                   "rss_per_connection_bytes", "rss_connected_kib", "connect_s",
                   "cpu_per_delivery_ms", "peak_growth_mib", "peak_growth_payloads",
                   "peak_growth_per_device_kib"}


def say(*args):
    print("bench:", *args, file=sys.stderr, flush=True)


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Server:
    """A server process started for one run, pinned to `cpu`, killed on exit."""

    def __init__(self, argv, ready_pattern, cpu, env=None):
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, preexec_fn=raise_open_files, env=env)
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
            raise RuntimeError(f"{argv[-3:]} did not become ready")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_switchyard(build, cpu, workdir, target, kernel_config=""):
    config = Path(workdir) / "bench.toml"
    config.write_text(
        "[kernel]\nworkers = 1\nlog_level = \"warn\"\n"
        f"plugin_dir = \"{build / 'plugins'}\"\n"
        "[control]\nlisten = \"127.0.0.1:0\"\n"
        f"{kernel_config or target.kernel_config}"
        f"[plugins.{target.plugin}]\nenabled = true\n{target.plugin_config}")
    server = Server([str(build / "bin" / "switchyard"), "--config", str(config)],
                    r"switchyard ready control=([\d.]+):(\d+)", cpu)
    control = int(server.ready.group(2))
    with urllib.request.urlopen(f"http://127.0.0.1:{control}/api/v1/plugins", timeout=10) as r:
        plugins = json.load(r)["plugins"]
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


def run_loadgen(build, scenario, urls, server_pid, cpu, scale):
    messages = max(1, scenario.messages // scale) if scenario.messages else 0
    argv = [str(build / "bin" / "loadgen"),
            "--subscribe", urls[scenario.transport],
            "--subscribers", str(scenario.subscribers),
            "--publish", urls["publish"],
            "--topic", TARGETS[scenario.target].topic,
            "--messages", str(messages), "--size", str(scenario.size),
            "--window", str(scenario.window),
            "--server-pid", str(server_pid), "--label", scenario.name,
            "--timeout-s", "900"] + TARGETS[scenario.target].loadgen_args
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

    def ms(key):
        value = latency.get(key)
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


def table(results, scenarios):
    out = []
    for scenario in scenarios:
        runs = {s: [figures_of(r) for r in results if r["label"] == scenario.name
                    and r["server_name"] == s] for s in ("switchyard", "node")}
        out.append(f"\n**{scenario.title}** ({len(runs['switchyard'])} + {len(runs['node'])} runs)\n")
        out.append(f"| figure | Switchyard | {TARGETS[scenario.target].peer_label} | "
                   "Switchyard / Node |")
        out.append("|---|---:|---:|---:|")
        for figure in scenario.figures:
            medians = {}
            for s, figs in runs.items():
                values = [f[figure] for f in figs if f.get(figure) is not None]
                medians[s] = statistics.median(values) if values else None
            out.append(f"| {LABELS[figure]} | {fmt(medians['switchyard'])} | "
                       f"{fmt(medians['node'])} | "
                       f"{ratio(figure, medians['switchyard'], medians['node'])} |")
        versus = by_name(scenarios, scenario.versus)
        if versus is not None:
            out.append(versus_line(results, scenario, versus))
    return "\n".join(out)


def by_name(scenarios, name):
    return next((s for s in scenarios if s.name == name), None) if name else None


def versus_line(results, scenario, other):
    """Switchyard's deliveries per server CPU-second in `scenario` against `other`'s."""
    def median_of(s):
        values = [figures_of(r)["deliveries_per_cpu_s"] for r in results
                  if r["label"] == s.name and r["server_name"] == "switchyard"]
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None
    ours, theirs = median_of(scenario), median_of(other)
    if ours is None or theirs is None or theirs == 0:
        return f"\n(run {other.name} with it to compare with its figure)"
    return (f"\nSwitchyard deliveries per server CPU-s: {fmt(ours)} here, {fmt(theirs)} in "
            f"{other.name} ({ours / theirs:.2f}x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the build tree")
    parser.add_argument("--runs", type=int, default=2, help="runs per server (default 2)")
    parser.add_argument("--scenario", action="append",
                        help="run only these (repeatable): " + ", ".join(s.name for s in SCENARIOS))
    parser.add_argument("--servers", default="switchyard,node",
                        help="comma-separated: switchyard, node (default both)")
    parser.add_argument("--scale", type=int, default=1,
                        help="divide the message counts by this (a quick look; default 1)")
    parser.add_argument("--out", default=None, help="raw results, one JSON line per run")
    args = parser.parse_args()

    build = Path(args.build).resolve()
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
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
        for scenario in chosen:
            for run in range(args.runs):
                for name in servers:
                    target = TARGETS[scenario.target]
                    if name == "node" and not target.peer:
                        continue
                    server, urls = (start_switchyard(build, server_cpu, workdir, target,
                                                     scenario.kernel_config)
                                    if name == "switchyard" else start_node(server_cpu, target))
                    try:
                        result = run_loadgen(build, scenario, urls, server.pid, load_cpu, args.scale)
                    finally:
                        server.stop()
                    result["server_name"] = name
                    result["run"] = run + 1
                    results.append(result)
                    raw.write(json.dumps(result) + "\n")
                    raw.flush()
                    f = figures_of(result)
                    say(f"{scenario.name} run {run + 1} {name}: "
                        + ", ".join(f"{k}={fmt(f[k])}" for k in scenario.figures)
                        + ("" if result["exit_status"] == 0 else f" (loadgen exit {result['exit_status']})")
                        + ("" if complete(result, scenario) else
                           f" (only {result.get('connected')} of {scenario.subscribers} connected)"))

    print(table(results, chosen))
    say(f"raw results: {out}")
    by_name = {s.name: s for s in chosen}
    failed = [r for r in results
              if r["exit_status"] != 0 or not complete(r, by_name[r["label"]])]
    if failed:
        say(f"{len(failed)} run(s) lost or duplicated messages, failed to publish, "
            "or did not connect every subscriber")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
