"""Elasticsearch access for the one service that owns the indices (search)."""
from elasticsearch import Elasticsearch
from nameko.extensions import DependencyProvider


def connect(url):
    return Elasticsearch(url, request_timeout=10, retry_on_timeout=True, max_retries=2)


class ElasticsearchClient(DependencyProvider):
    """Injects an `elasticsearch.Elasticsearch` client for the configured cluster."""

    def setup(self):
        self.client = connect(self.container.config["ELASTICSEARCH_URL"])

    def stop(self):
        self.client.close()

    def kill(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.client
