"""The skeleton of a filing (issue 17, item 2): the platform's hops at the issue's target of 12 store operations
per filing, every guarantee's write kept and no domain work, as services of their own beside the platform in
the capacity bench. It answers whether 45 filings a second fit this machine at all with this architecture
(nameko services over RabbitMQ, FerretDB, Elasticsearch), whatever the domain code does.

    gateway        the client's rate window (1 findAndModify), then an RPC to intake
    intake         the case with its pending event (1 insert) -> 201; then, in a thread of its own as the
                   platform's outbox relays, `filed` published with confirms and the outbox cleared (1 update)
    routing        on `filed`: the office's directory (1 find), the officer's load (1 findAndModify), the
                   assignment with its event (1 insert), `assigned` published, cleared (1 update)
    intake         on `assigned`: the case's new state with its event (1 update), `status_changed`
                   published, cleared (1 update)
    notification   on `filed`: the delivery claimed (1 insert), the SMS to the development sink (1 insert),
                   the delivery recorded sent (1 update)
    search         on `filed`: nothing (at 10/s the platform's batches coalesce a filing's versions into
                   about one write); on `status_changed`: one Elasticsearch index request

12 store operations, 3 events published, 5 handled: fewer than the platform's 5 events and 11 handlings
today. No schema, no signed RPC, no logging, no inbox: every hop does less than the platform's. Routing,
notification and search stamp `at` (epoch seconds) on what they write, keyed by the filing's id: the bench's
lags to routed, notified and indexed.
"""
import json
import time
import uuid

import eventlet
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from werkzeug.wrappers import Response

from services.gateway.http_server import http
from shared.elastic import ElasticsearchClient
from shared.metrics import EntrypointMetrics
from shared.mongo import MongoDatabase

GATEWAY, INTAKE, ROUTING = "bench_skeleton_gateway", "bench_skeleton_intake", "bench_skeleton_routing"
NOTIFICATION, SEARCH = "bench_skeleton_notification", "bench_skeleton_search"
SERVICES = ("gateway", "intake", "routing", "notification", "search")  # each runs as Skeleton<Label>
BACKGROUND = ("notification", "search")  # lowered as services.registry.BACKGROUND lowers the platform's
STORE_OPERATIONS_PER_FILING = 12
OFFICER = "officer-1"


def index_name(config):
    return f"{config['ES_INDEX_PREFIX']}skeleton"


def relayed(collection, filing_id, dispatch, event_type, payload):
    """The outbox's share: the event published with confirms, then taken off the document it was written with."""
    dispatch(event_type, payload)
    collection.update_one({"_id": filing_id}, {"$set": {"outbox": []}})


class WithStore:
    metrics = EntrypointMetrics()  # store operations counted, as the platform's services count theirs
    database = MongoDatabase()


class WithStoreAndEvents(WithStore):
    dispatch = EventDispatcher()


class SkeletonGateway(WithStore):
    name = GATEWAY
    intake = RpcProxy(INTAKE)

    @http("POST", "/file")
    def file(self, request):
        window = int(time.time() // 60)
        self.database.rate_windows.find_one_and_update({"_id": f"client:{window}"}, {"$inc": {"count": 1}},
                                                       upsert=True)
        filing_id = self.intake.file(json.loads(request.get_data(as_text=True)))
        return Response(json.dumps({"id": filing_id}), status=201, mimetype="application/json")


class SkeletonIntake(WithStoreAndEvents):
    name = INTAKE

    @rpc
    def file(self, body):
        filing_id = uuid.uuid4().hex
        event = {"id": filing_id}
        self.database.cases.insert_one({"_id": filing_id, "body": body, "version": 1, "outbox": [event]})
        eventlet.spawn_n(relayed, self.database.cases, filing_id, self.dispatch, "filed", event)
        return filing_id

    @event_handler(ROUTING, "assigned")
    def assigned(self, payload):
        filing_id = payload["id"]
        self.database.cases.update_one({"_id": filing_id, "version": 1}, {
            "$set": {"officer": payload["officer"], "outbox": [payload]}, "$inc": {"version": 1}})
        relayed(self.database.cases, filing_id, self.dispatch, "status_changed", {"id": filing_id, "version": 2})


class SkeletonRouting(WithStoreAndEvents):
    name = ROUTING

    @event_handler(INTAKE, "filed")
    def filed(self, payload):
        filing_id = payload["id"]
        self.database.staff.find_one({"office": "phe"})
        self.database.officer_loads.find_one_and_update({"_id": OFFICER}, {"$inc": {"open": 1}}, upsert=True)
        event = {"id": filing_id, "officer": OFFICER}
        self.database.assignments.insert_one({"_id": filing_id, "officer": OFFICER, "at": time.time(),
                                              "outbox": [event]})
        relayed(self.database.assignments, filing_id, self.dispatch, "assigned", event)


class SkeletonNotification(WithStore):
    name = NOTIFICATION

    @event_handler(INTAKE, "filed")
    def filed(self, payload):
        filing_id = payload["id"]
        self.database.deliveries.insert_one({"_id": filing_id, "state": "sending"})
        self.database.sms_sink.insert_one({"_id": filing_id, "at": time.time()})
        self.database.deliveries.update_one({"_id": filing_id, "state": "sending"}, {"$set": {"state": "sent"}})


class SkeletonSearch:
    name = SEARCH
    metrics = EntrypointMetrics()
    config = Config()
    es = ElasticsearchClient()

    @event_handler(INTAKE, "filed")
    def filed(self, payload):
        """Coalesced into the case's next version, as the platform's batches mostly do at rate."""

    @event_handler(INTAKE, "status_changed")
    def status_changed(self, payload):
        self.es.index(index=index_name(self.config), id=payload["id"], version=payload["version"],
                      version_type="external", document={"at": time.time()})
