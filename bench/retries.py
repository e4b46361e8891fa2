"""What safe retries and conditional writes cost: filing without headers, with a fresh `Idempotency-Key`
and with a replayed one, and a case action without and with `If-Match` (and with a key), through one
gateway in the same run, requests alternating in rounds; beside them the raw store operation a key claim
makes (one unique insert).

`python -m bench idempotency` (`make bench SECTION=idempotency`) runs only this section. Intake and the
gateway run as their own processes on a RabbitMQ vhost of the section's own, removed afterwards with its
databases; the gateway's rate limits are off so that only the headers' cost is measured."""
import os
import statistics
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.limiter import Vhost, _amqp_uri, _wait_for
from bench.measure import drop_run_databases, free_port, latencies_ms, percentile, progress
from services.gateway.auth import make_dev_token
from services.gateway.limits import SETTINGS
from services.launcher import ServiceProcess
from shared.mongo import connect

REQUESTS = int(os.environ.get("BENCH_RETRY_REQUESTS", "60"))
ROUNDS = 5
CELL = {"sub": "bench-cmo-cell", "role": "cmo_cell"}
FILING, KEYED, REPLAYED = "filing", "filing + Idempotency-Key", "filing, key replayed"
ACTION, IF_MATCH, BOTH = "action", "action + If-Match", "action + If-Match + Idempotency-Key"


def _grievance(n):
    mobile = f"7{n:09d}"
    body = {"kind": "complaint", "subject": f"No drinking water in ward {n}", "category": "drinking_water",
            "description": f"The tube well of ward {n} has been broken for two weeks.",
            "place": {"district": "Nadia"}, "complainant": {"name": "Bench Citizen", "mobile": mobile},
            "channel": "mobile"}
    token = make_dev_token({"sub": f"citizen-{mobile}", "role": "citizen", "mobile": mobile})
    return body, {"Authorization": f"Bearer {token}"}


class Client:
    """Sequential requests to one gateway; every filing a new citizen (no repeat or monthly limit in play)."""

    def __init__(self, url):
        self.url, self.session, self.n = url, requests.Session(), 0
        self.cell = {"Authorization": f"Bearer {make_dev_token(CELL)}"}
        self.replayable = []  # (body, headers) of keyed filings, to send again
        self.case_path, self.etag = None, None

    def _post(self, path, body, headers, expect):
        response = self.session.post(self.url + path, json=body, headers=headers, timeout=30)
        assert response.status_code == expect, f"{response.status_code}: {response.text}"
        return response

    def file(self, keyed=False):
        self.n += 1
        body, headers = _grievance(self.n)
        if keyed:
            headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
            self.replayable.append((body, headers))
        return self._post("/api/v1/grievances", body, headers, 201)

    def replay(self, i):
        body, headers = self.replayable[i % len(self.replayable)]
        assert self._post("/api/v1/grievances", body, headers, 201).headers["Idempotent-Replayed"] == "true"

    def new_case(self):
        self.case_path = self.file().headers["Location"]
        self.etag = self.session.get(self.url + self.case_path, headers=self.cell, timeout=10).headers["ETag"]

    def act(self, if_match=False, keyed=False):
        headers = dict(self.cell)
        if if_match:
            headers["If-Match"] = self.etag
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        response = self._post(self.case_path + "/actions", {"action": "add_note", "text": "Called the BDO"},
                              headers, 200)
        self.etag = response.headers["ETag"]


def measure_retries(config):
    """Rows for the table: (name, result, ratio)."""
    run = uuid.uuid4().hex[:8]
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    with Vhost(api, f"bench-retries-{run}") as vhost:
        base = dict(config, AMQP_URI=_amqp_uri(config["AMQP_URI"], vhost.name), MONGO_DB_PREFIX=f"bench_{run}_",
                    **{name: "off" for name in SETTINGS})
        port = free_port()
        directory = Path(tempfile.mkdtemp(prefix="sorasori-bench-retries-"))
        processes = [ServiceProcess("intake", base, directory / "intake"),
                     ServiceProcess("gateway", dict(base, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"),
                                    directory / "gateway")]
        client = connect(config["MONGO_URI"])
        samples = {name: [] for name in (FILING, KEYED, REPLAYED, ACTION, IF_MATCH, BOTH, "raw")}
        try:
            for process in processes:
                process.start()
            bench = Client(f"http://127.0.0.1:{port}")
            _wait_for(f"{bench.url}/api/v1/grievances/WB-2026-00000000", bench.cell)
            progress("idempotency: filing the case the actions go to, and warming up")
            bench.new_case()
            claims = client[f"bench_{run}_raw"]["idempotency_keys"]
            now = datetime.now(UTC)
            operations = {FILING: lambda i: bench.file(), KEYED: lambda i: bench.file(keyed=True),
                          REPLAYED: bench.replay, ACTION: lambda i: bench.act(),
                          IF_MATCH: lambda i: bench.act(if_match=True),
                          BOTH: lambda i: bench.act(if_match=True, keyed=True),
                          "raw": lambda i: claims.insert_one({"_id": uuid.uuid4().hex, "answer": None,
                                                              "claimed_at": now, "expires_at": now})}
            for name, operation in operations.items():
                latencies_ms(operation, 10)  # warm-up (and the first keys to replay)
            for round_ in range(ROUNDS):
                progress(f"idempotency: round {round_ + 1}/{ROUNDS}, {REQUESTS} requests of each kind")
                bench.new_case()  # a case's timeline grows with every note: each round starts a fresh one
                order = list(operations) if round_ % 2 == 0 else list(reversed(operations))
                for i in range(REQUESTS):  # interleaved, so any drift in the store weighs on every kind alike
                    for name in order:
                        samples[name].extend(latencies_ms(lambda _: operations[name](i), 1))
        finally:
            for process in processes:
                process.stop()
            drop_run_databases(client, run)
    median = {name: statistics.median(values) for name, values in samples.items()}

    def row(name, label, plain):
        return (label, f"{median[name]:.1f} ms p50, {percentile(samples[name], 99):.1f} ms p99",
                f"{median[name] / median[plain]:.2f}")

    count = ROUNDS * REQUESTS
    return [
        ("insert_one (raw: one idempotency-key claim)",
         f"{median['raw']:.2f} ms p50, {percentile(samples['raw'], 99):.2f} ms p99", ""),
        row(FILING, f"POST /api/v1/grievances, no headers ({count}, sequential; 1.00 for the two below)", FILING),
        row(KEYED, "  the same with a fresh Idempotency-Key", FILING),
        row(REPLAYED, "  the same key and body again (the first answer replayed)", FILING),
        row(ACTION, f"POST /api/v1/grievances/{{id}}/actions add_note, no headers ({count}; 1.00 below)", ACTION),
        row(IF_MATCH, "  the same with If-Match (the current ETag)", ACTION),
        row(BOTH, "  the same with If-Match and a fresh Idempotency-Key", ACTION),
    ]
