"""The capacity bench's pure parts: the open-loop schedule, summaries, the backlog and sustainable-rate
decisions, /proc parsing and the /metrics arithmetic (bench/openloop.py, bench/procstat.py, bench/scrape.py)."""
import os
import subprocess
import time
from pathlib import Path

from bench import openloop, scrape
from bench.procstat import CLOCK_TICKS, cpu_ms, cpu_ticks, listening_inodes, niceness


def test_an_open_loop_schedule_sends_at_fixed_times_whatever_the_answers():
    times = openloop.schedule(20, 3)
    assert len(times) == 60 and times[0] == 0 and times[1] == 0.05 and abs(times[-1] - 2.95) < 1e-9
    assert openloop.schedule(2.5, 2) == [0, 0.4, 0.8, 1.2, 1.6]


def test_summary_gives_nearest_rank_percentiles_and_none_when_empty():
    samples = list(range(1, 101))  # 1..100 ms
    assert openloop.summary(samples) == {"count": 100, "p50": 51, "p99": 99}
    assert openloop.summary([]) == {"count": 0, "p50": None, "p99": None}


def test_a_backlog_growing_to_the_end_of_the_load_is_unbounded_even_if_it_drains_later():
    rising = [0, 2, 5, 9, 14, 20, 27, 35, 44, 54, 65, 77]
    verdict = openloop.backlog_verdict(rising, [(0.0, 77), (2.0, 30), (4.0, 0)])
    assert verdict["growing_at_end"] and not verdict["bounded"] and verdict["peak"] == 77


def test_a_steady_backlog_that_drains_within_seconds_is_bounded():
    steady = [3, 5, 4, 6, 5, 4, 6, 5, 4, 5, 6, 5]
    assert not openloop.growing([20, 35, 18, 30, 25, 15, 33, 22, 28, 17, 31, 24])  # wobbling around a level
    assert openloop.growing([435, 446, 468, 476, 486, 492, 509, 533, 551, 568, 586, 609, 645, 675, 708])  # high, rising
    verdict = openloop.backlog_verdict(steady, [(0.0, 5), (1.0, 3), (2.1, 1), (3.0, 0)])
    assert not verdict["growing_at_end"] and verdict["drain_seconds"] == 2.1 and verdict["bounded"]


def test_a_backlog_that_never_drains_or_drains_too_late_is_unbounded():
    steady = [4] * 12
    assert openloop.backlog_verdict(steady, [(0.0, 4), (9.0, 4)])["drain_seconds"] is None
    late = openloop.backlog_verdict(steady, [(0.0, 40), (8.0, 0)])
    assert late["drain_seconds"] == 8.0 and not late["bounded"]


def result(rate, filing_p99=100, lag_p99=1500, failures=0, seen=None, bounded=True, accepted=100):
    lags = {lag: {"count": accepted if seen is None else seen, "p50": lag_p99 / 2, "p99": lag_p99}
            for lag in openloop.LAGS}
    return {"rate": rate, "failures": failures, "accepted": accepted, "filing": {"count": accepted, "p50": 10,
            "p99": filing_p99}, "lags": lags, "backlog": {"bounded": bounded}}


def test_a_rate_is_sustainable_only_under_every_limit():
    assert openloop.verdict(result(10)) == []
    assert openloop.verdict(result(10, filing_p99=300)) == ["filing p99 300 >= 300 ms"]
    assert "routed p99 2,000 >= 2000 ms" in openloop.verdict(result(10, lag_p99=2000))
    assert openloop.verdict(result(10, failures=3)) == ["3 filings failed"]
    assert "5 never notified" in openloop.verdict(result(10, seen=95))
    assert openloop.verdict(result(10, bounded=False)) == ["backlog not bounded"]


def test_the_sustainable_rate_is_the_highest_rate_that_passed():
    runs = [result(5), result(10), result(20, filing_p99=450), result(40, lag_p99=9000)]
    assert openloop.sustainable_rate(runs) == 10
    assert openloop.sustainable_rate([result(5, failures=1)]) is None


def test_cpu_ticks_are_read_after_the_last_parenthesis_of_the_command_name():
    # a command name with spaces and a ')' of its own; utime 1234 and stime 56 (fields 14 and 15)
    fields = ["S", "1", "2", "3", "0", "-1", "4194560", "100", "0", "0", "0", "1234", "56", "7", "8"]
    line = "4242 (odd) name (x)) " + " ".join(fields) + " 20 0 1 0 99"
    assert cpu_ticks(line) == 1290


def test_cpu_ms_reads_this_process_and_none_for_a_process_that_is_gone(tmp_path):
    spent = sum(os.times()[:2]) * 1000
    measured = cpu_ms(os.getpid())
    assert measured is not None and abs(measured - spent) <= 2 * 1000 / CLOCK_TICKS + 50
    assert cpu_ms(99999999, proc=Path(tmp_path)) is None


