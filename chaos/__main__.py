"""`make chaos`: kill -9, in turn, each of the six services, RabbitMQ, FerretDB and Elasticsearch under a
steady load of filings (with Idempotency-Keys) and officers' actions, start each again, then prove from the
stores, the index and the notification log that nothing was lost or duplicated.

Loopback only, on private servers of the run's own (never the shared ones on 5672/27017/9200). Settings:
CHAOS_FILINGS (2000), CHAOS_RATE (filings a second, 3; CHAOS_MAX_IN_FLIGHT, 12, waiting for their answer at most), CHAOS_ACTION_SHARE (0.2 of the cases taken through
acknowledge, request_info, provide_info, resolve), CHAOS_DOWN (seconds each victim stays down, 5),
CHAOS_GAP (seconds between faults, 30), CHAOS_FAULTS (which, comma-separated; default all nine),
CHAOS_SETTLE (seconds to wait for the platform to catch up at the end, 240), CHAOS_KEEP=1 keeps the data.
"""
import os
import secrets
import shutil
import sys
import threading
import time
import uuid

import requests

from chaos import report
from chaos.load import Clients, steady_load
from chaos.servers import (
    ROOT,
    PrivateElasticsearch,
    PrivateFerretDB,
    PrivateRabbitMQ,
    free_port,
    wait_until,
)
from chaos.verify import Evidence, check
from services.gateway.limits import SETTINGS as RATE_LIMIT_SETTINGS
from services.launcher import ServiceProcess
from services.registry import SERVICES
from shared import broker_access
from shared.config import load_config
from shared.elastic import connect as connect_es
from shared.mongo import connect
from synthetic import staff

ALL_FAULTS = (*SERVICES, "rabbitmq", "ferretdb", "elasticsearch")
VHOST = "sorasori-chaos"
DIRECTORY_OFFICES = [("phe", "Nadia")]  # where the load files (chaos/load.py: Nadia, water)


def say(text):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {text}", flush=True)


class Platform:
    """The private servers and the six service processes on them."""

    def __init__(self, run, directory):
        self.directory = directory
        self.ferretdb = PrivateFerretDB(directory)
        self.rabbitmq = PrivateRabbitMQ(directory, run)
        self.elasticsearch = PrivateElasticsearch(directory, run)
        self.servers = {s.name: s for s in (self.rabbitmq, self.ferretdb, self.elasticsearch)}
        self.health_token = secrets.token_urlsafe(24)
        self.services = {}

    def start(self):
        for server in self.servers.values():
            say(f"starting a private {server.name}")
            server.start()
        api = broker_access.ManagementApi(self.rabbitmq.api)
        passwords = broker_access.new_passwords()
        broker_access.provision(api, VHOST, passwords, user_prefix="chaos-")
        config = load_config()
        config.update(
            AMQP_URI=broker_access.with_vhost(f"pyamqp://guest:guest@{self.rabbitmq.host}/", VHOST),
            MONGO_URI=self.ferretdb.uri, ELASTICSEARCH_URL=self.elasticsearch.url,
            MONGO_DB_PREFIX="chaos_", ES_INDEX_PREFIX="chaos-", AUTH_MODE="development",
            WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}", INTERNAL_CALLER_KEY=secrets.token_urlsafe(48),
            HEALTH_TOKEN=self.health_token, FILINGS_PER_MOBILE_PER_MONTH=10 ** 6,
            NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
        config.update({name: "1000000000/60" for name in RATE_LIMIT_SETTINGS})
        config.pop("LOGGING", None)
        self.config = config
        self.base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
        for name in SERVICES:
            uri = broker_access.amqp_uri(name, passwords[name], VHOST, self.rabbitmq.host, "chaos-")
            self.services[name] = ServiceProcess(name, dict(config, AMQP_URI=uri), self.directory / "services")
            self.services[name].start()
        self.wait_healthy(180)
        staff.seed(config, DIRECTORY_OFFICES, iter(range(7000000001, 7000099999)))  # routing's pools: the directory

    def healthy(self):
        answer = requests.get(f"{self.base_url}/health", headers={"X-Health-Token": self.health_token}, timeout=5)
        return answer.status_code == 200

    def wait_healthy(self, timeout):
        wait_until(self.healthy, timeout, "the platform's /health")

    def diagnosis(self):
        """What /health reports down and which queues have no consumer (for the run's log)."""
        try:
            body = requests.get(f"{self.base_url}/health", headers={"X-Health-Token": self.health_token},
                                timeout=10).json()
            down = sorted(n for n, c in body.get("components", {}).items() if c.get("status") != "up")
            queues = requests.get(f"http://127.0.0.1:{self.rabbitmq.api_port}/api/queues",
                                  auth=("guest", "guest"), timeout=10).json()
            idle = sorted(q["name"] for q in queues if not q.get("consumers") and not q["name"].startswith("rpc.reply"))
            return f"down: {down}; queues without a consumer: {idle}"
        except (requests.RequestException, ValueError) as error:
            return f"no diagnosis: {error}"

    def kill(self, name):
        (self.servers.get(name) or self.services[name]).kill()

    def restart(self, name):
        (self.servers.get(name) or self.services[name]).start()

    def stop(self):
        for process in self.services.values():
            process.stop()
        for server in self.servers.values():
            server.stop()


