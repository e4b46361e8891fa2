"""`make bench`: the platform's paths measured next to the raw servers beneath them, in the same run.

Medians of several rounds (this machine has 2 noisy cores); each ratio compares a platform path with the
raw infrastructure operation it rests on, measured moments apart. BENCH_FILINGS sets the filing count.
`python -m bench limiter` (`make bench SECTION=limiter`) runs only the rate limiter's section;
`python -m bench idempotency` (`make bench SECTION=idempotency`) only the cost of Idempotency-Key and If-Match.
`python -m bench web` (`make bench SECTION=web`) only the web console's page next to the API's answer.
`python -m bench public` (`make bench SECTION=public`) only the public event stream's relay and lag.
`python -m bench attachments` (`make bench SECTION=attachments`) only an attachment upload's MB/s through the
gateway next to a raw put to the S3 server.
`python -m bench capacity` (`make bench SECTION=capacity`) only the open-loop capacity bench: filing at fixed
rates (BENCH_RATES, BENCH_SECONDS) beside the empty pipeline, lags to routed, indexed and notified, backlogs,
store operations, events and CPU per filing, identity under load, and the skeleton of a filing driven the
same way (bench/capacity.py, bench/skeleton.py).
`python -m bench search-query` runs only the comparison of the officer's text query with a plain
`multi_match` on the million-case index (loading it first if no earlier run left it).
"""
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

import os  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402
from kombu import Connection, Exchange  # noqa: E402

from bench import search  # noqa: E402
from bench.attachments import measure_attachments  # noqa: E402
from bench.capacity import measure_capacity  # noqa: E402
from bench.filing import CONCURRENCY, measure_filings  # noqa: E402
from bench.indexing import WORKERS, measure_index_paths, measure_service_indexing  # noqa: E402
from bench.limiter import measure_limiter  # noqa: E402
from bench.measure import (  # noqa: E402
    drop_run_databases,
    free_port,
    latencies_ms,
    median_of_rounds,
    percentile,
    print_table,
    progress,
    rate,
    wait_until_healthy,  # noqa: E402
)
from bench.public import measure_public  # noqa: E402
from bench.retries import measure_retries  # noqa: E402
from bench.web import measure_web  # noqa: E402
from services.gateway.limits import SETTINGS as RATE_LIMIT_SETTINGS  # noqa: E402
from services.launcher import ServiceProcess  # noqa: E402
from services.registry import SERVICES  # noqa: E402
from services.search.rebuild import rebuild  # noqa: E402
from shared import broker_access  # noqa: E402
from shared.config import load_config  # noqa: E402
from shared.elastic import connect as connect_es  # noqa: E402
from shared.elastic import drop_indices
from shared.events import new_event  # noqa: E402
from shared.mongo import connect  # noqa: E402
from shared.outbox import EventPublisher, OutboxRelay, insert_with_events  # noqa: E402
from shared.signed_rpc import SignedClusterRpcProxy  # noqa: E402
from synthetic import staff  # noqa: E402

BENCH_OFFICES = [("phe", "Nadia")]  # where the benchmark files (bench/filing.py and the others: Nadia, water)


class BenchBroker:
    """A vhost of the bench's own, with the services' users on it, removed afterwards: services started
    here can never join a running instance's queues (they cannot even open its vhost)."""

    def __init__(self, config, run):
        self.api = broker_access.ManagementApi(os.environ.get("RABBIT_API_URI", broker_access.LOCAL_API))
        self.vhost, self.prefix = f"sorasori-bench-{run}", f"bench-{run}-"
        self.passwords = broker_access.new_passwords()
        self.host = broker_access.broker_host(config["AMQP_URI"])
        broker_access.provision(self.api, self.vhost, self.passwords, user_prefix=self.prefix)
        self.admin_uri = broker_access.with_vhost(config["AMQP_URI"], self.vhost)

    def service_uri(self, name):
        return broker_access.amqp_uri(name, self.passwords[name], self.vhost, self.host, self.prefix)

    def remove(self):
        broker_access.remove(self.api, self.vhost, self.prefix)
