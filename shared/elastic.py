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


def drop_indices(config):
    """Every index and index template named with the config's ES_INDEX_PREFIX, one by one by name (the
    local cluster refuses wildcard deletes). For tests and benchmarks that give each run its own prefix."""
    prefix = config["ES_INDEX_PREFIX"]
    es = connect(config["ELASTICSEARCH_URL"])
    try:
        for name in es.options(ignore_status=404).indices.get(index=f"{prefix}*"):
            es.indices.delete(index=name)
        for template in es.options(ignore_status=404).indices.get_index_template(name=f"{prefix}*").get(
                "index_templates", []):
            es.indices.delete_index_template(name=template["name"])
    finally:
        es.close()
