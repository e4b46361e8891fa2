"""Every case is indexed in Elasticsearch from intake's events, in near real time, and a replayed or
late event never overwrites newer state; officers search it within their scope."""
from urllib.parse import urlencode

from services.search.index import alias, ensure_index, index_case
from shared.events import new_event
from shared.outbox import EventPublisher
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for


def indexed(es, config, tracking_id):
    found = es.options(ignore_status=(404, 503)).get(index=alias(config), id=tracking_id)
    return found["_source"] if found.get("found") else None


SEARCH_QUEUE = "evt-intake-grievance.#--search.index_grievance"


def search_queue_drained(rabbit_manager, vhost):
    queue = rabbit_manager.get_queue(vhost, SEARCH_QUEUE)
    return queue.get("messages", 0) + queue.get("messages_unacknowledged", 0) == 0


def test_a_filed_case_is_searchable_and_follows_its_changes(platform, platform_config, es, event_log,
                                                           rabbit_manager, rabbit_config):
    tracking_id = platform.ok(platform.file(drinking_water(), citizen("9830012345")), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    doc = wait_for(lambda: (d := indexed(es, platform_config, tracking_id)) and d["version"] >= case["version"]
                   and d, timeout=15, what="the routed case in the index")
    assert doc["status"] == "routed" and doc["department"] == "phe" and doc["place"]["district"] == "Bankura"
    assert doc["officer_id"] == case["officer_id"] and doc["level"] == 1
    assert "complainant" not in doc and "9830012345" not in str(doc)  # no personal data in the index
    hits = wait_for(lambda: es.search(index=alias(platform_config),
                                      query={"match": {"description": "tube well"}})["hits"]["hits"],
                    timeout=10, what="the case in search results (refreshed about every second)")
    assert [h["_id"] for h in hits] == [tracking_id]

    # Replaying the first event (version 1) must not take the document back to `filed`.
    first = next(e for e in event_log.drain() if e["subject"] == tracking_id and e["type"] == "grievance.filed")
    publisher = EventPublisher(platform_config["AMQP_URI"], "intake")
    publisher.publish(first)
    # a whole case (a partial one breaks the event's contract and is dead-lettered)
    marker = new_event("grievance.filed", "intake", {**first["data"], "case": {**first["data"]["case"],
                                                                              "tracking_id": "WB-MARKER"}})
    publisher.publish(marker)  # queued behind the replay: once it is indexed, the replay was handled
    wait_for(lambda: indexed(es, platform_config, "WB-MARKER"), what="the marker behind the replay")
    wait_for(lambda: search_queue_drained(rabbit_manager, rabbit_config["vhost"]), what="the queue to drain")
    later = indexed(es, platform_config, tracking_id)
    assert later["status"] == "routed" and later["version"] >= case["version"]


def test_an_older_version_never_overwrites_a_newer_one(platform_config, es):
    ensure_index(es, platform_config)
    case = {"tracking_id": "WB-2026-12345674", "status": "in_progress", "version": 5, "subject": "No water",
            "place": {"district": "Nadia"}, "complainant": {"mobile": "9830012345"}}
    assert index_case(es, platform_config, case, refresh=True)
    assert not index_case(es, platform_config, {**case, "status": "filed", "version": 2}, refresh=True)
    assert indexed(es, platform_config, case["tracking_id"])["status"] == "in_progress"
    assert index_case(es, platform_config, {**case, "status": "resolved", "version": 6}, refresh=True)
    assert indexed(es, platform_config, case["tracking_id"])["status"] == "resolved"
    mapping = es.indices.get_mapping(index=alias(platform_config))
    assert "complainant" not in str(mapping)


def seed_index(es, config):
    ensure_index(es, config)
    cases = [
        ("WB-2026-00000011", "No drinking water in Onda", "The tube well is broken; forty families walk for water.",
         "phe", "Bankura", "drinking_water", "routed", "2026-11-20T10:00:00+00:00", "2026-11-23T10:00:00+00:00"),
        ("WB-2026-00000022", "Drinking water is muddy", "Muddy water from the street tap for a week.",
         "phe", "Bankura", "drinking_water", "resolved", "2026-11-21T10:00:00+00:00", "2030-01-01T00:00:00+00:00"),
        ("WB-2026-00000033", "No water at the school", "The school's tube well has no handle.",
         "phe", "Nadia", "drinking_water", "routed", "2026-11-22T10:00:00+00:00", "2030-01-01T00:00:00+00:00"),
        ("WB-2026-00000044", "Transformer burnt", "No electricity since the storm; the transformer burnt.",
         "power", "Bankura", "electricity_supply", "in_progress", "2026-11-23T10:00:00+00:00",
         "2030-01-01T00:00:00+00:00"),
    ]
    for tid, subject, description, department, district, category, status, created, deadline in cases:
        index_case(es, config, {"tracking_id": tid, "subject": subject, "description": description,
                                "department": department, "category": category,
                                "place": {"district": district, "block": "Onda" if district == "Bankura" else None},
                                "status": status, "kind": "complaint", "channel": "web", "level": 1, "urgent": True,
                                "created_at": created, "sla_deadline": deadline, "version": 1}, refresh=True)


def test_officer_search_is_scoped_faceted_fuzzy_and_paged(platform, platform_config, es):
    from tests.integration.platform_client import CMO_CELL, officer

    seed_index(es, platform_config)
    phe_bankura = officer("off-phe-bankura-l1-1", "phe", ["Bankura"])

    def search(actor, **params):
        return platform.ok(platform.request("GET", "/api/v1/search?" + urlencode(params, doseq=True), actor))

    mine = search(phe_bankura, q="drinkng watr")  # typos; only PHE cases in Bankura
    assert {r["tracking_id"] for r in mine["results"]} == {"WB-2026-00000011", "WB-2026-00000022"}
    assert mine["facets"]["status"] == {"routed": 1, "resolved": 1} and mine["total"] == 2
    assert "<em>" in str(mine["results"][0]["highlight"])
    everyone = search(CMO_CELL, q="water")
    assert everyone["total"] == 3 and everyone["facets"]["district"] == {"Bankura": 2, "Nadia": 1}
    assert search(CMO_CELL, q="water", district="Nadia")["total"] == 1
    assert everyone["facets"]["block"] == {"Onda": 2} and everyone["facets"]["breached"] == {"true": 1, "false": 2}
    assert search(CMO_CELL, block="Onda")["total"] == 3 and search(CMO_CELL, block="Onda", q="water")["total"] == 2
    assert search(CMO_CELL, status=["routed", "in_progress"])["total"] == 3
    assert [r["tracking_id"] for r in search(CMO_CELL, breached="true")["results"]] == ["WB-2026-00000011"]
    first = search(CMO_CELL, sort="oldest", size=2)
    second = search(CMO_CELL, sort="oldest", size=2, after=first["next"])
    assert [r["tracking_id"] for r in first["results"] + second["results"]] == \
        ["WB-2026-00000011", "WB-2026-00000022", "WB-2026-00000033", "WB-2026-00000044"]
    assert search(CMO_CELL, q='status:closed OR * AND "')["total"] == 0  # text, never query syntax
    assert "sort" in platform.request("GET", "/api/v1/search?sort=random", CMO_CELL).json()["errors"]
    assert "district" in platform.request("GET", "/api/v1/search?district=Atlantis", CMO_CELL).json()["errors"]
    assert "after" in platform.request("GET", "/api/v1/search?after=garbage", CMO_CELL).json()["errors"]
    assert platform.request("GET", "/api/v1/search?q=water", citizen("9830012345")).status_code == 403



def test_bengali_script_and_transliterated_queries_find_each_other(platform, platform_config, es):
    from tests.integration.platform_client import CMO_CELL

    ensure_index(es, platform_config)
    for tid, subject, description in [
        ("WB-2026-00000055", "রাস্তা খারাপ", "গ্রামের রাস্তা খারাপ, বর্ষায় হাঁটা যায় না।"),
        ("WB-2026-00000066", "jal nei", "kal theke jal nei para te"),
        ("WB-2026-00000077", "बिजली नहीं", "तीन दिन से बिजली नहीं है"),
    ]:
        index_case(es, platform_config, {"tracking_id": tid, "subject": subject, "description": description,
                                         "status": "routed", "version": 1}, refresh=True)

    def found(q):
        body = platform.ok(platform.request("GET", "/api/v1/search?" + urlencode({"q": q}), CMO_CELL))
        return [r["tracking_id"] for r in body["results"]]

    assert found("rasta kharap") == ["WB-2026-00000055"]      # typed in Latin, filed in Bangla
    assert found("রাস্তা খারাপ") == ["WB-2026-00000055"]      # in Bangla
    assert found("জল নেই") == ["WB-2026-00000066"]            # typed in Bangla, filed in Latin
    assert found("bijli nahi")[0] == "WB-2026-00000077"       # Hindi, transliterated: best match first
