"""ETag on a case (from its version), If-None-Match on reading it, If-Match on acting on it: a stale
version answers 412 with the current state, and of officers racing with the same version exactly one wins."""
from collections import Counter

import eventlet

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water

NOTE = {"action": "add_note", "text": "Called the BDO about the tube well"}


def filed_case(platform, mobile):
    """A case routed and assigned: routing's decisions change its version too, so wait until they are in."""
    tracking_id = platform.ok(platform.file(drinking_water(mobile=mobile), citizen(mobile)), 201)["tracking_id"]
    platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routed and assigned")
    return tracking_id


def act(platform, tracking_id, body, if_match=None, actor=CMO_CELL):
    headers = {} if if_match is None else {"If-Match": if_match}
    return platform.request("POST", f"/api/v1/grievances/{tracking_id}/actions", actor, json=body, headers=headers)


def notes(platform, tracking_id):
    return [e for e in platform.case(tracking_id)["timeline"] if e.get("kind") == "add_note"]


def version_of(tag):
    """A case's version from its strong ETag: "7", or "7-gzip" for the gzipped answer (client_http.py)."""
    return int(tag.strip('"').removesuffix("-gzip"))


def test_a_case_carries_its_version_as_a_strong_etag_and_if_none_match_answers_304(platform):
    mobile = "9830092001"
    tracking_id = filed_case(platform, mobile)
    first = platform.get(tracking_id, CMO_CELL)
    etag = first.headers["ETag"]
    assert version_of(etag) == first.json()["version"] and not etag.startswith("W/")  # strong
    assert platform.get(tracking_id, citizen(mobile)).headers["ETag"] == etag  # every audience: one version
    same = platform.request("GET", f"/api/v1/grievances/{tracking_id}", CMO_CELL, headers={"If-None-Match": etag})
    assert (same.status_code, same.content, version_of(same.headers["ETag"])) == (304, b"", version_of(etag))
    listed = platform.request("GET", f"/api/v1/grievances/{tracking_id}", CMO_CELL,
                              headers={"If-None-Match": f'"nope", W/{etag}'})  # weak comparison, as RFC 9110
    assert listed.status_code == 304
    platform.ok(act(platform, tracking_id, NOTE))
    changed = platform.request("GET", f"/api/v1/grievances/{tracking_id}", CMO_CELL,
                               headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_stale_if_match_is_a_412_with_the_current_state_and_a_current_one_proceeds(platform):
    tracking_id = filed_case(platform, "9830092002")
    etag = platform.get(tracking_id, CMO_CELL).headers["ETag"]
    done = act(platform, tracking_id, NOTE, if_match=etag)
    assert done.status_code == 200, done.text
    newer = done.headers["ETag"]
    assert newer != etag and version_of(newer) == done.json()["version"]
    stale = act(platform, tracking_id, {**NOTE, "text": "A second note on an old copy"}, if_match=etag)
    assert stale.status_code == 412, stale.text
    assert version_of(stale.headers["ETag"]) == version_of(newer)
    assert stale.json()["details"]["current"]["version"] == done.json()["version"]
    assert version_of(stale.json()["details"]["etag"]) == version_of(newer)
    for refused in ("W/" + newer, '"not-a-version"'):  # If-Match compares strongly: a weak tag never matches
        assert act(platform, tracking_id, NOTE, if_match=refused).status_code == 412
    assert act(platform, tracking_id, NOTE, if_match=f'"1", {newer}').status_code == 200
    assert act(platform, tracking_id, NOTE, if_match="*").status_code == 200
    assert len(notes(platform, tracking_id)) == 3


def test_twenty_officers_acting_on_the_same_version_one_wins_the_rest_get_412(platform):
    tracking_id = filed_case(platform, "9830092003")
    etag = platform.get(tracking_id, CMO_CELL).headers["ETag"]
    pool = eventlet.GreenPool(20)
    answers = list(pool.imap(lambda n: act(platform, tracking_id, {**NOTE, "text": f"Note {n}"}, if_match=etag),
                             range(20)))
    assert Counter(a.status_code for a in answers) == {200: 1, 412: 19}, [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 200)
    assert {version_of(a.headers["ETag"]) for a in answers} == {version_of(won.headers["ETag"])}  # the losers learn the winner's version
    assert len(notes(platform, tracking_id)) == 1


def test_with_a_key_a_replay_repeats_the_etag_and_a_412_gives_the_key_back(platform):
    tracking_id = filed_case(platform, "9830092004")
    etag = platform.get(tracking_id, CMO_CELL).headers["ETag"]
    keyed = {"If-Match": etag, "Idempotency-Key": "note-v1"}
    path = f"/api/v1/grievances/{tracking_id}/actions"
    first = platform.request("POST", path, CMO_CELL, json=NOTE, headers=keyed)
    again = platform.request("POST", path, CMO_CELL, json=NOTE, headers=keyed)  # the first answer lost
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Idempotent-Replayed"] == "true"
    stale = {"If-Match": etag, "Idempotency-Key": "note-v2"}
    assert platform.request("POST", path, CMO_CELL, json=NOTE, headers=stale).status_code == 412
    fresh = {"If-Match": first.headers["ETag"], "Idempotency-Key": "note-v2"}  # re-read, the same key again
    after = platform.request("POST", path, CMO_CELL, json=NOTE, headers=fresh)
    assert after.status_code == 200 and "Idempotent-Replayed" not in after.headers, after.text
    assert len(notes(platform, tracking_id)) == 2
