"""Search at scale: a million generated cases loaded with the bulk indexer (rate shown while loading),
officers' typical queries through the gateway next to the same query sent straight to Elasticsearch, and
the time from filing to searchable under a steady filing load."""
import random
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import eventlet
import requests

from bench.measure import percentile, progress
from services.gateway.auth import make_dev_token
from services.search import queries
from services.search.bulk import bulk_load
from services.search.index import (
    DOCUMENT_VERSION,
    MAPPINGS,
    alias,
    ensure_index,
    index_case,
)
from shared.catalog import districts
from shared.progress import Progress
from synthetic.cases import generate

TEXTS = {  # what officers type, with the department that handles it
    "jol nei": "phe", "পানীয় জল": "phe", "tube well": "phe", "पानी नहीं": "phe",
    "রাস্তা খারাপ": "public_works", "road repair": "public_works", "transformer": "power", "bijli nahi": "power",
    "বিদ্যুৎ": "power", "ration": "food_supplies", "রেশন": "food_supplies", "লক্ষ্মীর ভান্ডার": "wcd_social_welfare",
    "pension": "finance", "hospital doctor": "health", "khatian mutation": "land_reforms",
    "জমি": "land_reforms", "garbage drain": "municipal_affairs", "school teacher": "school_education",
}
WORKING = ["routed", "acknowledged", "in_progress"]
# what officers type for complaints written in another script or language
ACROSS = ["tubewell kharap", "tube well bhanga", "drinking water", "electricity", "current nei", "রাস্তা খারাপ",
          "ration card paini", "लक्ष्मीर भंडार", "hospital e doctor nei", "নলকূপ খারাপ", "pension bondho",
          "flood relief"]


def current_mapping(es, name):
    """Was the kept index made with every field this release indexes, its documents written as this
    release writes them (a release that added the phonetic field, or the concepts in it, must not measure
    its queries on an index without them)?"""
    return all(set(MAPPINGS["properties"]) <= set(found["mappings"].get("properties", {}))
               and found["mappings"].get("_meta", {}).get("document") == DOCUMENT_VERSION
               for found in es.indices.get_mapping(index=name).values())


def load(es, config, count, seed=2026):
    """The bench index with `count` generated cases: reused when an earlier run left it complete."""
    name = alias(config)
    if es.indices.exists_alias(name=name) and es.count(index=name)["count"] >= count and current_mapping(es, name):
        progress(f"reusing {name}: {es.count(index=name)['count']:,} cases from an earlier run")
        return None
    for index in es.options(ignore_status=404).indices.get(index=f"{name}-v*"):
        es.indices.delete(index=index)
    ensure_index(es, config)
    progress(f"loading {count:,} generated cases into {name} with the bulk indexer")
    bar = Progress("[bench]   indexing", count)
    es.indices.put_settings(index=name, settings={"refresh_interval": "-1"})  # as a bulk load should
    try:
        bulk_load(es, alias(config), generate(count, seed=seed), chunk_size=2000, on_chunk=bar.advance)
    finally:
        es.indices.put_settings(index=name, settings={"refresh_interval": None})
    es.indices.refresh(index=name)
    es.indices.forcemerge(index=name, max_num_segments=5, request_timeout=1800)
    return bar.rate()


def officer_queries(count, seed=7):
    """Free text + two filters + facets: the cell filters by district and status, a district officer
    (scoped to their department and district) by status and filing date."""
    rng = random.Random(seed)
    since = (datetime.now(timezone.utc) - timedelta(days=90)).isoformat()
    found = []
    for n in range(count):
        text, department = rng.choice(list(TEXTS.items()))
        district = rng.choice(districts())
        if n % 2:
            actor = {"sub": "cmo-bench", "role": "cmo_cell"}
            params = {"q": text, "district": [district], "status": rng.sample(WORKING, 2)}
        else:
            actor = {"sub": f"off-bench-{n}", "role": "officer", "department": department, "districts": [district]}
            params = {"q": text, "status": WORKING, "filed_from": since}
        found.append((params, actor))
    return found


def with_plain_text(body, text):
    """The same request with its text part a plain `multi_match` (the baseline a text query is held to)."""
    plain = dict(body, query={"bool": {**body["query"]["bool"], "must": [
        {"multi_match": {"query": text, "fields": ["subject^2", "description"]}}]}})
    return plain


