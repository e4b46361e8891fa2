"""`make bench SECTION=capacity` (`python -m bench capacity`): the platform's capacity, measured open-loop.

The six services run as their own processes (each its own broker user, metrics port and database, on a
vhost, database prefix and index prefix of the run's own), notifications on (SMS to the development
sink). Beside them runs the empty pipeline (bench/floor.py). At each rate (BENCH_RATES, default 5,10,20,
40,80 per second, BENCH_SECONDS each, default 20) the floor is driven first, then the platform: each
request goes at its scheduled time whether or not earlier ones were answered, and its latency counts from
that time, so queueing is not hidden (coordinated omission). For each platform filing the bench records
the lag from its 201 to routed, to searchable and to the citizen's SMS, and samples the broker's queues
during and after the rate. Per filing, at each rate: store operations, events published and consumed per
service (each process's /metrics) and CPU milliseconds per process (/proc). Then the identity paths, and
the skeleton of a filing (bench/skeleton.py: the platform's hops at 12 store operations and no domain work)
driven and measured the same way at BENCH_SKELETON_RATES: what this machine allows this architecture at all.
Tables on stdout, progress on stderr, everything in var/bench/capacity-<time>.json.

Settings: BENCH_RATES, BENCH_SECONDS; BENCH_STALL_SECONDS (a wait ends when nothing moved that long, 15);
BENCH_MAX_WAIT (a rate's wait ends anyway, 300 s); BENCH_GIVE_UP_AFTER (higher rates are left out after
this many unsustainable ones in a row, 2: the machine is shared); BENCH_COST_RATE (whose per-filing costs
the table shows, 10); BENCH_IDENTITY_COUNT (200), BENCH_IDENTITY_CONCURRENCY (10); BENCH_SKELETON_RATES
(10,30,45; empty: left out). Quick:
BENCH_RATES=5,20 BENCH_SECONDS=10.
"""
import json
import os
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import eventlet
import requests

from bench import openloop, scrape
from bench.drive import closed_loop, http_session, open_loop
from bench.filing import grievance
from bench.floor import FloorProcess
from bench.identity_load import measure_identity
from bench.measure import (
    STALL_SECONDS,
    drop_run_databases,
    free_port,
    print_table,
    progress,
    wait_until_healthy,
)
from bench.paths import LOAD_GENERATOR, PlatformPath, SkeletonPath
from bench.procstat import niceness, pid_listening_on
from bench.skeleton import STORE_OPERATIONS_PER_FILING
from bench.watchers import IndexedTimes, NotifiedTimes, QueueDepths, RoutedTimes
from services.gateway.limits import SETTINGS as RATE_LIMIT_SETTINGS
from services.launcher import ServiceProcess
from services.registry import SERVICES
from shared import broker_access
from shared.config import database_name
from shared.elastic import connect as connect_es
from shared.elastic import drop_indices
from shared.mongo import connect
from synthetic import staff

ROOT = Path(__file__).resolve().parents[1]
OFFICES = [("phe", "Nadia")]  # where bench/filing.py's grievances go (water, Nadia)
SAMPLE_SECONDS = 1.0
BACKGROUND_SECONDS = 5.0


def env_rates(name="BENCH_RATES", default="5,10,20,40,80"):
    return [float(r) for r in os.environ.get(name, default).split(",") if r.strip()]


def env_number(name, default):
    return float(os.environ.get(name, default))


