"""What more than one part of the identity service uses: the clock, the administrator check, accounts."""
from datetime import datetime, timezone

from services.identity.oauth import Account
from shared.authz import authorised


def utcnow():
    return datetime.now(timezone.utc)


def admin_only(actor):
    return authorised(actor, "platform.administer")


def account_of(store, sub):
    doc = store.account(sub)
    if doc is None:
        return None
    return Account(sub=doc["_id"], role=doc["role"], mobile=doc.get("mobile"), name=doc.get("name"),
                   department=doc.get("department"), districts=doc.get("districts", []))