def text_query_rows(samples):
    """Rows for search.measure_text_query: the plain multi_match as 1.00, the text query's p50 and p99 ratios."""
    rows = []
    labels = {"request": "the full officer request (text + filters + facets + highlights)",
              "query": "the ranked query alone (text + filters, top 10)"}
    for shape, (text, plain) in samples.items():
        p50, plain50 = statistics.median(text), statistics.median(plain)
        p99, plain99 = percentile(text, 99), percentile(plain, 99)
        rows.append((f"plain multi_match, {labels[shape]} ({len(plain)} queries)",
                     f"{plain50:.1f} ms p50, {plain99:.1f} ms p99", "1.00"))
        rows.append(("  the officer's text query across scripts (phonetic keys, synonyms), same requests",
                     f"{p50:.1f} ms p50, {p99:.1f} ms p99", f"{p50 / plain50:.2f} (p99 {p99 / plain99:.2f})"))
    return rows


def search_query_section():
    """Only the text query against a plain multi_match on the bench index (kept between runs)."""
    config = load_config()
    config["ES_INDEX_PREFIX"] = os.environ.get("BENCH_INDEX_PREFIX", "sorasori-bench-")
    es = connect_es(config["ELASTICSEARCH_URL"], request_timeout=120)
    rows = []
    try:
        cases = int(os.environ.get("BENCH_SEARCH_CASES", "1000000"))
        load_rate = search.load(es, config, cases)
        if load_rate is not None:
            rows.append((f"bulk-loading {cases:,} generated cases (streaming_bulk, 2,000 a request)",
                         f"{load_rate:,.0f}/s", ""))
        count = int(os.environ.get("BENCH_QUERIES", "300"))
        progress(f"text query vs plain multi_match over {es.count(index=search.alias(config))['count']:,} cases")
        search.measure_text_query(es, config, 30, seed=1)  # warm-up
        rows += text_query_rows(search.measure_text_query(es, config, count))
    finally:
        es.close()
    print_table(rows)


