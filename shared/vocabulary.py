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


STATUSES: Final[tuple[Status, ...]] = tuple(Status)
# the case's work is over: routing stops its SLA clock, search counts it out of the backlog
STOPPED_STATUSES: Final[tuple[Status, ...]] = (Status.RESOLVED, Status.CLOSED, Status.REJECTED)
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
    SYSTEM = "system"  # the platform's own jobs and other state systems (client credentials)


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

# Offices: a department id and a district. State-level offices have this district; the CMO cell is also a
# department (the same word as its staff's role).
STATE_OFFICE: Final[str] = "state"
CMO_CELL_DEPARTMENT: Final[str] = "cmo_cell"
ALL_DISTRICTS: Final[str] = "*"  # in a staff member's districts: the whole state


class Audience(StrEnum):
    """The `aud` of the platform's tokens."""
    API = "sorasori-api"             # access tokens identity issues and the gateway accepts
    PLATFORM = "sorasori-platform"   # caller tokens on every RPC between the platform's processes


# The six services; the gateway first (it answers for the others in /health).
SERVICES: Final[tuple[str, ...]] = ("gateway", "intake", "routing", "notification", "search", "identity")

# The largest page intake's export_cases answers (search's rebuild grows its pages up to it).
MAX_EXPORT_PAGE_SIZE: Final[int] = 5000
