"""GET /api/v1/me/grievances: a citizen's own cases (and only theirs), newest first, paged with a cursor
that neither skips nor repeats a case while new ones are filed, with the status in their language."""
from concurrent.futures import ThreadPoolExecutor

from services.gateway.list_schemas import MyGrievancesSchema
from services.intake.domain.status_words import STATUS_WORDS
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer

MITA = citizen("9830012345")
RAHUL = citizen("9830098765")
PATH = "/api/v1/me/grievances"


def _file(platform, actor, n, mobile=None):
    body = drinking_water(mobile=mobile or actor["mobile"], subject=f"No drinking water in Onda, ward {n}",
                          description=f"The tube well of ward {n} has been broken for two weeks.")
    if actor["role"] == "cmo_cell":
        body["channel"] = "phone_assisted"
    return platform.ok(platform.file(body, actor), 201)["tracking_id"]


def _pages(platform, actor, first, between=None, headers=None):
    seen, path, pages = [], first, 0
    while path:
        page = platform.ok(platform.request("GET", path, actor, headers=headers))
        seen += page["items"]
        path, pages = page["next"], pages + 1
        if between and pages == 1:
            between()
    return seen, pages


def test_a_citizen_pages_through_their_own_cases_newest_first_while_new_ones_arrive(platform):
    mine = [_file(platform, MITA, n) for n in range(5)]
    mine.append(_file(platform, CMO_CELL, 5, mobile=MITA["mobile"]))  # the cell filed it for her by phone
    theirs = [_file(platform, RAHUL, n) for n in range(2)]
    arrived = []

    seen, pages = _pages(platform, MITA, PATH + "?limit=2",
                         between=lambda: arrived.append(_file(platform, MITA, 99)))
    ids = [item["tracking_id"] for item in seen]
    assert ids == list(reversed(mine)), ids  # newest first, none skipped or repeated, none of Rahul's
    assert pages == 3
    assert not set(ids) & set(theirs)
    fresh = platform.ok(platform.request("GET", PATH + "?limit=2", MITA))
    assert fresh["items"][0]["tracking_id"] == arrived[0]

    assert MyGrievancesSchema().validate(fresh) == {}, fresh
    item = seen[0]
    assert {"tracking_id", "subject", "status", "status_text", "created_at", "category"} <= set(item)
    assert not {"timeline", "filed_by", "officer_id", "complainant", "complainant_key", "versions"} & set(item)
    rahul = platform.ok(platform.request("GET", PATH, RAHUL))
    assert [i["tracking_id"] for i in rahul["items"]] == list(reversed(theirs)) and rahul["next"] is None


def test_status_words_follow_accept_language_then_the_citizens_preference(platform):
    _file(platform, MITA, 1)
    hindi = platform.ok(platform.request("GET", PATH, MITA, headers={"Accept-Language": "hi-IN, en;q=0.5"}))
    assert hindi["language"] == "hi"
    assert all(item["status_text"] == STATUS_WORDS[item["status"]]["hi"] for item in hindi["items"]), hindi
    platform.ok(platform.request("PUT", "/api/v1/notifications/preferences", MITA,
                                 json={"channels": ["sms"], "language": "en"}))
    english = platform.ok(platform.request("GET", PATH, MITA))
    assert english["language"] == "en"
    assert all(item["status_text"] == STATUS_WORDS[item["status"]]["en"] for item in english["items"]), english


def test_bad_pages_and_staff_are_refused_with_the_field_named(platform):
    for query, field in (("?limit=0", "limit"), ("?limit=51", "limit"), ("?limit=ten", "limit"),
                         ("?cursor=not-a-cursor", "cursor")):
        answer = platform.request("GET", PATH + query, MITA)
        assert answer.status_code == 400 and field in answer.json()["errors"], (query, answer.text)
    staff = platform.request("GET", PATH, officer("off-phe-bankura-l1-1", "phe", ["Bankura"]))
    assert staff.status_code == 403, staff.text
    assert platform.request("GET", PATH, None).status_code == 401


def test_concurrent_first_filings_of_one_citizen_all_land_on_their_list_once(platform):
    def file(n):
        body = drinking_water(subject=f"No drinking water in Onda, ward {n}",
                              description=f"The tube well of ward {n} has been broken for two weeks.")
        return platform.file(body, MITA)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(file, range(10)))  # the month's limit: all ten may file
    filed = [a.json()["tracking_id"] for a in answers if a.status_code == 201]
    assert len(filed) == 10, [a.text for a in answers if a.status_code != 201]
    listed = [item["tracking_id"] for item in platform.ok(platform.request("GET", PATH + "?limit=50", MITA))["items"]]
    assert sorted(listed) == sorted(filed) and len(listed) == len(set(listed))


def test_a_case_whose_complainant_is_corrected_moves_to_the_new_numbers_list(platform):
    tracking_id = _file(platform, CMO_CELL, 1, mobile=MITA["mobile"])  # the cell typed the wrong number
    assert [i["tracking_id"] for i in platform.ok(platform.request("GET", PATH, MITA))["items"]] == [tracking_id]
    platform.ok(platform.act(tracking_id, CMO_CELL, action="edit_on_behalf", consent="verbal_on_call", changes={
        "complainant": {"name": "Rahul Roy", "mobile": RAHUL["mobile"], "language": "en"}}))
    assert platform.ok(platform.request("GET", PATH, MITA))["items"] == []
    moved = platform.ok(platform.request("GET", PATH, RAHUL))["items"]
    assert [i["tracking_id"] for i in moved] == [tracking_id]
    assert moved[0]["status_text"] == STATUS_WORDS[moved[0]["status"]]["en"]  # the language filed, none asked