def main():
    if sys.argv[1:] == ["search-query"]:
        return search_query_section()
    if sys.argv[1:] not in ([], ["limiter"], ["idempotency"], ["web"], ["public"], ["attachments"], ["capacity"]):
        raise SystemExit("usage: python -m bench [limiter | idempotency | web | public | attachments | capacity | "
                         "search-query]")
    config = load_config()
    run = uuid.uuid4().hex[:8]
    config.update(MONGO_DB_PREFIX=f"bench_{run}_", ES_INDEX_PREFIX=f"bench-{run}-", AUTH_MODE="development",
                  FILINGS_PER_MOBILE_PER_MONTH=10 ** 6, INTERNAL_CALLER_KEY=secrets.token_urlsafe(48))
    config.pop("LOGGING", None)
    if sys.argv[1:] == ["limiter"]:
        print_table(measure_limiter(config))
        return
    if sys.argv[1:] == ["idempotency"]:
        print_table(measure_retries(config))
        return
    if sys.argv[1:] == ["web"]:
        print_table(measure_web(config))
        return
    if sys.argv[1:] == ["public"]:
        print_table(measure_public(config))
        return
    if sys.argv[1:] == ["attachments"]:
        print_table(measure_attachments(config))
        return
    if sys.argv[1:] == ["capacity"]:
        measure_capacity(config)
        return
    # the gateway's limits stay on (their cost is part of every path) but never refuse the bench's load
    config.update({name: "1000000000/60" for name in RATE_LIMIT_SETTINGS})
    broker = BenchBroker(config, run)
    config["AMQP_URI"] = broker.admin_uri
    progress(f"RabbitMQ: this run's own vhost {broker.vhost}, each service its own user on it")
    filings = int(os.environ.get("BENCH_FILINGS", 1000))
    index_cases = int(os.environ.get("BENCH_INDEX_CASES", 2000))
    search_cases = int(os.environ.get("BENCH_SEARCH_CASES", 1_000_000))
    search_queries = int(os.environ.get("BENCH_QUERIES", 300))
    steady_rate, steady_seconds = int(os.environ.get("BENCH_STEADY_RATE", 5)), int(os.environ.get("BENCH_STEADY_SECONDS", 60))
    # The services search one index kept between runs (loading a million cases takes minutes; the
    # generator is seeded); the rebuild goes into this run's own prefix, removed at the end, since
    # generated cases exist only in the index, not in intake's store.
    scratch = dict(config)
    config["ES_INDEX_PREFIX"] = os.environ.get("BENCH_INDEX_PREFIX", "sorasori-bench-")
    es = connect_es(config["ELASTICSEARCH_URL"], request_timeout=120)
    client = connect(config["MONGO_URI"])
    database = client[f"bench_{run}_raw"]
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

        progress("RabbitMQ: raw confirmed publishes vs outbox relay sweep (publish + remove from store)")
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
        rows.append((f"outbox relay sweep ({relayed} events)", f"{relay_rate:,.0f}/s", f"{relay_rate / raw_pub:.2f}"))

        paths = measure_index_paths(config, index_cases)
        rows.append((f"index {index_cases} cases: raw _bulk, 500 a request", f"{paths['raw_bulk']:,.0f}/s", "1.00"))
        rows.append((f"  one index request per case, {WORKERS} concurrent", f"{paths['single']:,.0f}/s",
                     f"{paths['single'] / paths['raw_bulk']:.2f}"))
        rows.append((f"  search's Batcher, {WORKERS} concurrent ({paths['batched_docs_per_request']:.1f} a request)",
                     f"{paths['batched']:,.0f}/s", f"{paths['batched'] / paths['raw_bulk']:.2f}"))
        load_rate = search.load(es, config, search_cases)
        if load_rate is not None:
            rows.append((f"  bulk-loading {search_cases:,} generated cases (streaming_bulk, 2,000 a request)",
                         f"{load_rate:,.0f}/s", f"{load_rate / paths['raw_bulk']:.2f}"))
        progress("the officer's text query vs a plain multi_match on the same index")
        search.measure_text_query(es, config, 30, seed=1)  # warm-up
        text_query = search.measure_text_query(es, config, search_queries)

        progress("starting the six services, one process each (as make run does)")
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{free_port()}"
        base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
        processes = [ServiceProcess(name, dict(config, AMQP_URI=broker.service_uri(name)),
                                    Path(tempfile.mkdtemp(prefix="sorasori-bench-"))) for name in SERVICES]
        for process in processes:
            process.start()
        try:
            wait_until_healthy(base_url)
            staff.seed(config, BENCH_OFFICES, iter(range(7000000001, 7000099999)))  # routing's pools: the directory
            with SignedClusterRpcProxy(config, issuer="bench") as cluster:
                rpc = median_of_rounds(lambda: statistics.median(latencies_ms(lambda i: cluster.intake.health(), 50)))
            ping = median_of_rounds(lambda: statistics.median(latencies_ms(lambda i: database.command("ping"), 50)))
            samples = []
            for _ in range(5):
                samples.extend(latencies_ms(lambda i: requests.get(f"{base_url}/health", timeout=10), 20))
            progress(f"filing {filings} grievances through the gateway, {CONCURRENCY} at a time")
            measure_filings(base_url, config["AMQP_URI"], 50, 10 ** 8)  # warm-up
            filed = measure_filings(base_url, config["AMQP_URI"], filings, 0)
            raw_after = median_of_rounds(lambda: rate(lambda i: database.raw2.insert_one({"n": i}), 300), rounds=3)
            progress(f"{index_cases} grievance events through the search service")
            events_rate = measure_service_indexing(config, index_cases)
            progress(f"officer searches over {es.count(index=search.alias(config))['count']:,} cases: "
                     "through the gateway and straight to Elasticsearch")
            search.measure_queries(base_url, es, config, 30)  # warm-up
            via_gateway, direct, hits = search.measure_queries(base_url, es, config, search_queries)
            progress(f"filing {steady_rate}/s for {steady_seconds}s and watching each case become searchable")
            steady = search.measure_filing_to_searchable(base_url, es, config, steady_rate, steady_seconds)
            progress("rebuilding a search index from intake's cases")
            system = {"sub": "bench", "role": "system"}
            with SignedClusterRpcProxy(config, caller=system, issuer="bench", timeout=300) as cluster:
                rebuilt = rebuild(es, lambda after, limit: cluster.intake.export_cases(after, limit, system), scratch)
        finally:
            for process in processes:
                process.stop()
        progress("the rate limiter: case lookups with the gateway's limits on and off")
        limiter_rows = measure_limiter(config)
        progress("retries and conditional writes: filings and actions with and without their headers")
        retry_rows = measure_retries(config)
        progress("the web console: a citizen's page next to the API's answer")
        web_rows = measure_web(config)
        progress("the public event stream: the relay next to raw confirmed publishes, and its lag")
        public_rows = measure_public(config)
        progress("attachments: uploads through the gateway next to raw puts to the S3 server")
        attachment_rows = measure_attachments(config)
        rows.append(("MongoDB ping (raw)", f"{ping:.2f} ms p50", "1.00"))
        rows.append(("intake.health RPC (ping inside)", f"{rpc:.2f} ms p50", f"{rpc / ping:.1f}"))
        http = statistics.median(samples)
        rows.append(("GET /health (9 checks)", f"{http:.1f} ms p50, {percentile(samples, 99):.1f} ms p99",
                     f"{http / ping:.1f}"))
        raw_now = (raw + raw_after) / 2
        rows.append(("insert (raw, MongoDB wire, this run's mean)", f"{raw_now:,.0f}/s", "1.00"))
        rows.append((f"POST /api/v1/grievances ({filed['accepted']} filed, {CONCURRENCY} concurrent)",
                     f"{filed['rate']:,.0f}/s", f"{filed['rate'] / raw_now:.2f}"))
        rows.append(("  latency of a filing", f"{filed['p50']:.1f} ms p50, {filed['p99']:.1f} ms p99", ""))
        rows.append((f"  201 -> routed ({filed['routed']} seen)",
                     f"{filed['routed_p50']:.0f} ms p50, {filed['routed_p99']:.0f} ms p99", ""))
        if filed["failures"]:
            rows.append(("  filings refused or failed", str(filed["failures"]), ""))
        rows.append((f"{index_cases} grievance events indexed by the search service", f"{events_rate:,.0f}/s",
                     f"{events_rate / paths['raw_bulk']:.2f}"))
        rows.append((f"rebuild: {rebuilt['cases']} cases exported by intake and bulk-loaded",
                     f"{rebuilt['cases'] / rebuilt['load_seconds']:,.0f}/s ({rebuilt['seconds']} s in all)", ""))
        raw_search = statistics.median(direct)
        rows.append((f"search straight to Elasticsearch ({search_queries} queries, median {statistics.median(hits):,.0f} hits)",
                     f"{raw_search:.1f} ms p50, {percentile(direct, 99):.1f} ms p99", "1.00"))
        rows.append(("GET /api/v1/search, same queries (text + 2 filters + facets)",
                     f"{statistics.median(via_gateway):.1f} ms p50, {percentile(via_gateway, 99):.1f} ms p99",
                     f"{statistics.median(via_gateway) / raw_search:.2f}"))
        rows += text_query_rows(text_query)
        rows.append(("indexed straight into Elasticsearch -> searchable",
                     f"{steady['raw_p50']:.0f} ms p50, {steady['raw_p99']:.0f} ms p99", "1.00"))
        rows.append((f"201 -> searchable ({steady['seen']}/{steady['filed']} filed at {steady_rate}/s)",
                     f"{steady['p50']:.0f} ms p50, {steady['p99']:.0f} ms p99", f"{steady['p50'] / steady['raw_p50']:.2f}"))
        rows.extend(limiter_rows)
        rows.extend(retry_rows)
        rows.extend(web_rows)
        rows.extend(public_rows)
        rows.extend(attachment_rows)
    finally:
        drop_run_databases(client, run)
        drop_indices(scratch)
        es.close()
        broker.remove()
    print_table(rows)
    progress("capacity: open-loop filing at fixed rates beside the empty pipeline, then identity under load")
    measure_capacity(config)  # its own vhost, databases and index prefix, made and removed by the section


if __name__ == "__main__":
    main()
