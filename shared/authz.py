"""Who may do what: one table of rules, each the set of roles it grants, asked by every service.

    require(actor, "notices.read")            # raises Forbidden (403) with the rule's message
    if allowed(actor, "cases.read_all"): ...  # a branch (what a caller sees), no error
    actor = authorised(actor, "platform.administer")  # validate the actor, then require

A rule grants by role; what a role's scope adds (a department and districts, `shared.actors.covers`;
the complainant's own case) is checked by the service beside it. Intake's life cycle keeps its own table of
which role takes which action on a case (`services/intake/domain/lifecycle.py`).

Machine clients (role `client`) are granted a rule only when their token also holds the rule's `scope`
(`shared.vocabulary.Scope`); without it they get InsufficientScope (403 naming the scope). At the gateway
every route says which scope a machine client needs to call it (`Operation(scope=...)`, checked by
`require_route_scope` in one place, the authenticator); a route without one refuses machine clients.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.actors import actor_schema
from shared.errors import Forbidden, InsufficientScope, validated
from shared.vocabulary import ROLES, SCOPED_ROLES, STAFF_ROLES, Role, Scope


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    denied: str  # the Forbidden message
    scope: Scope | None = None  # what a machine client's token must hold besides its role (rules granting one)


def _rule(roles, denied: str, scope: Scope | None = None) -> Rule:
    return Rule(frozenset(roles), denied, scope)


RULES: dict[str, Rule] = {
    # administration: accounts, keys, clients and the audit log (identity), webhooks and dead letters
    # (notification), the components in /health (gateway)
    "platform.administer": _rule({Role.ADMIN}, "only an administrator may do this"),
    # cases (intake, search, notification's delivery log)
    "cases.act_as_citizen": _rule({Role.CITIZEN}, "only a citizen may do this"),
    "cases.read_all": _rule({Role.CMO_CELL}, "only the CMO cell sees every case"),
    "cases.read_in_scope": _rule(SCOPED_ROLES, "only officers and supervisors see the cases of their scope"),
    # machine clients: the cases they filed and those of their departments and districts, as other staff see them
    "cases.read_as_client": _rule({Role.CLIENT}, "only machine clients read cases this way", Scope.GRIEVANCES_READ),
    "cases.search": _rule(STAFF_ROLES + (Role.CLIENT,), "search is for officers and the CMO cell",
                          Scope.GRIEVANCES_READ),
    # everyone files (staff: walk-in and phoned-in cases; machine clients: for their systems' citizens)
    "cases.file": _rule(set(ROLES), "filing is not open to this caller", Scope.GRIEVANCES_FILE),
    # a machine client filing through the Open311 endpoint (channel open311)
    "cases.file_open311": _rule({Role.CLIENT}, "Open311 filings come from machine clients", Scope.OPEN311),
    # a phone-assisted filing past the monthly limit per mobile (staff, never a citizen or a machine client)
    "cases.lift_filing_limit": _rule({Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL, Role.ADMIN, Role.SYSTEM},
                                     "only an officer filing a phone-assisted case may lift the filing limit"),
    # before filing, the open cases like the one being filed (a citizen, or the call centre filing for one)
    "cases.find_lookalikes": _rule({Role.CITIZEN, Role.CMO_CELL}, "open cases to join are offered to citizens filing"),
    "cases.export": _rule({Role.SYSTEM, Role.ADMIN}, "exporting cases is for platform jobs and administrators"),
    "cases.personal_data_reads": _rule({Role.CMO_CELL}, "the access log is for the CMO cell"),
    "deliveries.read_in_clear": _rule({Role.CMO_CELL, Role.ADMIN}, "the delivery log is for staff"),
    # routing
    "queue.read": _rule(STAFF_ROLES, "the queue is for officers"),
    "assignments.reassign": _rule({Role.SUPERVISOR, Role.CMO_CELL}, "only a supervisor or the CMO cell reassigns"),
    "assignments.reassign_anywhere": _rule({Role.CMO_CELL}, "only the CMO cell reassigns anywhere"),
    "assignments.receive": _rule({Role.OFFICER, Role.CMO_CELL}, "only officers and the CMO cell are given cases"),
    # identity's officer directory: the CMO cell's staff sit in its own office (cmo_cell, state, level 4)
    "directory.sits_in_cmo_cell": _rule({Role.CMO_CELL}, "only the CMO cell's staff sit in its office"),
    # notification: staff notice boxes
    "notices.read": _rule(STAFF_ROLES, "notices are for officers, supervisors and the CMO cell"),
    "notices.read_supervisors_boxes": _rule({Role.SUPERVISOR}, "only supervisors read their districts' boxes"),
    "notices.read_cell_box": _rule({Role.CMO_CELL}, "only the CMO cell reads its box"),
    # search
    "insights.read": _rule({Role.CMO_CELL, Role.SUPERVISOR, Role.CLIENT}, "insights are for the CMO cell and "
                           "supervisors", Scope.INSIGHTS_READ),
    "office.oversee": _rule({Role.SUPERVISOR, Role.CMO_CELL}, "the office's load and outreach are for supervisors and the CMO cell"),
    # routing: an office's load per officer (a supervisor: their own office, shared.actors.covers)
    "office.read_load": _rule({Role.SUPERVISOR, Role.CMO_CELL, Role.ADMIN},
                              "an office's load is for its supervisor, the CMO cell and administrators"),
    "office.read_any_load": _rule({Role.CMO_CELL, Role.ADMIN}, "only the CMO cell and administrators read any office's load"),
    "calls.file_for_citizens": _rule({Role.CMO_CELL}, "filing for a caller is the call centre's"),
    "dashboard.read": _rule({Role.CMO_CELL, Role.ADMIN}, "the dashboard is for the CMO cell and administrators"),
    # the public event stream's subscriber accounts and webhooks (notification): administrators all, a machine
    # client its own
    "events.subscribe": _rule({Role.ADMIN, Role.CLIENT},
                              "subscriptions are for administrators and machine clients with events:subscribe",
                              Scope.EVENTS_SUBSCRIBE),
}


def _holds(actor: Mapping[str, Any], scope: Scope | None) -> bool:
    """A machine client's token holds `scope` (anyone else: scopes do not apply)."""
    if actor.get("role") != Role.CLIENT:
        return True
    return scope is not None and scope in (actor.get("scopes") or ())


