"""The six services of the platform, in start-up order (the gateway last, once the others listen), and the
front ends that are clients of the gateway's HTTP API only (the web console), started after them.

`python -m services.registry` prints one `name module:Class` a line, for `nameko run`.
"""
import importlib

SERVICES = {
    "identity": "services.identity.service:IdentityService",
    "intake": "services.intake.service:IntakeService",
    "routing": "services.routing.service:RoutingService",
    "notification": "services.notification.service:NotificationService",
    "search": "services.search.service:SearchService",
    "gateway": "services.gateway.service:GatewayService",
}
# Work that follows a filing (messages, the search index) rather than answers a request on the filing path:
# these lower their CPU priority at start (shared/process_priority.py).
BACKGROUND = frozenset({"notification", "search"})
# Clients of the gateway's public HTTP API (no RPC, no broker): not part of /health's services.
FRONT_ENDS = {
    "web": "services.web.service:WebService",
}
EVERY_PROCESS = {**SERVICES, **FRONT_ENDS}


def service_classes():
    classes = []
    for path in SERVICES.values():
        module, name = path.split(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes


if __name__ == "__main__":
    for name, path in EVERY_PROCESS.items():
        print(name, path)
