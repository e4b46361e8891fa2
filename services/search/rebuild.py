"""Rebuild the grievance index from intake's cases of record with no downtime:
`python -m services.search.rebuild [--keep-old] [--page-size N] [--config FILE]` (`make reindex`).

1. Puts the index template (with the language analyzers this cluster has), makes the live index as the
   service would if there is none yet, and creates the next generation `<alias>-v<n+1>` from the template,
   carrying the alias `<alias>-building`. A building index left by a killed run is deleted first and the
   work starts again; a run that fails (or is interrupted) deletes its own.
2. Waits until every search process has noticed the building alias (they look at most every
   WriteTargets.RECHECK_SECONDS): from then on each event is written into the live index and the new one.
3. Pages through intake's `export_cases` RPC (search never reads intake's store) and bulk-loads every case
   with its version as an external version; a conflict means a live event already wrote that case newer.
   So a case changed at any moment of the rebuild ends up in the new index at its latest version.
4. Refreshes, then swaps in one `update_aliases` call (the alias leaves the old index and lands on the new
   one as its write index, the building alias goes); searches answer throughout. The old index is deleted
   unless --keep-old.

Progress (cases, rate, ETA) goes to stderr, log lines to the log. Run one rebuild at a time.
"""
import argparse
import getpass
import logging
import logging.config
import re
import sys
import time
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

from services.search.bulk import WriteTargets, bulk_load  # noqa: E402
from services.search.index import alias, available_languages, building_alias, ensure_index  # noqa: E402
from shared.config import load_config  # noqa: E402
from shared.elastic import connect  # noqa: E402
from shared.progress import Progress  # noqa: E402
from shared.vocabulary import MAX_EXPORT_PAGE_SIZE, Role  # noqa: E402

log = logging.getLogger("services.search.rebuild")

# Longer than a search process may go without looking for the building alias.
NOTICE_SECONDS = 3 * WriteTargets.RECHECK_SECONDS
BULK_CHUNK = 500
SLOW_PAGE_SECONDS = 1.0  # a page slower than this doubles the page size (FerretDB scans for every page)
MAX_PAGE = MAX_EXPORT_PAGE_SIZE
OLD_INDEX_GRACE_SECONDS = 1.0  # searches that resolved the alias before the swap finish on the old index


def generations(es, name):
    """{n: index name} of every `<name>-v<n>` index."""
    found = es.options(ignore_status=404).indices.get(index=f"{name}-v*", expand_wildcards="all")
    pattern = re.compile(re.escape(name) + r"-v(\d+)$")
    return {int(m.group(1)): index for index in found if (m := pattern.match(index))}


def aliased(es, name):
    found = es.options(ignore_status=404).indices.get_alias(name=name)
    return [] if found.get("status") == 404 else sorted(found)


def load(es, export, building, page_size, notice_seconds, progress):
    """Every case from the export into the building index; (cases, already newer there, seconds)."""
    eventlet.sleep(notice_seconds)  # from now on the search service writes every event here too
    progress = progress or Progress("[rebuild]", None)
    after, total, loaded, newer = None, None, 0, 0
    while True:
        asked = time.monotonic()
        page = export(after, page_size)
        if time.monotonic() - asked > SLOW_PAGE_SECONDS and page_size < MAX_PAGE:
            page_size = min(page_size * 2, MAX_PAGE)
        total = total if page.get("total") is None else page["total"]
        cases = page["cases"]
        newer += bulk_load(es, building, cases, chunk_size=BULK_CHUNK)[1]
        loaded += len(cases)
        progress.total = max(total or 0, loaded)
        progress.advance(len(cases))
        after = page["next"]
        if after is None:
            break
    progress.finish()
    return loaded, newer, progress.elapsed()


