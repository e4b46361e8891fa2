"""SLA clocks: escalation through all four levels by moving time, reminders, and clocks that survive."""
from datetime import datetime, timedelta

from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for


def at(iso):
    return datetime.fromisoformat(iso)


def test_escalation_through_all_four_levels(platform, platform_config, event_log):
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830022222", district="Nadia"),
                                            citizen("9830022222")), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    assert case["level"] == 1

    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        reminder = cluster.routing.check_clocks({"now": (at(case["sla_deadline"]) - timedelta(minutes=1)).isoformat()})
        assert reminder == {"escalated": 0, "reminded": 1, "breached": 0}
        seen = [(1, case["officer_id"])]
        for level in (2, 3, 4):
            deadline = at(platform.case(tracking_id)["sla_deadline"])
            assert cluster.routing.check_clocks({"now": (deadline - timedelta(seconds=1)).isoformat()})[
                "escalated"] == 0
            assert cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})[
                "escalated"] == 1
            case = platform.wait_case(tracking_id, lambda c, n=level: c["level"] == n, f"level {level}")
            assert at(case["sla_deadline"]) > deadline  # a fresh clock for the new level
            seen.append((level, case["officer_id"]))
        top_deadline = at(case["sla_deadline"])
        assert cluster.routing.check_clocks({"now": (top_deadline + timedelta(days=30)).isoformat()}) == \
            {"escalated": 0, "reminded": 0, "breached": 1}
        assert cluster.routing.check_clocks({"now": (top_deadline + timedelta(days=31)).isoformat()}) == \
            {"escalated": 0, "reminded": 0, "breached": 0}

    assert [level for level, _ in seen] == [1, 2, 3, 4]
    assert "-phe-nadia-l1-" in seen[0][1] and "-phe-nadia-l2-" in seen[1][1]
    assert "-phe-state-l3-" in seen[2][1] and "-cmo_cell-state-l4-" in seen[3][1]
    types = wait_for(lambda: (t := event_log.types(tracking_id)).count("grievance.escalated") == 3 and
                     "grievance.sla_breached" in t and t, what="escalation events")
    assert "grievance.sla_reminder" in types
    escalations = [e["data"] for e in event_log.events if e["type"] == "grievance.escalated"]
    assert [e["level"] for e in escalations] == [2, 3, 4]
    assert all("SLA missed" in e["reason"] for e in escalations)
    officer_view = platform.case(tracking_id)
    assert [e["level"] for e in officer_view["timeline"] if e["kind"] == "escalated"] == [2, 3, 4]


def test_a_clock_waits_while_the_citizen_is_asked_for_information(platform, platform_config):
    from tests.integration.platform_client import officer

    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830033333"), citizen("9830033333")), 201)[
        "tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    me = officer(case["officer_id"], "phe", ["Bankura"])
    platform.ok(platform.act(tracking_id, me, action="acknowledge"))
    platform.ok(platform.act(tracking_id, me, action="request_info", question="Which para is it exactly?"))
    wait_for(lambda: platform.ok(platform.queue(me))["items"][0]["clock"] == "paused", what="clock paused")
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        later = (at(case["sla_deadline"]) + timedelta(days=10)).isoformat()
        assert cluster.routing.check_clocks({"now": later})["escalated"] == 0
    platform.ok(platform.act(tracking_id, citizen("9830033333"), action="provide_info", text="Dakshin para"))
    wait_for(lambda: platform.ok(platform.queue(me))["items"][0]["clock"] == "active", what="clock resumed")


def test_moving_time_is_refused_unless_allowed(platform_config, runner_factory):
    from services.routing.service import RoutingService
    from shared.errors import Forbidden

    platform_config["ALLOW_CLOCK_OVERRIDE"] = False
    runner_factory(platform_config, RoutingService).start()
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        try:
            cluster.routing.check_clocks({"now": "2030-01-01T00:00:00+00:00"})
        except Forbidden as error:
            assert "ALLOW_CLOCK_OVERRIDE" in error.message
        else:
            raise AssertionError("moving time should be refused")
        assert cluster.routing.check_clocks({}) == {"escalated": 0, "reminded": 0, "breached": 0}