def run_config(config, run):
    """The platform's config for one measuring run (this one and scripts.filing_profile): its own databases and
    index prefix, development sign-in, filing and rate limits counted but never refusing, no night hold on SMS
    (the sending is measured at any hour), no log configuration."""
    config = dict(config, MONGO_DB_PREFIX=f"bench_{run}_", ES_INDEX_PREFIX=f"bench-{run}-",
                  AUTH_MODE="development", FILINGS_PER_MOBILE_PER_MONTH=10 ** 6,
                  INTERNAL_CALLER_KEY=secrets.token_urlsafe(48), NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    config.update({name: "1000000000/60" for name in RATE_LIMIT_SETTINGS})
    config.pop("LOGGING", None)
    return config


class Capacity:
    def __init__(self, config):
        self.run = uuid.uuid4().hex[:8]
        config = dict(run_config(config, self.run), TRUSTED_PROXIES="127.0.0.1")
        self.api = broker_access.ManagementApi(os.environ.get("RABBIT_API_URI", broker_access.LOCAL_API))
        self.vhost, self.user_prefix = f"sorasori-bench-{self.run}", f"bench-{self.run}-"
        self.passwords = broker_access.new_passwords()
        self.host = broker_access.broker_host(config["AMQP_URI"])
        config["AMQP_URI"] = broker_access.with_vhost(config["AMQP_URI"], self.vhost)
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{free_port()}"
        self.config = config
        self.base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
        self.floor_url = f"http://127.0.0.1:{free_port()}"
        self.metrics_ports = {name: free_port() for name in SERVICES}
        self.session = http_session()
        self.offset = int(time.time()) % 10 ** 6 * 1000  # fresh mobiles per run (a filing per mobile)
        self.platform = PlatformPath(self)

    # --- set-up -----------------------------------------------------------------------------------------
    def start(self):
        broker_access.provision(self.api, self.vhost, self.passwords, user_prefix=self.user_prefix)
        progress(f"capacity: vhost {self.vhost}, databases bench_{self.run}_*, indices bench-{self.run}-*")
        directory = Path(tempfile.mkdtemp(prefix="sorasori-bench-capacity-"))
        self.processes = {
            name: ServiceProcess(name, dict(self.config, METRICS_PORT=self.metrics_ports[name], AMQP_URI=(
                broker_access.amqp_uri(name, self.passwords[name], self.vhost, self.host, self.user_prefix))),
                directory) for name in SERVICES}
        floor_config = dict(self.config, METRICS_PORT=0, WEB_SERVER_ADDRESS=self.floor_url[len("http://"):])
        self.floor = {"floor gateway": FloorProcess("bench.floor:FloorGateway", floor_config, directory),
                      "floor store": FloorProcess("bench.floor:FloorStore", floor_config, directory)}
        for process in [*self.processes.values(), *self.floor.values()]:
            process.start()
        wait_until_healthy(self.base_url)
        self.wait_for_answer(f"{self.floor_url}/file")
        staff.seed(self.config, OFFICES, iter(range(7000000001, 7000099999)))  # routing's pools: the directory
        self.es = connect_es(self.config["ELASTICSEARCH_URL"], request_timeout=60)
        self.mongo = connect(self.config["MONGO_URI"], "bench")
        self.routed = RoutedTimes(self.config["AMQP_URI"])
        self.indexed = IndexedTimes(self.es, self.config)
        self.notified = NotifiedTimes(self.mongo[database_name(self.config, "notification")])
        self.queues = QueueDepths(self.api, self.vhost, self.config["AMQP_URI"])
        self.pids = self._pids()
        progress("processes measured: " + ", ".join(f"{label} ({pid})" for label, pid in self.pids.items()))

    def wait_for_answer(self, url, timeout=60):
        """Until a POST of a warm-up filing to the empty pipeline's or the skeleton's `url` is answered 201."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.session.post(url, json={"warm": True}, timeout=5).status_code == 201:
                    return
            except requests.RequestException:
                pass
            eventlet.sleep(0.5)
        raise SystemExit(f"[bench] {url} did not answer in {timeout}s")

    def _pids(self):
        pids = {name: process.process.pid for name, process in self.processes.items()}
        pids.update({label: process.pid for label, process in self.floor.items()})
        for label, uri, default in (("RabbitMQ (beam.smp)", self.config["AMQP_URI"], 5672),
                                    ("FerretDB", self.config["MONGO_URI"], 27017),
                                    ("Elasticsearch (java)", self.config["ELASTICSEARCH_URL"], 9200)):
            pid = pid_listening_on(urlparse(uri).port or default)
            if pid is None:
                progress(f"no process found listening for {label}: its CPU is left out")
            else:
                pids[label] = pid
        pids[LOAD_GENERATOR] = os.getpid()
        return pids

    def stop(self):
        for watcher in ("routed", "indexed", "queues"):
            if hasattr(self, watcher):
                getattr(self, watcher).close()
        for process in [*getattr(self, "processes", {}).values(), *getattr(self, "floor", {}).values()]:
            process.stop()
        if hasattr(self, "es"):
            self.es.close()
        drop_run_databases(connect(self.config["MONGO_URI"]), self.run)
        drop_indices(self.config)
        broker_access.remove(self.api, self.vhost, self.user_prefix)

    # --- one rate ---------------------------------------------------------------------------------------
    def file(self, n):
        body, headers = grievance(self.offset + n)
        response = self.session.post(f"{self.base_url}/api/v1/grievances", json=body, headers=headers, timeout=60)
        if response.status_code != 201:
            return False, response.status_code
        return True, (response.json()["tracking_id"], body["complainant"]["mobile"])

    def floor_file(self, n):
        response = self.session.post(f"{self.floor_url}/file", json={"n": n, "text": "জল নেই"}, timeout=60)
        return response.status_code == 201, None

    def measure_floor(self, per_second, seconds):
        results, elapsed = open_loop(per_second, seconds, self.floor_file, f"empty pipeline at {per_second:g}/s")
        ok = [r for r in results if r[3]]
        return {"rate": per_second, "sent": len(results), "accepted": len(ok), "failures": len(results) - len(ok),
                "achieved": len(ok) / elapsed, "filing": openloop.summary([r[1] for r in ok])}

    def measure_platform(self, per_second, seconds, stall_seconds, max_wait):
        return self.measure(self.platform, per_second, seconds, stall_seconds, max_wait)

    def measure_skeleton(self, rates, seconds, stall_seconds, max_wait):
        """The skeleton of a filing (bench/skeleton.py) at each rate, its services started for it and stopped after."""
        path = SkeletonPath(self, tempfile.mkdtemp(prefix="sorasori-bench-skeleton-"))
        results = []
        try:
            path.start(self.wait_for_answer)
            for per_second in rates:
                progress(f"the skeleton of a filing at {per_second:g}/s")
                self.wait_quiet(stall_seconds)
                results.append(self.measure(path, per_second, seconds, stall_seconds, max_wait))
        finally:
            path.stop()
        return results

    def measure(self, path, per_second, seconds, stall_seconds, max_wait):
        """One rate through a path (bench/paths.py: the platform's, or the skeleton's): filing latency, the lags
        of every accepted filing, the backlog during and after, and the cost per filing."""
        self.queues.refresh_names()
        idle = path.snapshot()
        eventlet.sleep(BACKGROUND_SECONDS)  # nothing sent: what every process burns anyway (other work, timers)
        before = path.snapshot()
        background = {label: None if idle["cpu"].get(label) is None or before["cpu"].get(label) is None else
                      (before["cpu"][label] - idle["cpu"][label]) / (before["time"] - idle["time"])
                      for label in before["cpu"]}
        during, sampling, deepest = [], [True], {}

        def sample():
            while sampling[0]:
                during.append(self.queues.total(deepest))
                eventlet.sleep(SAMPLE_SECONDS)

        sampler = eventlet.spawn(sample)
        offset, path.sent = path.sent, path.sent + int(round(per_second * seconds))
        results, elapsed = open_loop(per_second, seconds, lambda n: path.send(offset + n),
                                     f"{path.label} filing at {per_second:g}/s")
        sampling[0] = False
        sampler.wait()
        outbox_at_end = path.outbox_pending()
        accepted = {r[4][0]: (r[4][1], r[2]) for r in results if r[3]}  # filing -> (whom notified, answered at)
        after, waited = self._settle(path, accepted, stall_seconds, max_wait, deepest)
        cost = per_filing_cost(before, path.snapshot(), len(accepted), background)
        lags = {lag: [] for lag in openloop.LAGS}
        for key, (recipient, answered) in accepted.items():
            for lag, seen in path.seen(key, recipient).items():
                if seen is not None:
                    lags[lag].append((seen - answered) * 1000)
        failures = [r[4] for r in results if not r[3]]
        backlog = openloop.backlog_verdict(during, after)
        backlog.update(outbox_at_end=outbox_at_end, outbox_after=path.outbox_pending(),
                       deepest={q: d for q, d in sorted(deepest.items(), key=lambda kv: -kv[1]) if d})
        if backlog["outbox_after"] > openloop.SETTLED:
            backlog["bounded"] = False
        result = {"rate": per_second, "seconds": seconds, "sent": len(results), "accepted": len(accepted),
                  "failures": len(failures), "failure_kinds": sorted({str(f) for f in failures}),
                  "achieved": len(accepted) / elapsed,
                  "filing": openloop.summary([r[1] for r in results if r[3]]),
                  "lags": {lag: openloop.summary(samples) for lag, samples in lags.items()},
                  "backlog": backlog, "waited_seconds": waited, "queue_samples": during, "drain_samples": after,
                  "per_filing": cost}
        result["reasons"] = openloop.verdict(result)
        return result

    def _settle(self, path, accepted, stall_seconds, max_wait, deepest):
        """Wait while anything moves: until every filing is routed, indexed and notified and the queues are
        drained, or nothing moved for `stall_seconds` (or `max_wait` passed). The queue depths as
        [(seconds since the load ended, depth)]."""
        ended = time.monotonic()
        after, last_state, last_move, shown, read_at = [], None, ended, 0.0, 0.0
        while True:
            now = time.monotonic()
            if now - read_at >= 2 * SAMPLE_SECONDS:
                path.read()
                read_at = now
            depth = self.queues.total(deepest)
            after.append((now - ended, depth))
            seen = [path.seen(key, recipient) for key, (recipient, _) in accepted.items()]
            state = (*(sum(s[lag] is not None for s in seen) for lag in openloop.LAGS), depth)
            if state != last_state:
                last_state, last_move = state, now
            if now - shown >= 2:
                shown = now
                progress("  waiting: " + ", ".join(f"{lag} {n}/{len(accepted)}" for lag, n in
                                                   zip(openloop.LAGS, state)) + f", queued {depth} ({now - ended:.0f}s)")
            complete = state[:-1] == (len(accepted),) * len(openloop.LAGS) and depth <= openloop.SETTLED
            if complete or now - last_move >= stall_seconds or now - ended >= max_wait:
                if not complete:
                    progress(f"  stopped waiting: {'nothing moved for %gs' % stall_seconds if now - last_move >= stall_seconds else 'BENCH_MAX_WAIT passed'}")
                path.read(everything=True)
                return after, now - ended
            eventlet.sleep(SAMPLE_SECONDS)


    def wait_quiet(self, stall_seconds):
        """Between rates: until the queues are drained (or stop moving), so one rate's backlog is not the next's."""
        last, moved = None, time.monotonic()
        while True:
            depth = self.queues.total()
            if depth <= openloop.SETTLED:
                return
            if depth != last:
                last, moved = depth, time.monotonic()
            elif time.monotonic() - moved >= stall_seconds:
                progress(f"  {depth} messages stay queued; going on")
                return
            eventlet.sleep(SAMPLE_SECONDS)


def per_filing_cost(before, after, filings, background):
    """Per filing, between two snapshots: store operations, events published and consumed (per service),
    CPU milliseconds per process, gross and net of the process's idle rate measured just before (the
    servers are shared with other work on the machine; timers and scrapes run meanwhile)."""
    per = max(filings, 1)
    cost = {"filings": filings, "seconds": after["time"] - before["time"], "store_operations": {},
            "store_commands": {}, "events_published": {}, "events_consumed": {}, "cpu_ms": {},
            "cpu_ms_net": {}, "background_cpu_ms_per_s": background, "search_versions_sent": 0.0,
            "search_versions_coalesced": 0.0}
    for name in before["metrics"]:
        moved = scrape.delta(before["metrics"][name], after["metrics"][name])
        cost["store_operations"][name] = scrape.total(moved, scrape.STORE_OPERATIONS) / per
        cost["store_commands"][name] = {c: v / per for c, v in
                                        scrape.by_label(moved, scrape.STORE_OPERATIONS, "command").items()}
        cost["events_published"][name] = scrape.total(moved, scrape.EVENTS_PUBLISHED) / per
        cost["events_consumed"][name] = scrape.total(moved, scrape.EVENTS_HANDLED) / per
        for outcome in ("sent", "coalesced"):
            cost[f"search_versions_{outcome}"] += scrape.total(moved, scrape.SEARCH_VERSIONS, outcome=outcome) / per
    for label in before["cpu"]:
        start, end = before["cpu"].get(label), after["cpu"].get(label)
        cost["cpu_ms"][label] = None if start is None or end is None else (end - start) / per
        idle = background.get(label)
        cost["cpu_ms_net"][label] = (None if cost["cpu_ms"][label] is None or idle is None else
                                     max(cost["cpu_ms"][label] - idle * cost["seconds"] / per, 0.0))
    return cost


def measure_capacity(config):
    rates, seconds = env_rates(), env_number("BENCH_SECONDS", 20)
    stall, max_wait = env_number("BENCH_STALL_SECONDS", STALL_SECONDS), env_number("BENCH_MAX_WAIT", 300)
    give_up_after = int(env_number("BENCH_GIVE_UP_AFTER", 2))  # the machine is shared: no pointless overload
    cost_rate = env_number("BENCH_COST_RATE", 10 if 10 in rates else min(rates))
    report = {"started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg(), "rates": rates,
              "seconds": seconds, "cost_rate": cost_rate, "platform": [], "floor": []}
    progress(f"capacity: rates {', '.join(f'{r:g}' for r in rates)}/s for {seconds:g}s each; "
             f"load average {report['load_average_start'][0]:.2f} at the start")
    bench = Capacity(config)
    try:
        bench.start()
        report["niceness"] = {label: niceness(pid) for label, pid in bench.pids.items()}
        progress("warming up: 3 s at 5/s through each path")
        open_loop(5, 3, bench.floor_file, "warm-up, empty pipeline")
        bench.measure_platform(5, 3, stall, max_wait)
        failing = 0
        for per_second in rates:
            progress(f"rate {per_second:g}/s: the empty pipeline, then the platform")
            bench.wait_quiet(stall)
            report["floor"].append(bench.measure_floor(per_second, seconds))
            bench.wait_quiet(stall)
            result = bench.measure_platform(per_second, seconds, stall, max_wait)
            report["platform"].append(result)
            progress(f"  {per_second:g}/s: " + ("sustainable" if not result["reasons"]
                                                else "not sustainable: " + "; ".join(result["reasons"])))
            failing = failing + 1 if result["reasons"] else 0
            if failing == give_up_after and per_second != rates[-1]:
                progress(f"{failing} rates in a row were not sustainable: the higher ones are left out "
                         "(BENCH_GIVE_UP_AFTER)")
                break
        bench.wait_quiet(stall)
        progress("the empty pipeline's most, closed loop (10 at a time, 10 s)")
        report["floor_closed_loop"] = closed_loop(10, 10, bench.floor_file)
        report["identity"] = measure_identity(bench)
        report["sustainable_rate"] = openloop.sustainable_rate(report["platform"])
        skeleton_rates = env_rates("BENCH_SKELETON_RATES", "10,30,45")
        if skeleton_rates:
            bench.wait_quiet(stall)
            report["skeleton"] = bench.measure_skeleton(skeleton_rates, seconds, stall, max_wait)
    finally:
        bench.stop()
    report["load_average_end"] = os.getloadavg()
    report["finished"] = datetime.now(UTC).isoformat()
    path = ROOT / "var" / "bench" / f"capacity-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=str))
    print_report(report)
    print(f"\n(all figures: {path.relative_to(ROOT)})")
    return report


def _ms(summary):
    if not summary["count"]:
        return "none"
    return f"{summary['p50']:,.0f} ms p50, {summary['p99']:,.0f} ms p99"


def _ratio(value, floor):
    return f"{value / floor:.1f}x" if value is not None and floor else ""


def print_report(report):
    rows, notes = [], []
    floors = {f["rate"]: f for f in report["floor"]}
    for result in report["platform"]:
        rows += rate_rows(result, floors.get(result["rate"]), notes)
    sustainable = report.get("sustainable_rate")
    rows.append(("sustainable rate (filing p99 < 300 ms, every lag p99 < 2 s, all seen, backlog bounded)",
                 "none of these" if sustainable is None else f"{sustainable:g}/s", ""))
    if sustainable is not None:
        at = next(r for r in report["platform"] if r["rate"] == sustainable)
        floor = floors.get(sustainable)
        if floor and floor["filing"]["p99"]:
            rows.append(("  filing p99 at that rate / the empty pipeline's p99 (issue 17: at most 4x)",
                         f"{at['filing']['p99']:,.0f} / {floor['filing']['p99']:,.0f} ms",
                         _ratio(at["filing"]["p99"], floor["filing"]["p99"])))
    closed = report.get("floor_closed_loop")
    if closed:
        rows.append(("empty pipeline, closed loop (10 at a time, 10 s): its most", f"{closed['rate']:.0f}/s, "
                     f"{_ms(closed)}", ""))
    print(f"\nload average {report['load_average_start'][0]:.2f} at the start, "
          f"{report['load_average_end'][0]:.2f} at the end (2 cores, shared)")
    lowered = {label: n for label, n in (report.get("niceness") or {}).items() if n}
    print("CPU priority lowered (nice, BACKGROUND_NICENESS): "
          + (", ".join(f"{label} {n}" for label, n in lowered.items()) or "none"))
    print_table(rows, "p99 to the empty pipeline's")
    for note in notes:
        print(f"  {note}")
    cost = next((r["per_filing"] for r in report["platform"] if r["rate"] == report["cost_rate"]), None)
    if cost:
        print_cost(cost, report["cost_rate"])
    if report.get("identity"):
        print_table(report["identity"]["rows"], "rate to the empty pipeline's")
    if report.get("skeleton"):
        print_skeleton(report["skeleton"], floors)


def rate_rows(result, floor, notes):
    """One rate's rows (filing, the empty pipeline at that rate, the lags, the backlog, the verdict); why it is
    not sustainable and its deepest queues go to `notes`."""
    rate, rows = result["rate"], []
    rows.append((f"{rate:g}/s for {result['seconds']:g}s: filing ({result['accepted']}/{result['sent']} filed, "
                 f"{result['failures']} failed)", f"{result['achieved']:.1f}/s, {_ms(result['filing'])}",
                 _ratio(result["filing"]["p99"], floor and floor["filing"]["p99"])))
    if floor:
        rows.append((f"  empty pipeline, same rate ({floor['failures']} failed)",
                     f"{floor['achieved']:.1f}/s, {_ms(floor['filing'])}", "1.0x"))
    for lag in openloop.LAGS:
        summary = result["lags"][lag]
        rows.append((f"  201 -> {lag} ({summary['count']}/{result['accepted']})", _ms(summary), ""))
    backlog = result["backlog"]
    drained = "never" if backlog["drain_seconds"] is None else f"{backlog['drain_seconds']:.0f}s"
    rows.append(("  backlog: queued peak, growing at the end, drained after; outbox at end/after",
                 f"{backlog['peak']}, {'yes' if backlog['growing_at_end'] else 'no'}, {drained}; "
                 f"{backlog['outbox_at_end']:.0f}/{backlog['outbox_after']:.0f}",
                 "bounded" if backlog["bounded"] else "UNBOUNDED"))
    rows.append(("  verdict", "sustainable" if not result["reasons"] else "not sustainable (below)", ""))
    if result["reasons"]:
        notes.append(f"{rate:g}/s not sustainable: " + "; ".join(result["reasons"]))
    if backlog["deepest"]:
        notes.append(f"{rate:g}/s deepest queues (most ready at once): " + ", ".join(
            f"{q} {d}" for q, d in list(backlog["deepest"].items())[:3]))
    return rows


def print_skeleton(results, floors):
    print(f"\nthe skeleton of a filing (bench/skeleton.py): {STORE_OPERATIONS_PER_FILING} store operations, 3 events "
          "published, 5 handled, no domain work")
    rows, notes = [], []
    for result in results:
        rows += rate_rows(result, floors.get(result["rate"]), notes)
    print_table(rows, "p99 to the empty pipeline's")
    for note in notes:
        print(f"  {note}")
    for result in results:
        print_cost(result["per_filing"], result["rate"])


def cpu_ceiling(net_cpu_ms, cores=None):
    """Filings a second the machine's cores would carry if they did nothing else: a second of CPU per core over
    the net CPU milliseconds per filing of every measured process but the bench's own load generator."""
    spent = sum(ms for label, ms in net_cpu_ms.items() if ms is not None and label != LOAD_GENERATOR)
    return (cores or os.cpu_count()) * 1000 / spent if spent else None


