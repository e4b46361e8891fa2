"""Who may call what, where more than one part of the notification service asks the same."""
from shared.authz import EVENTS_SUBSCRIBE, allowed, authorised, require_scope


def admin_only(actor):
    return authorised(actor, "platform.administer")


def subscription_manager(actor):
    """Administrators, and machine clients whose token has `events:subscribe` (for their own subscriber
    accounts and webhooks)."""
    return require_scope(authorised(actor, "events.subscribe"), EVENTS_SUBSCRIBE)


def sees_every_subscription(actor):
    return allowed(actor, "platform.administer")
