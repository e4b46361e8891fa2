"""What more than one part of the identity service uses: the clock, the administrator check, accounts."""
from datetime import datetime, timezone

from services.identity.oauth import Account
from shared.authz import authorised
from shared.vocabulary import StaffState


def utcnow():
    return datetime.now(timezone.utc)


def admin_only(actor):
    return authorised(actor, "platform.administer")


def account_of(store, sub):
    """The account as the OAuth server needs it, or None: none with this id, or a retired staff member's (the
    directory's final state closes the account: no sign-in, no refresh, no new token)."""
    doc = store.account(sub)
    if doc is None or is_retired(doc):
        return None
    return Account(sub=doc["_id"], role=doc["role"], mobile=doc.get("mobile"), name=doc.get("name"),
                   department=doc.get("department"), districts=doc.get("districts", []))


def is_retired(doc):
    return (doc.get("status") or {}).get("state") == StaffState.RETIRED
