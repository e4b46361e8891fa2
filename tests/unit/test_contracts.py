"""The contracts between services (shared.contracts): every event a producer can emit has a schema, the
producers' data fits it, and a field the schema does not describe fails loudly."""
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.intake.domain import grievance as domain
from services.intake.domain.grievance import EVENT_FOR_ACTION
from services.notification import messages
from services.routing.domain import assignment as assignment_domain
from shared.contracts import (
    CASE_EVENTS,
    EVENT_SCHEMAS,
    ROUTING_DECISIONS,
    InvalidEventData,
    UndeclaredEvent,
    event_data,
    load_event_data,
)
from shared.events import json_data

ROOT = Path(__file__).resolve().parents[2]
PRODUCERS = {"intake": ["services/intake/service.py", "services/intake/domain"],
             "routing": ["services/routing/service.py", "services/routing/domain"],
             "identity": ["services/identity/directory.py"]}
NOW = datetime(2026, 12, 2, 5, 0, tzinfo=timezone.utc)
CELL = {"sub": "cmo-cell-1", "role": "cmo_cell"}
OFFICER = {"sub": "off-phe-bankura-l1-1", "role": "officer", "department": "phe", "districts": ["Bankura"]}


def emitted_types(paths):
    """Every `grievance.*` and `staff.*` literal in a producer's code: the event types it can emit."""
    found = set()
    for path in paths:
        files = [ROOT / path] if path.endswith(".py") else sorted((ROOT / path).glob("*.py"))
        for file in files:
            found |= set(re.findall(r'"((?:grievance|staff)\.[a-z_]+)"', file.read_text()))
    return found


@pytest.mark.parametrize("producer", sorted(PRODUCERS))
def test_every_event_type_a_producer_can_emit_has_a_schema(producer):
    types = emitted_types(PRODUCERS[producer])
    assert types, "the scan found nothing: the producer moved?"
    assert types - set(EVENT_SCHEMAS) == set()


def test_every_schema_describes_an_event_some_producer_emits():
    emitted = set(EVENT_FOR_ACTION.values()) | {t for paths in PRODUCERS.values() for t in emitted_types(paths)}
    assert set(EVENT_SCHEMAS) - emitted == set()
    staff_events = {"staff.changed"}  # identity's directory
    assert CASE_EVENTS | ROUTING_DECISIONS | staff_events == set(EVENT_SCHEMAS) and not CASE_EVENTS & ROUTING_DECISIONS


def a_case():
    grievance = {"kind": "complaint", "subject": "No drinking water", "description": "The tube well is broken.",
                 "category": "drinking_water", "place": {"district": "Bankura", "block": "Onda", "geo": None},
                 "complainant": {"name": "Mita Das", "mobile": "9830012345", "email": None, "language": "bn",
                                 "residence": {"state": "West Bengal"}},
                 "channel": "web", "attachments": [{"ref": "blob-1", "name": "photo.jpg", "content_type": None,
                                                    "size": 2048}]}
    case, events = domain.new_case("WB-2026-12345674", grievance, {"sub": "citizen-1", "role": "citizen"}, NOW)
    return case, events


def envelopes_data(case, change_or_events):
    """What intake's _envelopes makes of a step: each event's data, through its contract."""
    after = {**case, **getattr(change_or_events, "set", {})}
    events = getattr(change_or_events, "events", change_or_events)
    snapshot = domain.snapshot(after)
    return [(kind, event_data(kind, json_data({**details, "case": snapshot}))) for kind, details in events]


def test_a_filed_case_fits_its_contract_and_round_trips():
    case, events = a_case()
    [(kind, data)] = envelopes_data(case, events)
    assert kind == "grievance.filed" and data["schema_version"] == 1
    assert data["case"]["tracking_id"] == "WB-2026-12345674" and data["case"]["created_at"] == NOW.isoformat()
    assert load_event_data(kind, data) == data


