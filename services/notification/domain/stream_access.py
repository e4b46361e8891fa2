"""What a subscriber of the public event stream may do on the public vhost, as RabbitMQ permissions. Pure.

A subscriber is a RabbitMQ user `sub-<id>`:
- configure and write: only queues named `sub-<id>.<anything>` (declare, delete, bind them);
- read: those queues, and the public exchange (binding a queue to an exchange takes read on it);
- topic permissions on the public exchange: publish nothing; bind only routing keys of its scope,
  `<department>.<district>.<rest>` with each word as `shared.public_events.key_part` writes it, a `*` only
  where its scope takes in every department or every district, and `#` only for a scope of everything.
Nothing on any other vhost: the platform's own vhost refuses its login.
"""
import re

from shared.public_events import EXCHANGE, key_part

ALL = "*"
USER_PREFIX = "sub-"
_WORD = "[a-z0-9_]+"
_REST = r"(\.[a-z0-9_*#]+)+"  # the event's name, or wildcards over it


def username(subscriber_id: str) -> str:
    return f"{USER_PREFIX}{subscriber_id}"


def queue_prefix(subscriber_id: str) -> str:
    return f"{username(subscriber_id)}."


def permissions(subscriber_id: str) -> dict[str, str]:
    """The vhost permissions (configure, write, read regexes) of a subscriber's user."""
    own_queues = re.escape(queue_prefix(subscriber_id)) + ".+"
    return {"configure": f"^{own_queues}$", "write": f"^{own_queues}$",
            "read": f"^({own_queues}|{re.escape(EXCHANGE)})$"}


def _words(values: list[str]) -> str:
    return "(" + "|".join(re.escape(key_part(v)) for v in values) + ")"


def topic_permissions(departments: list[str], districts: list[str]) -> dict[str, str]:
    """Routing keys on the public exchange: `write` none, `read` (bind) those of the scope."""
    if ALL in departments and ALL in districts:
        read = ".*"
    else:
        department = f"({_WORD}|\\*)" if ALL in departments else _words(departments)
        district = f"({_WORD}|\\*)" if ALL in districts else _words(districts)
        read = f"^{department}\\.{district}{_REST}$"
    return {"exchange": EXCHANGE, "write": "^$", "read": read}


def binding_keys(departments: list[str], districts: list[str]) -> list[str]:
    """The routing keys a subscriber binds to receive all of its scope (one per department and district)."""
    if ALL in departments and ALL in districts:
        return ["#"]
    return [f"{ALL if d == ALL else key_part(d)}.{ALL if w == ALL else key_part(w)}.#"
            for d in departments for w in districts]
