#!/usr/bin/env python3
"""Markdown tables from json_benchmark's results (docs/json-for-plugins.md).

    build/bin/micro_benchmarks --benchmark_filter='^json_' --benchmark_repetitions=3 \
        --benchmark_report_aggregates_only=true --benchmark_out=json.json \
        --benchmark_out_format=json
    python3 bench/micro/json_table.py json.json

Each cell: the median CPU time per message (ns or µs) and the throughput in MB/s of the
message's (or the serialized reply's) bytes.
"""
import json
import sys
from collections import OrderedDict


def cell(b):
    # CPU time: on a machine shared with other builds, wall time also counts preemption.
    ns = b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
    t = f"{ns:,.0f} ns" if ns < 10_000 else f"{ns / 1000:,.0f} µs"
    mbs = b.get("bytes_per_second", 0) / 1e6  # Google Benchmark divides by CPU time
    return f"{t} ({mbs:,.0f} MB/s)"


def main():
    data = json.load(open(sys.argv[1]))
    tables = OrderedDict()
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            continue
        kind, library, subject = (b["run_name"].split("/") + [""])[:3]
        if kind == "json_splice_dex":
            subject, library = "jetstart_dex_1MiB", library
        tables.setdefault(kind, OrderedDict()).setdefault(subject, OrderedDict())[library] = cell(b)
    for kind, rows in tables.items():
        libraries = list(OrderedDict.fromkeys(l for r in rows.values() for l in r))
        print(f"### {kind} (median of 3 repetitions)\n")
        print("| message | " + " | ".join(libraries) + " |")
        print("|---|" + "---:|" * len(libraries))
        for subject, row in rows.items():
            print(f"| {subject} | " + " | ".join(row.get(l, "—") for l in libraries) + " |")
        print()


main()
