"""`python -m evaluation [--split heldout|dev|all] [--out FILE]`: routing (and search) quality as tables."""
import argparse
import importlib.util
import sys
from datetime import UTC, datetime

from evaluation import dataset, report, routing
from services.routing.domain import rules
from services.routing.domain.classifier import ARTEFACT_PATH, Classifier
from shared.config import load_config
from shared.elastic import connect as connect_elasticsearch
from shared.health import UP, check_elasticsearch
from shared.progress import Progress
from shared.settings import settings_of


class StepProgress(Progress):
    """A progress bar that also takes messages: lang-search's `run` reports its steps as `progress(text)`."""

    def __call__(self, message):
        self.stream.write(f"[eval] {message}\n")
        self.stream.flush()


def search_available(config):
    """Search is measured when lang-search's module exists and Elasticsearch answers."""
    if importlib.util.find_spec("evaluation.search") is None:
        return False, "evaluation/search.py is not there"
    client = connect_elasticsearch(config["ELASTICSEARCH_URL"])
    try:
        health = check_elasticsearch(client, timeout=3)
    finally:
        client.close()
    if health["status"] != UP:
        return False, f"Elasticsearch does not answer ({health.get('detail')})"
    return True, ""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__)
    parser.add_argument("--split", choices=dataset.SPLITS, default="heldout",
                        help="which part of data/eval/complaints.jsonl to report (default: heldout)")
    parser.add_argument("--out", help="also write the JSON results here")
    parser.add_argument("--keywords-only", action="store_true", help="route with the keyword rules alone")
    parser.add_argument("--classifier", default=str(ARTEFACT_PATH), help="the classifier artefact to use")
    args = parser.parse_args(argv)
    config = load_config()
    records = dataset.load(args.split)
    classifier = None if args.keywords_only else Classifier.load(args.classifier)
    threshold = settings_of(config).routing_min_confidence
    results = {"run": {"split": args.split, "complaints": len(records),
                       "router": f"keywords + classifier {classifier.version} (min confidence {threshold:g})"
                       if classifier else "keywords only",
                       "at": datetime.now(UTC).isoformat(timespec="seconds")}}
    results.update(routing.run(records, Progress("routing", len(records), unit="complaints"),
                               route=lambda case: rules.route(case, classifier, threshold)))
    ok, why = search_available(config)
    if ok:
        from evaluation import search
        progress = StepProgress("search", None, unit="queries")
        results.update(search.run(config, args.split, progress))
    else:
        print(f"[eval] search not measured: {why}", file=sys.stderr)
    print(report.render(results))
    for path in report.save(results, args.out):
        print(f"[eval] saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
