"""The `data` of every event the services publish: what intake says about a case, what routing decided.

Producers build `data` through `event_data(type, data)` (load, so an undeclared or mistyped field fails
loudly, then dump); consumers receive it through `load_event_data(type, data)` (shared.consumers does it
before any handler runs; data that does not load is a poison message and is dead-lettered).

Every schema carries `schema_version`. A consumer accepts the versions it knows; an event without one was
written before versions existed and is version 1. A change that only adds an optional field keeps the
version; one that removes, renames or retypes a field raises it, and consumers learn the new version
before producers emit it.
"""
from typing import Any, NotRequired, TypedDict

from marshmallow import ValidationError, fields, validate

from shared.contracts.base import Contract, optional, timestamp
from shared.vocabulary import STAFF_STATES

SCHEMA_VERSION = 1
KNOWN_VERSIONS = (1,)


class VersionedData(Contract):
    schema_version = fields.Int(load_default=SCHEMA_VERSION, validate=validate.OneOf(KNOWN_VERSIONS))


# --- the case snapshot intake puts in each of its events --------------------------------------------------

class GeoPoint(Contract):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class Place(Contract):
    district = optional(fields.Str)
    block = optional(fields.Str)
    municipality = optional(fields.Str)
    ward = optional(fields.Str)
    panchayat = optional(fields.Str)
    geo = optional(fields.Nested, GeoPoint)


class Residence(Contract):
    state = optional(fields.Str)
    district = optional(fields.Str)
    address = optional(fields.Str)


class Complainant(Contract):
    name = optional(fields.Str)
    mobile = optional(fields.Str)
    email = optional(fields.Str)
    language = optional(fields.Str)
    residence = optional(fields.Nested, Residence)


class Account(Contract):
    """Who acted: an account id and its role."""
    id = fields.Str(required=True)
    role = fields.Str(required=True)


class Attachment(Contract):
    ref = fields.Str(required=True)
    name = optional(fields.Str)
    content_type = optional(fields.Str)
    size = optional(fields.Int)
    # set on files uploaded to the object store (services/intake/domain/attachments.py)
    kind = optional(fields.Str)
    by = optional(fields.Nested, Account)
    at = optional(timestamp)
    purpose = optional(fields.Str)
    public = optional(fields.Bool)


class Rejection(Contract):
    reason = fields.Str(required=True)
    explanation = fields.Str(required=True)


class SpecialClose(Contract):
    """Why a case was closed at L3/L4 without a resolution, and its reopening by the cell."""
    reason = fields.Str(required=True)
    text = fields.Str(required=True)
    at = timestamp(required=True)
    level = fields.Int(required=True)
    reopened_at = optional(timestamp)
    reopen_reason = optional(fields.Str)


class FeedbackRecord(Contract):
    at = timestamp(required=True)
    rating = fields.Int(required=True)
    comment = optional(fields.Str)
    level = optional(fields.Int)


class Suggestion(Contract):
    category = fields.Str(required=True)
    department = optional(fields.Str)
    confidence = optional(fields.Float)


class RoutingGuess(Contract):
    """How routing read a complaint filed without a category."""
    category = optional(fields.Str)
    method = fields.Str(required=True)
    confidence = optional(fields.Float)
    reason = optional(fields.Str)
    threshold = optional(fields.Float)
    suggestions = fields.List(fields.Nested(Suggestion))


class CaseSnapshot(Contract):
    """The case as consumers see it (intake's domain.snapshot): no timeline, no store fields."""
    tracking_id = fields.Str(required=True)
    version = fields.Int(required=True)
    status = fields.Str(required=True)
    kind = fields.Str(required=True)
    subject = fields.Str(required=True)
    description = optional(fields.Str)
    category = optional(fields.Str)
    place = fields.Nested(Place, required=True)
    complainant = fields.Nested(Complainant, required=True)
    channel = fields.Str(required=True)
    attachments = fields.List(fields.Nested(Attachment))
    missing = fields.List(fields.Str())
    urgent = fields.Bool()
    level = fields.Int(required=True)
    transfers = fields.Int()
    reopenings = fields.Int()
    supporters = fields.Int()
    department = optional(fields.Str)
    district = optional(fields.Str)
    officer_id = optional(fields.Str)
    filed_by = fields.Nested(Account)
    created_at = timestamp(required=True)
    updated_at = timestamp(required=True)
    feedback = fields.List(fields.Nested(FeedbackRecord))
    # set as the case lives on
    sla_deadline = optional(timestamp)
    escalation_levels = fields.List(fields.Int())
    routing_seq = fields.Int()
    rerouted_after_seq = fields.Int()
    routing_guess = optional(fields.Nested, RoutingGuess)
    transferred_from = optional(fields.Str)
    resolution = optional(fields.Str)
    resolved_at = optional(timestamp)
    rejection = optional(fields.Nested, Rejection)
    special_close = optional(fields.Nested, SpecialClose)
    contact_attempts = fields.Int()


