"""What one filing costs the platform: the six services started as `make run` does (each its own process, on a
vhost, databases and index prefix of this run's own), a closed loop of filings through the gateway (10 at a
time, bench/filing.py), then per filing: store operations per service and command (the
`sorasori_store_operations_total` counter each process serves on /metrics), events published and consumed, and
optionally a py-spy profile of every service process while the loop runs.

    .venv/bin/python -m scripts.filing_profile [--filings 400] [--profile DIR]

With --profile, DIR gets one collapsed-stack file per service and the top entries are printed.
"""
import argparse
import collections
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests

from bench.__main__ import BENCH_OFFICES, BenchBroker  # monkey-patches eventlet first
from bench.capacity import run_config
from bench.filing import CONCURRENCY, measure_filings
from bench.measure import drop_run_databases, free_port, progress, wait_until_healthy
from bench.procstat import cpu_ms, pid_listening_on
from services.launcher import ServiceProcess
from services.registry import SERVICES
from shared.config import load_config
from shared.elastic import drop_indices
from shared.mongo import connect
from synthetic import staff

PY_SPY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"
COUNTED = ("sorasori_store_operations_total", "sorasori_events_published_total", "sorasori_event_handled_total",
           "sorasori_search_case_versions_total")


def scrape(port):
    """{(metric, labels...): value} of the counters this script reads, from one process's /metrics."""
    values = collections.Counter()
    for line in requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text.splitlines():
        if not line.startswith(COUNTED) or line.startswith("#"):
            continue
        name_labels, value = line.rsplit(" ", 1)
        name, _, labels = name_labels.partition("{")
        if name.endswith("_created"):
            continue
        values[(name.removesuffix("_total"), labels.rstrip("}"))] += float(value)
    return values


def label_values(labels):
    """'collection="due",command="update"' -> {"collection": "due", "command": "update"}."""
    return {name: value.strip('"') for name, value in (part.split("=", 1) for part in labels.split(","))}


def command_and_collection(labels):
    """'collection="due",command="update",service="x"' -> 'update due'."""
    found = label_values(labels)
    return f"{found['command']} {found.get('collection', '')}".strip()


def scrape_all(ports):
    return {name: scrape(port) for name, port in ports.items()}


def difference(after, before):
    return {name: collections.Counter({key: after[name][key] - before[name].get(key, 0)
                                      for key in after[name] if after[name][key] - before[name].get(key, 0)})
            for name in after}


def settled(ports, quiet_seconds=3, timeout=120):
    """Counters once no event was published or handled for `quiet_seconds` (consumers and relays finished;
    the services' timers keep touching the store, so their few operations are counted with the filings)."""
    last, quiet_since, deadline = None, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = scrape_all(ports)
        ops = {n: sum(v for k, v in c.items() if k[0] != "sorasori_store_operations") for n, c in now.items()}
        if ops != last:
            last, quiet_since = ops, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return now
        time.sleep(0.5)
    return now


