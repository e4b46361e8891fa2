"""The identity service's store: accounts, OAuth clients, one-time-password challenges, refresh tokens,
signing keys and the audit log."""
import hashlib
import time
import uuid
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.identity.directory_records import SEQ
from services.identity.oauth import Client, StoredRefreshToken
from shared import counters
from shared.mongo import MongoDatabase
from shared.outbox import OUTBOX, update_with_events
from shared.vocabulary import Role


def citizen_sub(mobile):
    """A stable subject for a mobile number that does not show the number."""
    return "citizen-" + hashlib.sha256(f"sub\x1f{mobile[-10:]}".encode()).hexdigest()[:20]


ACTIVE = "active"


class DirectoryMember(Exception):
    """An account in the officer directory: changed through the directory, never as a plain staff account."""


class IdentityStore:
    def __init__(self, database):
        self.db = database

    # clients
    def client(self, client_id):
        doc = self.db.clients.find_one({"_id": client_id})
        if doc is None:
            return None
        doc = dict(doc)
        return Client(client_id=doc.pop("_id"), **{k: v for k, v in doc.items() if k != "created_at"})

    def add_client(self, client, now):
        """Register a new client: False when the id is taken (one unique insert, never a replace)."""
        try:
            self.db.clients.insert_one(self._client_document(client, now))
        except DuplicateKeyError:
            return False
        return True

    def put_client(self, client, now):
        """The platform's own clients, written as configured (on start and when the configuration changed)."""
        self.db.clients.replace_one({"_id": client.client_id}, self._client_document(client, now), upsert=True)

    @staticmethod
    def _client_document(client, now):
        return {"_id": client.client_id, "grant_types": client.grant_types, "scope": client.scope,
                "secret_hash": client.secret_hash, "auth_method": client.auth_method, "claims": client.claims,
                "redirect_uris": client.redirect_uris, "created_at": now}

    # accounts
    def account(self, sub):
        return self.db.accounts.find_one({"_id": sub})

    def staff_account_for(self, mobile):
        """An officer, supervisor, cell member or administrator registered with this mobile number."""
        link = self.db.account_mobiles.find_one({"_id": mobile[-10:]})
        return self.account(link["sub"]) if link else None

    def put_staff_account(self, account, now):
        """The account written, and what it was before (None: new); DirectoryMember when the account is in
        the officer directory, which changes it through its own records (so staff.changed follows): one
        conditional write, since a member made between a read and this write would fail the upsert's key."""
        previous = self.account(account["_id"])
        if previous is not None and previous.get("office"):
            raise DirectoryMember(account["_id"])
        try:
            self.db.accounts.update_one({"_id": account["_id"], "office": {"$exists": False}},
                                        {"$set": {**{k: v for k, v in account.items() if k != "_id"},
                                                  "updated_at": now},
                                         "$setOnInsert": {"created_at": now}}, upsert=True)
        except DuplicateKeyError:
            raise DirectoryMember(account["_id"]) from None
        if previous and previous.get("mobile") and previous["mobile"] != account["mobile"]:
            self.db.account_mobiles.delete_one({"_id": previous["mobile"], "sub": account["_id"]})
        self.link_mobile(account["_id"], account["mobile"])
        return previous

    def link_mobile(self, sub, mobile):
        self.db.account_mobiles.replace_one({"_id": mobile}, {"_id": mobile, "sub": sub}, upsert=True)

    # the officer directory (services/identity/directory.py): records live in the staff member's account
    def save_directory_record(self, sub, seq_before, fields, events, now):
        """One conditional write of a member's record with its `staff.changed` in the outbox: only if nobody
        changed the record since it was read at `seq_before` (None: not in the directory yet). False when
        another change came first (the caller reads again)."""
        guard = {"_id": sub, SEQ: seq_before if seq_before is not None else {"$exists": False}}
        update = update_with_events({"$set": {**fields, SEQ: (seq_before or 0) + 1, "updated_at": now},
                                     "$setOnInsert": {"created_at": now}}, events)
        try:
            result = self.db.accounts.update_one(guard, update, upsert=seq_before is None)
        except DuplicateKeyError:  # the account exists and another change made it a member first
            return False
        return result.matched_count == 1 or result.upserted_id is not None

    def directory(self, department=None, district=None):
        query = {"office": {"$exists": True}}
        if department:
            query["office.department"] = department
        if district:
            query["office.district"] = district
        return list(self.db.accounts.find(query, {OUTBOX: 0}).sort("_id", 1))

    def staff_accounts(self):
        return list(self.db.accounts.find({"role": {"$ne": Role.CITIZEN}}))

    def citizen_signed_in(self, mobile, now):
        return self.db.accounts.find_one_and_update(
            {"_id": citizen_sub(mobile)},
            {"$set": {"role": Role.CITIZEN, "mobile": mobile[-10:], "last_sign_in": now},
             "$setOnInsert": {"created_at": now}},
            upsert=True, return_document=ReturnDocument.AFTER)

    # one-time passwords
    def challenge(self, mobile):
        return self.db.otp_challenges.find_one({"_id": mobile})

    def put_challenge(self, challenge):
        self.db.otp_challenges.replace_one({"_id": challenge["mobile"]}, {"_id": challenge["mobile"], **challenge},
                                           upsert=True)

    def spend_attempt(self, mobile, open_filter):
        """Count one guess at the number's code, in the same atomic operation that checks the code still
        takes guesses (`open_filter`); the challenge after counting, or None when it takes no more."""
        return self.db.otp_challenges.find_one_and_update({"_id": mobile, **open_filter}, {"$inc": {"attempts": 1}},
                                                          return_document=ReturnDocument.AFTER)

    def use_challenge(self, mobile, salt):
        """Single use: only one caller can flip it."""
        return self.db.otp_challenges.update_one({"_id": mobile, "salt": salt, "used": False},
                                                 {"$set": {"used": True}}).modified_count == 1

    def take_send_slots(self, number_window, per_number, address_window, per_address, window_end):
        """Count a code against its number's and its address's window, each a bounded atomic counter; a
        refusal counts nothing. None when allowed, else which limit refused."""
        expiry = {"window_end": window_end}
        if not counters.take_slot(self.db.otp_send_counts, number_window, per_number, expiry):
            return "number"
        if not counters.take_slot(self.db.otp_send_counts, address_window, per_address, expiry):
            counters.give_back(self.db.otp_send_counts, number_window)
            return "address"
        return None

    # single sign-on
    def save_sso_login(self, pending):
        self.db.sso_logins.insert_one(pending)

    def take_sso_login(self, state):
        """Single use: the pending sign-in is removed as it is read."""
        return self.db.sso_logins.find_one_and_delete({"_id": state}) if state else None

    def federated_link(self, link_id):
        found = self.db.federated_identities.find_one({"_id": link_id})
        return found["sub"] if found else None

    def link_federated(self, link_id, sub, now):
        self.db.federated_identities.replace_one({"_id": link_id}, {"_id": link_id, "sub": sub, "linked_at": now},
                                                 upsert=True)

    # authorization codes (stored as hashes, single use; kept after use so a replay is recognised)
    def save_authorization_code(self, record):
        self.db.authorization_codes.insert_one({**record, "used": False})

    def redeem_authorization_code(self, code_hash, client_id, now):
        """Single use: the code is marked used by the same atomic operation that finds it unused. The code
        as it was, or None (unknown, another client's, or used already)."""
        return self.db.authorization_codes.find_one_and_update(
            {"_id": code_hash, "client_id": client_id, "used": False}, {"$set": {"used": True, "used_at": now}})

    def authorization_code(self, code_hash):
        return self.db.authorization_codes.find_one({"_id": code_hash})

    # refresh tokens (stored as hashes). A family is every token rotated from one sign-in (or one
    # authorization code); a family is revoked as a whole when one of its used tokens comes back.
    def save_refresh_token(self, token_hash, client_id, sub, scope, expires_at, family):
        self.db.refresh_tokens.insert_one({"_id": token_hash, "client_id": client_id, "sub": sub, "scope": scope,
                                           "family": family, "expires_at": expires_at, "revoked": False,
                                           "created_at": time.time()})

    def rotate_refresh_token(self, token_hash, client_id, now):
        """Single use: revoked by the same atomic operation that finds it live. The token as it was, or None
        (unknown, another client's, expired, used or revoked)."""
        return self.db.refresh_tokens.find_one_and_update(
            {"_id": token_hash, "client_id": client_id, "revoked": False, "expires_at": {"$gt": time.time()}},
            {"$set": {"revoked": True, "rotated_at": now}})

    def refresh_token(self, token_hash):
        return self.db.refresh_tokens.find_one({"_id": token_hash})

    def find_refresh_token(self, token_hash):
        doc = self.db.refresh_tokens.find_one({"_id": token_hash, "revoked": False})
        return StoredRefreshToken(doc) if doc else None

    def revoke_family(self, family, reason, now):
        """Revoke every token of a family; the number that were still live. The family's own record goes
        first, so a token saved a moment later (its rotation racing this) is refused when presented."""
        self.db.token_families.update_one({"_id": family}, {"$set": {"revoked_at": now, "reason": reason}},
                                          upsert=True)
        return self.db.refresh_tokens.update_many({"family": family, "revoked": False},
                                                  {"$set": {"revoked": True}}).modified_count

    def family_revoked(self, family):
        return self.db.token_families.find_one({"_id": family}) is not None

    # expiry (FerretDB has no TTL indexes: a periodic job deletes what no rule needs any more)
    def purge_expired(self, now, keep_used_codes_seconds, keep_families_seconds):
        """Delete expired sign-in state; how many of each. Used codes are kept a while past their expiry so
        a replay is still recognised; a family's revocation as long as its tokens could live."""
        epoch = now.timestamp()
        return {
            "authorization_codes": self.db.authorization_codes.delete_many(
                {"expires_at": {"$lt": epoch - keep_used_codes_seconds}}).deleted_count,
            "refresh_tokens": self.db.refresh_tokens.delete_many({"expires_at": {"$lt": epoch}}).deleted_count,
            "token_families": self.db.token_families.delete_many(
                {"revoked_at": {"$lt": now - timedelta(seconds=keep_families_seconds)}}).deleted_count,
            "otp_challenges": self.db.otp_challenges.delete_many({"expires_at": {"$lt": now}}).deleted_count,
            "otp_send_counts": self.db.otp_send_counts.delete_many({"window_end": {"$lt": now}}).deleted_count,
        }

    # audit
    def audit(self, kind, now, **details):
        self.db.audit.insert_one({"_id": uuid.uuid4().hex, "kind": kind, "at": now, **details})

    # --- signing keys (services/identity/keys.py) ---

    # The active key is one document of its own (`_id` "active", a copy of the key), so that making the first
    # key and rotating are each one atomic write: a unique `_id` for the first, a guarded update for a rotation.
    def active_signing_key(self):
        return self.db.signing_key_active.find_one({"_id": ACTIVE})

    def claim_active_signing_key(self, document):
        """Make `document` the active key unless one already is; the active key, either way."""
        try:
            self.db.signing_key_active.insert_one({**document, "_id": ACTIVE, "kid": document["_id"]})
        except DuplicateKeyError:
            return self.active_signing_key()
        return self.active_signing_key()

    def replace_active_signing_key(self, current_kid, document):
        """Make `document` the active key if `current_kid` still is; False when another rotation came first."""
        result = self.db.signing_key_active.replace_one({"_id": ACTIVE, "kid": current_kid},
                                                        {**document, "_id": ACTIVE, "kid": document["_id"]})
        return result.matched_count == 1

    def unretired_signing_key(self):
        """The active key as stores from before the active document kept it."""
        return self.db.signing_keys.find_one({"retired_at": None})

    def add_signing_key(self, document):
        self.db.signing_keys.insert_one(document)

    def drop_signing_key(self, kid):
        self.db.signing_keys.delete_one({"_id": kid})

    def signing_key_documents(self):
        return list(self.db.signing_keys.find())

    def retire_signing_key(self, kid, now):
        self.db.signing_keys.update_one({"_id": kid}, {"$set": {"retired_at": now}})

    def audit_entries(self, kind=None, limit=200):
        query = {"kind": kind} if kind else {}
        return list(self.db.audit.find(query, {"_id": 0}).sort("at", -1).limit(limit))


class IdentityStorage(MongoDatabase):
    indexes = {"refresh_tokens": [[("family", 1), ("revoked", 1)], [("expires_at", 1)]],
               "authorization_codes": [[("expires_at", 1)]], "token_families": [[("revoked_at", 1)]],
               "otp_challenges": [[("expires_at", 1)]], "otp_send_counts": [[("window_end", 1)]],
               "accounts": [[("role", 1)]]}

    def get_dependency(self, worker_ctx):
        return IdentityStore(self.database)