class CaseEvent(VersionedData):
    """Every intake event: the case after the change, plus what the change was."""
    case = fields.Nested(CaseSnapshot, required=True)


def case_event(name: str, **details: fields.Field) -> type[CaseEvent]:
    return type(name, (CaseEvent,), details)


class Edits(Contract):
    """An officer's edit on the citizen's behalf (intake's EditableSchema)."""
    subject = fields.Str()
    description = fields.Str()
    category = optional(fields.Str)
    place = fields.Nested(Place)
    complainant = fields.Nested(Complainant)


NOTE = {"note": optional(fields.Str)}

Filed = case_event("Filed", completed=fields.Bool())
StatusChanged = case_event("StatusChanged", **{"from": fields.Str(required=True), "to": fields.Str(required=True),
                                                "action": fields.Str(required=True)})
Acknowledged = case_event("Acknowledged", **NOTE)
InfoRequested = case_event("InfoRequested", question=fields.Str(required=True))
InfoProvided = case_event("InfoProvided", text=fields.Str(required=True))
Transferred = case_event("Transferred", department=fields.Str(required=True), reason=fields.Str(required=True))
Resolved = case_event("Resolved", resolution=fields.Str(required=True), together_with=fields.List(fields.Str()))
Rejected = case_event("Rejected", reason=fields.Str(required=True), explanation=fields.Str(required=True))
Closed = case_event("Closed", by_feedback=fields.Bool(), **NOTE)
Reopened = case_event("Reopened", reason=fields.Str(required=True), special_close=fields.Bool())
SpecialClosed = case_event("SpecialClosed", reason=fields.Str(required=True), text=fields.Str(required=True))
Edited = case_event("Edited", changes=fields.Nested(Edits, required=True), consent=fields.Str(required=True))
Completed = case_event("Completed")
NoteAdded = case_event("NoteAdded", text=fields.Str(required=True), visibility=fields.Str(required=True))
AssignmentRecorded = case_event("AssignmentRecorded", kind=fields.Str(required=True), level=fields.Int(required=True),
                                handler_changed=fields.Bool())  # another officer holds the case now
CategoryGuessed = case_event("CategoryGuessed", category=optional(fields.Str, required=True),
                             method=fields.Str(required=True), confidence=optional(fields.Float))
FeedbackReceived = case_event("FeedbackReceived", rating=fields.Int(required=True), comment=optional(fields.Str))
Supported = case_event("Supported", supporters=fields.Int(required=True))
Attached = case_event("Attached", purpose=fields.Str(required=True), refs=fields.List(fields.Str(), required=True))


# --- routing's decisions ------------------------------------------------------------------------------------

class RoutingDecision(VersionedData):
    """Where a case stands with routing: its office, officer, level and deadline, and why. Every decision
    carries the whole assignment, so it stands on its own whatever order decisions arrive in; `seq` orders
    them per case."""
    tracking_id = fields.Str(required=True)
    kind = fields.Str(required=True)
    seq = fields.Int(required=True, validate=validate.Range(min=1))
    department = fields.Str(required=True)
    district = optional(fields.Str, required=True)
    category = optional(fields.Str, required=True)
    officer_id = fields.Str(required=True)
    officer_name = optional(fields.Str, required=True)
    level = fields.Int(required=True, validate=validate.Range(1, 4))
    deadline = timestamp(required=True)
    reason = fields.Str(required=True)
    guess = fields.Nested(RoutingGuess)
    # On a `routed` that routing published with its `assigned`: that decision's seq (same assignment).
    assigned_seq = fields.Int(validate=validate.Range(min=2))
    # On that `assigned`: the `routed`'s seq, so whichever of the two a consumer takes first stands for both.
    routed_seq = fields.Int(validate=validate.Range(min=1))
    # The officer this decision took the case from; None when it did not move the case (absent: published
    # before routing named one).
    previous_officer_id = optional(fields.Str)
    # Whether the case's current clock ran past the top level's deadline (false again on a fresh clock: a
    # transfer or a reopening). Absent: published before routing said it.
    breached = fields.Bool()


# --- identity's officer directory ----------------------------------------------------------------------------

class StaffOffice(Contract):
    """Where a staff member works: a department, a district (`state` at L3, the CMO cell's at L4), a level."""
    department = fields.Str(required=True)
    district = fields.Str(required=True)
    level = fields.Int(required=True, validate=validate.Range(1, 4))


class StaffContacts(Contract):
    mobile = optional(fields.Str)
    email = optional(fields.Str)
    language = fields.Str(required=True)


