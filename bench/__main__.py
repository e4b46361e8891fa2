"""`make bench`: the foundation's costs measured against the raw servers in the same run.

Each row is a median of several rounds (this machine has 2 noisy cores); ratios compare a platform path
with the raw infrastructure operation under it, measured moments apart.
"""
import eventlet

eventlet.monkey_patch()

import socket  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from kombu import Connection, Exchange  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from shared.config import load_config  # noqa: E402
from shared.events import new_event  # noqa: E402
from shared.mongo import connect  # noqa: E402
from services.registry import service_classes  # noqa: E402
from shared.outbox import EventPublisher, OutboxRelay, insert_with_events  # noqa: E402

ROUNDS = 5


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


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


def median_of_rounds(measure):
    return statistics.median(measure() for _ in range(ROUNDS))


def main():
    config = load_config()
    run = uuid.uuid4().hex[:8]
    config["MONGO_DB_PREFIX"] = f"bench_{run}_"
    config.pop("LOGGING", None)
    client = connect(config["MONGO_URI"])
    database = client[f"bench_{run}_store"]
    rows = []
    try:
        progress("MongoDB wire: raw inserts vs inserts that carry an outbox event")
        raw = median_of_rounds(lambda: rate(lambda i: database.raw.insert_one({"n": i, "text": "জল নেই"}), 300))
        event = new_event("bench.done", "bench", {"n": 0})

        def with_event(i):
            database.outboxed.insert_one(insert_with_events({"n": i, "text": "জল নেই"}, [dict(event, id=f"{run}{i}")]))

        outboxed = median_of_rounds(lambda: rate(with_event, 300))
        rows.append(("insert (raw, MongoDB wire)", f"{raw:,.0f}/s", "1.00"))
        rows.append(("insert + outbox event", f"{outboxed:,.0f}/s", f"{outboxed / raw:.2f}"))

        progress("RabbitMQ: raw confirmed publishes vs outbox relay (publish + remove from store)")
        exchange = Exchange("bench.events", type="topic", durable=True)
        with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True}) as connection:
            producer = connection.Producer(serializer="json")
            raw_pub = median_of_rounds(lambda: rate(
                lambda i: producer.publish(event, exchange=exchange, routing_key="bench.done", declare=[exchange],
                                           delivery_mode=2), 300))
        relay = OutboxRelay(database.outboxed, EventPublisher(config["AMQP_URI"], "bench").publish)
        started = time.perf_counter()
        relayed = relay.relay_pending()
        relay_rate = relayed / (time.perf_counter() - started)
        rows.append(("publish with confirm (raw, RabbitMQ)", f"{raw_pub:,.0f}/s", "1.00"))
        rows.append((f"outbox relay ({relayed} events)", f"{relay_rate:,.0f}/s", f"{relay_rate / raw_pub:.2f}"))

        progress("starting the six services in-process for RPC and HTTP rows")
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{free_port()}"
        runner = ServiceRunner(config)
        for cls in service_classes():
            runner.add_service(cls)
        runner.start()
        try:
            with ClusterRpcProxy(config) as cluster:
                rpc = median_of_rounds(lambda: statistics.median(latencies_ms(lambda i: cluster.intake.health(), 50)))
            ping = median_of_rounds(lambda: statistics.median(latencies_ms(lambda i: database.command("ping"), 50)))
            url = f"http://{config['WEB_SERVER_ADDRESS']}/health"
            samples = []
            for _ in range(ROUNDS):
                samples.extend(latencies_ms(lambda i: requests.get(url, timeout=10), 20))
            p99 = statistics.quantiles(samples, n=100)[98]
            http = statistics.median(samples)
        finally:
            runner.stop()
        rows.append(("MongoDB ping (raw)", f"{ping:.2f} ms p50", "1.00"))
        rows.append(("intake.health RPC (ping inside)", f"{rpc:.2f} ms p50", f"{rpc / ping:.1f}"))
        rows.append(("GET /health (9 checks)", f"{http:.1f} ms p50, {p99:.1f} ms p99", f"{http / ping:.1f}"))
    finally:
        client.drop_database(database.name)
        client.close()

    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'result':>28}  ratio to raw")
    for name, result, ratio in rows:
        print(f"{name.ljust(width)}  {result:>28}  {ratio:>12}")


if __name__ == "__main__":
    main()
