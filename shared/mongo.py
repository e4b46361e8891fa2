"""MongoDB access: each service owns one database and nobody else's.

pymongo is pinned to 4.15.x, the last line that supports eventlet (4.16 removed it, PYTHON-4755); its
calls run on eventlet's green sockets after `eventlet.monkey_patch()`. Connect by IP address: eventlet's
green DNS resolver misbehaves with `localhost`.

One client per service process: every provider of a service (its store, outbox, inbox, sender) takes the
same `MongoClient` from `shared_client` and gives it back with `release_client`; the last one gives it
back closes it (when the container stops or is killed).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, ClassVar

import pymongo
from pymongo.database import Database

from shared.config import database_name
from shared.metrics import StoreOperationCounter
from shared.providers import ClientProvider
from shared.settings import settings_of

SERVER_SELECTION_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)


def connect(uri: str, app_name: str = "sorasori", **options: Any) -> pymongo.MongoClient:
    """options override the defaults (e.g. shorter timeouts for a client that must never hold a request up)."""
    return pymongo.MongoClient(uri, **{
        "appname": app_name,
        "event_listeners": [StoreOperationCounter(app_name)],
        "tz_aware": True,
        "serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS,
        "connectTimeoutMS": 3000,
        **options,
    })


_ClientKey = tuple[str, str, tuple[tuple[str, Any], ...]]
_shared: dict[_ClientKey, list] = {}  # key -> [client, users]
_shared_lock = threading.Lock()


def shared_client(uri: str, app_name: str, **options: Any) -> pymongo.MongoClient:
    """The process's client for this server, name and options, made on first use; each call is one more
    user, to be matched by one `release_client`."""
    key = (uri, app_name, tuple(sorted(options.items())))
    with _shared_lock:
        entry = _shared.get(key)
        if entry is None:
            entry = _shared[key] = [connect(uri, app_name=app_name, **options), 0]
        entry[1] += 1
        return entry[0]


def release_client(client: pymongo.MongoClient) -> None:
    """One user fewer; the last one closes the client."""
    with _shared_lock:
        for key, entry in list(_shared.items()):
            if entry[0] is client:
                entry[1] -= 1
                if entry[1] > 0:
                    return
                del _shared[key]
                break
    client.close()


class MongoClientProvider(ClientProvider):
    """A provider over the service's shared client (`self.client`) and own database (`self.database`)."""

    client_options: ClassVar[dict] = {}  # a subclass may change the client's settings (timeouts)

    def open_database(self) -> Database:
        config = self.container.config
        self.client = shared_client(settings_of(config).mongo_uri, self.container.service_name,
                                    **self.client_options)
        return self.client[database_name(config, self.container.service_name)]

    def stop(self) -> None:
        client, self.client = self.client, None  # stop, then kill: released once
        if client is not None:
            release_client(client)


class MongoDatabase(MongoClientProvider):
    """Injects the service's own `pymongo.database.Database`."""

    # What the service's queries need beyond `_id`, made at start-up: {collection: [[(field, 1), ...], ...]}.
    # FerretDB (dev, CI) keeps them but scans anyway; production MongoDB uses them.
    indexes: ClassVar[dict] = {}

    def setup(self) -> None:
        self.database = self.open_database()

    def start(self) -> None:
        ensure_indexes(self.database, self.indexes)

    def get_dependency(self, worker_ctx: Any) -> Database:
        return self.database


def ensure_indexes(database: Database, indexes: dict[str, list]) -> None:
    """Create each index (idempotent). A store that does not answer yet is logged, not fatal: the indexes
    serve speed, and the next start makes them."""
    for collection, specs in indexes.items():
        for keys in specs:
            try:
                database[collection].create_index(keys)
            except pymongo.errors.PyMongoError as error:
                log.warning("could not create an index", extra={"collection": collection, "keys": str(keys),
                                                                  "error": type(error).__name__})
