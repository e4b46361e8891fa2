"""An officer's queue a page at a time, with a cursor that stays put while cases are added.

The queue's order, most urgent first, is by SLA time left; for a running clock that shrinks every second,
for a paused one it does not, so "time left" measured at each request would reorder the queue between
pages. The first page fixes the moment the whole walk is ranked at: each case's time left *at that moment*
(a running clock: its deadline minus that moment; a paused one: what it had left when paused), then urgent
first, then tracking ID. The opaque cursor carries that moment and the last case's rank: later pages show
what ranks after it. A case that arrives meanwhile lands at its own rank, before or after the cursor, and
never moves a case already shown or still to come; the times left shown are always current.
"""
import base64
import binascii
import json
from datetime import datetime

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadCursor(ValueError):
    pass


def rank(item, ranked_at):
    """Where an item of the queue (as the queue RPC shows it) sorts, measured at `ranked_at`."""
    if item["clock"] == "active":
        left = (datetime.fromisoformat(item["deadline"]) - ranked_at).total_seconds()
    else:
        left = float(item["sla_seconds_left"])
    return left, not item["urgent"], item["tracking_id"]


def page(items, limit, cursor, now):
    """This page of the queue and the cursor of the next (None at its end)."""
    if cursor:
        ranked_at, after = decode_cursor(cursor)
    else:
        ranked_at, after = now, None
    ordered = sorted(items, key=lambda item: rank(item, ranked_at))
    if after is not None:
        ordered = [item for item in ordered if rank(item, ranked_at) > after]
    shown = ordered[:limit]
    more = len(ordered) > limit
    return shown, (encode_cursor(ranked_at, rank(shown[-1], ranked_at)) if more else None)


def encode_cursor(ranked_at, after):
    raw = json.dumps([ranked_at.isoformat(), list(after)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        ranked_at, (left, not_urgent, tracking_id) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        ranked_at = datetime.fromisoformat(ranked_at)
        if ranked_at.tzinfo is None or not isinstance(left, (int, float)) or not isinstance(not_urgent, bool):
            raise ValueError
        return ranked_at, (float(left), not_urgent, str(tracking_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor("not a cursor this queue gave") from None