def top_entries(collapsed, count=12):
    """(self samples, inclusive samples) top functions of a py-spy raw (collapsed) profile."""
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames, samples = stack.split(";"), int(samples)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    return total, own.most_common(count), inclusive.most_common(count * 3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--filings", type=int, default=400)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    config = run_config(load_config(), run)
    broker = BenchBroker(config, run)
    config["AMQP_URI"] = broker.admin_uri
    config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{free_port()}"
    base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
    ports = {name: free_port() for name in SERVICES}
    directory = Path(tempfile.mkdtemp(prefix="sorasori-profile-"))
    processes = [ServiceProcess(name, dict(config, AMQP_URI=broker.service_uri(name), METRICS_PORT=ports[name]),
                                directory) for name in SERVICES]
    client = connect(config["MONGO_URI"])
    try:
        for process in processes:
            process.start()
        wait_until_healthy(base_url)
        staff.seed(config, BENCH_OFFICES, iter(range(7000000001, 7000099999)))
        measure_filings(base_url, config["AMQP_URI"], 50, 10 ** 8)  # warm-up
        before = settled(ports)
        spies = []
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for process in processes:
                spies.append(subprocess.Popen(
                    [str(PY_SPY), "record", "--nonblocking", "--format", "raw", "--rate", "50", "-o",
                     str(args.profile / f"{process.name}.txt"), "--pid", str(process.process.pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1)
        progress(f"filing {args.filings} grievances, {CONCURRENCY} at a time")
        pids = {p.name: p.process.pid for p in processes}
        store_pid = pid_listening_on(urlparse(config["MONGO_URI"]).port or 27017)
        if store_pid is not None:
            pids["store"] = store_pid  # FerretDB (or whatever serves MONGO_URI here): shared with anything else on it
        cpu_before = {name: cpu_ms(pid) for name, pid in pids.items()}
        filed = measure_filings(base_url, config["AMQP_URI"], args.filings, 0)
        for spy in spies:
            spy.send_signal(2)
        for spy in spies:
            spy.wait(timeout=60)
        after = settled(ports)
        cpu = {name: cpu_ms(pid) - cpu_before[name] for name, pid in pids.items()}
        cost = difference(after, before)
        print(f"\nfiled {filed['accepted']} ({filed['failures']} failed), {filed['rate']:.1f}/s, "
              f"{filed['p50']:.0f} ms p50, {filed['p99']:.0f} ms p99; 201 -> routed {filed['routed_p50']:.0f} ms p50, "
              f"{filed['routed_p99']:.0f} ms p99 ({filed['routed']} seen)")
        n = filed["accepted"]
        total = 0.0
        for name in SERVICES:
            ops = {k[1]: v for k, v in cost[name].items() if k[0] == "sorasori_store_operations"}
            per = sum(ops.values()) / n
            total += per
            detail = ", ".join(f"{command_and_collection(label)} {v / n:.2f}"
                               for label, v in sorted(ops.items(), key=lambda kv: -kv[1]))
            print(f"store ops/filing  {name:13s} {per:6.2f}   {detail}")
        print(f"store ops/filing  {'ALL':13s} {total:6.2f}")
        print("CPU ms/filing     " + ", ".join(f"{name} {cpu[name] / n:.1f}" for name in SERVICES)
              + f"; all six {sum(cpu[name] for name in SERVICES) / n:.1f}"
              + (f"; the store {cpu['store'] / n:.1f}" if "store" in cpu else "")
              + " (until every consumer settled)")
        for metric, title in (("sorasori_events_published", "published"), ("sorasori_event_handled", "handled")):
            for name in SERVICES:
                rows = {k[1]: v for k, v in cost[name].items() if k[0] == metric}
                if rows:
                    print(f"events {title:9s} {name:13s} {sum(rows.values()) / n:5.2f}   "
                          + ", ".join(f"{label} {v / n:.2f}" for label, v in sorted(rows.items())))
        versions = {label_values(k[1])["outcome"]: v / n for k, v in cost["search"].items()
                    if k[0] == "sorasori_search_case_versions"}
        print("case versions/filing  search       " + ", ".join(f"{o} {v:.2f}" for o, v in sorted(versions.items())))
        if args.profile:
            for process in processes:
                path = args.profile / f"{process.name}.txt"
                if not path.exists():
                    continue
                total_samples, own, inclusive = top_entries(path)
                print(f"\n== {process.name}: {total_samples} samples; top self")
                for frame, samples in own:
                    print(f"  {samples / total_samples:6.1%}  {frame}")
                print(f"== {process.name}: top inclusive (project and library frames)")
                shown = 0
                for frame, samples in inclusive:
                    if "site-packages/eventlet" in frame or "<module>" in frame or "run (" in frame:
                        continue
                    print(f"  {samples / total_samples:6.1%}  {frame}")
                    shown += 1
                    if shown == 15:
                        break
    finally:
        for process in processes:
            process.stop()
        drop_run_databases(client, run)
        drop_indices(config)
        broker.remove()
        print(f"logs: {directory}")


if __name__ == "__main__":
    main()
