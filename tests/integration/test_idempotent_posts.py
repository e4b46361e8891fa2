"""Idempotency-Key on every state-changing POST (gateway-side): concurrent retries of one key change the
case once and all get the same answer; another request under the key is a 422; a request still in flight
is a 409; keys are per principal; an error gives its key back."""
from collections import Counter
from datetime import UTC, datetime, timedelta

import eventlet

from services.gateway.idempotency import COLLECTION, IdempotencyKeys, answer_sealer, fingerprint, key_id
from shared.config import database_name
from tests.integration.platform_client import ADMIN, CMO_CELL, citizen, drinking_water, officer

NOTE = {"action": "add_note", "text": "Called the BDO about the tube well"}


def keys_store(mongo_client, platform_config):
    return IdempotencyKeys(mongo_client[database_name(platform_config, "gateway")][COLLECTION],
                           answer_sealer(platform_config))


def post(platform, path, actor, body, key):
    return platform.request("POST", path, actor, json=body, headers={"Idempotency-Key": key})


def filed_case(platform, mobile):
    return platform.ok(platform.file(drinking_water(mobile=mobile), citizen(mobile)), 201)["tracking_id"]


def notes(platform, tracking_id):
    return [e for e in platform.case(tracking_id)["timeline"] if e.get("kind") == "add_note"]


def test_thirty_concurrent_retries_of_an_action_add_one_note_and_all_answer_alike(platform):
    tracking_id = filed_case(platform, "9830091001")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    pool = eventlet.GreenPool(30)
    answers = list(pool.imap(lambda _: post(platform, path, CMO_CELL, NOTE, "note-once"), range(30)))
    assert Counter(a.status_code for a in answers) == {200: 30}, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert Counter(a.headers.get("Idempotent-Replayed") for a in answers) == {None: 1, "true": 29}
    assert len(notes(platform, tracking_id)) == 1
    later = post(platform, path, CMO_CELL, {"text": NOTE["text"], "action": "add_note"}, "note-once")  # keys reordered
    assert (later.status_code, later.text, later.headers["Idempotent-Replayed"]) == (200, answers[0].text, "true")
    assert len(notes(platform, tracking_id)) == 1


def test_a_replayed_filing_repeats_status_body_and_location(platform):
    mobile = "9830091002"
    body = drinking_water(mobile=mobile)
    first = post(platform, "/api/v1/grievances", citizen(mobile), body, "file-once")
    again = post(platform, "/api/v1/grievances", citizen(mobile), body, "file-once")
    assert first.status_code == again.status_code == 201, again.text
    assert again.text == first.text and again.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"


def test_support_and_resolve_together_replay_their_first_answer(platform):
    tracking_id = filed_case(platform, "9830091003")
    supporter = citizen("9830091004")
    path = f"/api/v1/grievances/{tracking_id}/support"
    first = post(platform, path, supporter, {}, "me-too")
    again = post(platform, path, supporter, {}, "me-too")
    assert first.status_code == 200 and (again.text, again.headers["Idempotent-Replayed"]) == (first.text, "true")
    other = filed_case(platform, "9830091005")
    together = {"tracking_ids": [tracking_id, other], "resolution": "A new tube well was installed in Onda."}
    first = post(platform, "/api/v1/grievances/resolve-together", CMO_CELL, together, "together")
    again = post(platform, "/api/v1/grievances/resolve-together", CMO_CELL, together, "together")
    assert first.status_code == 200, first.text
    assert (again.status_code, again.text, again.headers["Idempotent-Replayed"]) == (200, first.text, "true")


def test_the_same_key_with_another_body_or_route_is_a_422_naming_the_header(platform):
    tracking_id = filed_case(platform, "9830091006")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    platform.ok(post(platform, path, CMO_CELL, NOTE, "k-422"))
    other_body = post(platform, path, CMO_CELL, {**NOTE, "text": "Something else"}, "k-422")
    assert other_body.status_code == 422, other_body.text
    assert "Idempotency-Key" in other_body.json()["errors"]
    other_route = post(platform, "/api/v1/grievances/resolve-together", CMO_CELL,
                       {"tracking_ids": [tracking_id], "resolution": "Fixed the tube well at last."}, "k-422")
    assert other_route.status_code == 422 and "Idempotency-Key" in other_route.json()["errors"]
    assert len(notes(platform, tracking_id)) == 1


def test_keys_belong_to_their_principal(platform):
    tracking_id = filed_case(platform, "9830091007")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    platform.ok(post(platform, path, CMO_CELL, NOTE, "shared-key"))
    other_cell = {"sub": "cmo-cell-telecaller-8", "role": "cmo_cell"}
    second = post(platform, path, other_cell, NOTE, "shared-key")
    assert second.status_code == 200 and "Idempotent-Replayed" not in second.headers
    assert len(notes(platform, tracking_id)) == 2


def test_an_error_gives_the_key_back_and_a_bad_key_or_no_token_is_refused(platform):
    tracking_id = filed_case(platform, "9830091008")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    outsider = officer("officer-cyber-1", "home_cyber_cell", ["Kolkata"])
    refused = post(platform, path, outsider, NOTE, "k-err")
    assert refused.status_code == 404, refused.text  # outside their office: not even its existence
    bad = post(platform, path, CMO_CELL, {"action": "add_note"}, "k-err-2")
    assert bad.status_code == 400
    fixed = post(platform, path, CMO_CELL, NOTE, "k-err-2")  # the same key, now with a valid body
    assert fixed.status_code == 200 and "Idempotent-Replayed" not in fixed.headers
    for key in ("has a space", "k" * 256):
        answer = post(platform, path, CMO_CELL, NOTE, key)
        assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["errors"], answer.text
    anonymous = post(platform, path, None, NOTE, "k-anon")
    assert anonymous.status_code == 401


