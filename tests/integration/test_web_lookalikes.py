"""Before filing in the web console, a citizen is offered the open cases like theirs nearby and may join
one ("me too") instead, with JavaScript off; the offer shows nothing about the person who filed the case."""
import re

from services.search.index import alias
from shared.elastic import connect
from tests.integration.console import csrf_of
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.test_web_citizen import details_form
from tests.integration.waiting import wait_for

FIRST_MOBILE, SECOND_MOBILE = "9830044411", "9830044422"
PRIVATE_DESCRIPTION = "The tube well behind Haripada Mondal's house at 12 Station Road has been broken since Puja."


def file_first_case(console):
    tracking_id = console.gateway.ok(console.gateway.file(drinking_water(
        mobile=FIRST_MOBILE, description=PRIVATE_DESCRIPTION,
        complainant={"name": "Sabitri Hansda", "mobile": FIRST_MOBILE, "language": "bn"}),
        citizen(FIRST_MOBILE)), 201)["tracking_id"]
    es = connect(console.config["ELASTICSEARCH_URL"])
    try:
        # 503: the index exists but its shard is not active yet; asked again by wait_for, not by the client
        quiet = es.options(ignore_status=(404, 503), retry_on_status=())
        wait_for(lambda: quiet.indices.refresh(index=alias(console.config)) and quiet.count(
            index=alias(console.config)).get("count") == 1, what="the first case indexed")
    finally:
        es.close()
    return tracking_id


def test_the_form_offers_the_case_nearby_and_me_too_joins_it(console):
    first = file_first_case(console)
    browser = console.browser("en")
    console.sign_in(browser, SECOND_MOBILE)
    _, form = details_form(console, browser, district="Bankura")
    typed = {**form, "subject": "Tube well broken, no drinking water in Onda", "block": "Onda",
             "description": "Our para has had no water for ten days."}
    offered = console.post(browser, "/file", typed)
    assert offered.status_code == 200, offered.text
    page = offered.text
    assert "Cases like yours nearby" in page and first in page and "No drinking water in Onda for two weeks" in page
    assert f'action="/grievances/{first}/support"' in page and ">Me too</button>" in page
    assert 'name="lookalikes_seen" value="yes"' in page and "It is a different problem; file mine" in page
    assert 'value="Tube well broken, no drinking water in Onda"' in page and "ten days" in page  # all kept
    assert "<script" not in page
    for personal in (FIRST_MOBILE, FIRST_MOBILE[-4:], "Sabitri", "Hansda", "Haripada", "Station Road"):
        assert personal not in page, personal

    support_form = re.search(rf'<form method="post" action="/grievances/{first}/support">(.*?)</form>', page, re.S)[1]
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', support_form)[1]
    joined = console.post(browser, f"/grievances/{first}/support",
                          {"csrf_token": csrf_of(page), "idempotency_key": key, "subject": "x"})
    assert joined.status_code == 200 and "You have joined this case" in joined.text, joined.text
    assert "1 people have reported this problem now." in joined.text
    again = console.post(browser, f"/grievances/{first}/support",
                         {"csrf_token": csrf_of(page), "idempotency_key": key})
    assert again.status_code == 200  # a double submit counts once
    assert console.gateway.case(first)["supporters"] == 1
    forged = console.post(browser, f"/grievances/{first}/support", {"csrf_token": "forged", "idempotency_key": "k2"})
    assert forged.status_code == 403 and console.gateway.case(first)["supporters"] == 1
    assert "/grievances/" not in console.get(browser, "/my/grievances").text  # nothing filed


def test_a_different_problem_is_filed_after_the_offer_and_the_offer_is_in_bengali(console):
    first = file_first_case(console)
    browser = console.browser()  # Bengali, the citizens' default
    console.sign_in(browser, SECOND_MOBILE)
    _, form = details_form(console, browser, district="Bankura")
    typed = {**form, "subject": "Onda drinking water tube well broken", "block": "Onda"}
    offered = console.post(browser, "/file", typed)
    assert offered.status_code == 200 and "কাছাকাছি আপনার মতো অভিযোগ" in offered.text and first in offered.text
    assert ">আমারও</button>" in offered.text
    filed = console.post(browser, "/file", {**typed, "lookalikes_seen": "yes"})
    assert filed.status_code == 303, filed.text
    assert filed.headers["Location"] != f"/grievances/{first}"
    mine = console.get(browser, "/my/grievances")
    assert filed.headers["Location"] in mine.text and f"/grievances/{first}" not in mine.text
    own = filed.headers["Location"].rsplit("/", 1)[1]
    es = connect(console.config["ELASTICSEARCH_URL"])
    try:
        wait_for(lambda: es.indices.refresh(index=alias(console.config)) and es.count(
            index=alias(console.config))["count"] == 2, what="the citizen's case indexed")
    finally:
        es.close()
    again = console.post(browser, "/file", {**typed, "idempotency_key": "a" * 32})
    assert again.status_code == 200 and first in again.text and own not in again.text  # never one's own case


def test_the_first_filing_in_a_district_goes_straight_through(console):
    browser = console.browser("en")
    console.sign_in(browser, SECOND_MOBILE)
    _, form = details_form(console, browser, district="Bankura")
    filed = console.post(browser, "/file", {**form, "subject": "Street light out near the school", "block": "Onda"})
    assert filed.status_code == 303, filed.text


def test_the_gateway_counts_each_console_user_at_their_own_address(console_with):
    """Behind the ingress the console is the gateway's peer for everyone: it passes the chain on, so the
    per-address limits count citizens, not the console (one filing per address here)."""
    console = console_with(TRUSTED_PROXIES="127.0.0.1/32", RATE_LIMIT_FILING_PER_ADDRESS="1/600")
    filed = []
    for n, address in enumerate(("203.0.113.7", "203.0.113.8")):
        browser = console.browser("en")
        browser.headers["X-Forwarded-For"] = address  # what the ingress controller appends
        console.sign_in(browser, f"98300555{n}{n}")
        _, form = details_form(console, browser, district="Bankura")
        filed.append(console.post(browser, "/file", {**form, "subject": f"Street light {n} out near the school"}))
    assert [answer.status_code for answer in filed] == [303, 303], filed[1].text[:500]
