"""The public event stream: events/s through notification's relay (internal events in, confirmed public
CloudEvents out) next to raw confirmed publishes to the same exchange on the same broker, in the same run;
and the lag from a filing's 201 to its public `filed` event, p50/p99.

`python -m bench public` (`make bench SECTION=public`). The six services run as their own processes and
their own broker users on a vhost of the section's own (and its public vhost), removed afterwards with the
databases. BENCH_PUBLIC_FILINGS filings are timed for the lag; their internal `grievance.filed` events are
then published again under fresh ids, BENCH_PUBLIC_EVENTS in all, as fast as the broker confirms, and the
relay's rate is the count of public messages out over the time from the first publish to the last arrival.
"""
import json
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path

import eventlet
import requests
from kombu import Connection, Exchange, Queue

from bench.filing import grievance
from bench.measure import (
    drop_run_databases,
    free_port,
    median_of_rounds,
    percentile,
    progress,
    rate,
    wait_until_healthy,
    wait_while_moving,
)
from services.gateway.limits import SETTINGS as RATE_LIMIT_SETTINGS
from services.launcher import ServiceProcess
from services.notification.public_stream import COLLECTION, PublicStreamPublisher, public_entry, stream_document
from services.registry import SERVICES
from shared import broker_access, public_events
from shared.contracts import load_event_data
from shared.elastic import drop_indices
from shared.mongo import connect
from shared.outbox import OutboxRelay

FILINGS = int(os.environ.get("BENCH_PUBLIC_FILINGS", "200"))
EVENTS = int(os.environ.get("BENCH_PUBLIC_EVENTS", "2000"))
FILED = f"{public_events.NAMESPACE}.grievance.filed.v1"


class Arrivals:
    """A queue bound to a topic exchange, drained in a green thread: when each message arrived, by key."""

    def __init__(self, amqp_uri, exchange, binding, key_of):
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange=Exchange(exchange, type="topic", durable=True),
                      routing_key=binding, exclusive=True)
        self.consumer = self.connection.Consumer(queue, callbacks=[self._arrived], accept=None, no_ack=True,
                                                 channel=self.channel)
        self.consumer.consume()
        self.key_of = key_of
        self.at, self.bodies = {}, {}
        self.running = True
        self.thread = eventlet.spawn(self._drain)

    def _arrived(self, body, message):
        key = self.key_of(json.loads(message.body))
        self.at.setdefault(key, time.perf_counter())
        self.bodies.setdefault(key, json.loads(message.body))

    def _drain(self):
        while self.running:
            try:
                self.connection.drain_events(timeout=0.2)
            except TimeoutError:
                pass
            except OSError:
                if self.running:
                    raise

    def wait(self, keys):
        wanted = set(keys)
        wait_while_moving(lambda: len(wanted & set(self.at)), len(wanted), "events arrived", poll=0.02)
        return [self.at[k] for k in keys if k in self.at]

    def close(self):
        self.running = False
        self.thread.wait()
        self.connection.release()


def _file(base_url, count, offset):
    """File `count` grievances one after another (a steady trickle, not a burst): tracking ID -> (when the
    request was sent, when its 201 was read)."""
    session, accepted = requests.Session(), {}
    for n in range(count):
        body, headers = grievance(offset + n)
        sent = time.perf_counter()
        response = session.post(f"{base_url}/api/v1/grievances", json=body, headers=headers, timeout=30)
        if response.status_code == 201:
            accepted[response.json()["tracking_id"]] = (sent, time.perf_counter())
    return accepted


def _relay_alone(mongo_uri, database_name, public_uri, events, count=300):
    """What notification's handler does per event, without the service around it, one at a time: (the normal
    path: build the entry, publish it with a confirm; the fallback when a publish fails: build the document,
    insert it, publish the written CloudEvent, pop it) as events/s."""
    client = connect(mongo_uri)
    try:
        collection = client[database_name][COLLECTION]
        publish = PublicStreamPublisher(public_uri).publish
        relay = OutboxRelay(collection, publish)

        def fresh(i):
            event = events[i % len(events)]
            return dict(event, id=str(uuid.uuid4()), data=load_event_data(event["type"], event["data"]))

        def published(i):
            publish(public_entry(fresh(i), "http://bench"))

        def kept(i):
            document = stream_document(fresh(i), "http://bench")
            collection.insert_one(document)
            relay.relay_written(document)

        return (median_of_rounds(lambda: rate(published, count), rounds=3),
                median_of_rounds(lambda: rate(kept, count), rounds=3))
    finally:
        client.close()


