"""Who may call what, where more than one part of the notification service asks the same."""
from shared.authz import allowed, authorised


def admin_only(actor):
    return authorised(actor, "platform.administer")


def subscription_manager(actor):
    """Administrators, and machine clients whose token has `events:subscribe` (for their own subscriber
    accounts and webhooks)."""
    return authorised(actor, "events.subscribe")


def sees_every_subscription(actor):
    return allowed(actor, "platform.administer")
