"""Each service logs in to RabbitMQ as its own user, allowed only the queues and exchanges it uses.

One source of truth for `make infra` (scripts/infra/rabbitmq.sh), `make run`, `make bench` and the tests:

    python -m shared.broker_access setup [--vhost sorasori] [--api URL] [--secrets DIR]
    python -m shared.broker_access uris          # "<service> <AMQP URI>" a line, for make run

The names are nameko's (rpc.py, events.py) and ours (shared/consumers.py, shared/outbox.py):
- RPC: requests go to the `nameko-rpc` topic exchange with routing key `<service>.<method>`; a service
  consumes `rpc-<service>` (bound `<service>.*`); a caller's replies come back through the same exchange to
  its `rpc.reply-<caller>-<uuid>` queue, bound to the uuid. Topic permissions on `nameko-rpc` decide which
  routing keys a user may publish (the services it calls, replies) and bind (its own), so no user can bind
  a queue of its own to another service's requests or replies.
- Events: `<source>.events` topic exchanges (only the source may publish), consumer queues
  `evt-<source>-<type>--<service>.<method>` with dead-letter queues `dlq.<queue>` on `sorasori.dlx`.
  nameko re-declares the exchanges it binds to, so a consumer has `configure` on its sources' exchanges.
- The public event stream: a vhost of its own (`<platform vhost>-public`, `sorasori-public` locally) with one
  topic exchange `sorasori.public` (shared/public_events.py). Only notification (its relay) may declare it and
  publish to it there; nothing of the platform vhost is reachable from it.
"""
import argparse
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import requests

PLATFORM_VHOST = "sorasori"
PUBLIC_EXCHANGE = "sorasori.public"  # shared/public_events.EXCHANGE
PUBLIC_PUBLISHER = "notification"  # the relay lives there
USER_PREFIX = "sorasori-"
RPC_EXCHANGE = "nameko-rpc"
DEAD_LETTER_EXCHANGE = "sorasori.dlx"  # shared/consumers.py
LOCAL_API = "http://guest:guest@127.0.0.1:15672"
LOCAL_BROKER = "127.0.0.1:5672"
SECRETS_DIR = Path(__file__).resolve().parent.parent / "var" / "secrets"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = "[a-z_]+"


@dataclass(frozen=True)
class Principal:
    serves_rpc: bool = True
    calls: tuple = ()  # services whose RPCs it calls
    consumes: tuple = ()  # services whose events it consumes
    publishes_events: bool = False


PRINCIPALS = {
    "gateway": Principal(serves_rpc=False, calls=("intake", "routing", "notification", "search", "identity")),
    "intake": Principal(consumes=("routing",), publishes_events=True),
    "routing": Principal(consumes=("intake", "identity"), publishes_events=True),
    "notification": Principal(consumes=("intake", "routing", "identity")),
    "search": Principal(consumes=("intake",)),
    "identity": Principal(calls=("notification",), publishes_events=True),  # staff.changed
}


def _any_of(*names):
    names = [n for n in names if n]
    return "^(" + "|".join(names) + ")$" if names else "^$"


def permissions(name, principal=None):
    """The vhost permissions (configure, write, read regexes) of a service's user (or of `principal`)."""
    p = principal or PRINCIPALS[name]
    rpc_queue = f"rpc-{name}" if p.serves_rpc else None
    # a service serving RPCs also calls its own `health` (its pods' probes: shared/probe.py)
    reply_queue = rf"rpc\.reply-{name}-{UUID}" if (p.calls or p.serves_rpc) else None
    rpc_exchange = RPC_EXCHANGE if (p.serves_rpc or p.calls) else None
    own_events = rf"{name}\.events" if p.publishes_events else None
    sources = rf"({'|'.join(p.consumes)})\.events" if p.consumes else None
    event_queue = rf"evt-({'|'.join(p.consumes)})-[a-z_.#*]+--{name}\.{NAME}" if p.consumes else None
    dead_letters = rf"dlq\.{event_queue}" if event_queue else None
    dlx = r"sorasori\.dlx" if event_queue else None  # DEAD_LETTER_EXCHANGE
    return {
        "configure": _any_of(rpc_exchange, rpc_queue, reply_queue, own_events, sources, dlx, event_queue,
                             dead_letters),
        # declaring a queue that dead-letters to sorasori.dlx takes write on it
        "write": _any_of(rpc_exchange, rpc_queue, reply_queue, own_events, dlx, event_queue, dead_letters),
        "read": _any_of(rpc_exchange, rpc_queue, reply_queue, sources, dlx, event_queue, dead_letters),
    }