def test_the_steps_of_a_case_emit_data_that_fits_their_contracts():
    case, _ = a_case()
    routed = domain.apply_routing(case, "routed", {"department": "phe", "district": "Bankura", "reason": "r"}, NOW)
    case = {**case, **routed.set, "status": "routed"}
    seen = {kind for kind, _ in envelopes_data(case, routed)}
    steps = [("acknowledge", {"note": None}), ("request_info", {"question": "Which para is it?"}),
             ("transfer", {"department": "panchayat_rd", "reason": "the panchayat owns the well"}),
             ("reject", {"reason": "sub_judice", "explanation": "Before the court already."})]
    for action, params in steps:
        base = {**case, "status": {"acknowledge": "routed", "request_info": "acknowledged"}.get(action, "in_progress")}
        seen |= {kind for kind, _ in envelopes_data(base, domain.apply_action(base, action, params, OFFICER, NOW))}
    assert {"grievance.status_changed", "grievance.acknowledged", "grievance.info_requested",
            "grievance.transferred", "grievance.rejected"} <= seen


def test_an_undeclared_field_fails_loudly_on_the_producer_side():
    case, events = a_case()
    snapshot = json_data(domain.snapshot(case))
    with pytest.raises(InvalidEventData) as raised:
        event_data("grievance.filed", {"case": snapshot, "filed_from_ip": "10.0.0.7"})
    assert raised.value.errors == {"filed_from_ip": ["Unknown field."]}
    with pytest.raises(InvalidEventData) as raised:
        event_data("grievance.filed", {"case": {**snapshot, "duplicate_key": "abc"}})  # a store field leaking
    assert raised.value.errors == {"case": {"duplicate_key": ["Unknown field."]}}
    with pytest.raises(InvalidEventData):
        event_data("grievance.filed", {"case": {**snapshot, "created_at": "2026-12-02 05:00"}})  # no offset
    with pytest.raises(UndeclaredEvent):
        event_data("grievance.teleported", {"case": snapshot})


def a_decision(kind="grievance.assigned", **overrides):
    assignment = {"_id": "WB-2026-12345674", "seq": 1, "department": "phe", "district": "Bankura", "category": None,
                  "officer_id": "off-phe-bankura-l1-1", "officer_name": "Amit Sen", "level": 1, "deadline": NOW,
                  "guess": {"category": None, "method": "triage", "confidence": 0.2, "reason": "unsure",
                            "threshold": 0.4, "suggestions": [{"category": "drinking_water", "department": "phe",
                                                               "confidence": 0.2}]}}
    [(_, decision)] = assignment_domain.decisions(
        assignment, assignment_domain.Change(events=[kind], reason="the rule for drinking water"))
    return {**json_data(decision), "seq": 2, **overrides}


@pytest.mark.parametrize("kind", sorted(ROUTING_DECISIONS))
def test_routings_decisions_fit_their_contract(kind):
    data = event_data(kind, a_decision(kind))
    assert data["deadline"] == NOW.isoformat() and data["schema_version"] == 1


def test_a_decision_with_an_undeclared_field_or_a_bad_level_is_refused():
    with pytest.raises(InvalidEventData) as raised:
        event_data("grievance.assigned", a_decision(officer_mobile="9830000000"))
    assert raised.value.errors == {"officer_mobile": ["Unknown field."]}
    with pytest.raises(InvalidEventData):
        load_event_data("grievance.escalated", a_decision(level=5))


def test_a_consumer_accepts_data_from_before_versions_and_refuses_an_unknown_version():
    decision = a_decision()
    assert load_event_data("grievance.assigned", decision)["schema_version"] == 1  # written before versions
    with pytest.raises(InvalidEventData) as raised:
        load_event_data("grievance.assigned", {**decision, "schema_version": 2})
    assert "schema_version" in raised.value.errors


def test_events_of_other_systems_pass_through_unchanged():
    assert load_event_data("case.recorded", {"anything": 1}) == {"anything": 1}


