"""The gateway's search endpoints (a part of GatewayService): officers' search and its CSV export, the CMO
cell's insight tables, and similar cases. The search service owns the indices and checks who may see what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.export import csv_export
from services.gateway.grievances import TRACKING
from services.gateway.http_server import http
from services.gateway.limits import CASE_LOOKUP
from services.gateway.openapi import CSV, Operation
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, search_or_export, throttled
from services.gateway.web import api
from services.search.insights import INSIGHTS
from shared.actors import ADMIN, CLIENT, CMO_CELL, OFFICER, SUPERVISOR
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Scope

LIST_PARAMS = ("status", "department", "district", "block", "municipality", "category", "channel", "kind", "level")
SEARCH_COLUMNS = ["tracking_id", "created_at", "kind", "status", "category", "department", "place.district",
                  "place.block", "channel", "level", "urgent", "supporters", "sla_deadline", "resolved_at",
                  "rating", "subject"]
EXPORT_PAGE = 100


def _field(case, path):
    for part in path.split("."):
        case = (case or {}).get(part)
    return case


class SearchRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    search = SignedRpcProxy("search")

    @http("GET", "/api/v1/search", doc=Operation(
        "Search cases: free text, filters, facets, pages", tags=("Search",),
        query=answers.SearchQuerySchema, roles=(OFFICER, SUPERVISOR, CMO_CELL, ADMIN, CLIENT),
        responses={200: answers.SearchResultsSchema}, exports=(CSV,), scope=Scope.GRIEVANCES_READ,
        description="`format=csv` answers every match as CSV. Officers, supervisors and machine clients find only "
                    "the cases of their departments and districts, whatever filters they ask for."))
    @throttled(search_or_export)
    @api
    def search_grievances(self, request):
        """Officers' search; `format=csv` streams every matching case (no row cap)."""
        actor = self.authenticate(request)
        params = {}
        for name, values in request.args.lists():
            params[name] = values if name in LIST_PARAMS else values[-1]
        if params.pop("format", None) != "csv":
            return 200, self._rpc("search", self.search.search, params, actor), NO_STORE
        params["size"] = EXPORT_PAGE

        def page(after=None):
            found = self._rpc("search", self.search.search, {**params, **({"after": after} if after else {})}, actor)
            return [[_field(case, column) for column in SEARCH_COLUMNS] for case in found["results"]], found["next"]

        return csv_export("grievances.csv", SEARCH_COLUMNS, page)

    @http("GET", "/api/v1/insights/<string:name>", doc=Operation(
        "One of the CMO cell's insight tables", tags=("Search",),
        query=answers.InsightQuerySchema, roles=(CMO_CELL, SUPERVISOR, CLIENT),
        responses={200: answers.InsightTableSchema}, exports=(CSV,), scope=Scope.INSIGHTS_READ,
        path={"name": {"type": "string", "enum": sorted(INSIGHTS)}},
        description="`special-closes`: cases closed at L3/L4 without a resolution, per department or district and "
                    "reason. `format=csv` answers the whole table as CSV. Supervisors and machine clients "
                    "get the table of their departments and districts only."))
    @throttled(search_or_export)
    @api
    def insight(self, request, name):
        """The CMO cell's insights as tables; `format=csv` streams one."""
        actor = self.authenticate(request)
        params = request.args.to_dict()
        as_csv = params.pop("format", None) == "csv"
        first = self._rpc("search", self.search.insight, name, params, actor)
        if not as_csv:
            return 200, first, NO_STORE

        def page(after=None):
            found = first if after is None else self._rpc("search", self.search.insight, name,
                                                          {**params, "after": after}, actor)
            return found["rows"], found["next"]

        return csv_export(f"{name}.csv", first["columns"], page)

    @http("GET", TRACKING + "/similar", doc=Operation(
        "Open cases like this one in its district", tags=("Search",),
        query=answers.SimilarQuerySchema, roles=(OFFICER, SUPERVISOR, CMO_CELL),
        responses={200: answers.SimilarCasesSchema}))
    @throttled(CASE_LOOKUP)
    @api
    def similar_cases(self, request, tracking_id):
        actor = self.authenticate(request)
        similar = self._rpc("search", self.search.similar, tracking_id, actor, request.args.get("size", 10))
        return 200, {"tracking_id": tracking_id, "similar": similar}, NO_STORE
