from datetime import datetime, timedelta, timezone

import pytest

from services.intake import access
from services.intake.domain import grievance as g
from services.intake.domain import intake_rules, tracking
from services.intake.domain.lifecycle import IllegalTransition

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
CITIZEN = {"sub": "citizen-1", "role": "citizen", "mobile": "9830012345"}
OFFICER = {"sub": "off-phe-bankura-l1-1", "role": "officer", "department": "phe", "districts": ["Bankura"]}


def grievance(**overrides):
    base = {"kind": "complaint", "subject": "No drinking water", "category": "drinking_water",
            "description": "The tube well in our para has been broken for two weeks.",
            "place": {"district": "Bankura", "block": "Onda"}, "channel": "web", "attachments": [],
            "complainant": {"name": "Mita Das", "mobile": "9830012345", "email": "mita@example.org",
                            "language": "bn", "residence": {"state": "West Bengal", "address": "Onda"}}}
    base.update(overrides)
    return base


def test_tracking_ids_are_random_checked_and_well_formed():
    ids = {tracking.new_tracking_id(2026) for _ in range(200)}
    assert len(ids) == 200
    assert all(tracking.is_valid(i) and i.startswith("WB-2026-") and len(i) == 16 for i in ids)
    good = tracking.new_tracking_id(2026, randbelow=lambda n: 1234567)
    assert good == "WB-2026-12345674"
    assert not tracking.is_valid("WB-2026-12345675")   # a mistyped check digit
    assert not tracking.is_valid("WB-2026-21345674")   # swapped neighbours
    assert not tracking.is_valid("../etc/passwd")


def test_missing_facts_make_a_case_incomplete_not_rejected():
    case, events = g.new_case("WB-2026-12345674", grievance(description="", place={"district": None}), CITIZEN, NOW)
    assert case["status"] == "incomplete"
    assert case["missing"] == ["description", "place.district"]
    assert events == [("grievance.filed", {})]
    complete, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    assert complete["status"] == "filed" and complete["urgent"] is True and complete["level"] == 1


def test_repeat_key_ignores_case_spacing_and_punctuation():
    a = intake_rules.duplicate_key("9830012345", "No water!", "Tube well  broken.")
    b = intake_rules.duplicate_key("9830012345", "no water", "tube well broken")
    assert a == b
    assert a != intake_rules.duplicate_key("9830099999", "no water", "tube well broken")


def test_a_claimed_repeat_key_is_answered_waited_for_or_taken_over():
    verdict = intake_rules.repeat_claim_verdict
    fresh = {"tracking_id": "WB-2026-00000000", "at": NOW}
    assert verdict(fresh, True, NOW) == intake_rules.DUPLICATE
    assert verdict(fresh, False, NOW + timedelta(seconds=1)) == intake_rules.WAIT  # the winner is inserting
    abandoned = NOW + intake_rules.CLAIM_TAKEOVER_AFTER
    assert verdict(fresh, False, abandoned) == intake_rules.TAKE_OVER  # its filing died before the insert
    assert verdict(fresh, True, abandoned) == intake_rules.DUPLICATE
    assert verdict(fresh, True, NOW + intake_rules.DUPLICATE_WINDOW + timedelta(seconds=1)) == intake_rules.TAKE_OVER


def test_filing_counter_key_is_per_month_and_hides_the_number():
    key = intake_rules.filing_month_key("9830012345", NOW)
    assert key.endswith(":2026-11") and "9830012345" not in key
    assert key != intake_rules.filing_month_key("9830012345", NOW + timedelta(days=31))


def routed_case():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    case.update(status="routed", department="phe", officer_id=OFFICER["sub"])
    return case


def test_resolve_records_resolution_and_emits_events():
    case = routed_case()
    case["status"] = "in_progress"
    change = g.apply_action(case, "resolve", {"resolution": "New tube well installed on 28 Nov."}, OFFICER, NOW)
    assert change.set["status"] == "resolved" and change.set["resolution"].startswith("New tube well")
    kinds = [kind for kind, _ in change.events]
    assert kinds == ["grievance.status_changed", "grievance.resolved"]
    assert change.timeline[0]["public"] is True


