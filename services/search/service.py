"""Search: owns the Elasticsearch indices (officer search, similar cases, insights for the CMO cell).

Every grievance event from intake keeps the case's document in the index up to date, in order; officers
search it, find cases similar to one they hold, and the CMO cell reads insights from it.
"""
import logging
import time
from datetime import datetime, timezone

from elasticsearch import BadRequestError
from marshmallow import ValidationError

from services.search import insights, outage, public, queries, similar
from services.search.bulk import Batcher, WriteTargets, bulk_write
from services.search.index import alias, ensure_index, indexed_languages
from shared.authz import authorised, require
from shared.consumers import reliable_event_handler
from shared.elastic import ElasticsearchClient
from shared.errors import EXPECTED, Forbidden, NotFound, ValidationFailed, validated
from shared.health import check_elasticsearch
from shared.projections import project_public
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService
from shared.settings import settings_of
from shared.shutdown import pause

log = logging.getLogger(__name__)


class GrievanceIndex(ElasticsearchClient):
    """Injects the writer of the grievance index; the template, index and alias are made on first use.
    Writes from all workers go out together in `_bulk` requests (services/search/bulk.py), into the alias
    and, while a rebuild runs, its building index too (services/search/rebuild.py)."""

    LANGUAGES_RECHECK_SECONDS = 30  # a rebuild may bring an index with other language subfields

    def setup(self):
        super().setup()
        config = self.container.config
        settings = settings_of(config)
        self.ready = False
        self.targets = WriteTargets(self.client, config)
        self.batcher = Batcher(self._write_live,
                               max_docs=min(settings.search_bulk_max_docs, self.container.max_workers),
                               linger=settings.search_bulk_linger_ms / 1000)
        self.known_languages, self.languages_at = (), float("-inf")

    def _write_live(self, cases, refresh):
        return bulk_write(self.client, cases, self.targets.current(), refresh, counted=True)

    def start(self):
        self.container.spawn_managed_thread(self.batcher.run, identifier="search.bulk")

    def get_dependency(self, worker_ctx):
        return self

    def put(self, case, refresh=False):
        """Index the case (True), or find a newer version there already (False); raises what ES refused.
        While Elasticsearch is unreachable the write is tried again in place (services/search/outage.py),
        up to SEARCH_OUTAGE_HOLD_SECONDS or until the process stops (the event then goes back to its queue)."""
        hold = settings_of(self.container.config).search_outage_hold_seconds
        started, attempt = time.monotonic(), 0
        while True:
            try:
                return self._put(case, refresh)
            except Exception as error:
                attempt += 1
                if not outage.is_outage(error) or time.monotonic() - started > hold:
                    raise
                wait = outage.wait_before(attempt)
                log.warning("Elasticsearch is not taking writes: holding the event",
                            extra={"tracking_id": case.get("tracking_id"), "attempt": attempt, "wait": wait,
                                   "error": type(error).__name__})
                if pause(wait):
                    raise  # stopping: unacked, the event goes back to its queue

    def _put(self, case, refresh):
        if not self.ready:
            ensure_index(self.client, self.container.config)
            self.ready = True
        return self.batcher.submit(case, refresh)

    def languages(self):
        """The language subfields the index behind the alias has (queries use only those)."""
        if time.monotonic() - self.languages_at > self.LANGUAGES_RECHECK_SECONDS:
            found = self.client.options(ignore_status=404).indices.get_mapping(index=alias(self.container.config))
            self.known_languages = indexed_languages({} if found.get("status") == 404 else found)
            self.languages_at = time.monotonic()
        return self.known_languages


_search_schema = queries.SearchSchema()
_similar_schema = similar.SimilarSchema()
_lookalikes_schema = similar.LookalikesSchema()
_public_schema = public.PublicCasesSchema()


