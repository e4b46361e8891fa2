"""The platform's words, in one place: what services say to each other and store (statuses, kinds, channels,
roles, levels, office ids, token audiences, the services themselves).

A StrEnum member is the string it stands for (`Status.FILED == "filed"`, JSON, BSON and Elasticsearch see
"filed"), so stored documents and messages do not change. A domain module that owns a rule over these words
(intake's life cycle owns the transitions, routing's rules the offices) imports them from here.
`tests/unit/test_vocabulary_guard.py` fails when a status, role, audience or office id is spelled out in
services/ instead.
"""
from enum import IntEnum, StrEnum
from typing import Final


class Status(StrEnum):
    """A grievance's status (intake's `domain/lifecycle.py` says which action leads from which to which)."""
    INCOMPLETE = "incomplete"          # facts missing: the cell calls the citizen
    FILED = "filed"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    INFO_REQUESTED = "info_requested"  # waiting on the citizen
    TRANSFERRED = "transferred"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"
    SPECIAL_CLOSED = "special_closed"  # closed at L3/L4 with a recorded reason, not resolved; the cell may reopen


STATUSES: Final[tuple[Status, ...]] = tuple(Status)
# the case's work is over: routing stops its SLA clock, search counts it out of the backlog
STOPPED_STATUSES: Final[tuple[Status, ...]] = (Status.RESOLVED, Status.CLOSED, Status.REJECTED,
                                               Status.SPECIAL_CLOSED)
OPEN_STATUSES: Final[tuple[Status, ...]] = tuple(s for s in Status if s not in STOPPED_STATUSES)
# an officer holds the case
WORKING_STATUSES: Final[tuple[Status, ...]] = (Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS,
                                               Status.INFO_REQUESTED)
# the SLA clock runs: open, not waiting on the citizen, not incomplete
CLOCK_RUNNING_STATUSES: Final[tuple[Status, ...]] = (Status.FILED, Status.ROUTED, Status.ACKNOWLEDGED,
                                                     Status.IN_PROGRESS, Status.TRANSFERRED, Status.REOPENED)
# resolved for the citizen (a rating may follow)
DONE_STATUSES: Final[tuple[Status, ...]] = (Status.RESOLVED, Status.CLOSED)


class Kind(StrEnum):
    COMPLAINT = "complaint"
    FEEDBACK = "feedback"
    SUGGESTION = "suggestion"


KINDS: Final[tuple[Kind, ...]] = tuple(Kind)


class Channel(StrEnum):
    """How a grievance reached the cell."""
    WEB = "web"
    MOBILE = "mobile"
    PHONE_ASSISTED = "phone_assisted"  # an officer files it for a caller
    EMAIL = "email"
    OPEN311 = "open311"  # another system's client (FixMyStreet and the like) through GeoReport v2


CHANNELS: Final[tuple[Channel, ...]] = tuple(Channel)


class Language(StrEnum):
    BENGALI = "bn"
    ENGLISH = "en"
    HINDI = "hi"


LANGUAGES: Final[tuple[Language, ...]] = tuple(Language)


class Role(StrEnum):
    """Who a caller is (`shared.actors.ActorSchema`); what each may do is `shared.authz.RULES`."""
    CITIZEN = "citizen"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    CMO_CELL = "cmo_cell"
    ADMIN = "admin"
    SYSTEM = "system"  # the platform's own jobs (internal RPC only, never a token the gateway accepts)
    CLIENT = "client"  # another state system's machine client (client credentials), limited by its scopes


ROLES: Final[tuple[Role, ...]] = tuple(Role)
STAFF_ROLES: Final[tuple[Role, ...]] = (Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL)
# staff who belong to a department and work in districts (the CMO cell works everywhere)
SCOPED_ROLES: Final[tuple[Role, ...]] = (Role.OFFICER, Role.SUPERVISOR)
# what an administrator may make a staff account (citizens sign themselves up; systems are clients)
ACCOUNT_ROLES: Final[tuple[Role, ...]] = (Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL, Role.ADMIN)


