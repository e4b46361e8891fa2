"""Who may see and act on a case, and what personal data they see. Checked in the intake service for
every request, whatever the gateway already checked."""
import hashlib

from shared import projections
from shared.actors import covers, is_machine_client
from shared.authz import allowed
from shared.events import json_data


def mobile_key(mobile):
    """Compare mobiles without keeping supporters' numbers: a one-way key."""
    digits = (mobile or "")[-10:]
    return hashlib.sha256(f"mobile\x1f{digits}".encode()).hexdigest()[:32]


def is_complainant(case, actor):
    if not allowed(actor, "cases.act_as_citizen"):
        return False
    mobile = (case.get("complainant") or {}).get("mobile")
    return (bool(mobile) and bool(actor.get("mobile")) and mobile[-10:] == actor["mobile"][-10:]) \
        or case.get("filed_by", {}).get("id") == actor["sub"]


def filed(case, actor):
    """The actor filed the case: its id, and a machine client's filing only for a machine client (a client id
    may equal a staff member's)."""
    by = case.get("filed_by") or {}
    return by.get("id") == actor["sub"] and is_machine_client(by) == is_machine_client(actor)


def in_scope(case, actor):
    """Officers and supervisors (machine clients): their department(s), in one of their districts; or the case
    is theirs (assigned to them, or filed by them)."""
    if (case.get("officer_id") == actor["sub"] and not is_machine_client(actor)) or filed(case, actor):
        return True
    return covers(actor, case.get("department"), (case.get("place") or {}).get("district"))


def can_view(case, actor):
    if allowed(actor, "cases.read_all"):
        return True
    if allowed(actor, "cases.act_as_citizen"):
        return is_complainant(case, actor)
    if allowed(actor, "cases.read_in_scope") or allowed(actor, "cases.read_as_client"):
        return in_scope(case, actor)
    return False


def works_case(case, actor):
    """The officer who must call the complainant, whoever filed the case on their behalf, and the cell.
    Editing a case on the citizen's behalf does not make an officer one of them: any officer in scope may
    edit, and an edit must not be a way to see the contact details."""
    return allowed(actor, "cases.read_all") or (allowed(actor, "cases.read_in_scope") and (
        case.get("officer_id") == actor["sub"] or filed(case, actor)))


def audience(case, actor):
    """Which projection of the case this caller gets (shared.projections)."""
    if is_complainant(case, actor):
        return projections.COMPLAINANT
    if works_case(case, actor):
        return projections.WORKING
    if allowed(actor, "cases.read_in_scope") or allowed(actor, "cases.read_as_client"):
        return projections.OTHER_STAFF  # a machine client never works a case, even one it filed
    return projections.SUBSCRIBER  # anyone else sees no more than a system outside the platform


STORE_FIELDS = ("outbox", "outbox_pending", "supporter_keys", "duplicate_key", "idempotency_key", "complainant_key",
                "_id")


def view(case, actor):
    """The case as this caller may see it, as plain JSON data."""
    shown = {k: v for k, v in case.items() if k not in STORE_FIELDS}
    shown["tracking_id"] = case["_id"]
    return json_data(projections.project_case(shown, audience(case, actor)))


def sees_personal_data(case, actor):
    """Whether this caller's view carries the complainant's contact details while they are not the
    complainant: such an answer goes in the personal-data access log."""
    return audience(case, actor) == projections.WORKING
