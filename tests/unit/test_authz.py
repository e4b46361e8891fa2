"""shared.authz: every role against every rule, written out here as a table (not derived from RULES), so a
change to who may do what shows up as a failing row; and for machine clients, which scope each rule needs."""
import pytest

from shared.authz import RULES, allowed, authorised, require, require_route_scope
from shared.errors import Forbidden, InsufficientScope, ValidationFailed
from shared.vocabulary import CLIENT_SCOPES, ROLES

C, O, S, M, A, Y, K = "citizen", "officer", "supervisor", "cmo_cell", "admin", "system", "client"
EVERYONE = {C, O, S, M, A, Y, K}
EXPECTED = {
    "platform.administer": {A},
    "cases.act_as_citizen": {C},
    "cases.read_all": {M},
    "cases.read_in_scope": {O, S},
    "cases.read_as_client": {K},
    "cases.search": {O, S, M, K},
    "cases.file": EVERYONE,
    "cases.file_open311": {K},
    "cases.lift_filing_limit": {O, S, M, A, Y},
    "cases.find_lookalikes": {C, M},
    "cases.export": {Y, A},
    "cases.personal_data_reads": {M},
    "deliveries.read_in_clear": {M, A},
    "queue.read": {O, S, M},
    "assignments.reassign": {S, M},
    "assignments.reassign_anywhere": {M},
    "assignments.receive": {O, M},
    "directory.sits_in_cmo_cell": {M},
    "notices.read": {O, S, M},
    "notices.read_supervisors_boxes": {S},
    "notices.read_cell_box": {M},
    "insights.read": {M, S, K},
    "dashboard.read": {M, A},
    "office.oversee": {S, M},
    "office.read_load": {S, M, A},
    "office.read_any_load": {M, A},
    "calls.file_for_citizens": {M},
    "events.subscribe": {A, K},
}
# what a machine client's token must hold for each rule granted to machine clients
SCOPE_OF = {
    "cases.read_as_client": "grievances:read",
    "cases.search": "grievances:read",
    "cases.file": "grievances:file",
    "cases.file_open311": "open311",
    "insights.read": "insights:read",
    "events.subscribe": "events:subscribe",
}
CASES = [(rule, role, role in granted) for rule, granted in EXPECTED.items() for role in sorted(EVERYONE)]


def actor_of(role, scopes=()):
    actor = {"sub": f"{role}-1", "role": role}
    return {**actor, "scopes": list(scopes)} if role == K else actor


def test_the_table_names_every_rule_and_every_role():
    assert set(EXPECTED) == set(RULES)
    assert {str(r) for r in ROLES} == EVERYONE


def test_every_rule_granted_to_machine_clients_names_its_scope():
    assert {rule: str(RULES[rule].scope) for rule in RULES if K in RULES[rule].roles} == SCOPE_OF
    assert set(SCOPE_OF.values()) <= set(CLIENT_SCOPES)


@pytest.mark.parametrize("rule,role,granted", CASES, ids=[f"{r}-{o}" for r, o, _ in CASES])
def test_allowed_and_require(rule, role, granted):
    actor = actor_of(role, CLIENT_SCOPES)  # a machine client holding every scope: its role decides
    assert allowed(actor, rule) is granted
    if granted:
        assert require(actor, rule) is actor
    else:
        with pytest.raises(Forbidden) as denied:
            require(actor, rule)
        assert denied.value.message == RULES[rule].denied


@pytest.mark.parametrize("rule", sorted(SCOPE_OF))
def test_a_machine_client_needs_the_rules_scope(rule):
    others = [scope for scope in CLIENT_SCOPES if scope != SCOPE_OF[rule]]
    assert allowed(actor_of(K, [SCOPE_OF[rule]]), rule)
    assert not allowed(actor_of(K, others), rule) and not allowed(actor_of(K), rule)
    with pytest.raises(InsufficientScope) as lacking:
        require(actor_of(K, others), rule)
    assert lacking.value.details == {"scope": SCOPE_OF[rule]} and SCOPE_OF[rule] in lacking.value.message
    assert lacking.value.headers == {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{SCOPE_OF[rule]}"'}


def test_scopes_do_not_widen_what_a_person_may_do():
    for role in EVERYONE - {K}:
        for rule in RULES:
            assert allowed({**actor_of(role), "scopes": list(CLIENT_SCOPES)}, rule) == allowed(actor_of(role), rule)


def test_a_route_refuses_machine_clients_without_its_scope_and_passes_everyone_else():
    reader = actor_of(K, ["grievances:read"])
    assert require_route_scope(reader, "grievances:read") is reader
    with pytest.raises(InsufficientScope, match="grievances:file"):
        require_route_scope(reader, "grievances:file")
    with pytest.raises(Forbidden, match="machine clients may not use this route"):
        require_route_scope(reader, None)
    for role in EVERYONE - {K}:
        assert require_route_scope(actor_of(role), None) == actor_of(role)


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