class SearchService(StoreBackedService):
    name = "search"
    grievances = GrievanceIndex()  # the service's one Elasticsearch client

    @reliable_event_handler("intake", "grievance.#")
    def index_grievance(self, event):
        """Every intake event carries the case after the change: index it with the case's version, so a
        replayed or late event never overwrites newer state (Elasticsearch keeps the newer version)."""
        self.grievances.put(event["data"]["case"])

    @rpc(expected_exceptions=EXPECTED)
    def search(self, params, actor):
        """Officers' search: free text, filters, facets, sorting, search_after pages, highlights."""
        require(actor, "cases.search")  # a machine client's token: grievances:read
        self._scope(actor)
        params = validated(_search_schema, params)
        try:
            body = queries.build(params, actor, datetime.now(timezone.utc).isoformat(),
                                 languages=self.grievances.languages())
        except ValidationError as error:
            raise ValidationFailed("invalid search", error.messages) from None
        result = self._run(body, params)
        if result.get("status") == 404:
            return {"total": 0, "results": [], "facets": {}, "next": None}
        hits = result["hits"]["hits"]
        return {
            "total": result["hits"]["total"]["value"],
            "results": [{**hit["_source"], "highlight": hit.get("highlight", {}), "score": hit.get("_score")}
                        for hit in hits],
            "facets": {name: queries.facet_counts(agg) for name, agg in result.get("aggregations", {}).items()},
            "next": queries.encode_cursor(hits[-1]["sort"]) if len(hits) == params["size"] else None,
        }

    @rpc(expected_exceptions=EXPECTED)
    def similar(self, tracking_id, actor, size=10):
        """The open, recent cases most like this one in the same district, within the caller's scope."""
        size = validated(_similar_schema, {"size": size})["size"]
        scope = self._scope(actor)
        es = self.grievances.client
        found = es.options(ignore_status=404).search(
            index=alias(self.config), size=1,
            query={"bool": {"filter": scope + [{"ids": {"values": [str(tracking_id)]}}]}})
        hits = found.get("hits", {}).get("hits", [])
        if not hits:
            raise NotFound(f"no grievance {tracking_id}")
        body = similar.request(hits[0]["_source"], alias(self.config), scope, datetime.now(timezone.utc),
                               size=size)
        result = es.search(index=alias(self.config), **body)
        return [{**hit["_source"], "score": hit["_score"]} for hit in result["hits"]["hits"]]

    @rpc(expected_exceptions=EXPECTED)
    def lookalikes(self, params, actor):
        """Before filing: the open cases of the last 90 days in the district most like the one about to be
        filed, at most 5, each as any citizen may see it (they are other people's cases)."""
        authorised(actor, "cases.find_lookalikes")
        params = validated(_lookalikes_schema, params)
        body = similar.lookalikes_request(params, datetime.now(timezone.utc))
        result = self.grievances.client.options(ignore_status=404).search(index=alias(self.config), **body)
        if result.get("status") == 404:
            return []
        return [project_public(hit["_source"]) for hit in result["hits"]["hits"]]

    @rpc(expected_exceptions=EXPECTED)
    def public_cases(self, params):
        """Cases as anyone may see them (public/Open311 readers: no caller to scope), newest first."""
        params = validated(_public_schema, params)
        result = self.grievances.client.options(ignore_status=404).search(index=alias(self.config),
                                                                          **public.request(params))
        if result.get("status") == 404:
            return []
        return [public.public_case(hit["_source"]) for hit in result["hits"]["hits"]]

    @rpc(expected_exceptions=EXPECTED)
    def insight(self, name, params, actor):
        """One of the CMO cell's insights as a table (supervisors get theirs for their own scope)."""
        actor = authorised(actor, "insights.read")
        if name not in insights.INSIGHTS:
            raise NotFound(f"no insight {name!r}; there are: {', '.join(insights.INSIGHTS)}")
        schema, build, _ = insights.INSIGHTS[name]
        params = validated(schema(), params)
        try:
            body = build(params, self._scope(actor), datetime.now(timezone.utc))
        except ValidationError as error:
            raise ValidationFailed("invalid insight request", error.messages) from None
        result = self._run(body, params)
        if result.get("status") == 404:
            return {"insight": name, "columns": [], "rows": [], "next": None}
        return insights.table(name, result, params)

    def _run(self, body, params):
        """The search, with the index missing as a 404 result. A cursor passes decode_cursor's checks yet can
        still be one Elasticsearch refuses (a value of the wrong kind for its sort field): that is the caller's
        400 on `after`, not a 500."""
        try:
            return self.grievances.client.options(ignore_status=404).search(index=alias(self.config), **body)
        except BadRequestError:
            if params.get("after"):
                raise ValidationFailed("invalid cursor", {"after": ["Not a cursor from an earlier page."]}) from None
            raise

    def _scope(self, actor):
        """The filter that keeps a (validated) caller to their department and districts."""
        scope = queries.scope_filter(actor)
        if scope is None:
            raise Forbidden("search is for officers and the CMO cell")
        return scope

    def health_components(self):
        components = super().health_components()
        components["elasticsearch"] = check_elasticsearch(self.grievances.client, self.settings.health_timeout)
        return components