def test_internal_notes_stay_internal_and_contact_attempts_are_shown_without_notes():
    case = routed_case()
    note = g.apply_action(case, "add_note", {"text": "Asked the BDO", "visibility": "internal"}, OFFICER, NOW)
    assert note.timeline[0]["public"] is False and note.events == []
    contact = g.apply_action(case, "log_contact", {"outcome": "no_answer", "channel": "phone",
                                                    "notes": "tried twice"}, OFFICER, NOW)
    assert contact.set["contact_attempts"] == 1 and contact.timeline[0]["public"]
    case["timeline"].append(contact.timeline[0])
    shown = access.view(case, CITIZEN)["timeline"][-1]
    assert shown["outcome"] == "no_answer" and "notes" not in shown  # the citizen sees the call, not the notes


def test_editing_an_incomplete_case_keeps_the_old_text_and_files_it():
    case, _ = g.new_case("WB-2026-12345674", grievance(description=""), CITIZEN, NOW)
    edit = {"changes": {"description": "Drafted on the call: the tube well has been broken for weeks."},
            "consent": "verbal_on_call"}
    change = g.apply_action(case, "edit_on_behalf", edit, OFFICER | {"role": "cmo_cell"}, NOW)
    assert change.versions[0]["before"] == {"description": ""}
    assert change.set["status"] == "filed" and change.set["missing"] == []
    assert ("grievance.filed", {"completed": True}) in change.events


def test_poor_rating_reopens_one_level_up():
    case = routed_case()
    case.update(status="resolved", level=1)
    change = g.apply_feedback(case, {"rating": 1, "comment": "Still no water"}, CITIZEN, NOW)
    assert change.set["status"] == "reopened" and change.set["level"] == 2 and change.set["reopenings"] == 1
    assert [k for k, _ in change.events] == ["grievance.feedback_received", "grievance.status_changed",
                                              "grievance.reopened"]


def test_good_rating_closes():
    case = routed_case()
    case["status"] = "resolved"
    change = g.apply_feedback(case, {"rating": 5}, CITIZEN, NOW)
    assert change.set["status"] == "closed"


def test_illegal_action_lists_what_is_allowed():
    with pytest.raises(IllegalTransition) as error:
        g.apply_action(routed_case(), "resolve", {"resolution": "done done done"}, OFFICER, NOW)
    assert "acknowledge" in error.value.allowed


def test_me_too_counts_each_citizen_once():
    case = routed_case()
    change = g.support(case, "k1", NOW)
    assert change.set["supporters"] == 1
    case["supporter_keys"] = ["k1"]
    assert g.support(case, "k1", NOW) is None


def test_routing_decisions_move_the_case_to_routed():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    change = g.apply_routing(case, "routed", {"department": "phe", "district": "Bankura", "reason": "r"}, NOW)
    assert change.set["status"] == "routed" and change.set["department"] == "phe"