def inject_faults(platform, faults, down, gap, log, stop):
    time.sleep(gap)
    for name in faults:
        if stop.is_set():
            return
        fault = {"name": name, "killed": time.time()}
        log.append(fault)
        say(f"kill -9 {name}")
        platform.kill(name)
        time.sleep(down)
        platform.restart(name)
        fault["restarted"] = time.time()
        try:
            platform.wait_healthy(300)
            fault["healthy"] = time.time()
            say(f"{name}: healthy again after {fault['healthy'] - fault['killed']:.1f}s")
        except RuntimeError as error:
            say(f"{name}: {error}; {platform.diagnosis()}")
        time.sleep(gap)


def settle(platform, clients, timeout):
    """Wait until every answered case is routed and indexed at its latest version and nothing is left to send."""
    mongo = connect(platform.config["MONGO_URI"])
    es = connect_es(platform.config["ELASTICSEARCH_URL"], request_timeout=60)
    deadline = time.monotonic() + timeout
    try:
        while True:
            evidence = Evidence(platform.config, mongo, es)
            found = check(evidence, clients.filings, clients.actions)
            waiting = (len(found["not routed"]) + len(found["not indexed at the latest version"])
                       + sum(n for state, n in found["deliveries not sent (by state)"].items()
                             if state in ("queued", "retry", "deferred")))
            if not waiting or time.monotonic() > deadline:
                return found, {t: c["created_at"].timestamp() for t, c in evidence.cases.items()}
            say(f"settling: {waiting} cases or deliveries still on their way")
            time.sleep(5)
    finally:
        mongo.close()
        es.close()


def main():
    filings = int(os.environ.get("CHAOS_FILINGS", "2000"))
    rate = float(os.environ.get("CHAOS_RATE", "3"))
    in_flight = int(os.environ.get("CHAOS_MAX_IN_FLIGHT", "12"))
    share = float(os.environ.get("CHAOS_ACTION_SHARE", "0.2"))
    down, gap = float(os.environ.get("CHAOS_DOWN", "5")), float(os.environ.get("CHAOS_GAP", "30"))
    faults = [f for f in os.environ.get("CHAOS_FAULTS", ",".join(ALL_FAULTS)).split(",") if f]
    unknown = set(faults) - set(ALL_FAULTS)
    if unknown:
        raise SystemExit(f"[chaos] unknown faults {sorted(unknown)}; choose from {', '.join(ALL_FAULTS)}")
    run = uuid.uuid4().hex[:8]
    directory = ROOT / "var" / "chaos" / run
    directory.mkdir(parents=True)
    platform = Platform(run, directory)
    started = time.time()
    try:
        platform.start()
        say(f"platform up in {time.time() - started:.0f}s at {platform.base_url} (logs: {directory})")
        clients = Clients(platform.base_url, run, time.time, max_in_flight=in_flight)
        stop, fault_log = threading.Event(), []
        injector = threading.Thread(target=inject_faults, args=(platform, faults, down, gap, fault_log, stop))
        injector.start()
        say(f"{filings} filings at {rate:g}/s, {share:.0%} taken through officers' actions; faults: {', '.join(faults)}")
        threads = steady_load(clients, filings, rate, share, stop)
        injector.join()
        say("load sent and every fault done; waiting for the clients' retries")
        for thread in threads:
            thread.join()
        found, created = settle(platform, clients, float(os.environ.get("CHAOS_SETTLE", "240")))
        table = report.render(fault_log, clients, found, created, filings, rate, time.time() - started)
        print(table)
        (ROOT / "var" / "chaos" / "last-result.md").write_text(table)
        return 0 if report.clean(found) else 1
    finally:
        platform.stop()
        if not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
