"""Health checks of the three servers and the shape of every health report.

A check never raises: it returns {"status": "up"|"down", "latency_ms": ..., "detail": ...}.
"""
import sys
import time

import kombu
import pymongo

UP, DOWN = "up", "down"


def _timed(check):
    started = time.monotonic()
    try:
        detail = check()
        status = UP
    except Exception as error:  # a health check reports every failure rather than raising it
        detail = f"{type(error).__name__}: {error}"[:300]
        status = DOWN
    report = {"status": status, "latency_ms": round((time.monotonic() - started) * 1000, 1)}
    if detail:
        report["detail"] = detail
    return report


def check_database(database, timeout=2.0):
    """Ping through a service's own client (its pool, its database)."""

    def ping():
        with pymongo.timeout(timeout):
            database.command("ping")
        return None

    return _timed(ping)


def check_mongo_uri(uri, timeout=2.0):
    def ping():
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=int(timeout * 1000))
        try:
            client.admin.command("ping")
        finally:
            client.close()
        return None

    return _timed(ping)


def check_elasticsearch(client, timeout=2.0):
    def cluster_health():
        health = client.options(request_timeout=timeout).cluster.health()
        if health["status"] == "red":
            raise RuntimeError("cluster status red")
        return f"cluster {health['cluster_name']} {health['status']}"

    return _timed(cluster_health)


def check_amqp(uri, timeout=2.0):
    def connect():
        with kombu.Connection(uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            return f"{connection.connection.server_properties.get('product', 'broker')} " \
                   f"{connection.connection.server_properties.get('version', '')}".strip()

    return _timed(connect)


def service_report(service_name, **components):
    """A service's answer to its `health` RPC."""
    status = UP if all(c["status"] == UP for c in components.values()) else DOWN
    return {"service": service_name, "status": status, "components": components}


def main(argv):
    """`python -m shared.health mongo|amqp|elasticsearch URL`: exit 0 when the server answers."""
    kind, target = argv[1], argv[2]
    if kind == "mongo":
        report = check_mongo_uri(target)
    elif kind == "amqp":
        report = check_amqp(target)
    elif kind == "elasticsearch":
        from shared.elastic import connect

        report = check_elasticsearch(connect(target))
    else:
        print(f"unknown server kind {kind!r}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report["status"] == UP else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
