"""Driving a path: open loop (each request at its scheduled time, answered or not, latency from that time)
and closed loop (back to back, the most it answers)."""
import time

import eventlet
import requests
from requests.adapters import HTTPAdapter

from bench import openloop
from shared.progress import Progress

POOL = 5000  # green threads: never the throttle of an open loop


def http_session():
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=POOL, pool_block=False))
    return session


def open_loop(per_second, seconds, send, label):
    """Send at the schedule's times from a green pool; each result is (n, latency ms from the scheduled
    time, wall time of the answer, ok, what send returned)."""
    offsets = openloop.schedule(per_second, seconds)
    pool, results = eventlet.GreenPool(POOL), []

    def one(n, due):
        try:
            ok, payload = send(n)
        except requests.RequestException as error:
            ok, payload = False, repr(error)
        results.append((n, (time.perf_counter() - due) * 1000, time.time(), ok, payload))

    bar = Progress(f"[bench]   {label}", len(offsets), unit="requests")
    started = time.perf_counter() + 0.05
    for n, offset in enumerate(offsets):
        delay = started + offset - time.perf_counter()
        if delay > 0:
            eventlet.sleep(delay)
        pool.spawn_n(one, n, started + offset)
        bar.advance()
    pool.waitall()
    bar.finish()
    elapsed = max(time.perf_counter() - started, 1e-9)  # from the first send to the last answer
    return results, elapsed


def closed_loop(seconds, concurrency, send):
    """Requests back to back from `concurrency` green threads for `seconds`: the most the path answers."""
    latencies, failures = [], [0]
    deadline = time.perf_counter() + seconds

    def worker(w):
        n = w
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok, _ = send(n)
            latencies.append((time.perf_counter() - started) * 1000)
            failures[0] += not ok
            n += concurrency

    started = time.perf_counter()
    pool = eventlet.GreenPool(concurrency)
    for w in range(concurrency):
        pool.spawn_n(worker, w)
    pool.waitall()
    return {"rate": (len(latencies) - failures[0]) / (time.perf_counter() - started), "failures": failures[0],
            **openloop.summary(latencies)}
