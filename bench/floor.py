"""The empty pipeline: the platform's filing path with no domain work, as the floor its figures are read
against (issue 17). HTTP POST to a gateway-style service (the gateway's own HTTP stack) -> nameko RPC ->
one insert into its own FerretDB database -> one confirmed event, consumed by a no-op handler -> 201.
Two processes, as the gateway and intake are.

    python -m services.run --config floor.yaml bench.floor:FloorGateway
    python -m services.run --config floor.yaml bench.floor:FloorStore
"""
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import yaml
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from werkzeug.wrappers import Response

from services.gateway.http_server import http
from shared.mongo import MongoDatabase

ROOT = Path(__file__).resolve().parents[1]
STORE = "bench_floor_store"
EVENT = "floor.filed"


class FloorStore:
    name = STORE
    database = MongoDatabase()
    dispatch = EventDispatcher()  # nameko publishes with confirms: the 201 waits for the broker's ack

    @rpc
    def file(self, body):
        document = {"_id": uuid.uuid4().hex, "body": body}
        self.database.filings.insert_one(document)
        self.dispatch(EVENT, {"id": document["_id"]})
        return document["_id"]

    @event_handler(STORE, EVENT)
    def filed(self, payload):
        """Consumed so the event is queued durably, as the platform's are; nothing else."""


class FloorGateway:
    name = "bench_floor_gateway"
    store = RpcProxy(STORE)

    @http("POST", "/file")
    def file(self, request):
        filing_id = self.store.file(json.loads(request.get_data(as_text=True)))
        return Response(json.dumps({"id": filing_id}), status=201, mimetype="application/json")


class FloorProcess:
    """One of the floor's services as its own `nameko run` process (services.launcher does the platform's)."""

    def __init__(self, service_path, config, directory):
        self.service_path = service_path
        self.config_path = Path(directory) / f"{service_path.rsplit(':', 1)[1]}.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log = Path(directory) / f"{service_path.rsplit(':', 1)[1]}.log"
        self.process = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.run", "--config", str(self.config_path), self.service_path],
                cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
