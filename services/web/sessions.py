"""The console's sessions, in its own database (`<prefix>web`, collection `sessions`).

The browser holds only a random 256-bit session id in a cookie; the store keys the session by the id's
SHA-256, so a copy of the store gives no working cookie. A session holds the person's language, the CSRF
token of its forms, a sign-in under way (state, nonce, PKCE verifier, where to go back to) and, once
signed in, the tokens and who the person is. Tokens never leave the server.

Every write is one single-document update keyed by `_id`. One request of a session at a time refreshes
its tokens (a lease taken by one conditional update, `claim_refresh`); the others wait for the new tokens
(the provider rotates refresh tokens: a second refresh with the old one would fail).
FerretDB has no TTL index: `sweep` deletes ended sessions (a timer in the service).
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from shared.mongo import MongoDatabase
from shared.settings import settings_of

COLLECTION = "sessions"


def new_secret():
    return secrets.token_urlsafe(32)  # 256 bits


def key_of(session_id):
    return hashlib.sha256(session_id.encode()).hexdigest()


def now():
    return datetime.now(timezone.utc)


class SessionStore:
    def __init__(self, collection, idle_seconds, max_seconds):
        self.collection = collection
        self.idle = timedelta(seconds=idle_seconds)
        self.longest = timedelta(seconds=max_seconds)

    def create(self, language, at=None):
        """A new session (anonymous until sign-in): answers (session id for the cookie, the document)."""
        at = at or now()
        session_id = new_secret()
        document = {"_id": key_of(session_id), "created": at, "seen": at, "ends": at + self.longest,
                    "language": language, "csrf": new_secret(), "user": None, "tokens": None, "pending": None}
        self.collection.insert_one(document)
        return session_id, document

    def find(self, session_id, at=None):
        """The live session for a cookie's id, or None (unknown, idle too long, or past its end)."""
        if not session_id or len(session_id) > 100:
            return None
        at = at or now()
        document = self.collection.find_one({"_id": key_of(session_id)})
        if document is None or document["ends"] <= at or document["seen"] + self.idle <= at:
            return None
        return document

    def find_by_key(self, key):
        return self.collection.find_one({"_id": key})

    def touch(self, document, at=None):
        at = at or now()
        if at - document["seen"] > timedelta(seconds=60):  # one write a minute at most per session
            self.collection.update_one({"_id": document["_id"]}, {"$set": {"seen": at}})

    def set_fields(self, document, **values):
        self.collection.update_one({"_id": document["_id"]}, {"$set": values})
        document.update(values)

    def start_sign_in(self, document, pending):
        self.set_fields(document, pending=pending)

    def take_pending(self, document, state):
        """The sign-in under way with this state, taken once (a replayed callback finds nothing)."""
        taken = self.collection.find_one_and_update(
            {"_id": document["_id"], "pending.state": state}, {"$set": {"pending": None}})
        return taken["pending"] if taken else None

    def signed_in(self, document, user, tokens, at=None):
        """A fresh session for the signed-in person (a new id: no session fixation); the old one is deleted."""
        at = at or now()
        session_id, fresh = self.create(document.get("language"), at)
        values = {"user": user, "tokens": tokens, "csrf": new_secret(), "return_to": None}
        self.set_fields(fresh, **values)
        self.collection.delete_one({"_id": document["_id"]})
        return session_id, fresh

    def claim_refresh(self, document, old_refresh, lease_seconds, at=None):
        """One request of a session refreshes its tokens at a time: True for the one that takes the lease
        (one conditional update: the refresh token still the old one, no other lease running)."""
        at = at or now()
        taken = self.collection.find_one_and_update(
            {"_id": document["_id"], "tokens.refresh_token": old_refresh,
             "$or": [{"refreshing_until": None}, {"refreshing_until": {"$lte": at}}]},
            {"$set": {"refreshing_until": at + timedelta(seconds=lease_seconds)}})
        return taken is not None

    def release_refresh(self, document):
        self.collection.update_one({"_id": document["_id"]}, {"$set": {"refreshing_until": None}})

    def replace_tokens(self, document, old_refresh, tokens):
        """Store refreshed tokens (and end the refresh lease) unless another request already did; answers
        the tokens now stored."""
        updated = self.collection.find_one_and_update(
            {"_id": document["_id"], "tokens.refresh_token": old_refresh},
            {"$set": {"tokens": tokens, "refreshing_until": None}}, return_document=True)
        if updated is None:
            updated = self.collection.find_one({"_id": document["_id"]}) or {"tokens": None}
        document["tokens"] = updated["tokens"]
        return updated["tokens"]

    def delete(self, document):
        self.collection.delete_one({"_id": document["_id"]})

    def sweep(self, at=None):
        at = at or now()
        return self.collection.delete_many(
            {"$or": [{"ends": {"$lte": at}}, {"seen": {"$lte": at - self.idle}}]}).deleted_count


class Sessions(MongoDatabase):
    """Injects the console's `SessionStore`."""

    indexes = {COLLECTION: [[("ends", 1)], [("seen", 1)]]}  # the sweep's queries (lookups are by _id)

    def setup(self):
        super().setup()
        settings = settings_of(self.container.config)
        self.store = SessionStore(self.database[COLLECTION], settings.web_session_idle_seconds,
                                  settings.web_session_max_seconds)

    def get_dependency(self, worker_ctx):
        return self.store
