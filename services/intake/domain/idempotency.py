"""Idempotency-Key on filing: a client that got no answer (a timeout, a 5xx during a fault) sends the same
request again with the same key and gets the first answer, never a second case.

A key is claimed with one unique insert before any work, naming the tracking ID the filing will use; the
answer is written onto the claim when the filing is done. Keys are per principal and kept KEEP_FOR.
"""
import hashlib
import json
from datetime import timedelta

from shared.validators import is_idempotency_key

KEEP_FOR = timedelta(hours=24)
# A claim with no case and no answer after this long belongs to a request that died (its process killed):
# a retry takes it over and files under the claim's tracking ID. Taking over one still running is harmless:
# both insert the same tracking ID and the loser answers the winner's case.
TAKE_OVER_AFTER = timedelta(seconds=10)
WAIT_FOR_ANSWER_SECONDS = 5.0  # a concurrent retry waits this long for the first's answer, then 409
ANSWER, FILE, TAKE_OVER, WAIT, MISMATCH = "answer", "file", "take_over", "wait", "mismatch"


def is_valid_key(key):
    return is_idempotency_key(key)


def key_id(actor, key):
    """The stored key: the client's key within its principal (two citizens may both send "1")."""
    material = "\x1f".join([actor["role"], actor["sub"], key])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def fingerprint(payload):
    """The request as sent, independent of key order and spacing."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verdict(claim, owner, fingerprint_, case_filed, now):
    """What a request does with the claim in force for its key."""
    if claim["fingerprint"] != fingerprint_:
        return MISMATCH
    if claim.get("answer") is not None or case_filed:
        return ANSWER
    if claim["owner"] == owner:
        return FILE
    if claim["claimed_at"] <= now - TAKE_OVER_AFTER:
        return TAKE_OVER
    return WAIT
