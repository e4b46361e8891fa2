"""SIGTERM (what Kubernetes sends, 30 s before SIGKILL) stops a service within 10 s even while it holds
work, and the work it held is done after a restart, not lost. Every service runs as its own
`python -m services.run` process (services/launcher.py), on the test's vhost and database prefix."""
import signal
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
import requests
from kombu import Connection, Exchange, Producer

from services.launcher import ServiceProcess
from services.registry import SERVICES
from tests.integration.directory import seed_directory
from tests.integration.platform_client import CMO_CELL, Gateway, citizen, drinking_water
from tests.integration.receivers import HttpServer
from tests.integration.waiting import wait_for

EXIT_WITHIN = 10.0
ADMIN = {"sub": "admin-1", "role": "admin"}
INTERRUPTED = "interrupted by a shutdown while sending: it may have gone out"


@pytest.fixture
def processes(platform_config, tmp_path):
    """All six services, each its own process, started in the registry's order."""
    platform_config.update(AUTH_MODE="development", GATEWAY_RPC_TIMEOUT=5, NOTIFY_QUIET_START_HOUR=0,
                           NOTIFY_QUIET_END_HOUR=0)
    started = {}

    def start(**overrides):
        platform_config.update(overrides)
        for name in SERVICES:
            started[name] = ServiceProcess(name, platform_config, tmp_path)
            started[name].start()
        gateway = Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")
        wait_for(lambda: all_up(gateway), timeout=60, interval=0.5, what="the six services to start")
        seed_directory(platform_config)  # routing's pools come from identity's directory only
        return started, gateway

    yield start
    for process in started.values():
        process.stop()


def all_up(gateway):
    try:
        response = gateway.request("GET", "/health", {"sub": "admin-1", "role": "admin"})  # components: admins
    except OSError:
        return False
    return response.status_code == 200 and all(c["status"] == "up" for c in response.json()["components"].values())


def terminate(process):
    """SIGTERM, then the seconds until the process was gone (SIGKILL after 30 s, as Kubernetes does)."""
    began = time.monotonic()
    process.process.send_signal(signal.SIGTERM)
    try:
        process.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    return time.monotonic() - began


def restart(process, gateway, name):
    process.start()
    wait_for(lambda: all_up(gateway), timeout=60, interval=0.5, what=f"{name} to be back")


def keep_filing(gateway, accepted, stop):
    """Citizens filing all the time; every tracking ID given out is added to `accepted`."""
    def one(n):
        mobile = f"96{n:08d}"
        try:
            response = gateway.file(drinking_water(mobile=mobile, subject=f"Water problem report {n}"),
                                    citizen(mobile))
        except requests.RequestException:  # the gateway is the one stopping
            return
        if response.status_code == 201:
            accepted.append(response.json()["tracking_id"])

    pool, n = eventlet.GreenPool(4), 0
    while not stop.ready():
        pool.spawn_n(one, n)
        n += 1
        eventlet.sleep(0.1)
    pool.waitall()


def routed(gateway, tracking_id):
    response = gateway.get(tracking_id, CMO_CELL)
    case = response.json() if response.status_code == 200 else {}
    return case if case.get("status") == "routed" and case.get("officer_id") else None


def test_every_service_stops_within_10_seconds_of_sigterm_under_load_and_loses_nothing(processes):
    started, gateway = processes()
    accepted, stop = [], eventlet.event.Event()
    filing = eventlet.spawn(keep_filing, gateway, accepted, stop)
    times = {}
    try:
        for name, process in started.items():
            wait_for(lambda: len(accepted) >= 3, timeout=30, what="filings before the next stop")
            times[name] = terminate(process)
            restart(process, gateway, name)
            accepted_before = len(accepted)
            wait_for(lambda n=accepted_before: len(accepted) > n, timeout=30, what=f"filings after {name} is back")
    finally:
        stop.send(True)
        filing.wait()
    print("seconds from SIGTERM to exit:", {k: round(v, 2) for k, v in times.items()})
    assert all(t < EXIT_WITHIN for t in times.values()), times
    for tracking_id in accepted:
        wait_for(lambda t=tracking_id: routed(gateway, t), timeout=60, what=f"{tracking_id} to be routed")