def topic_permissions(name, principal=None):
    """Routing keys on `nameko-rpc`: `write` what it may publish, `read` what it may bind a queue to."""
    p = principal or PRINCIPALS[name]
    publish = [UUID, rf"{name}\.health"] if p.serves_rpc else []  # replies to callers; its probes' question
    if p.calls:
        publish.append(rf"({'|'.join(p.calls)})\.{NAME}")
    bind = [rf"{name}\.\*"] if p.serves_rpc else []
    if p.calls or p.serves_rpc:
        bind.append(UUID)
    return {"exchange": RPC_EXCHANGE, "write": _any_of(*publish), "read": _any_of(*bind)}


class ManagementApi:
    def __init__(self, url=LOCAL_API, timeout=10):
        url = url.rstrip("/")
        scheme, rest = url.split("://", 1)
        auth = None
        if "@" in rest:
            credentials, rest = rest.rsplit("@", 1)
            auth = tuple(credentials.split(":", 1))
        self.base = f"{scheme}://{rest}/api"
        self.session = requests.Session()
        self.session.auth = auth
        self.timeout = timeout

    def put(self, path, body=None):
        response = self.session.put(self.base + path, json=body or {}, timeout=self.timeout)
        response.raise_for_status()

    def delete(self, path):
        response = self.session.delete(self.base + path, timeout=self.timeout)
        if response.status_code != 404:
            response.raise_for_status()


def _q(name):
    return quote(name, safe="")


def create_vhost(api, vhost, admin="guest"):
    api.put(f"/vhosts/{_q(vhost)}")
    api.put(f"/permissions/{_q(vhost)}/{_q(admin)}", {"configure": ".*", "write": ".*", "read": ".*"})


def public_vhost_of(vhost):
    """The public stream's vhost next to a platform vhost: `sorasori` -> `sorasori-public`."""
    return f"{vhost}-public"


def public_permissions():
    """The relay's rights on the public vhost: declare and publish to the public exchange, nothing else."""
    exchange = f"^{re.escape(PUBLIC_EXCHANGE)}$"
    return {"configure": exchange, "write": exchange, "read": "^$"}


def create_public_stream(api, public_vhost, publisher=None):
    """The public vhost, its topic exchange, and (when named) the relay's user allowed to publish there."""
    create_vhost(api, public_vhost)
    api.put(f"/exchanges/{_q(public_vhost)}/{_q(PUBLIC_EXCHANGE)}", {"type": "topic", "durable": True})
    if publisher:
        api.put(f"/permissions/{_q(public_vhost)}/{_q(publisher)}", public_permissions())


def provision(api, vhost, passwords, user_prefix=USER_PREFIX):
    """Create `vhost` and one user per service with its password and permissions, and the public stream's
    vhost next to it (idempotent)."""
    create_vhost(api, vhost)
    for name in PRINCIPALS:
        user = user_prefix + name
        api.put(f"/users/{_q(user)}", {"password": passwords[name], "tags": ""})
        api.put(f"/permissions/{_q(vhost)}/{_q(user)}", permissions(name))
        api.put(f"/topic-permissions/{_q(vhost)}/{_q(user)}", topic_permissions(name))
    create_public_stream(api, public_vhost_of(vhost), user_prefix + PUBLIC_PUBLISHER)