class Level(IntEnum):
    """Escalation levels: who works a case, one level up at each missed SLA or appeal."""
    FIELD = 1        # L1 field officer (block, municipality)
    DISTRICT = 2     # L2 district officer
    DEPARTMENT = 3   # L3 head of department, state level
    CMO_CELL = 4     # L4 the CMO's complaint cell


TOP_LEVEL: Final[int] = int(Level.CMO_CELL)


class StaffState(StrEnum):
    """A staff member's status in identity's officer directory (routing and notification read it from
    `staff.changed`)."""
    ACTIVE = "active"
    ON_LEAVE = "on_leave"          # from-until, with a delegate of the same office
    TRANSFERRED = "transferred"    # to another office (the record's office is the new one)
    RETIRED = "retired"            # final


STAFF_STATES: Final[tuple[StaffState, ...]] = tuple(StaffState)


class SpecialCloseReason(StrEnum):
    """Why a case no one in the state can resolve is closed at L3 or L4 (the cell reviews each one)."""
    OUTSIDE_STATE_JURISDICTION = "outside_state_jurisdiction"  # a central, another state's or a private matter
    SUB_JUDICE = "sub_judice"                                  # before a court
    POLICY_DECISION = "policy_decision"                        # asks for a change of policy, not a remedy
    DUPLICATE_ELSEWHERE = "duplicate_elsewhere"                # already taken up by another forum
    NOT_ACTIONABLE = "not_actionable"                          # nothing any office can do


SPECIAL_CLOSE_REASONS: Final[tuple[SpecialCloseReason, ...]] = tuple(SpecialCloseReason)
# the levels at which a case may be special-closed: the head of department and the CMO cell
SPECIAL_CLOSE_LEVELS: Final[tuple[Level, ...]] = (Level.DEPARTMENT, Level.CMO_CELL)

# Offices: a department id and a district. State-level offices have this district; the CMO cell is also a
# department (the same word as its staff's role).
STATE_OFFICE: Final[str] = "state"
CMO_CELL_DEPARTMENT: Final[str] = "cmo_cell"
ALL_DISTRICTS: Final[str] = "*"  # in a staff member's districts: the whole state
ALL_DEPARTMENTS: Final[str] = "*"  # in a machine client's departments: every department


class Scope(StrEnum):
    """What a machine client's access token may be used for (its `scope` claim, space-separated as RFC 6749
    says). An administrator gives a client some of these; `shared.authz` says which rule needs which."""
    GRIEVANCES_READ = "grievances:read"    # the cases it filed and the cases of its departments and districts
    GRIEVANCES_FILE = "grievances:file"    # file grievances on citizens' behalf
    EVENTS_SUBSCRIBE = "events:subscribe"  # its own event subscriptions (webhooks, the public stream)
    OPEN311 = "open311"                    # the Open311 GeoReport v2 endpoints
    INSIGHTS_READ = "insights:read"        # the insight tables, within its departments and districts


CLIENT_SCOPES: Final[tuple[Scope, ...]] = tuple(Scope)
SCOPE_DESCRIPTIONS: Final[dict[Scope, str]] = {
    Scope.GRIEVANCES_READ: "read the cases the client filed and the cases of its departments and districts "
                           "(contact details masked), search them",
    Scope.GRIEVANCES_FILE: "file grievances on citizens' behalf",
    Scope.EVENTS_SUBSCRIBE: "manage its own event subscriptions",
    Scope.OPEN311: "the Open311 GeoReport v2 endpoints",
    Scope.INSIGHTS_READ: "the insight tables, within its departments and districts",
}


class Audience(StrEnum):
    """The `aud` of the platform's tokens."""
    API = "sorasori-api"             # access tokens identity issues and the gateway accepts
    PLATFORM = "sorasori-platform"   # caller tokens on every RPC between the platform's processes


# The six services; the gateway first (it answers for the others in /health).
SERVICES: Final[tuple[str, ...]] = ("gateway", "intake", "routing", "notification", "search", "identity")

# The largest page intake's export_cases answers (search's rebuild grows its pages up to it).
MAX_EXPORT_PAGE_SIZE: Final[int] = 5000