def rebuild(es, export, config, keep_old=False, page_size=500, progress=None, notice_seconds=NOTICE_SECONDS):
    """Build the next generation from `export(after_id, limit)` pages and swap the alias onto it."""
    name, building = alias(config), building_alias(config)
    started = time.monotonic()
    languages = available_languages(es)
    ensure_index(es, config, languages=languages)  # the template; and the live alias if there is none yet
    for stale in aliased(es, building):
        log.warning("deleting the building index of an earlier rebuild that did not finish", extra={"index": stale})
        es.indices.delete(index=stale)
    live = aliased(es, name)
    new = f"{name}-v{max(generations(es, name), default=0) + 1}"
    es.indices.create(index=new, settings={"index": {"refresh_interval": "-1"}})  # mappings: the template
    es.cluster.health(index=new, wait_for_status="yellow", timeout="30s")
    es.indices.update_aliases(actions=[{"add": {"index": new, "alias": building}}])
    log.info("rebuild started", extra={"index": new, "live": live, "languages": list(languages)})
    try:
        loaded, newer, load_seconds = load(es, export, building, page_size, notice_seconds, progress)
    except BaseException:  # an error or Ctrl-C: the live index stays as it was, the new one goes
        log.exception("rebuild failed; deleting the index it was building", extra={"index": new})
        es.options(ignore_status=404).indices.delete(index=new)
        raise

    es.indices.put_settings(index=new, settings={"index": {"refresh_interval": None}})
    es.indices.refresh(index=new)
    live = [index for index in aliased(es, name) if index != new]  # again: the service may have made one meanwhile
    es.indices.update_aliases(actions=[
        *({"remove": {"index": old, "alias": name}} for old in live),
        {"add": {"index": new, "alias": name, "is_write_index": True}},
        {"remove": {"index": new, "alias": building}},
    ])
    log.info("alias swapped", extra={"alias": name, "index": new, "previous": live, "cases": loaded,
                                     "already_newer": newer})
    if live and not keep_old:
        eventlet.sleep(OLD_INDEX_GRACE_SECONDS)
        for old in live:
            es.indices.delete(index=old)
        log.info("old index deleted", extra={"indices": live})
    return {"index": new, "previous": live, "cases": loaded, "already_newer": newer, "languages": list(languages),
            "seconds": round(time.monotonic() - started, 1), "load_seconds": round(load_seconds, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.search.rebuild", description=__doc__.splitlines()[0])
    parser.add_argument("--keep-old", action="store_true", help="keep the previous index (not behind the alias)")
    parser.add_argument("--page-size", type=int, default=500, help="cases per export page to start with")
    parser.add_argument("--config", help="the platform config (default: SORASORI_CONFIG or config/sorasori.yaml)")
    args = parser.parse_args(argv)

    from nameko.exceptions import RpcTimeout, UnknownService

    from shared.signed_rpc import SignedClusterRpcProxy

    config = load_config(args.config)
    if config.get("LOGGING"):
        logging.config.dictConfig(config.pop("LOGGING"))
    actor = {"sub": f"search-rebuild:{getpass.getuser()}", "role": Role.SYSTEM}
    try:
        with SignedClusterRpcProxy(config, caller=actor, issuer="search-rebuild", timeout=10) as probe:
            probe.intake.health()
    except (RpcTimeout, UnknownService):
        print("[rebuild] the intake service does not answer: is the platform running (make run)?", file=sys.stderr)
        return 1
    es = connect(config["ELASTICSEARCH_URL"])
    try:
        with SignedClusterRpcProxy(config, caller=actor, issuer="search-rebuild", timeout=300) as cluster:  # FerretDB takes seconds a page (README)
            result = rebuild(es, lambda after, limit: cluster.intake.export_cases(after, limit, actor), config,
                             keep_old=args.keep_old, page_size=args.page_size)
    finally:
        es.close()
    print(f"[rebuild] {result['cases']:,} cases into {result['index']} in {result['seconds']} s "
          f"({result['already_newer']} already newer from live events); the alias now points there"
          + (f"; {', '.join(result['previous'])} {'kept' if args.keep_old else 'deleted'}" if result["previous"] else ""),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