def test_a_consumer_waiting_to_retry_an_event_stops_at_once_and_the_event_is_processed_after_restart(
        processes, platform_config, event_log, mongo_client):
    """routing holds a grievance.transferred event whose claim another worker seems to hold: it waits
    about 9 s before handing it back (until the claim could be stale). SIGTERM must not wait that out;
    the event goes back to the queue and is processed after the restart."""
    started, gateway = processes()
    tracking_id = gateway.ok(gateway.file(drinking_water(mobile="9830055555"), citizen("9830055555")), 201)[
        "tracking_id"]
    wait_for(lambda: routed(gateway, tracking_id), timeout=30, what="the case to be routed")
    filed = next(e for e in event_log.drain() if e["type"] == "grievance.filed" and e["subject"] == tracking_id)
    event = {**filed, "id": uuid.uuid4().hex, "type": "grievance.transferred",
             "data": {"case": filed["data"]["case"], "department": "phe", "reason": "the block office asked"}}
    inbox = mongo_client[platform_config["MONGO_DB_PREFIX"] + "routing"]["processed_events"]
    key = f"routing:{event['id']}"
    inbox.insert_one({"_id": key, "state": "processing", "type": event["type"],
                      "claimed_at": datetime.now(timezone.utc) - timedelta(seconds=1.2)})
    with Connection(platform_config["AMQP_URI"]) as connection:
        Producer(connection.channel()).publish(event, exchange=Exchange("intake.events", type="topic"),
                                               routing_key=event["type"], serializer="json")
    eventlet.sleep(0.7)  # the handler has met the claim and waits about 9 s to hand the event back

    took = terminate(started["routing"])
    print(f"routing stopped {took:.2f} s after SIGTERM")
    assert took < 5, f"routing waited out the handler's 8 s of backoff: {took:.1f} s"  # an idle stop: 1-3 s
    assert inbox.find_one({"_id": key})["state"] == "processing"
    restart(started["routing"], gateway, "routing")
    wait_for(lambda: (inbox.find_one({"_id": key}) or {}).get("state") == "done", timeout=40,
             what="the held event to be processed after the restart")
    assert gateway.case(tracking_id)["status"] == "routed"


class SlowSmsProvider(HttpServer):
    """An SMS provider that answers after `delay` seconds (accepting), recording every request."""

    def __init__(self, delay):
        self.delay, self.requests = delay, []
        super().__init__(self.app)

    def app(self, environ, start_response):
        self.requests.append(time.monotonic())
        eventlet.sleep(self.delay if len(self.requests) == 1 else 0)
        start_response("202 Accepted", [("Content-Type", "application/json")])
        return [b'{"id": "msg-1", "status": "accepted"}']


def test_a_send_in_flight_to_a_slow_provider_does_not_hold_the_stop_and_is_not_lost(processes):
    """The provider takes a minute to answer the first request. The stop does not wait for it: the
    send is cut, recorded at once as a dead letter (it may have gone out: an administrator decides),
    and a replay after the restart sends it."""
    provider = SlowSmsProvider(delay=60)
    try:
        started, gateway = processes(SMS_PROVIDER_URL=provider.url + "/sms", NOTIFY_SEND_TIMEOUT=25,
                                     NOTIFY_RETRY_BASE_SECONDS=0.2, NOTIFY_RETRY_MAX_SECONDS=0.5)
        requested = eventlet.spawn(gateway.request, "POST", "/oauth/otp",
                                   json={"mobile": "9830066666", "language": "en"})
        wait_for(lambda: provider.requests, timeout=20, what="the OTP to reach the provider")
        took = terminate(started["notification"])
        assert took < EXIT_WITHIN, f"notification took {took:.1f} s to stop"
        requested.wait()
        restart(started["notification"], gateway, "notification")
        dead = gateway.ok(gateway.request("GET", "/api/v1/admin/dead-letters", ADMIN))["dead_letters"]
        assert [(d["template"], d["last_answer"]) for d in dead] == [("otp", INTERRUPTED)]
        gateway.ok(gateway.request("POST", f"/api/v1/admin/dead-letters/{dead[0]['id']}/replay", ADMIN))
        wait_for(lambda: len(provider.requests) >= 2, timeout=30, what="the replayed OTP to reach the provider")
    finally:
        provider.stop()