def test_niceness_is_the_process_own_and_none_for_a_process_that_is_gone(tmp_path):
    assert niceness(os.getpid()) == os.nice(0)
    child = subprocess.Popen(["nice", "-n", "7", "sleep", "5"])
    try:
        deadline = time.monotonic() + 5
        while Path(f"/proc/{child.pid}/cmdline").read_bytes().split(b"\0")[0] != b"sleep" and time.monotonic() < deadline:
            time.sleep(0.01)  # until `nice` has exec'd sleep at its new priority
        assert niceness(child.pid) == min(os.nice(0) + 7, 19)
    finally:
        child.kill()
        child.wait()
    assert niceness(99999999, proc=Path(tmp_path)) is None


def test_listening_inodes_match_the_port_and_the_listen_state_only():
    table = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   107        0 5551\n"
        "   1: 0100007F:9D44 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 7771\n"
        "   2: 0100007F:23F0 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 8881\n")
    assert listening_inodes(table, 5432) == {"5551"}  # 0x1538; the connection to it (state 01) is not
    assert listening_inodes(table, 9200) == {"8881"}
    assert listening_inodes(table, 27017) == set()


def test_metrics_deltas_sum_by_label():
    text = ('# TYPE sorasori_store_operations_total counter\n'
            'sorasori_store_operations_total{command="insert",service="intake"} 10.0\n'
            'sorasori_store_operations_total{command="find",service="intake"} 4.0\n'
            '# TYPE sorasori_rpc_handled_total counter\n'
            'sorasori_rpc_handled_total{method="jwks",outcome="ok",service="identity"} 1.0\n')
    before = scrape.counters(text)
    after = scrape.counters(text.replace("} 10.0", "} 16.0").replace("} 4.0", "} 7.0"))
    moved = scrape.delta(before, after)
    assert scrape.total(moved, scrape.STORE_OPERATIONS) == 9
    assert scrape.by_label(moved, scrape.STORE_OPERATIONS, "command") == {"insert": 6, "find": 3}
    assert scrape.total(moved, scrape.RPC_HANDLED) == 0  # unmoved counters are left out
    assert scrape.total(after, scrape.STORE_OPERATIONS, command="find") == 7


def test_a_wait_goes_on_while_the_work_moves_and_stops_when_it_stalls():
    from bench.measure import wait_while_moving

    ticks = iter(range(1, 1000))
    moving = wait_while_moving(lambda: min(next(ticks), 30), 30, "test", stall_seconds=0.2, poll=0.01)
    assert moving == 30  # 30 polls, longer than the stall limit in all, but never stalled
    started = time.monotonic()
    stalled = wait_while_moving(lambda: 7, 30, "test", stall_seconds=0.2, poll=0.01)
    assert stalled == 7 and 0.2 <= time.monotonic() - started < 2


def test_the_indexing_bench_sends_events_the_search_service_accepts():
    from bench.indexing import note_event
    from shared.contracts import load_event_data
    from shared.events import parse_event

    event = parse_event(note_event(7, "run1"))
    data = load_event_data(event["type"], event["data"])  # raises InvalidEventData (dead-lettered) otherwise
    assert data["case"]["tracking_id"] == "WB-run1-00000007" == event["subject"]


def test_the_cpu_ceiling_is_every_core_over_the_net_cpu_of_a_filing_without_the_load_generator():
    from bench.capacity import cpu_ceiling
    from bench.paths import LOAD_GENERATOR

    net = {"intake": 20.0, "FerretDB": 30.0, "gone": None, LOAD_GENERATOR: 50.0}
    assert cpu_ceiling(net, cores=2) == 40.0
    assert cpu_ceiling({LOAD_GENERATOR: 5.0}, cores=2) is None


def test_the_skeleton_of_a_filing_makes_the_store_operations_it_claims():
    """One filing through the skeleton's five services (bench/skeleton.py), each store a recording stand-in:
    the store operations add up to STORE_OPERATIONS_PER_FILING and each hop hands the next its event."""
    import eventlet
    from nameko.testing.services import worker_factory
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from bench import skeleton

    gateway = worker_factory(skeleton.SkeletonGateway)
    gateway.intake.file.return_value = "f1"
    request = Request(EnvironBuilder(method="POST", path="/file", json={"n": 1}).get_environ())
    assert gateway.file(request).status_code == 201
    intake = worker_factory(skeleton.SkeletonIntake)
    filing_id = intake.file({"n": 1})
    eventlet.sleep(0)  # the relay's thread
    filed = intake.dispatch.call_args_list[0].args
    assert filed == ("filed", {"id": filing_id})
    routing = worker_factory(skeleton.SkeletonRouting)
    routing.filed(filed[1])
    assigned = routing.dispatch.call_args.args
    assert assigned[0] == "assigned" and assigned[1]["id"] == filing_id
    intake.assigned(assigned[1])
    assert intake.dispatch.call_args.args == ("status_changed", {"id": filing_id, "version": 2})
    notification = worker_factory(skeleton.SkeletonNotification)
    notification.filed(filed[1])
    search = worker_factory(skeleton.SkeletonSearch, config={"ES_INDEX_PREFIX": "t-"})
    search.filed(filed[1])
    search.status_changed({"id": filing_id, "version": 2})
    assert search.es.index.call_args.kwargs["index"] == "t-skeleton"

    counted = sum(len(worker.database.mock_calls) for worker in (gateway, intake, routing, notification))  # each a call
    assert counted == skeleton.STORE_OPERATIONS_PER_FILING
