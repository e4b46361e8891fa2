from datetime import UTC, datetime, timedelta

from services.intake.domain import idempotency as idem

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def claim(**overrides):
    return {"fingerprint": "f", "owner": "a", "claimed_at": NOW, "answer": None, **overrides}


def test_verdicts():
    assert idem.verdict(claim(), "a", "f", False, NOW) == idem.FILE
    assert idem.verdict(claim(), "b", "other", False, NOW) == idem.MISMATCH
    assert idem.verdict(claim(answer={"tracking_id": "x"}), "b", "f", False, NOW) == idem.ANSWER
    assert idem.verdict(claim(), "b", "f", True, NOW) == idem.ANSWER
    assert idem.verdict(claim(), "b", "f", False, NOW) == idem.WAIT
    stale = NOW - idem.TAKE_OVER_AFTER - timedelta(seconds=1)
    assert idem.verdict(claim(claimed_at=stale), "b", "f", False, NOW) == idem.TAKE_OVER


def test_keys_are_per_principal_and_bodies_are_compared_whatever_their_key_order():
    assert idem.key_id({"role": "citizen", "sub": "1"}, "k") != idem.key_id({"role": "citizen", "sub": "2"}, "k")
    assert idem.fingerprint({"a": 1, "b": [1, "২"]}) == idem.fingerprint({"b": [1, "২"], "a": 1})
    assert idem.fingerprint({"a": 1}) != idem.fingerprint({"a": 2})
    assert idem.is_valid_key("abc-123_~") and not idem.is_valid_key("a b") and not idem.is_valid_key("")
    assert not idem.is_valid_key("k" * 256) and not idem.is_valid_key(None)
