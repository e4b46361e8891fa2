"""GET /health: the platform is up only when all six services and the three servers are."""
import eventlet

from shared.health import DOWN, UP, check_amqp, check_elasticsearch, check_mongo_uri

SERVICES = ("gateway", "intake", "routing", "notification", "search", "identity")
SERVERS = ("rabbitmq", "mongodb", "elasticsearch")


def ask_service(proxy, timeout):
    """A service's own health report, or `down` when it does not answer in time."""
    try:
        with eventlet.Timeout(timeout):
            report = proxy.health()
    except eventlet.Timeout:
        return {"status": DOWN, "detail": f"no answer within {timeout}s"}
    except Exception as error:  # UnknownService, broker errors: the service is not reachable
        return {"status": DOWN, "detail": f"{type(error).__name__}: {error}"[:300]}
    return {"status": report["status"], "components": report["components"]}


def check_servers(config, es_client, timeout):
    return {
        "rabbitmq": lambda: check_amqp(config["AMQP_URI"], timeout),
        "mongodb": lambda: check_mongo_uri(config["MONGO_URI"], timeout),
        "elasticsearch": lambda: check_elasticsearch(es_client, timeout),
    }


def aggregate(components):
    """(HTTP status, body) for the gateway's health answer; the body names whatever is down."""
    down = sorted(name for name, report in components.items() if report["status"] != UP)
    body = {"status": DOWN if down else UP, "down": down, "components": components}
    return (503 if down else 200), body


def run_checks(checks, pool_size=9):
    """Run named checks concurrently: {name: callable} -> {name: report}."""
    pool = eventlet.GreenPool(pool_size)
    names = list(checks)
    return dict(zip(names, pool.imap(lambda name: checks[name](), names)))
