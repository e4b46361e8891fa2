"""GET /health: the platform is up only when all six services and the three servers are. Anyone gets the
verdict; what is down, versions and cluster names only an administrator or a probe holding HEALTH_TOKEN."""
import hmac

import eventlet

from shared.authz import allowed
from shared.health import DOWN, UP, check_amqp, check_elasticsearch, check_mongo_uri
from shared.settings import settings_of

TOKEN_HEADER = "X-Health-Token"

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


def may_see_details(request, config, authenticate):
    """The cluster's probes (the HEALTH_TOKEN secret in X-Health-Token) or a signed-in administrator."""
    expected = settings_of(config).health_token or ""
    presented = request.headers.get(TOKEN_HEADER, "")
    if expected and hmac.compare_digest(expected.encode(), presented.encode()):
        return True
    if not request.headers.get("Authorization"):
        return False
    try:
        return allowed(authenticate(request), "platform.administer")
    except Exception:  # noqa: BLE001 (a caller we cannot verify, for whatever reason, gets the verdict only)
        return False


def public(body):
    return {"status": body["status"]}
