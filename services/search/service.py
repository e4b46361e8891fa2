"""Search: owns the Elasticsearch indices (officer search, similar cases, insights for the CMO cell)."""
from shared.elastic import ElasticsearchClient
from shared.health import check_elasticsearch
from shared.service_base import StoreBackedService


class SearchService(StoreBackedService):
    name = "search"
    es = ElasticsearchClient()

    def health_components(self):
        components = super().health_components()
        components["elasticsearch"] = check_elasticsearch(self.es, float(self.config.get("HEALTH_TIMEOUT", 2)))
        return components
