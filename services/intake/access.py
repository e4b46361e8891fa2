"""Who may see and act on a case, and what personal data they see. Checked in the intake service for
every request, whatever the gateway already checked."""
import hashlib

from services.intake.domain.lifecycle import CITIZEN, CMO_CELL, OFFICER, SUPERVISOR
from shared.actors import covers
from shared.events import json_data
from shared.masking import mask_email, mask_mobile

MASKED_FIELDS = ("mobile", "email")


def mobile_key(mobile):
    """Compare mobiles without keeping supporters' numbers: a one-way key."""
    digits = (mobile or "")[-10:]
    return hashlib.sha256(f"mobile\x1f{digits}".encode()).hexdigest()[:32]


def is_complainant(case, actor):
    if actor["role"] != CITIZEN:
        return False
    mobile = (case.get("complainant") or {}).get("mobile")
    return (bool(mobile) and bool(actor.get("mobile")) and mobile[-10:] == actor["mobile"][-10:]) \
        or case.get("filed_by", {}).get("id") == actor["sub"]


def in_scope(case, actor):
    """Officers and supervisors: their department, in one of their districts; or the case is theirs."""
    if case.get("officer_id") == actor["sub"] or case.get("filed_by", {}).get("id") == actor["sub"]:
        return True
    return covers(actor, case.get("department"), (case.get("place") or {}).get("district"))


def can_view(case, actor):
    role = actor["role"]
    if role == CMO_CELL:
        return True
    if role == CITIZEN:
        return is_complainant(case, actor)
    if role in (OFFICER, SUPERVISOR):
        return in_scope(case, actor)
    return False


def needs_personal_data(case, actor):
    """The complainant, the officer who must call them, whoever drafted the case, and the cell."""
    return actor["role"] == CMO_CELL or is_complainant(case, actor) \
        or case.get("officer_id") == actor["sub"] or case.get("filed_by", {}).get("id") == actor["sub"]



def view(case, actor):
    """The case as this caller may see it."""
    shown = {k: v for k, v in case.items() if k not in ("outbox", "outbox_pending", "supporter_keys",
                                                          "duplicate_key", "_id")}
    shown["tracking_id"] = case["_id"]
    if not needs_personal_data(case, actor):
        complainant = dict(shown.get("complainant") or {})
        complainant["mobile"] = mask_mobile(complainant.get("mobile"))
        complainant["email"] = mask_email(complainant.get("email"))
        residence = dict(complainant.get("residence") or {})
        if residence.get("address"):
            residence["address"] = "(withheld)"
        complainant["residence"] = residence
        shown["complainant"] = complainant
    if actor["role"] == CITIZEN:
        shown["timeline"] = [_for_citizen(e) for e in case.get("timeline", []) if e.get("public")]
        for internal in ("versions", "filed_by", "officer_id", "contact_attempts"):
            shown.pop(internal, None)
    return json_data(shown)


OFFICERS_ONLY_DETAILS = ("notes",)


def _for_citizen(entry):
    entry = {k: v for k, v in entry.items() if k not in OFFICERS_ONLY_DETAILS}
    by = entry.get("by")
    if by and by.get("role") != CITIZEN:
        entry["by"] = {"role": by["role"]}  # which office acted, not which person
    return entry
