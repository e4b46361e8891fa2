"""The rebuild: every case of record in intake goes into a new index generation, the alias moves onto it
in one step, searches answer throughout, changes made meanwhile are not lost, and a crashed run is
cleaned up by the next. Intake exports its cases only to the platform itself and administrators."""
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import eventlet
import pytest
import yaml

from services.search.index import alias, available_languages, building_alias
from services.search.rebuild import generations, rebuild
from shared.errors import PlatformError
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water
from tests.integration.test_search_index import search_queue_drained
from tests.integration.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = {"sub": "search-rebuild:test", "role": "system"}


@pytest.fixture
def cluster(platform, platform_config):
    with SignedClusterRpcProxy(platform_config, caller=SYSTEM, issuer="search-rebuild", timeout=60) as proxy:
        yield proxy


def file_cases(platform, count, start=0):
    """`count` filings from different mobiles, 5 at a time; their tracking IDs."""
    def one(n):
        body = drinking_water(mobile=f"98{31000000 + start + n:08d}", subject=f"No drinking water, para {start + n}")
        return platform.ok(platform.file(body, citizen(body["complainant"]["mobile"])), 201)["tracking_id"]

    return list(eventlet.GreenPool(5).imap(one, range(count)))


def all_cases(cluster):
    cases, after = [], None
    while True:
        page = cluster.intake.export_cases(after, 7, SYSTEM)
        cases += page["cases"]
        if (after := page["next"]) is None:
            return cases


def settled(platform_config, rabbit_manager, rabbit_config):
    """Routing has decided every filing and search has consumed every event."""
    wait_for(lambda: search_queue_drained(rabbit_manager, rabbit_config["vhost"]), timeout=30,
             what="the search queue to drain")


def assert_index_matches_intake(es, config, cluster):
    """Every case in intake is in the index at its latest version (waits for events still in flight)."""
    def mismatches():
        cases = all_cases(cluster)
        docs = es.mget(index=alias(config), ids=[c["tracking_id"] for c in cases])["docs"]
        return [(c["tracking_id"], c["version"], d.get("_source", {}).get("version"))
                for c, d in zip(cases, docs) if not d.get("found") or d["_source"]["version"] != c["version"]]

    wrong = None
    for _ in range(60):
        if not (wrong := mismatches()):
            return
        eventlet.sleep(0.5)
    raise AssertionError(f"cases missing or stale in the index: {wrong}")


