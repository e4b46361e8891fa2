"""shared.authz: every role against every rule, written out here as a table (not derived from RULES), so a
change to who may do what shows up as a failing row."""
import pytest

from shared.authz import RULES, allowed, authorised, require
from shared.errors import Forbidden, ValidationFailed
from shared.vocabulary import ROLES

C, O, S, M, A, Y = "citizen", "officer", "supervisor", "cmo_cell", "admin", "system"
EXPECTED = {
    "platform.administer": {A},
    "cases.act_as_citizen": {C},
    "cases.read_all": {M},
    "cases.read_in_scope": {O, S},
    "cases.find_lookalikes": {C, M},
    "cases.export": {Y, A},
    "cases.personal_data_reads": {M},
    "deliveries.read_in_clear": {M, A},
    "queue.read": {O, S, M},
    "assignments.reassign": {S, M},
    "assignments.reassign_anywhere": {M},
    "notices.read": {O, S, M},
    "notices.read_supervisors_boxes": {S},
    "notices.read_cell_box": {M},
    "insights.read": {M, S},
    "dashboard.read": {M, A},
    "office.oversee": {S, M},
    "office.read_load": {S, M, A},
    "office.read_any_load": {M, A},
    "calls.file_for_citizens": {M},
}
CASES = [(rule, role, role in granted) for rule, granted in EXPECTED.items() for role in (C, O, S, M, A, Y)]


def test_the_table_names_every_rule_and_every_role():
    assert set(EXPECTED) == set(RULES)
    assert {str(r) for r in ROLES} == {C, O, S, M, A, Y}


@pytest.mark.parametrize("rule,role,granted", CASES, ids=[f"{r}-{o}" for r, o, _ in CASES])
def test_allowed_and_require(rule, role, granted):
    actor = {"sub": f"{role}-1", "role": role}
    assert allowed(actor, rule) is granted
    if granted:
        assert require(actor, rule) is actor
    else:
        with pytest.raises(Forbidden) as denied:
            require(actor, rule)
        assert denied.value.message == RULES[rule].denied


def test_require_says_what_the_caller_asks_it_to():
    with pytest.raises(Forbidden, match="officers resolve cases"):
        require({"sub": "c", "role": C}, "queue.read", "officers resolve cases")


def test_an_actor_without_a_role_is_granted_nothing():
    assert not any(allowed({"sub": "x"}, rule) for rule in RULES)


def test_an_unknown_rule_is_a_programming_error():
    with pytest.raises(KeyError):
        allowed({"sub": "a", "role": A}, "platform.administr")


def test_authorised_validates_the_actor_first():
    assert authorised({"sub": "a", "role": A}, "platform.administer")["districts"] == []
    with pytest.raises(ValidationFailed):
        authorised({"sub": "a", "role": "root"}, "platform.administer")
    with pytest.raises(ValidationFailed):
        authorised("admin", "platform.administer")
    with pytest.raises(Forbidden, match="only an administrator"):
        authorised({"sub": "m", "role": M}, "platform.administer")
