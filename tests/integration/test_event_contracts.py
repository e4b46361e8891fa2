"""Every event intake and routing publish while cases live their lives loads through its contract
(shared.contracts): a producer that emits a field its schema does not describe fails here."""
from datetime import datetime, timedelta

from marshmallow import ValidationError

from shared.contracts import EVENT_SCHEMAS
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

ASHA = citizen("9830044444", "Asha Roy")


def assigned_officer(platform, tracking_id, level=1):
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id") and c["level"] == level, "an assignment")
    return case, officer(case["officer_id"], case["department"], [case["place"]["district"]])


def resolve(platform, tracking_id, actor, resolution):
    platform.ok(platform.act(tracking_id, actor, action="acknowledge"))
    platform.ok(platform.act(tracking_id, actor, action="start"))
    platform.ok(platform.act(tracking_id, actor, action="resolve", resolution=resolution))


def a_case_through_its_life(platform, platform_config, event_log):
    """Filed, routed, acknowledged, asked and answered, noted, transferred, resolved, rated poorly
    (reopened), escalated by moving time, resolved again, rated well (closed); supported by a neighbour."""
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830044444"), ASHA), 201)["tracking_id"]
    _, me = assigned_officer(platform, tracking_id)
    platform.ok(platform.act(tracking_id, me, action="acknowledge", note="Seen"))
    # early, so a broken contract fails here with its errors rather than later as a consumer's dead letter
    wait_for(lambda: "grievance.acknowledged" in event_log.types(tracking_id), what="the first events")
    for event in event_log.events:
        strictly_loaded(event)
    platform.ok(platform.support(tracking_id, citizen("9830044445", "Neighbour")))
    platform.ok(platform.act(tracking_id, me, action="request_info", question="Which para is it exactly?"))
    platform.ok(platform.act(tracking_id, ASHA, action="provide_info", text="Dakshin para, near the school"))
    platform.ok(platform.act(tracking_id, me, action="add_note", visibility="public", text="A mechanic is coming"))
    platform.ok(platform.act(tracking_id, me, action="transfer", department="panchayat_rd",
                             reason="the tube well belongs to the gram panchayat"))
    case = platform.wait_case(tracking_id, lambda c: c["department"] == "panchayat_rd" and c["status"] == "routed",
                              "the transfer to be routed")
    other = officer(case["officer_id"], case["department"], [case["place"]["district"]])
    resolve(platform, tracking_id, other, "The panchayat repaired the tube well on 2 December.")
    before = platform.case(tracking_id)["sla_deadline"]
    platform.ok(platform.feedback(tracking_id, ASHA, rating=1, comment="It broke again the next day"))
    case = platform.wait_case(tracking_id, lambda c: c["level"] == 2 and c["sla_deadline"] != before,
                              "the reopened case to be assigned at level 2")
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        deadline = datetime.fromisoformat(case["sla_deadline"])
        assert cluster.routing.check_clocks({"now": (deadline - timedelta(minutes=1)).isoformat()})["reminded"] == 1
        assert cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})["escalated"] == 1
    assigned_officer(platform, tracking_id, level=3)
    resolve(platform, tracking_id, CMO_CELL, "A new tube well was sunk this week.")
    platform.ok(platform.feedback(tracking_id, ASHA, rating=5, comment="Thank you"))
    return tracking_id


def an_incomplete_case_drafted_and_rejected(platform):
    """Filed by the cell without a description or category, completed on the caller's behalf (routing
    guesses the category), then rejected."""
    body = drinking_water(mobile="9830044446")
    body.update(description="", category=None)
    tracking_id = platform.ok(platform.file({**body, "channel": "phone_assisted"}, CMO_CELL), 201)["tracking_id"]
    platform.ok(platform.act(tracking_id, CMO_CELL, action="edit_on_behalf", consent="verbal_on_call",
                             changes={"description": "The tube well in our para has given no water for a week; "
                                                     "the handle is broken and nobody has come to repair it."}))
    _, me = assigned_officer(platform, tracking_id)
    platform.ok(platform.act(tracking_id, me, action="reject", reason="sub_judice",
                             explanation="The matter is before the district court already."))
    return tracking_id


def strictly_loaded(event):
    schema = EVENT_SCHEMAS[event["type"]]()  # unknown fields raise: nothing undeclared goes through
    try:
        return schema.load(event["data"])
    except ValidationError as error:
        raise AssertionError(f"{event['type']} breaks its contract: {error.messages}") from None


def test_every_published_event_loads_through_its_contract(platform, platform_config, event_log):
    cases = [a_case_through_its_life(platform, platform_config, event_log),
             an_incomplete_case_drafted_and_rejected(platform)]
    wanted = {"grievance.filed", "grievance.status_changed", "grievance.acknowledged", "grievance.supported",
              "grievance.info_requested", "grievance.info_provided", "grievance.note_added",
              "grievance.transferred", "grievance.resolved", "grievance.feedback_received", "grievance.reopened",
              "grievance.closed", "grievance.edited", "grievance.rejected", "grievance.category_guessed",
              "grievance.assignment_recorded", "grievance.routed", "grievance.assigned", "grievance.escalated",
              "grievance.sla_reminder"}
    wait_for(lambda: wanted <= {e["type"] for e in event_log.drain() if e["subject"] in cases} and
             "grievance.closed" in event_log.types(cases[0]) and "grievance.rejected" in event_log.types(cases[1]),
             what="every kind of event", timeout=30)

    events = [e for e in event_log.events if e["subject"] in cases]
    assert {e["type"] for e in events} - set(EVENT_SCHEMAS) == set()
    for event in events:
        loaded = strictly_loaded(event)
        assert loaded["schema_version"] == event["data"].get("schema_version") == 1
        tracking_id = loaded["case"]["tracking_id"] if "case" in loaded else loaded["tracking_id"]
        assert tracking_id == event["subject"]


def test_data_that_breaks_its_contract_is_dead_lettered_not_handled(platform_config, rabbit_config, rabbit_manager,
                                                                    runner_factory, event_log):
    from kombu import Connection, Exchange

    from services.routing.service import RoutingService
    from shared.consumers import dead_letter_queue_name
    from shared.events import new_event

    runner_factory(platform_config, RoutingService).start()
    queue = dead_letter_queue_name("evt-intake-grievance.filed--routing.on_filed")
    case = {"tracking_id": "WB-2026-99999997", "version": 1, "kind": "complaint", "status": "filed", "level": 1,
            "subject": "No water", "channel": "web", "place": {"district": "Bankura"}, "complainant": {"name": "M"},
            "category": "drinking_water", "created_at": "2026-12-02T05:00:00+00:00",
            "updated_at": "2026-12-02T05:00:00+00:00"}
    undeclared = new_event("grievance.filed", "intake", {"case": {**case, "priority": "high"}},
                           subject=case["tracking_id"])
    with Connection(platform_config["AMQP_URI"]) as connection:
        connection.Producer(serializer="json").publish(
            undeclared, exchange=Exchange("intake.events", type="topic", durable=True), routing_key=undeclared["type"])
    wait_for(lambda: rabbit_manager.get_queue(rabbit_config["vhost"], queue).get("messages") == 1,
             what="the event in routing's dead-letter queue")
    assert "grievance.routed" not in event_log.types(case["tracking_id"])  # routing never acted on it
