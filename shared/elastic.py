"""Elasticsearch access for the one service that owns the indices (search)."""
from elasticsearch import Elasticsearch

from shared.providers import ClientProvider


def connect(url, request_timeout=10):
    return Elasticsearch(url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=2)


class ElasticsearchClient(ClientProvider):
    """Injects an `elasticsearch.Elasticsearch` client for the configured cluster."""

    def setup(self):
        self.client = connect(self.container.config["ELASTICSEARCH_URL"])

    def get_dependency(self, worker_ctx):
        return self.client