def test_a_request_in_flight_is_a_409_and_a_dead_ones_claim_is_taken_over(platform_with, platform_config,
                                                                       mongo_client):
    platform = platform_with(IDEMPOTENCY_WAIT_SECONDS=0.3, IDEMPOTENCY_LEASE_SECONDS=30)
    tracking_id = filed_case(platform, "9830091009")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    store = keys_store(mongo_client, platform_config)
    stored = key_id(CMO_CELL, "in-flight")
    now = datetime.now(UTC)
    store.claim(stored, fingerprint("POST", path, NOTE), "another-request", now)
    busy = post(platform, path, CMO_CELL, NOTE, "in-flight")
    assert busy.status_code == 409 and busy.headers["Retry-After"] == "1", busy.text
    assert notes(platform, tracking_id) == []
    store.collection.update_one({"_id": stored}, {"$set": {"claimed_at": now - timedelta(seconds=31)}})
    taken = post(platform, path, CMO_CELL, NOTE, "in-flight")  # its request died: this retry does the work
    assert taken.status_code == 200, taken.text
    assert len(notes(platform, tracking_id)) == 1
    assert store.current(stored)["answer"]["status"] == 200


def test_expired_keys_are_swept(platform, platform_config, mongo_client):
    tracking_id = filed_case(platform, "9830091010")
    path = f"/api/v1/grievances/{tracking_id}/actions"
    platform.ok(post(platform, path, CMO_CELL, NOTE, "old-key"))
    store = keys_store(mongo_client, platform_config)
    claim = store.collection.find_one({"_id": key_id(CMO_CELL, "old-key")})
    assert claim["expires_at"] - claim["claimed_at"] == timedelta(hours=24)
    assert store.sweep(claim["expires_at"] - timedelta(seconds=1)) == 0
    assert store.sweep(claim["expires_at"] + timedelta(seconds=1)) >= 1
    again = post(platform, path, CMO_CELL, NOTE, "old-key")  # forgotten: a new request
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert len(notes(platform, tracking_id)) == 2


def test_kept_answers_are_sealed_at_rest_and_still_replayed(platform_with, platform_config, mongo_client):
    platform = platform_with(IDEMPOTENCY_SECRET_KEY="test-idempotency-key-" + "k" * 24)
    mobile, email = "9830091011", "mita.das@example.in"
    body = drinking_water(mobile=mobile, complainant={"name": "Mita Das", "mobile": mobile, "email": email,
                                                      "language": "bn"})
    filed = post(platform, "/api/v1/grievances", citizen(mobile), body, "sealed-filing")
    assert filed.status_code == 201, filed.text
    tracking_id = filed.json()["tracking_id"]
    path = f"/api/v1/grievances/{tracking_id}/actions"
    acted = post(platform, path, CMO_CELL, NOTE, "sealed-note")
    assert acted.status_code == 200 and mobile in acted.text, acted.text  # staff see the contact details

    raw = keys_store(mongo_client, platform_config).collection
    for actor, key in ((citizen(mobile), "sealed-filing"), (CMO_CELL, "sealed-note")):
        stored = raw.find_one({"_id": key_id(actor, key)})
        kept = repr(stored)
        assert mobile not in kept and email not in kept and tracking_id not in kept, kept
        assert isinstance(stored["answer"], str) and stored["answer"].startswith("aesgcm:"), stored

    again = post(platform, path, CMO_CELL, NOTE, "sealed-note")
    assert (again.status_code, again.text, again.headers["Idempotent-Replayed"]) == (200, acted.text, "true")
    refiled = post(platform, "/api/v1/grievances", citizen(mobile), body, "sealed-filing")
    assert (refiled.status_code, refiled.text, refiled.headers["Location"]) == (201, filed.text,
                                                                                filed.headers["Location"])
    second = {**NOTE, "text": "The BDO sent a mechanic"}
    racing = list(eventlet.GreenPool(20).imap(lambda _: post(platform, path, CMO_CELL, second, "sealed-race"),
                                              range(20)))
    assert Counter(a.status_code for a in racing) == {200: 20} and len({a.text for a in racing}) == 1
    assert Counter(a.headers.get("Idempotent-Replayed") for a in racing) == {None: 1, "true": 19}
    assert len(notes(platform, tracking_id)) == 2


def test_a_registration_retried_with_its_key_shows_the_same_secret_once_sealed(platform_with, platform_config,
                                                                             mongo_client):
    """Machine clients and webhook secrets are shown once: a lost answer retried with its key gets the same
    secret again (one client registered), and the kept answer holds only ciphertext of it."""
    platform = platform_with(IDEMPOTENCY_SECRET_KEY="test-idempotency-key-" + "k" * 24)
    body = {"client_id": "wb-pgportal-retry"}
    racing = list(eventlet.GreenPool(10).imap(
        lambda _: post(platform, "/api/v1/admin/clients", ADMIN, body, "register-pgportal"), range(10)))
    assert Counter(a.status_code for a in racing) == {201: 10}, [a.text for a in racing]
    secrets = {a.json()["client_secret"] for a in racing}
    assert len(secrets) == 1
    stored = repr(keys_store(mongo_client, platform_config).collection.find_one(
        {"_id": key_id(ADMIN, "register-pgportal")}))
    assert secrets.pop() not in stored and "aesgcm:" in stored
    again = platform.request("POST", "/api/v1/admin/clients", ADMIN, json=body)  # no key: a second registration
    assert again.status_code == 409, again.text