def measure_text_query(es, config, count, seed=11):
    """The officer's text query (every clause: the words with the last as a prefix, phonetic keys, concepts)
    next to a plain `multi_match`, on the same index, alternating which goes first, the request cache off.
    Two shapes: the full officer request (filters, facets, highlights) and the ranked query alone (top 10).
    Returns {shape: (text-query samples, plain samples)} in ms."""
    schema = queries.SearchSchema()
    rng = random.Random(seed)
    work = officer_queries(count, seed)
    samples = {"request": ([], []), "query": ([], [])}
    bar = Progress("[bench]   text query vs plain multi_match", len(work), unit="queries")
    for n, (params, actor) in enumerate(work):
        params = dict(params, q=rng.choice(list(TEXTS) + ACROSS))
        body = queries.build(schema.load(params), actor, datetime.now(UTC).isoformat())
        bodies = {"request": (body, with_plain_text(body, params["q"]))}
        ranked = {"query": body["query"], "size": 10, "track_total_hits": False}
        bodies["query"] = (ranked, with_plain_text(ranked, params["q"]))
        for shape, (full, plain) in bodies.items():
            pair = ((0, full), (1, plain)) if n % 2 else ((1, plain), (0, full))
            for which, request in pair:
                started = time.perf_counter()
                es.search(index=alias(config), request_cache=False, **request)
                samples[shape][which].append((time.perf_counter() - started) * 1000)
        bar.advance()
    return samples


def measure_queries(base_url, es, config, count):
    """(gateway samples, direct samples, hits) in ms, alternating which goes first."""
    schema = queries.SearchSchema()
    session = requests.Session()
    via_gateway, direct, hits = [], [], []
    work = officer_queries(count)
    bar = Progress("[bench]   queries", len(work), unit="queries")
    for n, (params, actor) in enumerate(work):
        headers = {"Authorization": f"Bearer {make_dev_token(actor)}"}

        def gateway():
            started = time.perf_counter()
            response = session.get(f"{base_url}/api/v1/search", params=params, headers=headers, timeout=30)
            response.raise_for_status()
            via_gateway.append((time.perf_counter() - started) * 1000)
            hits.append(response.json()["total"])

        def straight():
            body = queries.build(schema.load(params), actor, datetime.now(timezone.utc).isoformat())
            started = time.perf_counter()
            es.search(index=alias(config), **body)
            direct.append((time.perf_counter() - started) * 1000)

        for step in ((gateway, straight) if n % 2 else (straight, gateway)):
            step()
        bar.advance()
    return via_gateway, direct, hits


def measure_filing_to_searchable(base_url, es, config, per_second, seconds):
    """File at a steady rate through the gateway; the time from each 201 until a search finds the case.
    Alongside, the floor: a document indexed straight into Elasticsearch until a search finds it."""
    from bench.filing import grievance

    filed, seen, raw_filed, raw_seen = {}, {}, {}, {}
    session = requests.Session()
    offset = random.randrange(10 ** 8)

    def file_one(n):
        body, headers = grievance(offset + n)
        response = session.post(f"{base_url}/api/v1/grievances", json=body, headers=headers, timeout=30)
        if response.status_code == 201:
            filed[response.json()["tracking_id"]] = time.perf_counter()
        raw_id = f"raw-{uuid.uuid4().hex[:10]}"
        index_case(es, config, {"tracking_id": raw_id, "subject": "bench floor", "status": "filed", "version": 1})
        raw_filed[raw_id] = time.perf_counter()

    def watch(sent, found):
        pending = [t for t in sent if t not in found]
        if pending:
            result = es.search(index=alias(config), query={"ids": {"values": pending}}, size=len(pending),
                               _source=False)
            now = time.perf_counter()
            for hit in result["hits"]["hits"]:
                found.setdefault(hit["_id"], now)

    running = [True]

    def watcher():
        while running[0] or len(seen) < len(filed) or len(raw_seen) < len(raw_filed):
            watch(dict(filed), seen)
            watch(dict(raw_filed), raw_seen)
            eventlet.sleep(0.02)

    watching = eventlet.spawn(watcher)
    pool = eventlet.GreenPool(20)
    total = per_second * seconds
    bar = Progress("[bench]   steady filing", total, unit="filings")
    started = time.perf_counter()
    for n in range(total):
        eventlet.sleep(max(0.0, started + n / per_second - time.perf_counter()))
        pool.spawn_n(file_one, n)
        bar.advance()
    pool.waitall()
    running[0] = False
    with eventlet.Timeout(60, False):
        watching.wait()
    for raw_id in raw_filed:
        es.options(ignore_status=404).delete(index=alias(config), id=raw_id)
    to_searchable = [(seen[t] - filed[t]) * 1000 for t in filed if t in seen]
    floor = [(raw_seen[t] - raw_filed[t]) * 1000 for t in raw_filed if t in raw_seen]
    return {"filed": len(filed), "seen": len(to_searchable), "p50": percentile(to_searchable, 50),
            "p99": percentile(to_searchable, 99), "raw_p50": percentile(floor, 50), "raw_p99": percentile(floor, 99)}


