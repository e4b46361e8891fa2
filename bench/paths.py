"""What `Capacity.measure` (bench/capacity.py) drives at a rate: a path that files, says when each filing was
routed, indexed and notified, and names the processes whose metrics and CPU count. The platform's own path,
and the skeleton of a filing (bench/skeleton.py) as services of its own beside it."""
import os
import time

from bench import scrape
from bench.floor import FloorProcess
from bench.measure import free_port
from bench.procstat import cpu_ms
from bench.skeleton import BACKGROUND, NOTIFICATION, ROUTING, SERVICES, index_name
from bench.watchers import IndexedTimes
from shared.config import database_name
from shared.settings import settings_of

LOAD_GENERATOR = "bench (load generator)"


def snapshot(metrics_ports, pids):
    return {"time": time.monotonic(), "metrics": {name: scrape.read(port) for name, port in metrics_ports.items()},
            "cpu": {label: cpu_ms(pid) for label, pid in pids.items()}}


class PlatformPath:
    """The platform's filing path: the gateway's API, the six services' metrics, every process's CPU; lags read
    by the bench's watchers (bench/watchers.py)."""

    label = "platform"

    def __init__(self, bench):
        self.bench, self.sent = bench, 0

    def send(self, n):
        ok, payload = self.bench.file(n)
        if ok:
            self.bench.indexed.watch(payload[0])
        return ok, payload

    def snapshot(self):
        return snapshot(self.bench.metrics_ports, self.bench.pids)

    def outbox_pending(self):
        return sum(scrape.total(scrape.read(port), scrape.OUTBOX_PENDING) for port in self.bench.metrics_ports.values())

    def read(self, everything=False):
        self.bench.notified.read(everything=everything)

    def seen(self, tracking_id, mobile):
        return {"routed": self.bench.routed.at.get(tracking_id), "indexed": self.bench.indexed.at.get(tracking_id),
                "notified": self.bench.notified.at.get(mobile)}


class SkeletonPath:
    """The skeleton's five services, started on the bench's vhost, databases and index prefix (stopped and
    dropped with the run), its background services lowered as the platform's are. Routed and notified: the
    `at` its routing and notification stamp; indexed: when a search first found the case, as the platform's."""

    label = "skeleton"

    def __init__(self, bench, directory):
        self.bench, self.sent = bench, 0
        self.url = f"http://127.0.0.1:{free_port()}"
        config = dict(bench.config, WEB_SERVER_ADDRESS=self.url[len("http://"):])
        self.metrics_ports, self.processes = {}, {}
        for label in SERVICES:
            port = self.metrics_ports[f"skeleton {label}"] = free_port()
            self.processes[f"skeleton {label}"] = FloorProcess(f"bench.skeleton:Skeleton{label.capitalize()}",
                                                               dict(config, METRICS_PORT=port), directory)
        self.stamped_in = {"routed": bench.mongo[database_name(config, ROUTING)].assignments,
                           "notified": bench.mongo[database_name(config, NOTIFICATION)].sms_sink}
        self.at = {lag: {} for lag in self.stamped_in}  # lag -> {filing id: its stamp}
        self.config, self.indexed, self.accepted = config, None, []

    def start(self, wait_for_answer):
        for process in self.processes.values():
            process.start()
        wait_for_answer(f"{self.url}/file")
        niceness = settings_of(self.config).background_niceness
        for label in BACKGROUND:
            os.setpriority(os.PRIO_PROCESS, self.processes[f"skeleton {label}"].pid, niceness)
        self.indexed = IndexedTimes(self.bench.es, self.config, index=index_name(self.config))
        self.pids = {label: process.pid for label, process in self.processes.items()}
        self.pids.update({label: pid for label, pid in self.bench.pids.items()  # the servers and the bench
                          if label not in self.bench.processes and label not in self.bench.floor})

    def stop(self):
        if self.indexed:
            self.indexed.close()
        for process in self.processes.values():
            process.stop()

    def send(self, n):
        response = self.bench.session.post(f"{self.url}/file", json={"n": n, "text": "জল নেই"}, timeout=60)
        if response.status_code != 201:
            return False, response.status_code
        filing_id = response.json()["id"]
        self.indexed.watch(filing_id)
        self.accepted.append(filing_id)
        return True, (filing_id, filing_id)

    def snapshot(self):
        return snapshot(self.metrics_ports, self.pids)

    def outbox_pending(self):
        return 0.0  # each hop clears its event in the handler that published it

    def read(self, everything=False):
        for lag, collection in self.stamped_in.items():
            at = self.at[lag]
            missing = [f for f in self.accepted if f not in at]
            for start in range(0, len(missing), 1000):
                for document in collection.find({"_id": {"$in": missing[start:start + 1000]}}, {"at": 1}):
                    at[document["_id"]] = document["at"]

    def seen(self, filing_id, _):
        return {"routed": self.at["routed"].get(filing_id), "indexed": self.indexed.at.get(filing_id),
                "notified": self.at["notified"].get(filing_id)}
