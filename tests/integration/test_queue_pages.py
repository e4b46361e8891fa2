"""The officer queue a page at a time: an opaque cursor that neither skips nor repeats a case while new
cases arrive in the queue, and a bounded `limit`."""
from services.gateway.list_schemas import QueuePagingSchema
from tests.integration.platform_client import drinking_water, officer
from tests.integration.waiting import wait_for

QUEUE = "/api/v1/officer/queue"


def _file_assigned(platform, n):
    body = drinking_water(mobile=f"98300{n:05d}", subject=f"No drinking water in ward {n}",
                          description=f"The tube well of ward {n} has been broken for two weeks.")
    tracking_id = platform.ok(platform.file(body, {"sub": f"citizen-{n}", "role": "citizen",
                                                    "mobile": f"98300{n:05d}"}), 201)["tracking_id"]
    return platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")


def test_paging_the_queue_while_cases_arrive_neither_skips_nor_repeats_one(platform):
    cases = [_file_assigned(platform, n) for n in range(8)]
    me = officer(cases[0]["officer_id"], "phe", ["Bankura"])
    before = platform.ok(platform.request("GET", QUEUE + "?limit=200", me))
    mine = [item["tracking_id"] for item in before["items"]]
    assert len(mine) >= 3 and before["next"] is None and before["count"] == len(mine)

    seen, path, pages, arrived = [], QUEUE + "?limit=2", 0, []
    while path:
        page = platform.ok(platform.request("GET", path, me))
        assert QueuePagingSchema(partial=False).validate({"next": page["next"]}) == {}
        assert len(page["items"]) <= 2 and page["count"] >= len(mine)
        seen += [item["tracking_id"] for item in page["items"]]
        path, pages = page["next"], pages + 1
        if pages == 1:  # new cases reach the queue between the first page and the rest
            arrived += [_file_assigned(platform, 100 + n)["tracking_id"] for n in range(3)]
            wait_for(lambda: platform.ok(platform.request("GET", QUEUE + "?limit=200", me))["count"] > len(mine)
                     or None, timeout=20, interval=0.2, what="a new case in this officer's queue")
    assert len(seen) == len(set(seen)), f"a case was shown twice: {seen}"
    assert [t for t in seen if t in mine] == mine, "every case queued at the start, once, in queue order"
    assert set(seen) - set(mine) <= set(arrived)


def test_the_limit_is_bounded_and_a_foreign_cursor_refused(platform):
    me = officer("off-phe-bankura-l1-1", "phe", ["Bankura"])
    for query in ("?limit=0", "?limit=201", "?limit=all", "?cursor=abc", "?cursor=" + "x" * 400):
        answer = platform.request("GET", QUEUE + query, me)
        assert answer.status_code == 400, (query, answer.text)
        assert set(answer.json()["errors"]) & {"limit", "cursor"}, answer.text
    assert platform.ok(platform.request("GET", QUEUE + "?limit=200", me))["next"] is None