def test_notification_reads_each_producers_shape_without_guessing():
    case, events = a_case()
    [(kind, data)] = envelopes_data(case, events)
    filed = messages.values({"type": kind, "data": data})
    assert filed["tracking_id"] == "WB-2026-12345674" and filed["name"] == "Mita Das" and filed["district"] == "Bankura"
    assert filed["deadline"] == "not set" and filed["officer_name"] == ""
    decision = load_event_data("grievance.assigned", a_decision())
    assigned = messages.values({"type": "grievance.assigned", "data": decision})
    assert assigned["officer_name"] == "Amit Sen" and assigned["deadline"] == "2026-12-02 05:00 UTC"
    assert assigned["category"] == "" and assigned["reason"] == "the rule for drinking water"
    assert messages.scope({"type": "grievance.assigned", "data": decision}) == {"department": "phe",
                                                                               "district": "Bankura"}
    assert set(filed) == set(assigned)  # the templates get the same names whoever produced the event


# --- RPC contracts --------------------------------------------------------------------------------------

RPC_SERVICES = {"intake": "services.intake.service:IntakeService", "routing": "services.routing.service:RoutingService",
                "search": "services.search.service:SearchService",
                "identity": "services.identity.service:IdentityService",
                "notification": "services.notification.service:NotificationService"}


def rpc_methods():
    """service.method -> the method, for every @rpc of the platform's services (nameko's entrypoints)."""
    import importlib
    import inspect

    from nameko.rpc import Rpc

    found = {}
    for service, path in RPC_SERVICES.items():
        module, name = path.split(":")
        cls = getattr(importlib.import_module(module), name)
        for attr, method in inspect.getmembers(cls, inspect.isfunction):
            if any(isinstance(e, Rpc) for e in getattr(method, "nameko_entrypoints", ())):
                found[f"{service}.{attr}"] = method
    return found


def test_every_rpc_has_a_contract_naming_its_arguments_in_order():
    import inspect

    from shared.contracts.rpc import RPC_CONTRACTS

    methods = rpc_methods()
    assert len(methods) >= 46
    assert set(methods) - set(RPC_CONTRACTS) == set(), "an @rpc without a contract"
    assert set(RPC_CONTRACTS) - set(methods) == set(), "a contract for a method that does not exist"
    for name, method in methods.items():
        parameters = [p for p in inspect.signature(method).parameters if p != "self"]
        assert list(RPC_CONTRACTS[name].args) == parameters, name


def test_the_callers_identity_is_loaded_once_with_its_defaults_and_refused_when_malformed():
    from shared.contracts.rpc import RPC_CONTRACTS
    from shared.errors import ValidationFailed

    queue = RPC_CONTRACTS["routing.officer_queue"]
    loaded = queue.load_arguments({"actor": {"sub": "off-1", "role": "officer"}})
    assert loaded["actor"] == {"sub": "off-1", "role": "officer", "name": None, "mobile": None, "department": None,
                               "districts": []}
    for bad in ({"sub": "off-1", "role": "wizard"}, {"role": "officer"}, {"sub": "x", "role": "officer", "x": 1},
                None, "off-1"):
        with pytest.raises(ValidationFailed) as raised:
            queue.load_arguments({"actor": bad})
        assert "actor" in raised.value.details
    with pytest.raises(ValidationFailed) as raised:
        queue.load_arguments({"actor": {"sub": "a", "role": "officer"}, "extra": 1})
    assert raised.value.details == {"extra": ["Unknown field."]}


def test_an_answer_outside_its_contract_is_refused():
    from shared.contracts.rpc import ContractBroken, check_answer

    check_answer("intake", "file_grievance", {"tracking_id": "WB-1", "status": "filed", "missing": [],
                                              "duplicate": False})
    check_answer("intake", "file_grievance", {"tracking_id": "WB-1", "status": "filed", "duplicate": True})
    with pytest.raises(ContractBroken):
        check_answer("intake", "file_grievance", {"tracking_id": "WB-1", "status": "filed", "duplicate": False,
                                                  "complainant_mobile": "9830012345"})
    with pytest.raises(ContractBroken):
        check_answer("routing", "directory", {"not": "a list"})
    check_answer("casestore", "anything", object())  # not a platform method: no contract to hold it to
