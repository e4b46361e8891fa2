"""What each audience sees of a grievance: one rule, driven by the declared places where personal data
sits in a case and in an event's data, so a new place is declared once and every view and every outgoing
payload follows.

Audiences:
- COMPLAINANT: their own case and contact details; the public timeline only, without officers' notes on
  it or which officer acted; no internal fields.
- WORKING: the case as stored: the assigned officer, whoever filed it on the citizen's behalf, the CMO cell.
- OTHER_STAFF: officers and supervisors of the case's office who do not work it: mobile and email masked,
  postal address withheld, a citizen's account id withheld, contact details quoted in free text masked,
  attachments listed without their names (and never downloadable: intake's attachment_for_download).
- SUBSCRIBER: systems outside the platform (webhooks), and anyone else: no complainant or filer identity
  (the complainant's language stays), no free text, no exact location, no attachments.
- PUBLIC: another citizen offered an open case to join ("me too"): only what says which issue it is and
  where, named field by field (`project_public`), so nothing a case gains later shows by default.
"""
import copy

from shared.masking import WITHHELD, mask_contacts_in_text, mask_email, mask_mobile
from shared.vocabulary import Role

COMPLAINANT, WORKING, OTHER_STAFF, SUBSCRIBER = "complainant", "working", "other_staff", "subscriber"
AUDIENCES = (COMPLAINANT, WORKING, OTHER_STAFF, SUBSCRIBER)
PUBLIC = "public"  # a case (or its search document) as any citizen may see it: project_public

# What PUBLIC sees: the subject is the only free text (its numbers and addresses masked as for other staff),
# the place no finer than the block or municipality, the filing date without its time.
PUBLIC_FIELDS = ("tracking_id", "subject", "category", "status", "supporters")
PUBLIC_PLACE = ("district", "block", "municipality")

# Kinds of personal data.
PERSON = "person"            # a complainant record: name, mobile, email, language, residence
ACCOUNT = "account"          # who acted or filed: {"id", "role"}; a citizen's id may carry their mobile
FREE_TEXT = "free_text"      # text someone wrote, in which anything can be quoted
LOCATION = "location"        # exact coordinates
DOCUMENTS = "documents"      # what the complainant attached (identity papers, letters)

# Where each kind sits. "[]" is every element of a list.
_EDITABLE = {PERSON: ("complainant",), FREE_TEXT: ("subject", "description"), LOCATION: ("place.geo",)}
_EDITABLE_AT = ("", "timeline[].changes.", "versions[].before.", "versions[].after.")  # a case, edits of it
_CASE_ONLY = {ACCOUNT: ("filed_by", "attachments[].by"),
              FREE_TEXT: ("resolution", "rejection.explanation", "feedback[].comment", "attachments[].name",
                          "special_close.text", "special_close.reopen_reason"),
              DOCUMENTS: ("attachments",)}
# An action's details: on its timeline entry, and at the top of the event it emits (with the edit's
# `changes`); routing's decisions carry a `reason` too.
_DETAILS = {ACCOUNT: ("by",), FREE_TEXT: ("note", "notes", "text", "question", "reason", "resolution",
                                          "explanation", "comment")}


def _declare(kind):
    editable = [at + path for at in _EDITABLE_AT for path in _EDITABLE.get(kind, ())]
    details = ["timeline[]." + path for path in _DETAILS.get(kind, ())]
    case = tuple(editable + list(_CASE_ONLY.get(kind, ())) + details)
    event = tuple(["case." + p for p in editable + list(_CASE_ONLY.get(kind, ()))] +
                  ["changes." + p for p in _EDITABLE.get(kind, ())] + list(_DETAILS.get(kind, ())))
    return case, event


KINDS = (PERSON, ACCOUNT, FREE_TEXT, LOCATION, DOCUMENTS)
CASE_PATHS = {kind: _declare(kind)[0] for kind in KINDS}         # in a case document
EVENT_DATA_PATHS = {kind: _declare(kind)[1] for kind in KINDS}   # in an event's `data` (its case: `case`)

# What only the people working a case see (the complainant's view leaves them out).
INTERNAL_FIELDS = ("versions", "filed_by", "officer_id", "contact_attempts")
INTERNAL_ENTRY_DETAILS = ("notes",)

DROP = object()


