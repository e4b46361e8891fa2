"""MongoDB access: each service owns one database and nobody else's.

pymongo is pinned to 4.15.x, the last line that supports eventlet (4.16 removed it, PYTHON-4755); its
calls run on eventlet's green sockets after `eventlet.monkey_patch()`. Connect by IP address: eventlet's
green DNS resolver misbehaves with `localhost`.
"""
import logging
from typing import ClassVar

import pymongo

from shared.config import database_name
from shared.providers import ClientProvider

SERVER_SELECTION_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)


def connect(uri, app_name="sorasori", **options):
    """options override the defaults (e.g. shorter timeouts for a client that must never hold a request up)."""
    return pymongo.MongoClient(uri, **{
        "appname": app_name,
        "tz_aware": True,
        "serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS,
        "connectTimeoutMS": 3000,
        **options,
    })


class MongoDatabase(ClientProvider):
    """Injects the service's own `pymongo.database.Database`."""

    client_options: ClassVar[dict] = {}  # a subclass may change the client's settings (timeouts)
    # What the service's queries need beyond `_id`, made at start-up: {collection: [[(field, 1), ...], ...]}.
    # FerretDB (dev, CI) keeps them but scans anyway; production MongoDB uses them.
    indexes: ClassVar[dict] = {}

    def setup(self):
        config = self.container.config
        self.client = connect(config["MONGO_URI"], app_name=self.container.service_name, **self.client_options)
        self.database = self.client[database_name(config, self.container.service_name)]

    def start(self):
        ensure_indexes(self.database, self.indexes)

    def get_dependency(self, worker_ctx):
        return self.database


def ensure_indexes(database, indexes):
    """Create each index (idempotent). A store that does not answer yet is logged, not fatal: the indexes
    serve speed, and the next start makes them."""
    for collection, specs in indexes.items():
        for keys in specs:
            try:
                database[collection].create_index(keys)
            except pymongo.errors.PyMongoError as error:
                log.warning("could not create an index", extra={"collection": collection, "keys": str(keys),
                                                                  "error": type(error).__name__})
