"""Filings through the gateway: rate, latency, and how long until the case is routed."""
import time

import eventlet
import requests

from bench.measure import percentile, progress, wait_while_moving
from bench.watchers import RoutedTimes
from services.gateway.auth import make_dev_token

CONCURRENCY = 10


def grievance(n):
    mobile = f"9{n:09d}"
    body = {"kind": "complaint", "subject": f"No drinking water in ward {n % 40}",
            "description": "The tube well has been broken for two weeks; families walk far for water.",
            "category": "drinking_water", "place": {"district": "Nadia", "ward": str(n % 40)},
            "complainant": {"name": "Bench Citizen", "mobile": mobile}, "channel": "mobile"}
    token = make_dev_token({"sub": f"citizen-{mobile}", "role": "citizen", "mobile": mobile})
    return body, {"Authorization": f"Bearer {token}"}


def measure_filings(base_url, amqp_uri, count, offset):
    watcher = RoutedTimes(amqp_uri, when=lambda event: time.perf_counter(), poll=0.005)  # arrival, as `done`
    accepted, latencies, failures = {}, [], [0]
    session = requests.Session()

    def file_one(n):
        body, headers = grievance(offset + n)
        started = time.perf_counter()
        response = session.post(f"{base_url}/api/v1/grievances", json=body, headers=headers, timeout=30)
        done = time.perf_counter()
        if response.status_code != 201:
            failures[0] += 1
            return
        latencies.append((done - started) * 1000)
        accepted[response.json()["tracking_id"]] = done

    pool = eventlet.GreenPool(CONCURRENCY)
    started = time.perf_counter()
    for n in range(count):
        pool.spawn_n(file_one, n)
        if n and n % 100 == 0:
            progress(f"  {n}/{count} filings sent")
    pool.waitall()
    elapsed = time.perf_counter() - started
    wait_while_moving(lambda: len(set(accepted) & set(watcher.at)), len(accepted), "filings routed")
    watcher.close()
    to_routed = [(watcher.at[t] - accepted[t]) * 1000 for t in accepted if t in watcher.at]
    return {
        "rate": len(accepted) / elapsed, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
        "routed_p50": percentile(to_routed, 50) if to_routed else float("nan"),
        "routed_p99": percentile(to_routed, 99) if to_routed else float("nan"),
        "routed": len(to_routed), "accepted": len(accepted), "failures": failures[0],
    }
