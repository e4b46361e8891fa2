"""`python -m synthetic`: generate realistic cases, into the search index or as JSON lines.

    python -m synthetic --count 100000                 # into the search index named by config/sorasori.yaml
    python -m synthetic --count 1000 --jsonl cases.jsonl
"""
import argparse
import json
import logging
import sys

from services.search.bulk import bulk_load
from services.search.index import alias, ensure_index
from shared.config import load_config
from shared.elastic import connect
from shared.events import json_data
from shared.progress import Progress
from synthetic.cases import generate


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="how many cases (default 10,000)")
    parser.add_argument("--seed", type=int, default=2026, help="the same seed gives the same cases")
    parser.add_argument("--jsonl", metavar="FILE", help="write JSON lines to FILE ('-': stdout) instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    cases = generate(args.count, seed=args.seed)
    if args.jsonl:
        out = sys.stdout if args.jsonl == "-" else open(args.jsonl, "w", encoding="utf-8")
        progress = Progress("generating", args.count)
        for case in cases:
            out.write(json.dumps(json_data(case), ensure_ascii=False) + "\n")
            progress.advance()
        out.close() if out is not sys.stdout else out.flush()
        return
    config = load_config()
    es = connect(config["ELASTICSEARCH_URL"])
    name = ensure_index(es, config)
    print(f"[synthetic] indexing {args.count:,} cases into {name} at {config['ELASTICSEARCH_URL']}", file=sys.stderr)
    progress = Progress("indexing", args.count)
    written, older = bulk_load(es, alias(config), cases, on_chunk=progress.advance)
    es.indices.refresh(index=name)
    print(f"[synthetic] {written:,} indexed, {older:,} already there in a newer version "
          f"({progress.rate():,.0f} cases/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
