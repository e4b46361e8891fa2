"""Who may do what: one table of rules, each the set of roles it grants, asked by every service.

    require(actor, "notices.read")            # raises Forbidden (403) with the rule's message
    if allowed(actor, "cases.read_all"): ...  # a branch (what a caller sees), no error
    actor = authorised(actor, "platform.administer")  # validate the actor, then require

A rule grants by role only; what a role's scope adds (a department and districts, `shared.actors.covers`;
the complainant's own case) is checked by the service beside it. Intake's life cycle keeps its own table of
which role takes which action on a case (`services/intake/domain/lifecycle.py`).
"""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.actors import actor_schema
from shared.errors import Forbidden, validated
from shared.vocabulary import SCOPED_ROLES, STAFF_ROLES, Role


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    denied: str  # the Forbidden message


def _rule(roles, denied: str) -> Rule:
    return Rule(frozenset(roles), denied)


RULES: dict[str, Rule] = {
    # administration: accounts, keys, clients and the audit log (identity), webhooks and dead letters
    # (notification), the components in /health (gateway)
    "platform.administer": _rule({Role.ADMIN}, "only an administrator may do this"),
    # cases (intake, search, notification's delivery log)
    "cases.act_as_citizen": _rule({Role.CITIZEN}, "only a citizen may do this"),
    "cases.read_all": _rule({Role.CMO_CELL}, "only the CMO cell sees every case"),
    "cases.read_in_scope": _rule(SCOPED_ROLES, "only officers and supervisors see the cases of their scope"),
    # before filing, the open cases like the one being filed (a citizen, or the call centre filing for one)
    "cases.find_lookalikes": _rule({Role.CITIZEN, Role.CMO_CELL}, "open cases to join are offered to citizens filing"),
    "cases.export": _rule({Role.SYSTEM, Role.ADMIN}, "exporting cases is for platform jobs and administrators"),
    "cases.personal_data_reads": _rule({Role.CMO_CELL}, "the access log is for the CMO cell"),
    "deliveries.read_in_clear": _rule({Role.CMO_CELL, Role.ADMIN}, "the delivery log is for staff"),
    # routing
    "queue.read": _rule(STAFF_ROLES, "the queue is for officers"),
    "assignments.reassign": _rule({Role.SUPERVISOR, Role.CMO_CELL}, "only a supervisor or the CMO cell reassigns"),
    "assignments.reassign_anywhere": _rule({Role.CMO_CELL}, "only the CMO cell reassigns anywhere"),
    # notification: staff notice boxes
    "notices.read": _rule(STAFF_ROLES, "notices are for officers, supervisors and the CMO cell"),
    "notices.read_supervisors_boxes": _rule({Role.SUPERVISOR}, "only supervisors read their districts' boxes"),
    "notices.read_cell_box": _rule({Role.CMO_CELL}, "only the CMO cell reads its box"),
    # search
    "insights.read": _rule({Role.CMO_CELL, Role.SUPERVISOR}, "insights are for the CMO cell and supervisors"),
    "office.oversee": _rule({Role.SUPERVISOR, Role.CMO_CELL}, "the office's load and outreach are for supervisors and the CMO cell"),
    # routing: an office's load per officer (a supervisor: their own office, shared.actors.covers)
    "office.read_load": _rule({Role.SUPERVISOR, Role.CMO_CELL, Role.ADMIN},
                              "an office's load is for its supervisor, the CMO cell and administrators"),
    "office.read_any_load": _rule({Role.CMO_CELL, Role.ADMIN}, "only the CMO cell and administrators read any office's load"),
    "calls.file_for_citizens": _rule({Role.CMO_CELL}, "filing for a caller is the call centre's"),
    "dashboard.read": _rule({Role.CMO_CELL, Role.ADMIN}, "the dashboard is for the CMO cell and administrators"),
}


def allowed(actor: Mapping[str, Any], rule: str) -> bool:
    """Whether the actor's role is granted `rule` (an unknown rule is a programming error: KeyError)."""
    return actor.get("role") in RULES[rule].roles


def require(actor: Mapping[str, Any], rule: str, denied: str | None = None) -> Mapping[str, Any]:
    """The actor, or Forbidden with `denied` (default: the rule's message)."""
    if not allowed(actor, rule):
        raise Forbidden(denied or RULES[rule].denied)
    return actor


def authorised(actor: Any, rule: str, denied: str | None = None) -> dict[str, Any]:
    """The actor validated (`shared.actors.ActorSchema`: a 400 when malformed), then `require`d."""
    actor = validated(actor_schema, actor)
    require(actor, rule, denied)
    return actor