def measure_public(config):
    run = uuid.uuid4().hex[:8]
    config = dict(config, MONGO_DB_PREFIX=f"bench_{run}_", ES_INDEX_PREFIX=f"bench-{run}-",
                  AUTH_MODE="development", FILINGS_PER_MOBILE_PER_MONTH=10 ** 6,
                  INTERNAL_CALLER_KEY=secrets.token_urlsafe(48))
    config.update({name: "1000000000/60" for name in RATE_LIMIT_SETTINGS})
    config.pop("LOGGING", None)
    api = broker_access.ManagementApi(os.environ.get("RABBIT_API_URI", broker_access.LOCAL_API))
    vhost, prefix = f"sorasori-bench-{run}", f"bench-{run}-"
    passwords = broker_access.new_passwords()
    host = broker_access.broker_host(config["AMQP_URI"])
    broker_access.provision(api, vhost, passwords, user_prefix=prefix)
    public_vhost = broker_access.public_vhost_of(vhost)
    admin_uri = broker_access.with_vhost(config["AMQP_URI"], vhost)
    public_admin_uri = broker_access.with_vhost(config["AMQP_URI"], public_vhost)
    config.update(AMQP_URI=admin_uri, PUBLIC_VHOST=public_vhost, WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}")
    config.pop("PUBLIC_AMQP_URI", None)  # each process: its own login on the public vhost (notification's only)
    base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
    progress(f"public stream: vhosts {vhost} and {public_vhost}, each service its own user")
    processes = [ServiceProcess(name, dict(config, AMQP_URI=broker_access.amqp_uri(
        name, passwords[name], vhost, host, prefix)), Path(tempfile.mkdtemp(prefix="sorasori-bench-")))
        for name in SERVICES]
    client = connect(config["MONGO_URI"])
    rows = []
    try:
        for process in processes:
            process.start()
        wait_until_healthy(base_url)
        public = Arrivals(public_admin_uri, public_events.EXCHANGE, "#", lambda event: event["id"])
        internal = Arrivals(admin_uri, "intake.events", "grievance.filed", lambda event: event["subject"])
        try:
            progress(f"filing {FILINGS} grievances one after another, timing each to its public `filed` event")
            _file(base_url, 20, 10 ** 8)  # warm-up
            accepted = _file(base_url, FILINGS, 0)
            internal.wait(list(accepted))
            ids = {internal.bodies[t]["id"]: t for t in accepted if t in internal.bodies}
            public.wait(list(ids))
            # the public event often arrives before the 201 is read (intake relays its event before it answers)
            lags = [(public.at[i] - accepted[t][1]) * 1000 for i, t in ids.items() if i in public.at]
            from_sent = [(public.at[i] - accepted[t][0]) * 1000 for i, t in ids.items() if i in public.at]
            filed_events = [internal.bodies[t] for t in accepted if t in internal.bodies]
            sample = json.dumps(public.bodies[next(iter(ids))]).encode()  # a real CloudEvent, for the raw publishes

            progress(f"{EVENTS} internal events through the relay, published as fast as the broker confirms")
            fresh = [dict(filed_events[n % len(filed_events)], id=str(uuid.uuid4())) for n in range(EVENTS)]
            exchange = Exchange("intake.events", type="topic", durable=True)
            with Connection(admin_uri, transport_options={"confirm_publish": True}) as connection:
                producer = connection.Producer(serializer="json")
                started = time.perf_counter()
                for event in fresh:
                    producer.publish(event, exchange=exchange, routing_key="grievance.filed", delivery_mode=2)
                published = time.perf_counter()
            arrivals = public.wait([e["id"] for e in fresh])
            relayed = len(arrivals) / (max(arrivals) - started) if arrivals else 0.0
            in_rate = EVENTS / (published - started)
        finally:
            public.close()
            internal.close()

        for process in processes:  # the services' leftover work (the SMS the events planned) off the store
            process.stop()
        progress("the relay's own paths in this process, services stopped: confirmed publish; insert, confirmed "
                 "publish, pop")
        alone, fallback = _relay_alone(config["MONGO_URI"], f"bench_{run}_relay", public_admin_uri, filed_events)

        progress("raw confirmed publishes of the same CloudEvent to the same exchange, same broker")
        public_exchange = Exchange(public_events.EXCHANGE, type="topic", durable=True)
        with Connection(public_admin_uri, transport_options={"confirm_publish": True}) as connection:
            producer = connection.Producer()
            raw = median_of_rounds(lambda: rate(lambda i: producer.publish(
                sample, exchange=public_exchange, routing_key="phe.nadia.grievance.filed.v1",
                content_type=public_events.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2), 300))
        rows.append(("publish with confirm to sorasori.public (raw, RabbitMQ)", f"{raw:,.0f}/s", "1.00"))
        rows.append((f"public relay: {len(arrivals)}/{EVENTS} internal events -> confirmed CloudEvents",
                     f"{relayed:,.0f}/s", f"{relayed / raw:.2f}"))
        rows.append(("  internal events published in (confirmed)", f"{in_rate:,.0f}/s", f"{in_rate / raw:.2f}"))
        rows.append(("  the relay's path alone, one at a time (build, confirmed publish)",
                     f"{alone:,.0f}/s", f"{alone / raw:.2f}"))
        rows.append(("  its fallback alone, one at a time (insert, confirmed publish, `$pop`)",
                     f"{fallback:,.0f}/s", f"{fallback / raw:.2f}"))
        rows.append((f"201 -> public `filed` event ({len(lags)}/{len(accepted)} filings, one at a time; "
                     f"{sum(lag < 0 for lag in lags)} arrived before their 201)",
                     f"{percentile(lags, 50):.0f} ms p50, {percentile(lags, 99):.0f} ms p99", ""))
        rows.append(("  POST sent -> public `filed` event (the filing's own latency included)",
                     f"{percentile(from_sent, 50):.0f} ms p50, {percentile(from_sent, 99):.0f} ms p99", ""))
    finally:
        for process in processes:
            process.stop()
        drop_run_databases(client, run)
        drop_indices(config)
        broker_access.remove(api, vhost, prefix)
    return rows
