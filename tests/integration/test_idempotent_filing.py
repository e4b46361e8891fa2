"""Idempotency-Key on filing: a client that got no answer (a timeout, a 503 while the bus was down) sends
the same request again and gets the first answer, never a second case; a key is claimed with one unique
insert, so twenty retries at once file one case."""
from collections import Counter
from datetime import timedelta

import eventlet

from services.intake.domain import idempotency, intake_rules
from services.intake.storage import GrievanceStore, utcnow
from shared.config import database_name
from tests.integration.platform_client import citizen, drinking_water


def intake_store(mongo_client, platform_config):
    return GrievanceStore(mongo_client[database_name(platform_config, "intake")])


def file_with_key(platform, body, actor, key):
    return platform.request("POST", "/api/v1/grievances", actor, json=body, headers={"Idempotency-Key": key})


def cases_of(store, mobile):
    return [c["_id"] for c in store.cases.find({"complainant.mobile": mobile}, {"_id": 1})]


def test_twenty_concurrent_retries_of_one_key_file_one_case_and_all_get_its_answer(platform, platform_config,
                                                                                   mongo_client):
    mobile = "9830081111"
    body = drinking_water(mobile=mobile)
    pool = eventlet.GreenPool(20)
    answers = list(pool.imap(lambda _: file_with_key(platform, body, citizen(mobile), "retry-me-1"), range(20)))
    assert Counter(a.status_code for a in answers) == {201: 20}, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1  # the very same body every time
    filed = answers[0].json()
    assert cases_of(intake_store(mongo_client, platform_config), mobile) == [filed["tracking_id"]]
    again = file_with_key(platform, body, citizen(mobile), "retry-me-1")  # later, the case routed meanwhile
    assert (again.status_code, again.json()) == (201, filed)
    # one month slot taken, not twenty
    month = intake_store(mongo_client, platform_config).counters.find_one(
        {"_id": intake_rules.filing_month_key(mobile, utcnow())})
    assert month["count"] == 1


def test_the_same_key_with_another_body_is_refused_with_422(platform):
    mobile = "9830081112"
    first = file_with_key(platform, drinking_water(mobile=mobile), citizen(mobile), "k-2")
    assert first.status_code == 201, first.text
    other = file_with_key(platform, drinking_water(mobile=mobile, subject="Another complaint entirely"),
                          citizen(mobile), "k-2")
    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["errors"]


def test_keys_belong_to_their_principal_and_a_bad_key_is_a_400(platform):
    a, b = "9830081113", "9830081114"
    one = platform.ok(file_with_key(platform, drinking_water(mobile=a), citizen(a), "same-key"), 201)
    two = platform.ok(file_with_key(platform, drinking_water(mobile=b), citizen(b), "same-key"), 201)
    assert one["tracking_id"] != two["tracking_id"]
    bad = file_with_key(platform, drinking_water(mobile=a, subject="x y z"), citizen(a), "has a space")
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["errors"]
    long = file_with_key(platform, drinking_water(mobile=a, subject="x y z"), citizen(a), "k" * 256)
    assert long.status_code == 400 and "Idempotency-Key" in long.json()["errors"]


def test_a_refused_filing_leaves_its_key_free(platform):
    mobile = "9830081115"
    refused = file_with_key(platform, drinking_water(mobile="9830081199"), citizen(mobile), "k-refused")
    assert refused.status_code == 403  # someone else's number: nothing filed, the key not kept
    fixed = file_with_key(platform, drinking_water(mobile=mobile), citizen(mobile), "k-refused")
    assert fixed.status_code == 201, fixed.text


def test_a_claim_whose_request_died_before_filing_is_taken_over_under_its_tracking_id(platform, platform_config,
                                                                                      mongo_client):
    mobile, key = "9830081116", "k-died-before"
    body, person = drinking_water(mobile=mobile), citizen(mobile)
    store = intake_store(mongo_client, platform_config)
    stored_key = idempotency.key_id({"role": "citizen", "sub": person["sub"]}, key)
    now = utcnow()
    store.claim_idempotency_key(stored_key, idempotency.fingerprint(body), "WB-2026-00000018", "dead-worker",
                                now, idempotency.KEEP_FOR)  # ... and intake was killed here
    busy = file_with_key(platform, body, person, key)
    assert busy.status_code == 409, busy.text  # the first may still be working: wait, then 409
    store.idempotency.update_one({"_id": stored_key},
                                 {"$set": {"claimed_at": now - idempotency.TAKE_OVER_AFTER - timedelta(seconds=1)}})
    retried = file_with_key(platform, body, person, key)
    assert retried.status_code == 201, retried.text
    assert retried.json()["tracking_id"] == "WB-2026-00000018"  # the tracking ID chosen up front
    assert cases_of(store, mobile) == ["WB-2026-00000018"]


def test_a_request_that_died_after_filing_is_answered_from_its_case(platform, platform_config, mongo_client):
    mobile, key = "9830081117", "k-died-after"
    body, person = drinking_water(mobile=mobile), citizen(mobile)
    first = file_with_key(platform, body, person, key)
    assert first.status_code == 201
    store = intake_store(mongo_client, platform_config)
    store.idempotency.update_many({}, {"$set": {"answer": None}})  # the answer was never written: a crash
    platform.wait_case(first.json()["tracking_id"], lambda c: c["status"] != "filed", "routed")
    again = file_with_key(platform, body, person, key)
    assert (again.status_code, again.json()) == (201, first.json())  # the first answer, not today's status
    assert cases_of(store, mobile) == [first.json()["tracking_id"]]


def test_expired_keys_are_purged(platform_config, mongo_client):
    store = intake_store(mongo_client, platform_config)
    now = utcnow()
    store.claim_idempotency_key("old", "f", "WB-2026-00000018", "o", now - timedelta(hours=25), idempotency.KEEP_FOR)
    store.claim_idempotency_key("new", "f", "WB-2026-00000026", "o", now, idempotency.KEEP_FOR)
    assert store.forget_idempotency_keys(now) == 1
    assert [k["_id"] for k in store.idempotency.find()] == ["new"]