def run_rebuild_cli(config, tmp_path, *args):
    """`python -m services.search.rebuild` as its own process against this test's vhost and prefixes."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    err = tmp_path / f"rebuild-{len(list(tmp_path.glob('rebuild-*')))}.err"
    with open(err, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "services.search.rebuild", "--config", str(path), *args],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    return process, err


def wait_process(process, timeout=120):
    with eventlet.Timeout(timeout, AssertionError("the rebuild did not finish in time")):
        while process.poll() is None:
            eventlet.sleep(0.1)
    return process.returncode


def export_as(platform_config, actor, after, limit):
    with SignedClusterRpcProxy(platform_config, caller=actor, issuer="test", timeout=60) as proxy:
        return proxy.intake.export_cases(after, limit, actor)


def test_intake_exports_its_cases_page_by_page_only_to_the_platform(platform, platform_config, cluster):
    filed = sorted(file_cases(platform, 5))
    first = cluster.intake.export_cases(None, 3, SYSTEM)
    second = export_as(platform_config, {"sub": "admin-1", "role": "admin"}, first["next"], 3)
    assert [c["tracking_id"] for c in first["cases"] + second["cases"]] == filed
    assert first["next"] == filed[2] and second["next"] is None and first["total"] == 5
    case = first["cases"][0]
    assert case["version"] >= 1 and case["subject"].startswith("No drinking water")
    assert "complainant" not in case and "timeline" not in case and "Mita Das" not in str(first)  # no personal data
    for actor in (CMO_CELL, citizen("9831000000"), {"sub": "off-1", "role": "officer", "department": "phe"}):
        with pytest.raises(PlatformError) as refused:
            export_as(platform_config, actor, None, 3)
        assert refused.value.status == 403
    with pytest.raises(PlatformError):
        cluster.intake.export_cases(None, 100000, SYSTEM)


def test_rebuild_swaps_in_every_case_while_searches_keep_answering(platform, platform_config, es, cluster, tmp_path,
                                                                   rabbit_manager, rabbit_config):
    filed = file_cases(platform, 12)
    settled(platform_config, rabbit_manager, rabbit_config)
    assert_index_matches_intake(es, platform_config, cluster)
    name = alias(platform_config)
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v1"]

    es.indices.refresh(index=name)
    answers = []

    def keep_searching():
        while True:
            building = es.indices.exists_alias(name=building_alias(platform_config))
            response = platform.request("GET", "/api/v1/search?" + urlencode({"q": "drinking water"}), CMO_CELL)
            answers.append((response.status_code, response.json().get("total"), building))
            eventlet.sleep(0.02)

    searcher = eventlet.spawn(keep_searching)
    try:
        process, err = run_rebuild_cli(platform_config, tmp_path, "--page-size", "3")
        assert wait_process(process) == 0, err.read_text()
    finally:
        searcher.kill()
    progress = err.read_text()
    assert "[rebuild] [" in progress and "12/12 cases (100%)" in progress and "ETA" in progress, progress
    assert f"into {name}-v2" in progress
    assert [building for _, _, building in answers].count(True) >= 2, answers  # searched while it was built
    assert {status for status, _, _ in answers} == {200}
    assert {total for _, total, _ in answers} == {12}  # never an empty or partial index
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v2"]
    assert es.indices.get_alias(name=name)[f"{name}-v2"]["aliases"][name].get("is_write_index")
    settings = es.indices.get_settings(index=f"{name}-v2")[f"{name}-v2"]["settings"]["index"]
    assert "refresh_interval" not in settings  # loaded without refreshes, then back to the default
    assert not es.indices.exists(index=f"{name}-v1") and not es.indices.exists_alias(name=building_alias(platform_config))
    assert_index_matches_intake(es, platform_config, cluster)
    assert {h["_id"] for h in es.search(index=name, size=50)["hits"]["hits"]} == set(filed)

    # Again, keeping the old index: v3 goes live, v2 stays (without the alias).
    process, err = run_rebuild_cli(platform_config, tmp_path, "--keep-old")
    assert wait_process(process) == 0, err.read_text()
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v3"] and es.indices.exists(index=f"{name}-v2")
    assert es.count(index=f"{name}-v3")["count"] == 12


def test_rebuild_under_concurrent_filings_and_actions_loses_nothing(platform, platform_config, es, cluster, tmp_path,
                                                                    rabbit_manager, rabbit_config):
    before = file_cases(platform, 10)
    settled(platform_config, rabbit_manager, rabbit_config)
    process, err = run_rebuild_cli(platform_config, tmp_path, "--page-size", "2")
    during, n = [], 0
    while process.poll() is None:  # file and change cases for as long as the rebuild runs
        during += file_cases(platform, 2, start=100 + 2 * n)
        platform.ok(platform.act(before[n % len(before)], CMO_CELL, action="add_note", text=f"called back {n}",
                                 visibility="public"))
        platform.ok(platform.support(before[(n + 3) % len(before)], citizen(f"97{n:08d}")))
        n += 1
    assert process.returncode == 0, err.read_text()
    assert n >= 3, "the rebuild finished before any concurrent change"
    name = alias(platform_config)
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v2"]
    settled(platform_config, rabbit_manager, rabbit_config)
    assert_index_matches_intake(es, platform_config, cluster)  # every case, each at its latest version
    assert es.count(index=name)["count"] == len(before) + len(during)


def test_a_failed_rebuild_leaves_the_live_index_and_a_killed_one_is_cleaned_up_by_the_next(
        platform, platform_config, es, cluster, tmp_path):
    file_cases(platform, 4)
    name, building = alias(platform_config), building_alias(platform_config)

    def failing_export(after, limit):
        if after is not None:
            raise RuntimeError("intake went away mid-way")
        return cluster.intake.export_cases(after, limit, SYSTEM)

    with pytest.raises(RuntimeError):
        rebuild(es, failing_export, platform_config, page_size=2, notice_seconds=0.1)
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v1"] and sorted(generations(es, name)) == [1]
    assert not es.indices.exists_alias(name=building)

    process, _ = run_rebuild_cli(platform_config, tmp_path, "--page-size", "1")  # killed while it builds
    wait_for(lambda: es.indices.exists_alias(name=building), timeout=30, what="the rebuild to start building")
    process.kill()
    process.wait()
    assert list(es.indices.get_alias(name=building)) == [f"{name}-v2"]  # left behind
    assert list(es.indices.get_alias(name=name)) == [f"{name}-v1"]      # still live

    result = rebuild(es, lambda after, limit: cluster.intake.export_cases(after, limit, SYSTEM), platform_config,
                     notice_seconds=0.1)
    assert result["index"] == f"{name}-v2" and result["cases"] == 4 and result["previous"] == [f"{name}-v1"]
    assert sorted(generations(es, name)) == [2]  # the stale v2 was dropped and made afresh, v1 is gone
    assert not es.indices.exists_alias(name=building)


def test_the_template_maps_the_language_analyzers_this_cluster_has(platform_config, es):
    from services.search.index import ensure_index

    modules = {m["name"] for node in es.nodes.info(metric="plugins")["nodes"].values() for m in node["modules"]}
    languages = available_languages(es)
    # The integ-test zip (dev, CI) has no analysis-common module, so no language analyzer; the full
    # distribution has bengali, hindi and english.
    assert languages == (("bn", "hi", "en") if "analysis-common" in modules else ())
    ensure_index(es, platform_config)
    mapping = next(iter(es.indices.get_mapping(index=alias(platform_config)).values()))["mappings"]["properties"]
    for suffix in ("bn", "hi", "en"):
        assert (suffix in mapping["description"].get("fields", {})) == (suffix in languages)
    assert mapping["subject_latin"]["analyzer"] == "standard"  # what every cluster searches across scripts


def test_the_production_mapping_is_accepted_where_the_analyzers_exist(platform_config, es):
    """The local cluster cannot run the language analyzers; stand-ins of the same names (standard) show
    that Elasticsearch 9 accepts the mapping with every language subfield and queries them."""
    from services.search.bulk import bulk_write
    from services.search.index import LANGUAGES, mappings

    name = f"{platform_config['ES_INDEX_PREFIX']}full-mapping"
    stand_ins = {"analysis": {"analyzer": {analyzer: {"type": "standard"} for analyzer in LANGUAGES.values()}}}
    es.indices.create(index=name, settings=stand_ins, mappings=mappings(tuple(LANGUAGES)), aliases={f"{name}-a": {}})
    bulk_write(es, [{"tracking_id": "WB-1", "version": 1, "subject": "রাস্তা খারাপ", "description": "बिजली नहीं"}],
               (f"{name}-a",), refresh="wait_for")
    from datetime import datetime, timezone

    from services.search import queries

    body = queries.build(queries.SearchSchema().load({"q": "बिजली"}), CMO_CELL, datetime.now(timezone.utc).isoformat(),
                         languages=tuple(LANGUAGES))  # the query production sends
    assert "description.hi" in str(body["query"])
    assert [h["_id"] for h in es.search(index=f"{name}-a", **body)["hits"]["hits"]] == ["WB-1"]
