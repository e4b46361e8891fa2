"""The life cycle, exhaustively: every (status, action, role) is either allowed as the table says or
refused with the allowed actions listed."""
import itertools

import pytest

from services.intake.domain import lifecycle as lc

ROLES = (lc.CITIZEN, lc.OFFICER, lc.SUPERVISOR, lc.CMO_CELL, lc.SYSTEM)

EXPECTED_TARGETS = {
    ("route", lc.FILED): lc.ROUTED, ("route", lc.TRANSFERRED): lc.ROUTED, ("route", lc.REOPENED): lc.ROUTED,
    ("complete", lc.INCOMPLETE): lc.FILED,
    ("acknowledge", lc.ROUTED): lc.ACKNOWLEDGED,
    ("start", lc.ACKNOWLEDGED): lc.IN_PROGRESS,
    ("request_info", lc.ACKNOWLEDGED): lc.INFO_REQUESTED, ("request_info", lc.IN_PROGRESS): lc.INFO_REQUESTED,
    ("provide_info", lc.INFO_REQUESTED): lc.IN_PROGRESS,
    ("resolve", lc.ACKNOWLEDGED): lc.RESOLVED, ("resolve", lc.IN_PROGRESS): lc.RESOLVED,
    ("resolve", lc.INFO_REQUESTED): lc.RESOLVED,
    ("close", lc.RESOLVED): lc.CLOSED,
    ("appeal", lc.RESOLVED): lc.REOPENED, ("appeal", lc.CLOSED): lc.REOPENED, ("appeal", lc.REJECTED): lc.REOPENED,
}
for status in lc.WORKING:
    EXPECTED_TARGETS[("transfer", status)] = lc.TRANSFERRED
    EXPECTED_TARGETS[("special_close", status)] = lc.SPECIAL_CLOSED
EXPECTED_TARGETS[("reopen_special_close", lc.SPECIAL_CLOSED)] = lc.REOPENED
for status in (lc.INCOMPLETE, lc.FILED) + lc.WORKING:
    EXPECTED_TARGETS[("reject", status)] = lc.REJECTED


@pytest.mark.parametrize("status, action, role", list(itertools.product(lc.STATUSES, lc.RULES, ROLES)))
def test_every_transition_is_allowed_or_refused_with_alternatives(status, action, role):
    rule = lc.RULES[action]
    case = {"status": status, "transfers": 0, "reopenings": 0, "level": 3}
    if status in rule.sources and role in rule.roles:
        assert lc.decide(case, action, role) == EXPECTED_TARGETS.get((action, status))
    else:
        with pytest.raises(lc.IllegalTransition) as error:
            lc.decide(case, action, role)
        assert error.value.allowed == lc.allowed_actions(status, role, 3)
        assert action not in error.value.allowed


def test_the_happy_path():
    case = {"status": lc.FILED}
    for action, role in [("route", lc.SYSTEM), ("acknowledge", lc.OFFICER), ("start", lc.OFFICER),
                         ("resolve", lc.OFFICER), ("close", lc.OFFICER)]:
        case["status"] = lc.decide(case, action, role)
    assert case["status"] == lc.CLOSED


def test_at_most_three_transfers():
    assert lc.decide({"status": lc.IN_PROGRESS, "transfers": 2}, "transfer", lc.OFFICER) == lc.TRANSFERRED
    with pytest.raises(lc.LimitReached) as error:
        lc.decide({"status": lc.IN_PROGRESS, "transfers": 3}, "transfer", lc.OFFICER)
    assert "transfer" not in error.value.allowed and "resolve" in error.value.allowed


def test_at_most_two_reopenings():
    assert lc.decide({"status": lc.CLOSED, "reopenings": 1}, "appeal", lc.CITIZEN) == lc.REOPENED
    with pytest.raises(lc.LimitReached):
        lc.decide({"status": lc.CLOSED, "reopenings": 2}, "appeal", lc.CITIZEN)


def test_notes_and_contacts_never_change_status():
    for status in lc.STATUSES:
        assert lc.decide({"status": status}, "log_contact", lc.OFFICER) is None
        assert lc.decide({"status": status}, "add_note", lc.CMO_CELL) is None


