"""Who may call what, where more than one part of the notification service asks the same."""
from shared.actors import ADMIN, actor_schema
from shared.errors import Forbidden, validated


def admin_only(actor):
    actor = validated(actor_schema, actor)
    if actor["role"] != ADMIN:
        raise Forbidden("only an administrator may do this")
    return actor