class TestAccess:
    def case(self):
        case = routed_case()
        case["place"]["district"] = "Bankura"
        return case

    def test_citizens_see_only_their_own_cases(self):
        assert access.can_view(self.case(), CITIZEN)
        assert not access.can_view(self.case(), {"sub": "c2", "role": "citizen", "mobile": "9000000000"})

    def test_officers_see_their_department_and_districts(self):
        other = {"sub": "off-phe-nadia-l1-1", "role": "officer", "department": "phe", "districts": ["Nadia"]}
        wrong_dept = {"sub": "x", "role": "officer", "department": "power", "districts": ["Bankura"]}
        assert access.can_view(self.case(), OFFICER)
        assert not access.can_view(self.case(), other)
        assert not access.can_view(self.case(), wrong_dept)
        assert access.can_view(self.case(), {"sub": "y", "role": "cmo_cell"})

    def test_personal_data_is_masked_for_those_who_do_not_need_it(self):
        colleague = {"sub": "off-phe-bankura-l1-2", "role": "officer", "department": "phe", "districts": ["Bankura"]}
        shown = access.view(self.case(), colleague)
        assert shown["complainant"]["mobile"] == "98******45"
        assert shown["complainant"]["email"] == "m***@example.org"
        assert shown["complainant"]["residence"]["address"] == "(withheld)"
        assert access.view(self.case(), OFFICER)["complainant"]["mobile"] == "9830012345"  # assigned officer

    def test_each_caller_gets_one_audience(self):
        case = self.case()
        colleague = {"sub": "off-phe-bankura-l1-2", "role": "officer", "department": "phe", "districts": ["Bankura"]}
        supervisor = {**colleague, "sub": "sup-phe-bankura", "role": "supervisor"}
        drafter = {"sub": "off-phe-bankura-l1-3", "role": "officer", "department": "phe", "districts": ["Bankura"]}
        case["filed_by"] = {"id": drafter["sub"], "role": "officer"}
        case["complainant"]["mobile"] = CITIZEN["mobile"]
        assert access.audience(case, CITIZEN) == "complainant"
        assert [access.audience(case, a) for a in (OFFICER, drafter, {"sub": "c", "role": "cmo_cell"})] == \
            ["working"] * 3
        assert [access.audience(case, a) for a in (colleague, supervisor)] == ["other_staff"] * 2
        assert access.audience(case, {"sub": "admin-1", "role": "admin"}) == "subscriber"
        assert access.sees_personal_data(case, OFFICER) and not access.sees_personal_data(case, CITIZEN)
        assert not access.sees_personal_data(case, colleague)

    def test_editing_on_the_citizens_behalf_does_not_unmask(self):
        case = self.case()
        colleague = {"sub": "off-phe-bankura-l1-2", "role": "officer", "department": "phe", "districts": ["Bankura"]}
        edit = g.apply_action(case, "edit_on_behalf", {"changes": {"complainant": {**case["complainant"],
                              "mobile": "9831099887"}}, "consent": "verbal_on_call"}, colleague, NOW)
        case.update(edit.set, timeline=case["timeline"] + edit.timeline, versions=edit.versions)
        shown = access.view(case, colleague)
        assert "9831099887" not in str(shown) and "9830012345" not in str(shown)
        assert access.view(case, OFFICER)["versions"][0]["before"]["complainant"]["mobile"] == "9830012345"

    def test_citizens_see_public_entries_only(self):
        case = self.case()
        case["timeline"].append({"at": NOW, "kind": "add_note", "public": False, "text": "internal"})
        shown = access.view(case, CITIZEN)
        assert all(entry["public"] for entry in shown["timeline"])
        assert "officer_id" not in shown
        assert isinstance(shown["created_at"], str)


def test_each_routing_decision_carries_the_whole_assignment():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    decision = {"department": "phe", "district": "Bankura", "officer_id": "off-1", "level": 1, "deadline": NOW}
    assigned = g.apply_routing(case, "assigned", decision, NOW)
    assert assigned.set["department"] == "phe" and assigned.set["officer_id"] == "off-1"
    assert "status" not in assigned.set  # only `routed` moves the status
    late = g.apply_routing(case, "routed_status", {**decision, "reason": "category chosen"}, NOW)
    assert late.set == {"status": "routed"}
    assert late.timeline[0]["reason"] == "category chosen"


def test_escalations_are_remembered_by_level():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    decision = {"department": "phe", "district": "Bankura", "officer_id": "off-2", "level": 2, "deadline": NOW}
    assert "escalation_levels" not in g.apply_routing(case, "assigned", decision, NOW).set
    first = g.apply_routing(case, "escalated", decision, NOW)
    assert first.set["escalation_levels"] == [2]
    case.update(first.set)
    assert g.apply_routing(case, "escalated", {**decision, "level": 3}, NOW).set["escalation_levels"] == [2, 3]


def test_a_transfer_marks_older_routing_decisions_as_past():
    case = routed_case()
    case.update(status="in_progress", routing_seq=2)
    change = g.apply_action(case, "transfer", {"department": "power", "reason": "electric pump"}, OFFICER, NOW)
    assert change.set["rerouted_after_seq"] == 2 and change.set["transfers"] == 1


