"""Files attached to a case: who may attach what, when, and who may fetch one. Pure: the service stores the
change in one version-guarded write (so the per-case cap holds under concurrent uploads)."""
from services.intake.domain.grievance import Change, entry
from services.intake.domain.lifecycle import CLOSED

# What each side attaches for: the complainant with the complaint or in answer to a request for information;
# the officer working the case with a resolution, a rejection or a note.
CITIZEN_PURPOSES = ("filing", "request_info")
STAFF_PURPOSES = ("resolve", "reject", "note", "public_note")
PURPOSES = CITIZEN_PURPOSES + STAFF_PURPOSES
# What the complainant sees: their own files and the evidence of a resolution, rejection or public note.
PUBLIC_PURPOSES = CITIZEN_PURPOSES + ("resolve", "reject", "public_note")


class AttachRefused(Exception):
    def __init__(self, message, field="purpose"):
        super().__init__(message)
        self.message = message
        self.field = field


def check_may_attach(case, purpose, count, by_complainant, limit):
    """Raises AttachRefused when this caller may not attach `count` files for `purpose` now."""
    allowed = CITIZEN_PURPOSES if by_complainant else STAFF_PURPOSES
    if purpose not in allowed:
        raise AttachRefused(f"{'the complainant' if by_complainant else 'an officer'} attaches for one of: "
                            f"{', '.join(allowed)}")
    if by_complainant and case["status"] == CLOSED:
        raise AttachRefused("the case is closed; appeal it to add documents", field="status")
    held = len(case.get("attachments") or [])
    if held + count > limit:
        raise AttachRefused(f"a case holds at most {limit} files; it has {held}", field="files")


def attach(case, files, purpose, actor, now, by_complainant, limit):
    """Record `files` (already stored: ref, kind, name, size, content_type) on the case and its timeline."""
    check_may_attach(case, purpose, len(files), by_complainant, limit)
    public = purpose in PUBLIC_PURPOSES
    by = {"id": actor["sub"], "role": actor["role"]}
    records = [{**f, "by": by, "at": now, "purpose": purpose, "public": public} for f in files]
    change = Change()
    change.set["attachments"] = list(case.get("attachments") or []) + records
    change.timeline.append(entry("attached", now, actor, public, purpose=purpose, refs=[f["ref"] for f in files],
                                 count=len(files)))
    change.events.append(("grievance.attached", {"purpose": purpose, "refs": [f["ref"] for f in files]}))
    return change


def find(case, ref):
    return next((a for a in case.get("attachments") or [] if a.get("ref") == ref), None)
