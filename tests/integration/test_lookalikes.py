"""Before filing, a citizen is offered the open cases like theirs in their district ("me too") and may join
one; the answer shows each case as any citizen may see it, nothing about the person who filed it."""
from services.search.index import alias
from shared.elastic import connect
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

FIRST_MOBILE, SECOND_MOBILE = "9830011111", "9830022222"
PRIVATE_DESCRIPTION = "The only tube well behind Haripada Mondal's house at 12 Station Road is broken since Puja."


def indexed(es, name):
    """Cases searchable under `name` now (0 before the search service has made its index)."""
    if not es.indices.exists(index=name):
        return 0
    es.indices.refresh(index=name)
    return es.count(index=name)["count"]


def lookalikes(platform, actor, **body):
    return platform.request("POST", "/api/v1/grievances/lookalikes", actor, json=body)


def test_a_second_citizen_is_offered_the_first_case_and_joins_it(platform, platform_config):
    first = platform.ok(platform.file(drinking_water(
        mobile=FIRST_MOBILE, description=PRIVATE_DESCRIPTION,
        complainant={"name": "Sabitri Hansda", "mobile": FIRST_MOBILE, "language": "bn"}),
        citizen(FIRST_MOBILE)), 201)["tracking_id"]
    elsewhere = platform.ok(platform.file(drinking_water(mobile="9830033333", district="Nadia"),
                                          citizen("9830033333")), 201)["tracking_id"]
    es = connect(platform_config["ELASTICSEARCH_URL"])
    wait_for(lambda: indexed(es, alias(platform_config)) == 2, what="both cases indexed")
    es.close()

    second = citizen(SECOND_MOBILE)
    answer = lookalikes(platform, second, text="No drinking water, the tube well in Onda is broken",
                        category="drinking_water", district="Bankura", block="Onda")
    found = platform.ok(answer)["lookalikes"]
    assert [case["tracking_id"] for case in found] == [first]  # not the Nadia case: another district
    offered = found[0]
    assert offered["subject"] == "No drinking water in Onda for two weeks"
    assert offered["place"] == {"district": "Bankura", "block": "Onda"}
    assert offered["supporters"] == 0 and offered["category"] == "drinking_water"
    assert len(offered["created_on"]) == 10 and offered["status"] in ("filed", "routed")
    text = answer.text
    for personal in (FIRST_MOBILE, FIRST_MOBILE[-4:], "Sabitri", "Hansda", "Haripada", "Station Road",
                     "description", "complainant", "filed_by", "geo"):
        assert personal not in text, personal
    assert answer.headers["Cache-Control"].startswith("no-store")
    hindi = platform.request("POST", "/api/v1/grievances/lookalikes", second, headers={"Accept-Language": "hi-IN"},
                             json={"text": "No drinking water in Onda", "district": "Bankura"})
    assert platform.ok(hindi)["lookalikes"][0]["status_text"] in ("दर्ज हो गई", "विभाग को भेजी गई")

    # the same complaint in Bangla script finds it too; an unrelated one does not
    assert [c["tracking_id"] for c in platform.ok(lookalikes(
        platform, second, text="ওন্দায় পানীয় জল নেই, drinking water নেই", district="Bankura"))["lookalikes"]] == [first]
    assert platform.ok(lookalikes(platform, second, text="Pension not paid for six months",
                                  category="old_age_pension", district="Bankura"))["lookalikes"] == []
    assert elsewhere in [c["tracking_id"] for c in platform.ok(lookalikes(
        platform, CMO_CELL, text="No drinking water in Onda", district="Nadia"))["lookalikes"]]

    assert platform.ok(lookalikes(platform, citizen(FIRST_MOBILE), text="No drinking water in Onda",
                                  district="Bankura"))["lookalikes"] == []  # one's own case is not offered

    # "me too": the second citizen supports the case offered
    joined = platform.request("POST", f"/api/v1/grievances/{first}/support", second, json={},
                              headers={"Idempotency-Key": "me-too-1"})
    assert joined.status_code == 200, joined.text
    assert platform.ok(joined)["supporters"] == 1
    wait_for(lambda: platform.ok(lookalikes(platform, second, text="No drinking water in Onda",
                                            district="Bankura"))["lookalikes"][0]["supporters"] == 1,
             what="the supporter counted in the index")


def test_bad_input_and_who_may_ask(platform):
    second = citizen(SECOND_MOBILE)
    for body, field in (({"district": "Bankura"}, "text"), ({"text": "no water"}, "district"),
                        ({"text": "x", "district": "Bankura"}, "text"),
                        ({"text": "no water", "district": "Bankura", "mobile": "1"}, "mobile")):
        bad = lookalikes(platform, second, **body)
        assert bad.status_code == 400 and field in bad.json()["errors"], bad.text
    for raw in ("[1, 2]", '"text"', "{not json"):
        bad = platform.request("POST", "/api/v1/grievances/lookalikes", second, data=raw,
                               headers={"Content-Type": "application/json"})
        assert bad.status_code == 400, (raw, bad.status_code, bad.text)
    officer_asks = lookalikes(platform, officer("off-phe-bankura-l1-1", "phe", ["Bankura"]),
                              text="no water", district="Bankura")
    assert officer_asks.status_code == 403
    assert platform.request("POST", "/api/v1/grievances/lookalikes", json={"text": "no water",
                                                                           "district": "Bankura"}).status_code == 401


def test_many_citizens_joining_at_once_are_each_counted_once(platform, platform_config):
    import threading

    first = platform.ok(platform.file(drinking_water(mobile=FIRST_MOBILE), citizen(FIRST_MOBILE)), 201)["tracking_id"]
    joiners = [citizen(f"98300{n:05d}") for n in range(10)]
    answers = {}

    def join(actor, attempt):
        answers[(actor["sub"], attempt)] = platform.request(
            "POST", f"/api/v1/grievances/{first}/support", actor, json={},
            headers={"Idempotency-Key": f"{actor['sub']}-{attempt}"})
    threads = [threading.Thread(target=join, args=(actor, attempt)) for actor in joiners for attempt in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # intake's conditional write retries a few times, then says so (409, "try again"): never a lost count
    refused = {key: a for key, a in answers.items() if a.status_code != 200}
    assert all(a.status_code == 409 and "try again" in a.json()["detail"] for a in refused.values()), refused
    counted = {sub for (sub, _), a in answers.items() if a.status_code == 200}
    assert platform.case(first)["supporters"] == len(counted)  # 20 requests: each person at most once
    for sub, attempt in refused:  # the client retries with the same key
        actor = next(a for a in joiners if a["sub"] == sub)
        assert platform.request("POST", f"/api/v1/grievances/{first}/support", actor, json={},
                                headers={"Idempotency-Key": f"{sub}-{attempt}"}).status_code == 200
    assert platform.case(first)["supporters"] == 10
