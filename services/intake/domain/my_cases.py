"""A citizen's own cases, newest first, a page at a time.

FerretDB answers only `_id` lookups without a scan, so intake keeps, per complainant (a one-way key of
their mobile), one document listing their cases' tracking IDs with the time each was filed: a page is one
`_id` read of that list and one `_id` read per case shown. The list is written before the case is
inserted, so an entry may name a case that was never inserted (the filing died) or another complainant's
(a tracking-ID collision): the case itself decides, and such entries are skipped.

The cursor is opaque to clients: the filing time and tracking ID of the last case shown. Filing times never
change, so paging while new cases arrive neither skips nor repeats one (new ones sort before the cursor).
"""
import base64
import binascii
import json
from datetime import datetime, timezone

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
SUMMARY_FIELDS = ("tracking_id", "kind", "subject", "category", "place", "status", "created_at", "updated_at",
                  "resolved_at", "supporters", "level")


class BadCursor(ValueError):
    pass


def encode_cursor(at, tracking_id):
    raw = json.dumps([at.isoformat(), tracking_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, tracking_id = json.loads(raw)
        return datetime.fromisoformat(at), str(tracking_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor("not a cursor this list gave") from None


def newest_first(entries, after=None):
    """The list's entries ({tracking_id, at}) newest first, only those older than `after` (at, id)."""
    ordered = sorted(entries, key=lambda entry: (_aware(entry["at"]), entry["tracking_id"]), reverse=True)
    if after is None:
        return ordered
    at, tracking_id = _aware(after[0]), after[1]
    return [entry for entry in ordered if (_aware(entry["at"]), entry["tracking_id"]) < (at, tracking_id)]


def summary(view, status_text):
    """A case in the list: a few fields of the complainant's own view, and its status in words."""
    item = {name: view[name] for name in SUMMARY_FIELDS if view.get(name) is not None}
    item["status_text"] = status_text
    return item


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