def measure_rounds(es, config, rounds, count, seed=11):
    """The text query against the plain `multi_match` in `rounds` rounds of `count` officer requests (the
    ranked query alone, top 10, as measure_text_query's "query" shape). Returns [(round's p50 ratio, its
    p99 ratio, {"text"|"plain": (p50 ms, p99 ms)})] and {query text: [each request's ratio of the two,
    measured moments apart]}."""
    schema = queries.SearchSchema()
    per_round, per_text = [], {}
    for number in range(rounds):
        rng = random.Random(seed + number)
        texts, plains = [], []
        bar = Progress(f"[bench]   round {number + 1}/{rounds}", count, unit="queries")
        for n, (params, actor) in enumerate(officer_queries(count, seed + number)):
            params = dict(params, q=rng.choice(list(TEXTS) + ACROSS))
            body = queries.build(schema.load(params), actor, datetime.now(UTC).isoformat())
            ranked = {"query": body["query"], "size": 10, "track_total_hits": False}
            pair = {"text": ranked, "plain": with_plain_text(ranked, params["q"])}
            took = {}
            for which in (("text", "plain") if n % 2 else ("plain", "text")):
                started = time.perf_counter()
                es.search(index=alias(config), request_cache=False, **pair[which])
                took[which] = (time.perf_counter() - started) * 1000
            texts.append(took["text"])
            plains.append(took["plain"])
            per_text.setdefault(params["q"], []).append(took["text"] / took["plain"])
            bar.advance()
        per_round.append((percentile(texts, 50) / percentile(plains, 50),
                          percentile(texts, 99) / percentile(plains, 99),
                          {"text": (percentile(texts, 50), percentile(texts, 99)),
                           "plain": (percentile(plains, 50), percentile(plains, 99))}))
    return per_round, per_text


def measure_eval_texts(es, config, passes=6):
    """Every distinct query text of the evaluation set (data/eval/search_queries.jsonl), the ranked query
    with a status filter and no district, against the plain `multi_match`, `passes` times after a warm-up
    pass, alternately first. Returns {query text: [each pass's ratio]}."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "eval" / "search_queries.jsonl"
    texts = list(dict.fromkeys(json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines()
                               if line.strip()))
    schema, cell, ratios = queries.SearchSchema(), {"sub": "cmo-bench", "role": "cmo_cell"}, {}
    for number in range(passes + 1):
        for n, text in enumerate(texts):
            body = queries.build(schema.load({"q": text, "status": WORKING[:2]}), cell, datetime.now(UTC).isoformat())
            ranked = {"query": body["query"], "size": 10, "track_total_hits": False}
            pair, took = {"text": ranked, "plain": with_plain_text(ranked, text)}, {}
            for which in (("text", "plain") if (n + number) % 2 else ("plain", "text")):
                started = time.perf_counter()
                es.search(index=alias(config), request_cache=False, **pair[which])
                took[which] = time.perf_counter() - started
            if number:
                ratios.setdefault(text, []).append(took["text"] / took["plain"])
    return ratios


def main():
    """`python -m bench.search`: the text query against a plain multi_match on the million-case index, in
    rounds (BENCH_ROUNDS, 5; BENCH_QUERIES a round, 200), medians over rounds, and each query text's median
    ratio; with BENCH_EVAL_TEXTS=1 also the evaluation set's query texts. The index: BENCH_INDEX_PREFIX
    (sorasori-bench-), loaded first when missing or outdated."""
    import os
    import statistics

    from shared.config import load_config
    from shared.elastic import connect

    config = dict(load_config(), ES_INDEX_PREFIX=os.environ.get("BENCH_INDEX_PREFIX", "sorasori-bench-"))
    es = connect(config["ELASTICSEARCH_URL"], request_timeout=120)
    try:
        rate = load(es, config, int(os.environ.get("BENCH_SEARCH_CASES", "1000000")))
        if rate is not None:
            print(f"bulk-loaded at {rate:,.0f} cases/s")
        measure_text_query(es, config, 30, seed=1)  # warm-up
        per_round, per_text = measure_rounds(es, config, int(os.environ.get("BENCH_ROUNDS", "5")),
                                             int(os.environ.get("BENCH_QUERIES", "200")))
        eval_texts = measure_eval_texts(es, config) if os.environ.get("BENCH_EVAL_TEXTS") else {}
    finally:
        es.close()
    for number, (p50, p99, ms) in enumerate(per_round, 1):
        print(f"round {number}: plain multi_match {ms['plain'][0]:.1f} ms p50, {ms['plain'][1]:.1f} ms p99; text "
              f"query {ms['text'][0]:.1f} ms p50, {ms['text'][1]:.1f} ms p99; ratio p50 {p50:.2f}, p99 {p99:.2f}")
    print(f"median over {len(per_round)} rounds: p50 {statistics.median(r[0] for r in per_round):.2f}, "
          f"p99 {statistics.median(r[1] for r in per_round):.2f}")
    print("each query text, median of its requests' ratios (text query / plain, measured moments apart):")
    for text, ratios in sorted(per_text.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {statistics.median(ratios):5.2f}  ({len(ratios):3} requests)  {text}")
    if eval_texts:
        medians = {text: statistics.median(ratios) for text, ratios in eval_texts.items()}
        print(f"the evaluation set's {len(medians)} query texts (status filter, no district): median "
              f"{statistics.median(medians.values()):.2f}, over 1.3: {sum(m > 1.3 for m in medians.values())}")
        for text, ratio in sorted(medians.items(), key=lambda item: -item[1])[:10]:
            print(f"  {ratio:5.2f}  {text}")


if __name__ == "__main__":
    main()
