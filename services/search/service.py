"""Search: owns the Elasticsearch indices (officer search, similar cases, insights for the CMO cell).

So far: every grievance event from intake keeps the case's document in the index up to date, in order.
"""
from services.search.index import ensure_index, index_case
from shared.consumers import reliable_event_handler
from shared.elastic import ElasticsearchClient
from shared.health import check_elasticsearch
from shared.service_base import StoreBackedService


class GrievanceIndex(ElasticsearchClient):
    """Injects the writer of the grievance index; the template, index and alias are made on first use."""

    def setup(self):
        super().setup()
        self.ready = False

    def get_dependency(self, worker_ctx):
        return self

    def put(self, case):
        if not self.ready:
            ensure_index(self.client, self.container.config)
            self.ready = True
        return index_case(self.client, self.container.config, case)


class SearchService(StoreBackedService):
    name = "search"
    es = ElasticsearchClient()
    grievances = GrievanceIndex()

    @reliable_event_handler("intake", "grievance.#")
    def index_grievance(self, event):
        """Every intake event carries the case after the change: index it with the case's version, so a
        replayed or late event never overwrites newer state (Elasticsearch keeps the newer version)."""
        self.grievances.put(event["data"]["case"])

    def health_components(self):
        components = super().health_components()
        components["elasticsearch"] = check_elasticsearch(self.es, float(self.config.get("HEALTH_TIMEOUT", 2)))
        return components