def remove(api, vhost, user_prefix):
    for name in PRINCIPALS:
        api.delete(f"/users/{_q(user_prefix + name)}")
    api.delete(f"/vhosts/{_q(vhost)}")
    api.delete(f"/vhosts/{_q(public_vhost_of(vhost))}")


def new_passwords():
    return {name: secrets.token_urlsafe(24) for name in PRINCIPALS}


def with_vhost(uri, vhost):
    """The same broker and login on another vhost."""
    base, _, _ = uri.rpartition("/")
    return f"{base}/{_q(vhost)}"


def public_vhost(config):
    """The public stream's vhost: PUBLIC_VHOST, or the one `provision` makes next to AMQP_URI's vhost."""
    from shared.settings import settings_of

    return settings_of(config).public_vhost or public_vhost_of(vhost_of(config["AMQP_URI"]))


def public_stream_uri(config):
    """Where the relay publishes: PUBLIC_AMQP_URI, or the service's own login (AMQP_URI) on the public vhost."""
    from shared.settings import settings_of

    return settings_of(config).public_amqp_uri or with_vhost(config["AMQP_URI"], public_vhost(config))


def vhost_of(uri):
    return unquote(uri.rsplit("/", 1)[-1]) or "/"


def broker_host(uri):
    return uri.split("://", 1)[1].rsplit("@", 1)[-1].split("/", 1)[0]


def amqp_uri(name, password, vhost, host=LOCAL_BROKER, user_prefix=USER_PREFIX):
    return f"pyamqp://{quote(user_prefix + name, safe='')}:{quote(password, safe='')}@{host}/{_q(vhost)}"


def local_passwords(directory=SECRETS_DIR):
    """The services' passwords for the local broker, made once under var/secrets (mode 600)."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    passwords = {}
    for name in PRINCIPALS:
        path = directory / f"amqp-{name}.password"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            passwords[name] = path.read_text().strip()
            continue
        passwords[name] = secrets.token_urlsafe(24)
        with os.fdopen(fd, "w") as handle:
            handle.write(passwords[name] + "\n")
    return passwords


def service_uris(env=os.environ, directory=SECRETS_DIR):
    """Each service's AMQP URI: AMQP_URI_<SERVICE> if set; with AMQP_URI naming an external broker and no
    per-service URI, that one (refused in production); else its own user on the local platform vhost."""
    uris = {}
    external = env.get("AMQP_URI")
    passwords = None if external else local_passwords(directory)
    for name in PRINCIPALS:
        own = env.get(f"AMQP_URI_{name.upper()}")
        if own:
            uris[name] = own
        elif external:
            if env.get("SORASORI_ENV") == "production":
                raise SystemExit(f"AMQP_URI_{name.upper()} is required in production (each service its own user)")
            print(f"[broker] {name}: no AMQP_URI_{name.upper()}, using AMQP_URI (one login for all)", file=sys.stderr)
            uris[name] = external
        else:
            uris[name] = amqp_uri(name, passwords[name], PLATFORM_VHOST)
    return uris


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shared.broker_access")
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="create the platform vhost and the services' users (idempotent)")
    setup.add_argument("--api", default=LOCAL_API)
    setup.add_argument("--vhost", default=PLATFORM_VHOST)
    setup.add_argument("--secrets", type=Path, default=SECRETS_DIR)
    setup.add_argument("--user-prefix", default=USER_PREFIX)
    commands.add_parser("uris", help="'<service> <AMQP URI>' a line")
    args = parser.parse_args(argv)
    if args.command == "setup":
        provision(ManagementApi(args.api), args.vhost, local_passwords(args.secrets), args.user_prefix)
        print(f"[broker] vhost {args.vhost}: users {', '.join(args.user_prefix + n for n in PRINCIPALS)} "
              f"(passwords in {args.secrets}); public stream on vhost {public_vhost_of(args.vhost)}",
              file=sys.stderr)
    else:
        for name, uri in service_uris().items():
            print(name, uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
