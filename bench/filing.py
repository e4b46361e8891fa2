"""Filings through the gateway: rate, latency, and how long until the case is routed."""
import time
import uuid

import eventlet
import requests
from kombu import Connection, Exchange, Queue

from bench.measure import percentile, progress, wait_while_moving
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


class RoutedWatcher:
    """Records when each case's `routed` status change reaches the bus."""

    def __init__(self, amqp_uri):
        self.routed_at = {}
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        exchange = Exchange("intake.events", type="topic", durable=True)(channel)
        exchange.declare()
        self.queue = Queue(f"bench-routed-{uuid.uuid4().hex[:8]}", exchange=exchange,
                           routing_key="grievance.status_changed", exclusive=True)(channel)
        self.queue.declare()
        self.running = True
        self.thread = eventlet.spawn(self._drain)

    def _drain(self):
        while self.running:
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                eventlet.sleep(0.005)
                continue
            event = message.payload
            if event["data"].get("to") == "routed":
                self.routed_at.setdefault(event["subject"], time.perf_counter())

    def close(self):
        self.running = False
        self.thread.wait()
        self.connection.release()


def measure_filings(base_url, amqp_uri, count, offset):
    watcher = RoutedWatcher(amqp_uri)
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
    wait_while_moving(lambda: len(set(accepted) & set(watcher.routed_at)), len(accepted), "filings routed")
    watcher.close()
    to_routed = [(watcher.routed_at[t] - accepted[t]) * 1000 for t in accepted if t in watcher.routed_at]
    return {
        "rate": len(accepted) / elapsed, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
        "routed_p50": percentile(to_routed, 50) if to_routed else float("nan"),
        "routed_p99": percentile(to_routed, 99) if to_routed else float("nan"),
        "routed": len(to_routed), "accepted": len(accepted), "failures": failures[0],
    }