def test_citizens_cannot_take_officers_actions():
    for action in ("acknowledge", "resolve", "reject", "transfer", "close", "add_note"):
        with pytest.raises(lc.IllegalTransition):
            lc.decide({"status": lc.ROUTED}, action, lc.CITIZEN)


@pytest.mark.parametrize("rating, appeal, status, outcome", [
    (5, False, lc.RESOLVED, "close"), (3, False, lc.RESOLVED, "close"), (2, False, lc.RESOLVED, "appeal"),
    (1, False, lc.CLOSED, "appeal"), (4, True, lc.RESOLVED, "appeal"), (4, False, lc.CLOSED, None),
])
def test_feedback_outcomes(rating, appeal, status, outcome):
    assert lc.feedback_outcome(status, rating, appeal) == outcome


def test_feedback_before_resolution_is_refused():
    with pytest.raises(lc.IllegalTransition):
        lc.feedback_outcome(lc.IN_PROGRESS, 5, False)


def test_levels_stop_at_the_cmo_cell():
    assert [lc.next_level(n) for n in (1, 2, 3, 4)] == [2, 3, 4, 4]


@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("role", [lc.OFFICER, lc.SUPERVISOR, lc.CMO_CELL])
def test_special_close_is_refused_below_level_3_naming_the_rule(level, role):
    case = {"status": lc.IN_PROGRESS, "level": level}
    with pytest.raises(lc.LevelTooLow) as error:
        lc.decide(case, "special_close", role)
    assert "levels 3 and 4" in error.value.message and f"level {level}" in error.value.message
    assert "special_close" not in error.value.allowed
    assert "special_close" not in lc.allowed_actions(lc.IN_PROGRESS, role, level)
    assert "resolve" in error.value.allowed


@pytest.mark.parametrize("level", [3, 4])
def test_special_close_at_levels_3_and_4_and_only_the_cell_reopens_it(level):
    case = {"status": lc.ACKNOWLEDGED, "level": level}
    assert "special_close" in lc.allowed_actions(lc.ACKNOWLEDGED, lc.OFFICER, level)
    assert lc.decide(case, "special_close", lc.OFFICER) == lc.SPECIAL_CLOSED
    closed = {"status": lc.SPECIAL_CLOSED, "level": level, "reopenings": 2}
    assert sorted(lc.allowed_actions(lc.SPECIAL_CLOSED, lc.CMO_CELL, level)) == ["add_note", "log_contact",
                                                                         "reopen_special_close"]
    assert lc.decide(closed, "reopen_special_close", lc.CMO_CELL) == lc.REOPENED  # not an appeal: no limit
    for role in (lc.OFFICER, lc.SUPERVISOR, lc.CITIZEN):
        with pytest.raises(lc.IllegalTransition):
            lc.decide(closed, "reopen_special_close", role)
    with pytest.raises(lc.IllegalTransition):  # not a resolution: no rating, no appeal by the citizen
        lc.decide(closed, "appeal", lc.CITIZEN)
    with pytest.raises(lc.IllegalTransition):
        lc.feedback_outcome(lc.SPECIAL_CLOSED, 1, True)


def test_an_officer_special_closes_only_a_case_they_hold():
    case = {"status": lc.IN_PROGRESS, "level": 3, "officer_id": "off-phe-state-l3-1"}
    holder = {"sub": "off-phe-state-l3-1", "role": lc.OFFICER}
    other = {"sub": "off-phe-bankura-l1-1", "role": lc.OFFICER}
    supervisor = {"sub": "sup-phe-state", "role": lc.SUPERVISOR}
    assert "special_close" in lc.allowed_for(case, holder) and "special_close" in lc.allowed_for(case, supervisor)
    assert "special_close" not in lc.allowed_for(case, other) and "resolve" in lc.allowed_for(case, other)
    lc.check_holder(case, "special_close", holder)
    lc.check_holder(case, "resolve", other)
    with pytest.raises(lc.IllegalTransition) as error:
        lc.check_holder(case, "special_close", other)
    assert "officer holding the case" in error.value.message and "special_close" not in error.value.allowed
