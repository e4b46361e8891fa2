"""The pure rules behind Idempotency-Key and conditional requests at the gateway."""
from datetime import UTC, datetime, timedelta

from services.gateway import conditional
from services.gateway import idempotency as rules

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def claim(**overrides):
    return {"fingerprint": "f", "owner": "first", "claimed_at": NOW, "answer": None, **overrides}


def test_fingerprint_ignores_key_order_and_spacing_but_not_route_or_values():
    one = rules.fingerprint("POST", "/a", {"x": 1, "y": [1, {"b": 2, "a": 1}]})
    assert one == rules.fingerprint("POST", "/a", {"y": [1, {"a": 1, "b": 2}], "x": 1})
    assert one != rules.fingerprint("POST", "/b", {"x": 1, "y": [1, {"b": 2, "a": 1}]})
    assert one != rules.fingerprint("POST", "/a", {"x": 2, "y": [1, {"b": 2, "a": 1}]})


def test_keys_are_per_principal():
    cell = {"role": "cmo_cell", "sub": "a"}
    assert rules.key_id(cell, "k") != rules.key_id({"role": "cmo_cell", "sub": "b"}, "k")
    assert rules.key_id(cell, "k") != rules.key_id({"role": "officer", "sub": "a"}, "k")
    assert rules.key_id(cell, "k") == rules.key_id(dict(cell), "k")


def test_verdicts():
    assert rules.verdict(claim(), "first", "f", NOW, LEASE) == rules.RUN
    assert rules.verdict(claim(), "second", "other", NOW, LEASE) == rules.MISMATCH
    assert rules.verdict(claim(answer={"status": 200}), "second", "f", NOW, LEASE) == rules.REPLAY
    assert rules.verdict(claim(), "second", "f", NOW, LEASE) == rules.WAIT
    assert rules.verdict(claim(claimed_at=NOW - LEASE), "second", "f", NOW, LEASE) == rules.TAKE_OVER
    assert [rules.kept(s) for s in (200, 201, 204, 400, 409, 412, 503)] == [True] * 3 + [False] * 4


def test_if_match_is_a_strong_comparison_and_star_means_any_version():
    assert conditional.if_match_versions(None) is None
    assert conditional.if_match_versions(" * ") is None
    assert conditional.if_match_versions('"3"') == [3]
    assert conditional.if_match_versions('"3", "5" ,W/"7", "x"') == [3, 5]
    assert conditional.if_match_versions('W/"3"') == []
    assert conditional.if_match_versions("3") == []  # not an entity tag: matches nothing


def test_if_none_match_is_a_weak_comparison():
    assert conditional.not_modified('"4"', 4) and conditional.not_modified('W/"4"', 4)
    assert conditional.not_modified('"1", "4"', 4) and conditional.not_modified("*", 4)
    assert not conditional.not_modified('"5"', 4) and not conditional.not_modified(None, 4)
    assert conditional.etag(4) == '"4"'


# POSTs that need no key: OAuth's own protocol endpoints, the SMS provider's reports (no principal), and
# answers that carry a new secret (a client's or a webhook's), which the key store must not keep.
NOT_IDEMPOTENT = {"/oauth/otp", "/oauth/authorize", "/oauth/token", "/oauth/revoke",
                  "/api/v1/notifications/sms/reports",
                  "/oauth/userinfo",  # a read that POST may carry (OpenID Connect Core 5.3.1)
                  "/api/v1/grievances/lookalikes"}  # a read: the text looked up is too long and too personal for a URL


def test_every_state_changing_post_honours_idempotency_keys():
    import inspect

    from services.gateway.service import GatewayService

    posts = {}
    for _, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if getattr(entrypoint, "method", None) == "POST":
                posts[entrypoint.url] = getattr(method, "idempotent", False)
    assert NOT_IDEMPOTENT <= set(posts)
    assert sorted(url for url, marked in posts.items() if not marked and url not in NOT_IDEMPOTENT) == []
    assert len([url for url, marked in posts.items() if marked]) >= 10
