"""Officers find what citizens wrote whatever the script or language: a Latin-letter query finds a complaint
written in Bengali script, an English one finds Bengali and Hindi complaints about the same thing; similar
cases put the same category in the same block first. Through the gateway, on the real Elasticsearch."""
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from services.search.index import ensure_index, index_case
from tests.integration.platform_client import CMO_CELL, officer

PHE_BANKURA = officer("off-phe-bankura-l1-1", "phe", ["Bankura"])


def put(es, config, tracking_id, subject, description, category="drinking_water", department="phe",
        district="Bankura", block="Onda", days_ago=3):
    created = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    index_case(es, config, {"tracking_id": tracking_id, "subject": subject, "description": description,
                            "category": category, "department": department, "district": district,
                            "place": {"district": district, "block": block}, "status": "routed",
                            "kind": "complaint", "channel": "web", "level": 1, "created_at": created,
                            "version": 1}, refresh=True)


def found(platform, actor, **params):
    body = platform.ok(platform.request("GET", "/api/v1/search?" + urlencode(params), actor))
    return [result["tracking_id"] for result in body["results"]]


def test_a_latin_letter_query_finds_the_bengali_tube_well_complaint(platform, platform_config, es):
    ensure_index(es, platform_config)
    put(es, platform_config, "WB-2026-00000101", "ওন্দায় টিউবওয়েল খারাপ",
        "পাড়ার টিউবওয়েলটা দশ দিন ধরে খারাপ, হাতল ভেঙে গেছে। সবাই দূর থেকে জল আনছে।")
    put(es, platform_config, "WB-2026-00000102", "নলকূপ ভাঙা", "রামসাগরে নলকূপ ভাঙা এক মাস, কেউ সারায়নি।")
    put(es, platform_config, "WB-2026-00000103", "রাস্তা সারাই হয়নি", "বাজারের রাস্তা দু বছর ধরে সারাই হয়নি।",
        category="rural_road", department="panchayat_rd")

    assert "WB-2026-00000101" in found(platform, PHE_BANKURA, q="tubewell kharap")
    assert set(found(platform, PHE_BANKURA, q="tube well bhanga")) >= {"WB-2026-00000101", "WB-2026-00000102"}
    assert "WB-2026-00000101" in found(platform, PHE_BANKURA, q="tiubwel kharab")  # spelt as it sounds
    assert "WB-2026-00000103" not in found(platform, CMO_CELL, q="tubewell kharap")


def test_an_english_query_finds_bengali_and_hindi_complaints_about_the_same_thing(platform, platform_config, es):
    ensure_index(es, platform_config)
    put(es, platform_config, "WB-2026-00000201", "পানীয় জলের সংকট", "গ্রামে পানীয় জল নেই, পঞ্চায়েত কিছু করছে না।")
    put(es, platform_config, "WB-2026-00000202", "पीने का पानी नहीं", "हमारे मोहल्ले में एक महीने से पीने का पानी नहीं मिल रहा।")
    put(es, platform_config, "WB-2026-00000203", "ট্রান্সফরমার পুড়ে গেছে", "ঝড়ের পর থেকে তিন দিন বিদ্যুৎ নেই।",
        category="electricity_supply", department="power")

    drinking_water = found(platform, CMO_CELL, q="drinking water")
    assert {"WB-2026-00000201", "WB-2026-00000202"} <= set(drinking_water)
    assert "WB-2026-00000203" not in drinking_water
    assert found(platform, CMO_CELL, q="electricity")[:1] == ["WB-2026-00000203"]
    assert found(platform, CMO_CELL, q="bijli nahi")[:1] == ["WB-2026-00000203"]  # Hindi in Latin letters


def test_similar_cases_rank_the_same_category_and_block_first(platform, platform_config, es):
    ensure_index(es, platform_config)
    put(es, platform_config, "WB-2026-00000300", "Tube well broken in Onda",
        "The tube well near the school in Onda is broken; no drinking water for ten days.")
    same_block = ["WB-2026-00000301", "WB-2026-00000302", "WB-2026-00000303"]
    put(es, platform_config, same_block[0], "নলকূপ থেকে ঘোলা জল", "ওন্দার পাড়ায় নলকূপ থেকে ঘোলা জল বেরোচ্ছে।")
    put(es, platform_config, same_block[1], "jol nei", "Onda r gram e 5 din jol nei, keu asche na.")
    put(es, platform_config, same_block[2], "Water tank empty", "The overhead tank in our Onda ward is empty.")
    elsewhere = [f"WB-2026-0000031{n}" for n in range(6)]  # the same words, in the district's other blocks
    for n, tracking_id in enumerate(elsewhere):
        block = ("Chhatna", "Khatra", "Bishnupur")[n % 3]
        put(es, platform_config, tracking_id, f"Tube well broken in {block}",
            f"The tube well near the school in {block} is broken; no drinking water for ten days.", block=block)

    response = platform.request("GET", "/api/v1/grievances/WB-2026-00000300/similar", PHE_BANKURA)
    ranked = [case["tracking_id"] for case in platform.ok(response)["similar"]]
    assert set(ranked[:3]) == set(same_block)        # the same issue in the same block, whatever its wording
    assert set(elsewhere) <= set(ranked)             # the other blocks' alike cases are still there, after


def test_an_index_made_before_the_phonetic_field_gets_it_and_keeps_taking_writes(platform_config, es):
    from services.search.index import MAPPINGS, alias

    name = alias(platform_config)
    older = {**MAPPINGS, "properties": {field: spec for field, spec in MAPPINGS["properties"].items()
                                        if field != "phonetic"}}
    es.indices.create(index=f"{name}-v1", mappings=older, aliases={name: {"is_write_index": True}})
    ensure_index(es, platform_config)
    put(es, platform_config, "WB-2026-00000401", "নলকূপ খারাপ", "পাড়ার নলকূপ খারাপ।")
    for term in ("nlkp", "c_tube_well"):  # its keys and the concepts it names
        hits = es.search(index=name, query={"term": {"phonetic": term}})["hits"]["hits"]
        assert [hit["_id"] for hit in hits] == ["WB-2026-00000401"]
