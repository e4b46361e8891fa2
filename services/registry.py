"""The six services of the platform, in start-up order (the gateway last, once the others listen).

`python -m services.registry` prints one `module:Class` a line, for `nameko run`.
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


def service_classes():
    classes = []
    for path in SERVICES.values():
        module, name = path.split(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes


if __name__ == "__main__":
    for name, path in SERVICES.items():
        print(name, path)
