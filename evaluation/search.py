"""Search quality on hand-written cases: does officer search find what citizens wrote, across scripts and
languages, and do similar cases put the same category in the same block first?

The cases (data/eval/search_cases.jsonl) are indexed with a few thousand generated distractors (so ranking
matters) into an index of this run's own prefix, deleted afterwards. Each query of the split goes through
the very query builder the search service uses; similar cases through its own request builder.

    python -m evaluation.search [--split dev|heldout|all] [--distractors N]
"""
import argparse
import json
import sys
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.search import queries, similar
from services.search.bulk import bulk_load
from services.search.index import alias, ensure_index, indexed_languages
from shared.catalog import categories
from shared.elastic import connect, drop_indices
from synthetic.cases import generate

DATA = Path(__file__).resolve().parent.parent / "data" / "eval"
CROSS_SCRIPT = ("latin_to_bengali", "bengali_to_latin", "english_to_indic", "hindi")
DISTRACTORS = 20000
GENERATED_PROBES = 40
TOP = 10
CELL = {"sub": "eval", "role": "cmo_cell"}


def read(name):
    with open(DATA / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def in_split(items, split):
    return [item for item in items if split == "all" or item["split"] == split]


def snapshot(case, now):
    """A hand-written case as intake's events carry it: open, filed in the last weeks."""
    spec = categories()[case["category"]]
    number = int(case["id"].split("-")[1])
    return {"tracking_id": case["id"], "kind": "complaint", "channel": "web", "status": "routed",
            "category": case["category"], "department": spec["department"],
            "district": "state" if spec.get("statewide") else case["district"],
            "place": {"district": case["district"], "block": case["block"]},
            "subject": case["subject"], "description": case["description"], "urgent": bool(spec.get("urgent")),
            "created_at": (now - timedelta(days=1 + number % 40)).isoformat(), "level": 1, "transfers": 0,
            "reopenings": 0, "supporters": 0, "version": 1}


def load(es, config, cases, distractors, now):
    ensure_index(es, config)
    name = alias(config)
    bulk_load(es, name, (snapshot(case, now) for case in cases), chunk_size=500)
    bulk_load(es, name, generate(distractors, seed=4242, now=now), chunk_size=2000)
    es.indices.refresh(index=name)
    return indexed_languages(es.indices.get_mapping(index=name))


def ranked_ids(es, config, body):
    return [hit["_id"] for hit in es.search(index=alias(config), **body)["hits"]["hits"]]


def query_scores(found, expected):
    """(recall@TOP, reciprocal rank of the first expected case) of one ranked list."""
    expected = set(expected)
    recall = len(expected & set(found[:TOP])) / len(expected)
    rank = next((n for n, tracking_id in enumerate(found, 1) if tracking_id in expected), None)
    return recall, 1 / rank if rank else 0.0


def search_metrics(es, config, items, languages, now):
    schema = queries.SearchSchema()
    per_group = defaultdict(list)
    first_round = defaultdict(list)  # the queries written first, without the ones added later ("round": 2)
    misses = []
    for item in items:
        params = schema.load({"q": item["query"], "size": TOP, **item.get("filters", {})})
        body = queries.build(params, CELL, now.isoformat(), languages=languages)
        found = ranked_ids(es, config, body)
        recall, reciprocal = query_scores(found, item["expected"])
        per_group[item["group"]].append((recall, reciprocal))
        if item.get("round", 1) == 1:
            first_round[item["group"]].append((recall, reciprocal))
        if recall < 1:
            misses.append({"id": item["id"], "query": item["query"], "recall@10": round(recall, 2),
                           "missing": sorted(set(item["expected"]) - set(found))})
    per_group["cross_script"] = [s for g in CROSS_SCRIPT for s in per_group.get(g, [])]
    per_group["all"] = [s for g, scores in list(per_group.items()) if g not in ("cross_script",) for s in scores]
    if sum(map(len, first_round.values())) < len(items):
        per_group["cross_script, round 1"] = [s for g in CROSS_SCRIPT for s in first_round.get(g, [])]
        per_group["english_to_indic, round 1"] = first_round.get("english_to_indic", [])
        per_group["all, round 1"] = [s for scores in first_round.values() for s in scores]
    table = {group: {"recall@10": round(sum(r for r, _ in scores) / len(scores), 3),
                     "MRR": round(sum(m for _, m in scores) / len(scores), 3), "queries": len(scores)}
             for group, scores in per_group.items() if scores}
    return table, misses


def same_block_cases(es, config, source, now):
    """Every case similar cases may show (open, recent, same district) of the probe's category and block:
    the hand-written group and any generated case that happens to share both."""
    place = source["place"]
    filters = [{"terms": {"status": list(queries.OPEN)}},
               {"range": {"created_at": {"gte": (now - timedelta(days=similar.RECENT_DAYS)).isoformat()}}},
               {"term": {"place.district": place["district"]}}, {"term": {"place.block": place["block"]}},
               {"term": {"category": source["category"]}}]
    found = es.search(index=alias(config), size=1000, _source=False,
                      query={"bool": {"filter": filters, "must_not": [{"ids": {"values": [source["tracking_id"]]}}]}})
    return {hit["_id"] for hit in found["hits"]["hits"]}


def generated_probes(es, config, split, now, count=GENERATED_PROBES):
    """Open, recent generated cases to ask for similar cases too (their wording is the catalogue's, shared
    by many cases in other blocks: where ranking by text alone goes wrong). Dev and heldout take turns."""
    found = es.search(index=alias(config), size=count * 2, sort=[{"tracking_id": "asc"}],
                      query={"bool": {"filter": [{"terms": {"status": list(queries.OPEN)}},
                                                 {"prefix": {"tracking_id": "WB-"}},
                                                 {"range": {"created_at": {"gte": (now - timedelta(days=30)).isoformat()}}}]}})
    hits = [hit["_id"] for hit in found["hits"]["hits"]]
    return hits if split == "all" else hits[0 if split == "dev" else 1::2]


def similar_metrics(es, config, groups, probes, now):
    """For each probe, the cases of its category and block (open, recent, same district) should fill the
    top min(10, their number) places: precision there, how often the very first result is one of them, and
    (hand-written groups) the recall of the group's other cases in the top 10."""
    precisions, firsts, recalls = [], [], []
    index = alias(config)
    written = {tracking_id: set(group["cases"]) - {tracking_id} for group in groups for tracking_id in group["cases"]}
    for tracking_id in list(written) + list(probes):
        source = es.get(index=index, id=tracking_id)["_source"]
        found = ranked_ids(es, config, similar.request(source, index, [], now, size=TOP))
        eligible = same_block_cases(es, config, source, now)
        if not eligible:
            continue
        k = min(TOP, len(eligible))
        precisions.append(len(eligible & set(found[:k])) / k)
        firsts.append(bool(found) and found[0] in eligible)
        if tracking_id in written:
            recalls.append(len(written[tracking_id] & set(found[:TOP])) / len(written[tracking_id]))
    count = len(precisions) or 1
    return {"precision@10": round(sum(precisions) / count, 3),
            "group_recall@10": round(sum(recalls) / (len(recalls) or 1), 3),
            "first_is_same_block": round(sum(firsts) / count, 3), "probes": len(precisions)}


def run(config, split="dev", progress=print, distractors=DISTRACTORS):
    """Index, query, measure, clean up. Returns {"search": {group: {...}}, "similar": {...}, "misses": [...]}."""
    config = dict(config, ES_INDEX_PREFIX=f"eval-{uuid.uuid4().hex[:8]}-")
    es = connect(config["ELASTICSEARCH_URL"], request_timeout=120)
    now = datetime.now(UTC)
    cases = read("search_cases.jsonl")
    try:
        progress(f"search: indexing {len(cases)} evaluation cases and {distractors:,} generated distractors")
        languages = load(es, config, cases, distractors, now)
        items = in_split(read("search_queries.jsonl"), split)
        progress(f"search: {len(items)} queries ({split}), language analyzers: {', '.join(languages) or 'none'}")
        table, misses = search_metrics(es, config, items, languages, now)
        groups = in_split(read("search_similar.jsonl"), split)
        probes = generated_probes(es, config, split, now)
        progress(f"search: similar cases for {sum(len(g['cases']) for g in groups)} hand-written cases in "
                 f"{len(groups)} groups and {len(probes)} generated ones")
        return {"search": table, "similar": similar_metrics(es, config, groups, probes, now), "misses": misses}
    finally:
        es.close()
        drop_indices(config)


def print_table(result, out=sys.stdout):
    print(f"{'query group':<26} {'recall@10':>10} {'MRR':>7} {'queries':>8}", file=out)
    for group, row in result["search"].items():
        print(f"{group:<26} {row['recall@10']:>10.3f} {row['MRR']:>7.3f} {row['queries']:>8}", file=out)
    sim = result["similar"]
    print(f"\nsimilar cases: precision@10 {sim['precision@10']:.3f}, group recall@10 {sim['group_recall@10']:.3f}, "
          f"first result same category+block {sim['first_is_same_block']:.3f} ({sim['probes']} cases)", file=out)


def main(argv=None):
    from shared.config import load_config

    parser = argparse.ArgumentParser(prog="python -m evaluation.search", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--distractors", type=int, default=DISTRACTORS)
    parser.add_argument("--misses", action="store_true", help="list the queries that missed expected cases")
    args = parser.parse_args(argv)
    result = run(load_config(), args.split, lambda message: print(message, file=sys.stderr),
                 distractors=args.distractors)
    print_table(result)
    if args.misses:
        for miss in result["misses"]:
            print(json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
