"""An officer finds the open cases like the one in hand (same issue, same district, any script) and
resolves the cluster with one reply; each case keeps its own timeline and events."""
from services.search.index import alias
from shared.elastic import connect
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.waiting import wait_for

PHE_BANKURA = officer("off-phe-bankura-l1-1", "phe", ["Bankura"])


def file_and_route(platform, body, mobile):
    tracking_id = platform.ok(platform.file(body, citizen(mobile)), 201)["tracking_id"]
    platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    return tracking_id


def test_similar_cases_and_resolving_a_cluster_together(platform, platform_config, event_log):
    same = [file_and_route(platform, drinking_water(mobile=f"98300000{n}{n}"), f"98300000{n}{n}") for n in range(3)]
    bangla = file_and_route(platform, drinking_water(
        mobile="9830000099", subject="ওন্দায় পানীয় জল নেই", description="নলকূপ খারাপ, drinking water নেই দুই সপ্তাহ।"),
        "9830000099")
    elsewhere = file_and_route(platform, drinking_water(mobile="9830000088", district="Nadia"), "9830000088")
    power = file_and_route(platform, drinking_water(
        mobile="9830000077", category="electricity_supply", subject="Transformer burnt in Onda",
        description="No electricity for three days since the storm burnt the transformer."), "9830000077")
    es = connect(platform_config["ELASTICSEARCH_URL"])
    wait_for(lambda: es.indices.refresh(index=alias(platform_config)) and es.count(
        index=alias(platform_config), query={"term": {"status": "routed"}})["count"] == 6, what="all six indexed")
    es.close()

    similar = platform.ok(platform.request("GET", f"/api/v1/grievances/{same[0]}/similar", PHE_BANKURA))["similar"]
    found = [case["tracking_id"] for case in similar]
    assert set(found[:2]) == set(same[1:])            # the same complaint, same block: first
    assert bangla in found                             # the same issue written in Bangla
    assert elsewhere not in found                      # another district's office handles that one
    assert power not in found                          # PHE cannot see a Power case, nor is it alike
    assert "complainant" not in str(similar)
    assert len(platform.ok(platform.request("GET", f"/api/v1/grievances/{same[0]}/similar?size=1",
                                            PHE_BANKURA))["similar"]) == 1
    for size in ("0", "51", "ten"):
        bad = platform.request("GET", f"/api/v1/grievances/{same[0]}/similar?size={size}", PHE_BANKURA)
        assert bad.status_code == 400 and "size" in bad.json()["errors"]
    cell = platform.ok(platform.request("GET", f"/api/v1/grievances/{same[0]}/similar", CMO_CELL))["similar"]
    assert elsewhere not in [c["tracking_id"] for c in cell]
    outsider = officer("off-phe-nadia-l1-1", "phe", ["Nadia"])
    assert platform.request("GET", f"/api/v1/grievances/{same[0]}/similar", outsider).status_code == 404
    assert platform.request("GET", f"/api/v1/grievances/{same[0]}/similar", citizen("9830000000")).status_code == 403

    cluster = same + [bangla]
    for tracking_id in cluster[:3]:
        platform.ok(platform.act(tracking_id, PHE_BANKURA, action="acknowledge"))
    reply = "The tube well at Onda was repaired on 28 November; water is flowing again."
    result = platform.ok(platform.request("POST", "/api/v1/grievances/resolve-together", PHE_BANKURA,
                                          json={"tracking_ids": cluster, "resolution": reply}))
    assert result["resolved"] == 3
    not_acknowledged = next(c for c in result["cases"] if c["tracking_id"] == bangla)
    assert not not_acknowledged["resolved"] and not_acknowledged["http_status"] == 409
    for tracking_id in cluster[:3]:
        case = platform.case(tracking_id)
        assert case["status"] == "resolved" and case["resolution"] == reply
        entry = next(e for e in case["timeline"] if e["kind"] == "resolve")
        assert sorted(entry["together_with"]) == sorted(set(cluster) - {tracking_id})
    wait_for(lambda: sum(e["type"] == "grievance.resolved" for e in event_log.drain()) == 3,
             what="one grievance.resolved event per case")

    bad = platform.request("POST", "/api/v1/grievances/resolve-together", PHE_BANKURA,
                           json={"tracking_ids": [same[0], same[0]], "resolution": reply})
    assert bad.status_code == 400 and "tracking_ids" in bad.json()["errors"]
    assert platform.request("POST", "/api/v1/grievances/resolve-together", citizen("9830000000"),
                            json={"tracking_ids": same, "resolution": reply}).status_code == 403
