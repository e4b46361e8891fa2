"""Who may call what, where more than one part of the notification service asks the same."""
from shared.authz import authorised


def admin_only(actor):
    return authorised(actor, "platform.administer")