def allowed(actor: Mapping[str, Any], rule: str) -> bool:
    """Whether the actor's role is granted `rule` (and a machine client's token holds its scope). An unknown
    rule is a programming error: KeyError."""
    granted = RULES[rule]
    return actor.get("role") in granted.roles and _holds(actor, granted.scope)


def require(actor: Mapping[str, Any], rule: str, denied: str | None = None) -> Mapping[str, Any]:
    """The actor, or Forbidden with `denied` (default: the rule's message); InsufficientScope for a machine
    client whose role is granted the rule but whose token lacks its scope."""
    granted = RULES[rule]
    if actor.get("role") not in granted.roles:
        raise Forbidden(denied or granted.denied)
    if not _holds(actor, granted.scope):
        raise insufficient_scope(granted.scope)
    return actor


def insufficient_scope(scope: Scope) -> InsufficientScope:
    return InsufficientScope(f"this needs the scope {scope}, which this access token does not hold; ask the "
                             f"token endpoint for it (an administrator gives the client its scopes)",
                             {"scope": str(scope)})


def require_route_scope(actor: Mapping[str, Any], scope: Scope | None) -> Mapping[str, Any]:
    """The gateway's check before any route runs: a machine client may call a route only with the scope the
    route declares; a route that declares none is not for machine clients. Everyone else passes (their
    routes' services decide, by the rules above)."""
    if actor.get("role") != Role.CLIENT:
        return actor
    if scope is None:
        raise Forbidden("machine clients may not use this route: it is for people (citizens, officers, "
                        "administrators), and notices are addressed to people; a system follows its cases through "
                        "event subscriptions (scope events:subscribe). The routes open to machine clients name their "
                        "scope in the OpenAPI document")
    if not _holds(actor, scope):
        raise insufficient_scope(scope)
    return actor



def authorised(actor: Any, rule: str, denied: str | None = None) -> dict[str, Any]:
    """The actor validated (`shared.actors.ActorSchema`: a 400 when malformed), then `require`d."""
    actor = validated(actor_schema, actor)
    require(actor, rule, denied)
    return actor
