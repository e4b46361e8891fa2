"""The rate limiter's cost: a case lookup through a gateway with its limits on next to one with them off
(same intake, same store, requests alternating in rounds), and the raw store operation each check makes.

`python -m bench limiter` runs only this section. It starts intake and the two gateways as their own
processes on a RabbitMQ vhost of its own (a benchmark on `/` would answer a running platform's RPCs),
removed afterwards with its databases."""
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests
from pymongo import ReturnDocument

from bench.measure import drop_run_databases, free_port, latencies_ms, percentile, progress
from services.gateway.auth import make_dev_token
from services.gateway.limits import SETTINGS
from services.launcher import ServiceProcess
from shared import broker_access
from shared.mongo import connect

REQUESTS = int(os.environ.get("BENCH_LIMITER_REQUESTS", "200"))
ROUNDS = 5
MOBILE = "9830012345"
CITIZEN = {"sub": f"citizen-{MOBILE}", "role": "citizen", "mobile": MOBILE}


class Vhost:
    """A RabbitMQ vhost for the section, through the management API."""

    def __init__(self, api, name):
        self.api, self.name = api.rstrip("/"), name

    def __enter__(self):
        requests.put(f"{self.api}/api/vhosts/{self.name}", timeout=10).raise_for_status()
        requests.put(f"{self.api}/api/permissions/{self.name}/guest", timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        # and the public stream's next to it, where a notification process started here relays to
        broker_access.create_public_stream(broker_access.ManagementApi(self.api), broker_access.public_vhost_of(self.name))
        return self

    def __exit__(self, *exc):
        requests.delete(f"{self.api}/api/vhosts/{self.name}", timeout=10)
        requests.delete(f"{self.api}/api/vhosts/{broker_access.public_vhost_of(self.name)}", timeout=10)


def _wait_for(url, headers, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, headers=headers, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"[bench] {url} did not answer in {timeout}s")


def _amqp_uri(base, vhost):
    return broker_access.with_vhost(base, vhost)  # the configured URI names a vhost already (`/sorasori`)


def measure_limiter(config):
    """Rows for the table: (name, result, ratio)."""
    run = uuid.uuid4().hex[:8]
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    with Vhost(api, f"bench-limiter-{run}") as vhost:
        base = dict(config, AMQP_URI=_amqp_uri(config["AMQP_URI"], vhost.name), MONGO_DB_PREFIX=f"bench_{run}_")
        # limits on, set high enough that the bench's own requests are all admitted: what is measured is
        # the cost of counting them (two counters a lookup: per address and per principal)
        limited = dict(base, **{name: "1000000000/60" for name in SETTINGS})
        unlimited = dict(base, **{name: "off" for name in SETTINGS})
        ports = {"on": free_port(), "off": free_port()}
        directory = Path(tempfile.mkdtemp(prefix="sorasori-bench-limiter-"))
        processes = [ServiceProcess("intake", base, directory / "intake"),
                     ServiceProcess("gateway", dict(limited, WEB_SERVER_ADDRESS=f"127.0.0.1:{ports['on']}"),
                                    directory / "on"),
                     ServiceProcess("gateway", dict(unlimited, WEB_SERVER_ADDRESS=f"127.0.0.1:{ports['off']}"),
                                    directory / "off")]
        client = connect(config["MONGO_URI"])
        try:
            for process in processes:
                process.start()
            headers = {"Authorization": f"Bearer {make_dev_token(CITIZEN)}"}
            urls = {mode: f"http://127.0.0.1:{port}" for mode, port in ports.items()}
            for url in urls.values():
                _wait_for(f"{url}/api/v1/grievances/WB-2026-00000000", headers)
            progress("limiter: filing one case, then looking it up through both gateways")
            filed = requests.post(f"{urls['off']}/api/v1/grievances", headers=headers, timeout=30, json={
                "kind": "complaint", "subject": "No drinking water in ward 7", "category": "drinking_water",
                "description": "The tube well has been broken for two weeks.", "place": {"district": "Nadia"},
                "complainant": {"name": "Bench Citizen", "mobile": MOBILE}, "channel": "mobile"})
            filed.raise_for_status()
            case_path = f"/api/v1/grievances/{filed.json()['tracking_id']}"
            session = requests.Session()

            def lookup(mode):
                response = session.get(urls[mode] + case_path, headers=headers, timeout=10)
                assert response.status_code == 200, response.text
            samples = {"on": [], "off": [], "raw": []}
            counters = client[f"bench_{run}_raw"]["rate_windows"]
            expires = datetime.now(UTC)

            def raw_check(i):
                counters.find_one_and_update({"_id": f"bench:{i % 2}"}, {"$inc": {"n": 1},
                                             "$setOnInsert": {"expires_at": expires}},
                                             upsert=True, return_document=ReturnDocument.AFTER)
            for mode in ("off", "on"):
                latencies_ms(lambda i, mode=mode: lookup(mode), 30)  # warm-up
            for round_ in range(ROUNDS):
                progress(f"limiter: round {round_ + 1}/{ROUNDS}, {REQUESTS} lookups each way")
                for mode in (("off", "on") if round_ % 2 == 0 else ("on", "off")):
                    samples[mode].extend(latencies_ms(lambda i, mode=mode: lookup(mode), REQUESTS))
                samples["raw"].extend(latencies_ms(raw_check, REQUESTS))
        finally:
            for process in processes:
                process.stop()
            drop_run_databases(client, run)
    raw, off, on = (statistics.median(samples[mode]) for mode in ("raw", "off", "on"))
    return [
        ("find_one_and_update $inc upsert (raw: one limiter check)",
         f"{raw:.2f} ms p50, {percentile(samples['raw'], 99):.2f} ms p99", "1.00"),
        (f"GET /api/v1/grievances/{{id}}, limiter off ({ROUNDS * REQUESTS})",
         f"{off:.2f} ms p50, {percentile(samples['off'], 99):.2f} ms p99", "1.00"),
        ("  the same, limiter on (2 counters a request: address, principal)",
         f"{on:.2f} ms p50, {percentile(samples['on'], 99):.2f} ms p99", f"{on / off:.2f}"),
        ("  the limiter's cost per request", f"{on - off:.2f} ms p50", f"{(on - off) / raw:.1f} raw checks"),
    ]