def project_case(case, audience):
    """The case (plain data, without the store's own fields) as `audience` may see it."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    case = copy.deepcopy(case)
    if audience == WORKING:
        return case
    if audience == COMPLAINANT:
        return _for_complainant(case)
    return _apply(case, CASE_PATHS, _RULES[audience](_personal_values(case, CASE_PATHS)))


def project_event(event, audience=SUBSCRIBER):
    """An event envelope with its data as `audience` may see it (SUBSCRIBER: what webhooks carry)."""
    if audience not in (OTHER_STAFF, SUBSCRIBER):
        raise ValueError(f"events are projected for other staff or subscribers, not {audience!r}")
    data = copy.deepcopy(event.get("data") or {})
    rules = _RULES[audience](_personal_values(data, EVENT_DATA_PATHS))
    return {**event, "data": _apply(data, EVENT_DATA_PATHS, rules)}


def free_text_for_staff(case, *texts):
    """Texts of `case` (its subject, its description) as other staff may read them: what a copy of the case
    outside intake (the search index) keeps, since staff who do not work the case read it there."""
    rule = _other_staff(_personal_values(case, CASE_PATHS))[FREE_TEXT]
    return [rule(text) for text in texts]


def project_public(case):
    """A case, or its search document, as any citizen may see it: tracking id, subject, category, status,
    supporters, the place at block level and the filing date; never who filed it or about whom."""
    shown = {key: case.get(key) for key in PUBLIC_FIELDS}
    if "filed_by" in case or "complainant" in case:  # a case as stored: its subject as other staff read it
        shown["subject"] = free_text_for_staff(case, shown["subject"])[0]
    shown["supporters"] = shown["supporters"] or 0
    place = case.get("place") or {}
    shown["place"] = {key: place[key] for key in PUBLIC_PLACE if place.get(key)}
    created = case.get("created_at")
    shown["created_on"] = (created if isinstance(created, str) else created.isoformat())[:10] if created else None
    return shown


# --- the rules --------------------------------------------------------------------------------------------

def _other_staff(known):
    def person(record):
        if not isinstance(record, dict):
            return record
        shown = dict(record)
        for key, mask in (("mobile", mask_mobile), ("email", mask_email)):
            if key in shown:
                shown[key] = mask(shown[key])
        if isinstance(record.get("residence"), dict) and record["residence"].get("address"):
            shown["residence"] = {**record["residence"], "address": WITHHELD}
        return shown

    def account(by):
        return {"role": by.get("role")} if isinstance(by, dict) and by.get("role") == Role.CITIZEN else by

    def text(value):
        if not isinstance(value, str):
            return value
        for mobile in known["mobiles"]:  # the complainant's number however it is written around
            value = value.replace(mobile[-10:], mask_mobile(mobile[-10:]))
        return mask_contacts_in_text(value, known["addresses"])

    def documents(items):  # that a document exists, its type and size; not what it is called
        if not isinstance(items, list):
            return items
        return [{**item, "name": WITHHELD} if isinstance(item, dict) and item.get("name") else item
                for item in items]

    return {PERSON: person, ACCOUNT: account, FREE_TEXT: text, LOCATION: keep, DOCUMENTS: documents}


def _subscriber(known):
    def person(record):
        return {"language": record.get("language")} if isinstance(record, dict) else DROP

    return {PERSON: person, ACCOUNT: drop, FREE_TEXT: drop, LOCATION: drop, DOCUMENTS: drop}


def keep(value):
    return value


def drop(value):
    return DROP


_RULES = {OTHER_STAFF: _other_staff, SUBSCRIBER: _subscriber}


def _for_complainant(case):
    case["timeline"] = [_entry_for_complainant(e) for e in case.get("timeline", []) if e.get("public")]
    if case.get("attachments"):  # files attached with an internal note stay with officers
        case["attachments"] = [_entry_for_complainant(a) for a in case["attachments"] if a.get("public", True)]
    for internal in INTERNAL_FIELDS:
        case.pop(internal, None)
    return case


def _entry_for_complainant(entry):
    entry = {k: v for k, v in entry.items() if k not in INTERNAL_ENTRY_DETAILS}
    by = entry.get("by")
    if by and by.get("role") != Role.CITIZEN:
        entry["by"] = {"role": by["role"]}  # which office acted, not which person
    return entry


# --- walking declared paths ---------------------------------------------------------------------------------

def _apply(document, paths, rules):
    for kind, kind_paths in paths.items():
        for path in kind_paths:
            _replace(document, _steps(path), rules[kind])
    return document


def _steps(path):
    return path.replace("[]", ".[]").split(".")


def _replace(node, steps, change):
    step, rest = steps[0], steps[1:]
    if step == "[]":
        for item in node if isinstance(node, list) else ():
            _replace(item, rest, change)
        return
    if not isinstance(node, dict) or step not in node:
        return
    if rest:
        _replace(node[step], rest, change)
        return
    value = change(node[step])
    if value is DROP:
        del node[step]
    else:
        node[step] = value


def _values(node, steps):
    if not steps:
        yield node
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        for item in node if isinstance(node, list) else ():
            yield from _values(item, rest)
    elif isinstance(node, dict) and step in node:
        yield from _values(node[step], rest)


def _personal_values(document, paths):
    """The complainant's mobiles and addresses wherever a complainant record sits: what free text may
    quote in a form no pattern finds (an address; a number run into other text)."""
    found = {"mobiles": [], "addresses": []}
    for path in paths[PERSON]:
        for record in _values(document, _steps(path)):
            if not isinstance(record, dict):
                continue
            for key, value in (("mobiles", record.get("mobile")),
                               ("addresses", (record.get("residence") or {}).get("address"))):
                if value and value not in found[key]:
                    found[key].append(value)
    return found