def test_a_guessed_category_is_recorded_with_its_urgency_once():
    case, _ = g.new_case("WB-2026-12345674", grievance(category=None), CITIZEN, NOW)
    assert case["urgent"] is False
    guess = {"category": "electricity_supply", "method": "keyword", "confidence": 0.91, "reason": "keyword 'x'",
             "threshold": 0.3, "suggestions": []}
    decision = {"department": "power", "district": "Bankura", "reason": "r", "guess": guess}
    change = g.apply_routing(case, "routed", decision, NOW)
    assert change.set["category"] == "electricity_supply" and change.set["urgent"] is True
    assert change.set["routing_guess"] == guess
    assert ("grievance.category_guessed", {"category": "electricity_supply", "method": "keyword",
                                           "confidence": 0.91}) in change.events
    case.update(change.set)
    assigned = g.apply_routing(case, "assigned", {**decision, "officer_id": "o", "level": 1, "deadline": NOW}, NOW)
    assert "routing_guess" not in assigned.set  # recorded once


def test_a_triaged_case_keeps_no_category_but_the_suggestions():
    case, _ = g.new_case("WB-2026-12345674", grievance(category=None), CITIZEN, NOW)
    guess = {"category": "other", "method": "triage", "confidence": 0.2, "reason": "unsure", "threshold": 0.3,
             "suggestions": [{"category": "pension", "department": "finance", "confidence": 0.2}] * 3}
    change = g.apply_routing(case, "routed", {"department": "cmo_cell", "district": "state", "guess": guess}, NOW)
    assert "category" not in change.set and change.set["routing_guess"]["suggestions"][0]["category"] == "pension"


def test_a_category_chosen_at_filing_is_never_overwritten_by_a_guess():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    guess = {"category": "pension", "method": "classifier", "confidence": 0.9, "reason": "r", "threshold": 0.3,
             "suggestions": []}
    change = g.apply_routing(case, "routed", {"department": "phe", "district": "Bankura", "guess": guess}, NOW)
    assert "category" not in change.set and "routing_guess" not in change.set


def test_a_special_close_records_why_and_the_cells_reopening_keeps_the_level_and_the_appeal_count():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    head = {"sub": "off-phe-state-l3-1", "role": "officer", "department": "phe", "districts": ["*"]}
    case.update(status="in_progress", level=3, officer_id=head["sub"], reopenings=2, routing_seq=7)
    params = {"action": "special_close", "reason": "sub_judice", "text": "Title suit 112/2025 is pending."}
    change = g.apply_action(case, "special_close", params, head, NOW)
    assert change.set["status"] == "special_closed"
    assert change.set["special_close"] == {"reason": "sub_judice", "text": "Title suit 112/2025 is pending.",
                                           "at": NOW, "level": 3}
    assert ("grievance.special_closed", {"reason": "sub_judice", "text": "Title suit 112/2025 is pending."}) \
        in change.events
    assert change.timeline[0]["public"] and change.timeline[0]["kind"] == "special_close"
    closed = {**case, **change.set}
    cell = {"sub": "cmo-cell-1", "role": "cmo_cell"}
    later = NOW + timedelta(days=2)
    reopen = g.apply_action(closed, "reopen_special_close", {"action": "reopen_special_close",
                                                             "reason": "The court vacated its stay."}, cell, later)
    assert reopen.set["status"] == "reopened" and "level" not in reopen.set and "reopenings" not in reopen.set
    assert reopen.set["special_close"]["reopen_reason"] == "The court vacated its stay."
    assert reopen.set["special_close"]["reopened_at"] == later and reopen.set["rerouted_after_seq"] == 7
    assert ("grievance.reopened", {"reason": "The court vacated its stay.", "special_close": True}) in reopen.events
    with pytest.raises(IllegalTransition):
        g.apply_action(closed, "reopen_special_close", {"action": "reopen_special_close", "reason": "again"},
                       head, later)


def test_an_escalation_tells_whether_the_case_changed_hands():
    case, _ = g.new_case("WB-2026-12345674", grievance(), CITIZEN, NOW)
    case.update(status="routed", officer_id="off-phe-bankura-l1-1")
    decision = {"department": "phe", "district": "Bankura", "officer_id": "off-phe-bankura-l2-1", "level": 2}
    escalated = g.apply_routing(case, "escalated", decision, NOW)
    assert ("grievance.assignment_recorded", {"kind": "escalated", "level": 2, "handler_changed": True}) \
        in escalated.events
    first = g.apply_routing({**case, "officer_id": None}, "assigned", {**decision, "level": 1}, NOW)
    assert first.events[0][1]["handler_changed"] is False
