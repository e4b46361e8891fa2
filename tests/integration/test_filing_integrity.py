"""Filing: a citizen files only under the number their token proves; the monthly limit and the repeat check
hold when many filings arrive at once (each is one atomic store operation, not a read then a write)."""
import time
from collections import Counter
from datetime import timedelta

import eventlet

from services.intake.domain import intake_rules, tracking
from services.intake.storage import GrievanceStore, utcnow
from shared import counters
from shared.config import database_name
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water


def at_once(count, call):
    """Run `call(n)` for n in 0..count-1 all at the same time; the answers in order."""
    pool = eventlet.GreenPool(count)
    return list(pool.imap(call, range(count)))


def intake_store(mongo_client, platform_config):
    return GrievanceStore(mongo_client[database_name(platform_config, "intake")])


def test_a_citizen_cannot_file_under_someone_elses_number(platform, platform_config, mongo_client):
    victim, impostor = "9830071111", citizen("9830072222")
    refused = platform.file(drinking_water(mobile=victim), impostor)
    assert refused.status_code == 403, refused.text
    assert "complainant.mobile" in refused.json()["error"]
    assert refused.json()["details"] == {"field": "complainant.mobile"}
    no_number = platform.file(drinking_water(mobile=victim), {"sub": "citizen-x", "role": "citizen"})
    assert no_number.status_code == 403  # a citizen whose token proves no number cannot name one

    month_key = intake_rules.filing_month_key(victim, utcnow())
    assert intake_store(mongo_client, platform_config).counters.find_one({"_id": month_key}) is None

    own = platform.ok(platform.file(drinking_water(mobile="+91" + victim), citizen(victim)), 201)  # same number
    case = platform.case(own["tracking_id"])
    assert case["complainant"]["mobile"] == "+91" + victim and case["filed_by"]["role"] == "citizen"
    unnamed = drinking_water(subject="Street light broken near the school")
    del unnamed["complainant"]["mobile"]
    filled = platform.ok(platform.file(unnamed, citizen(victim)), 201)  # no number given: the proven one
    assert platform.case(filled["tracking_id"])["complainant"]["mobile"] == victim
    # filing for another person is the cell's phone-assisted filing
    assisted = drinking_water(mobile=victim, subject="Filed by phone for her", channel="phone_assisted")
    platform.ok(platform.file(assisted, CMO_CELL), 201)


def test_fifteen_filings_at_once_from_one_mobile_accept_exactly_the_limit(platform, platform_config):
    mobile, person = "9830073333", citizen("9830073333")
    limit = int(platform_config["FILINGS_PER_MOBILE_PER_MONTH"])
    answers = at_once(15, lambda n: platform.file(
        drinking_water(mobile=mobile, subject=f"Complaint number {n} about the road"), person).status_code)
    assert Counter(answers) == {201: limit, 429: 15 - limit}, answers
    # the officer's phone-assisted override still files past the limit
    by_phone = drinking_water(mobile=mobile, subject="One more by phone", channel="phone_assisted",
                              override_filing_limit=True)
    platform.ok(platform.file(by_phone, CMO_CELL), 201)
    assert platform.file(drinking_water(mobile=mobile, subject="And one more"), person).status_code == 429


def test_the_same_complaint_sent_twenty_times_at_once_makes_one_case(platform, platform_config):
    mobile, person = "9830074444", citizen("9830074444")
    answers = at_once(20, lambda n: platform.file(drinking_water(mobile=mobile), person))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 200: 19}, [(a.status_code, a.text[:120]) for a in answers]
    tracking_ids = {a.json()["tracking_id"] for a in answers}
    assert len(tracking_ids) == 1
    assert all(a.json()["duplicate"] for a in answers if a.status_code == 200)
    platform.case(tracking_ids.pop())  # the case the duplicates point to exists
    # the repeats did not use up the month's filings: 9 more distinct complaints are accepted
    more = at_once(9, lambda n: platform.file(drinking_water(mobile=mobile, subject=f"Another matter {n}"),
                                              person).status_code)
    assert more == [201] * 9


def test_a_claim_left_by_a_crash_does_not_block_the_citizen(platform, platform_config, mongo_client):
    """A filing that claimed its repeat key and died before inserting its case: the claim names a case that
    never appears, so after a short while the next identical filing takes it over."""
    mobile = "9830075555"
    body = drinking_water(mobile=mobile)
    key = intake_rules.duplicate_key(mobile, body["subject"], body["description"])
    ghost = tracking.new_tracking_id(utcnow().year)
    store = intake_store(mongo_client, platform_config)
    store.repeats.insert_one({"_id": key, "tracking_id": ghost,
                              "at": utcnow() - intake_rules.CLAIM_TAKEOVER_AFTER - timedelta(seconds=1)})
    filed = platform.ok(platform.file(body, citizen(mobile)), 201)
    assert filed["tracking_id"] != ghost and not filed["duplicate"]
    assert store.repeats.find_one({"_id": key})["tracking_id"] == filed["tracking_id"]
    again = platform.ok(platform.file(body, citizen(mobile)), 200)
    assert again["duplicate"] and again["tracking_id"] == filed["tracking_id"]


def test_a_refused_filing_releases_its_claim(platform, platform_config, mongo_client):
    """Over the limit: the claim taken for the repeat check is given back, so the same text filed by the
    cell's phone-assisted override is a new case, not a duplicate of one that was never made."""
    mobile, person = "9830076666", citizen("9830076666")
    limit = int(platform_config["FILINGS_PER_MOBILE_PER_MONTH"])
    for n in range(limit):
        platform.ok(platform.file(drinking_water(mobile=mobile, subject=f"Matter {n} in the ward"), person), 201)
    body = drinking_water(mobile=mobile, subject="The eleventh matter")
    assert platform.file(body, person).status_code == 429
    key = intake_rules.duplicate_key(mobile, body["subject"], body["description"])
    assert intake_store(mongo_client, platform_config).repeats.find_one({"_id": key}) is None
    by_phone = {**body, "channel": "phone_assisted", "override_filing_limit": True}
    assert platform.file(by_phone, CMO_CELL).status_code == 201


def test_a_fresh_claim_whose_case_never_comes_is_waited_for_then_taken_over(platform, platform_config,
                                                                              mongo_client):
    mobile = "9830077777"
    body = drinking_water(mobile=mobile)
    key = intake_rules.duplicate_key(mobile, body["subject"], body["description"])
    ghost = tracking.new_tracking_id(utcnow().year)
    intake_store(mongo_client, platform_config).repeats.insert_one({"_id": key, "tracking_id": ghost, "at": utcnow()})
    started = time.monotonic()
    filed = platform.ok(platform.file(body, citizen(mobile)), 201)
    waited = time.monotonic() - started
    assert filed["tracking_id"] != ghost
    assert intake_rules.CLAIM_TAKEOVER_AFTER.total_seconds() - 1 < waited < 3 * intake_rules.CLAIM_TAKEOVER_AFTER.total_seconds()


def test_fifty_takers_of_a_bounded_counter_at_once_get_exactly_the_limit(mongo_client, platform_config):
    collection = mongo_client[database_name(platform_config, "intake")].filing_counters
    taken = at_once(50, lambda n: counters.take_slot(collection, "month-key", 10))
    assert taken.count(True) == 10 and collection.find_one({"_id": "month-key"})["count"] == 10
    counters.give_back(collection, "month-key")
    assert at_once(5, lambda n: counters.take_slot(collection, "month-key", 10)).count(True) == 1
    assert counters.count_anyway(collection, "month-key") == 11  # an allowed override counts past it
