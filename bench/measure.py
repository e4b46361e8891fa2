"""Timing helpers for the benchmarks: rates, latency samples, percentiles, progress on stderr."""
import os
import socket
import statistics
import sys
import time

import eventlet
import requests

ROUNDS = 5
STALL_SECONDS = 15  # BENCH_STALL_SECONDS: how long nothing may move before a wait gives up


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rate(operation, count):
    """Operations per second for `count` sequential calls of operation(i)."""
    started = time.perf_counter()
    for i in range(count):
        operation(i)
    return count / (time.perf_counter() - started)


def latencies_ms(operation, count):
    samples = []
    for i in range(count):
        started = time.perf_counter()
        operation(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median_of_rounds(measure, rounds=ROUNDS):
    return statistics.median(measure() for _ in range(rounds))


def percentile(samples, pct):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def print_table(rows, ratio_header="ratio to raw"):
    width = max(len(r[0]) for r in rows)
    result_width = max(len(r[1]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'result'.rjust(result_width)}  {ratio_header}")
    for name, result, ratio in rows:
        print(f"{name.ljust(width)}  {result.rjust(result_width)}  {ratio:>12}")


def drop_run_databases(client, run):
    """Drop the databases of this bench run (`bench_<run>_<service>`) and close the client."""
    for name in client.list_database_names():
        if name.startswith(f"bench_{run}_"):
            client.drop_database(name)
    client.close()


def wait_until_healthy(base_url, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        eventlet.sleep(0.5)
    raise SystemExit(f"[bench] the services did not become healthy in {timeout}s")


def wait_while_moving(count, total, what, stall_seconds=None, poll=0.05, every=2.0):
    """Wait until count() reaches total, giving up only when it has not moved for `stall_seconds`
    (BENCH_STALL_SECONDS, default 15; never a fixed overall limit: under load the work is slow, not stuck),
    with a progress line every few seconds. The last count."""
    stall_seconds = float(os.environ.get("BENCH_STALL_SECONDS", STALL_SECONDS)) if stall_seconds is None else stall_seconds
    started = last_move = shown = time.monotonic()
    last = count()
    while last < total:
        eventlet.sleep(poll)
        now, current = time.monotonic(), count()
        if current != last:
            last, last_move = current, now
        if now - shown >= every:
            shown = now
            progress(f"  {what}: {current:,}/{total:,} ({now - started:.0f}s)")
        if now - last_move >= stall_seconds:
            progress(f"  {what}: stopped waiting at {current:,}/{total:,}, nothing moved for {stall_seconds:g}s")
            break
    return last
