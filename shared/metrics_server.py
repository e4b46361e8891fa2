"""One small HTTP listener per process: `/metrics` (Prometheus text format) and `/healthz` (liveness).

`make run` starts each service as its own process, so each gets its own default port (DEFAULT_PORTS) unless
METRICS_PORT names one (Kubernetes: the same port in every pod); METRICS_PORT=0 turns the listener off.
Services that share a process (tests run all six in one) share its listener: it starts with the first
service that uses it and stops with the last.
"""
import json
import logging

import eventlet
from eventlet import wsgi
from prometheus_client import REGISTRY, make_wsgi_app

from shared.settings import settings_of

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"gateway": 9100, "identity": 9101, "intake": 9102, "routing": 9103, "notification": 9104,
                 "search": 9105}
FALLBACK_PORT = 9109  # a service not in the table

_listeners = {}  # (host, port) -> MetricsListener


def metrics_address(config, service_name):
    """(host, port) the process serves metrics on, or None when METRICS_PORT is 0."""
    settings = settings_of(config)
    port = DEFAULT_PORTS.get(service_name, FALLBACK_PORT) if settings.metrics_port is None else settings.metrics_port
    if port == 0:
        return None
    return settings.metrics_bind, port


def listener_for(container):
    address = metrics_address(container.config, container.service_name)
    if address is None:
        return None
    if address not in _listeners:
        _listeners[address] = MetricsListener(address)
    return _listeners[address]


class MetricsListener:
    def __init__(self, address):
        self.address = address
        self.containers = []
        self.socket = None
        self.thread = None
        self.metrics_app = make_wsgi_app(REGISTRY)

    def attach(self, container):
        self.containers.append(container)
        if self.thread is None:
            try:
                self.socket = eventlet.listen(self.address)
            except OSError as error:  # metrics are not worth refusing to serve citizens for
                log.error("cannot serve metrics", extra={"address": f"{self.address[0]}:{self.address[1]}",
                                                         "error": str(error)})
                return
            self.thread = eventlet.spawn(wsgi.server, self.socket, self.app, log=log, log_output=False)
            log.info("serving metrics", extra={"address": f"{self.address[0]}:{self.address[1]}"})

    def detach(self, container):
        if container in self.containers:
            self.containers.remove(container)
        if not self.containers and self.thread is not None:
            self.thread.kill()
            self.socket.close()
            self.thread = self.socket = None
            _listeners.pop(self.address, None)

    def alive(self):
        # nameko's container sets `_died` once it stopped or crashed (a process whose service died exits)
        return bool(self.containers) and not any(c._died.ready() for c in self.containers)

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self.metrics_app(environ, start_response)
        if path == "/healthz":
            ok = self.alive()
            body = json.dumps({"status": "up" if ok else "down"}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"try /metrics or /healthz\n"]