def print_cost(cost, per_second):
    rows = []
    services = list(cost["store_operations"])
    for label, key in (("store operations", "store_operations"), ("events published", "events_published"),
                       ("events consumed", "events_consumed")):
        values = cost[key]
        if not any(values.values()):
            continue  # the skeleton's services count no events published (nameko's own dispatcher)
        rows.append((f"{label} per filing ({cost['filings']} filed at {per_second:g}/s)",
                     f"{sum(values.values()):.1f} in all", ""))
        for name in services:
            if values[name]:
                detail = ""
                if key == "store_operations":
                    top = sorted(cost["store_commands"][name].items(), key=lambda kv: -kv[1])[:4]
                    detail = ", ".join(f"{c} {v:.1f}" for c, v in top)
                rows.append((f"  {name}", f"{values[name]:.1f}", detail))
    if cost.get("search_versions_sent") or cost.get("search_versions_coalesced"):
        rows.append(("case versions the search service indexed per filing (coalesced in its batches)",
                     f"{cost['search_versions_sent']:.2f}", f"coalesced {cost['search_versions_coalesced']:.2f}"))
    measured = {label: ms for label, ms in cost["cpu_ms"].items() if ms is not None}
    net = cost["cpu_ms_net"]
    rows.append((f"CPU per filing, every process measured ({cost['seconds']:.0f}s window; net of each one's "
                 "idle rate the 5 s before)", f"{sum(measured.values()):.0f} ms",
                 f"net {sum(v for v in net.values() if v is not None):.0f} ms"))
    for label, ms in sorted(measured.items(), key=lambda kv: -kv[1]):
        idle = cost["background_cpu_ms_per_s"].get(label)
        rows.append((f"  {label}" + (f" (idle {idle:.0f} ms/s)" if idle else ""), f"{ms:.1f} ms",
                     "" if net.get(label) is None else f"net {net[label]:.1f} ms"))
    ceiling = cpu_ceiling(net)
    if ceiling:
        rows.append((f"filings a second all {os.cpu_count()} cores would carry at this net CPU per filing "
                     "(the load generator left out)", f"{ceiling:.0f}/s", ""))
    print_table(rows, "top commands / net CPU")