class StaffStatus(Contract):
    """active; on_leave from-until with an optional delegate (another staff id of the same office);
    transferred (to another office, `office` already the new one); retired."""
    state = fields.Str(required=True, validate=validate.OneOf(STAFF_STATES))
    leave_from = optional(timestamp)
    leave_until = optional(timestamp)
    delegate = optional(fields.Str)


class StaffChanged(VersionedData):
    """A staff member of the directory as it is after a change (the whole record: events stand alone and a
    consumer keeps the one with the highest `seq` per staff id)."""
    staff_id = fields.Str(required=True)
    seq = fields.Int(required=True, validate=validate.Range(min=1))
    name = fields.Str(required=True)
    role = fields.Str(required=True)
    office = fields.Nested(StaffOffice, required=True)
    previous_office = optional(fields.Nested, StaffOffice)
    contacts = fields.Nested(StaffContacts, required=True)
    status = fields.Nested(StaffStatus, required=True)


EVENT_SCHEMAS: dict[str, type[VersionedData]] = {
    "grievance.filed": Filed,
    "grievance.status_changed": StatusChanged,
    "grievance.acknowledged": Acknowledged,
    "grievance.info_requested": InfoRequested,
    "grievance.info_provided": InfoProvided,
    "grievance.transferred": Transferred,
    "grievance.resolved": Resolved,
    "grievance.rejected": Rejected,
    "grievance.closed": Closed,
    "grievance.reopened": Reopened,
    "grievance.special_closed": SpecialClosed,
    "grievance.edited": Edited,
    "grievance.completed": Completed,
    "grievance.note_added": NoteAdded,
    "grievance.assignment_recorded": AssignmentRecorded,
    "grievance.category_guessed": CategoryGuessed,
    "grievance.feedback_received": FeedbackReceived,
    "grievance.supported": Supported,
    "grievance.attached": Attached,
    "grievance.routed": RoutingDecision,
    "grievance.assigned": RoutingDecision,
    "grievance.escalated": RoutingDecision,
    "grievance.sla_reminder": RoutingDecision,
    "grievance.sla_breached": RoutingDecision,
    "staff.changed": StaffChanged,
}
CASE_EVENTS = frozenset(t for t, s in EVENT_SCHEMAS.items() if issubclass(s, CaseEvent))
ROUTING_DECISIONS = frozenset(t for t, s in EVENT_SCHEMAS.items() if s is RoutingDecision)

_instances = {schema: schema() for schema in set(EVENT_SCHEMAS.values())}


class UndeclaredEvent(KeyError):
    """An event type no contract describes."""


class InvalidEventData(ValueError):
    def __init__(self, event_type: str, errors: dict):
        super().__init__(f"{event_type} data breaks its contract: {errors}")
        self.event_type = event_type
        self.errors = errors


def schema_for(event_type: str) -> Contract:
    try:
        return _instances[EVENT_SCHEMAS[event_type]]
    except KeyError:
        raise UndeclaredEvent(event_type) from None


def event_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The producer side: `data` (plain JSON) checked against its contract and dumped with its version.
    Raises UndeclaredEvent or InvalidEventData."""
    schema = schema_for(event_type)
    try:
        return schema.dump(schema.load(data))
    except ValidationError as error:
        raise InvalidEventData(event_type, error.messages) from None


def load_event_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The consumer side: `data` as its contract describes it. A type without a contract (another system's
    events on a shared test broker, say) is handed on as it is. Raises InvalidEventData."""
    if event_type not in EVENT_SCHEMAS:
        return data
    try:
        return schema_for(event_type).load(data)
    except ValidationError as error:
        raise InvalidEventData(event_type, error.messages) from None


# --- the same shapes as type hints, for code that reads loaded data ------------------------------------------

class CaseSnapshotData(TypedDict):
    tracking_id: str
    version: int
    status: str
    kind: str
    subject: str
    place: dict[str, Any]
    complainant: dict[str, Any]
    channel: str
    level: int
    created_at: str
    updated_at: str
    department: NotRequired[str | None]
    district: NotRequired[str | None]
    category: NotRequired[str | None]
    missing: NotRequired[list[str]]
    resolution: NotRequired[str | None]
    rejection: NotRequired[dict[str, str] | None]
    sla_deadline: NotRequired[str | None]


class CaseEventData(TypedDict, total=False):
    schema_version: int
    case: CaseSnapshotData
    question: str
    explanation: str
    resolution: str
    reason: str


class RoutingDecisionData(TypedDict):
    schema_version: int
    tracking_id: str
    kind: str
    seq: int
    department: str
    district: str | None
    category: str | None
    officer_id: str
    officer_name: str | None
    level: int
    deadline: str
    reason: str
    guess: NotRequired[dict[str, Any]]
    assigned_seq: NotRequired[int]
    routed_seq: NotRequired[int]
    previous_officer_id: NotRequired[str | None]
    breached: NotRequired[bool]
