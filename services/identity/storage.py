"""The identity service's store: accounts, OAuth clients, one-time-password challenges, refresh tokens,
signing keys and the audit log."""
import hashlib
import time
import uuid

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.identity.oauth import Client, StoredRefreshToken
from shared.mongo import MongoDatabase


def citizen_sub(mobile):
    """A stable subject for a mobile number that does not show the number."""
    return "citizen-" + hashlib.sha256(f"sub\x1f{mobile[-10:]}".encode()).hexdigest()[:20]


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
        previous = self.account(account["_id"])
        if previous and previous.get("mobile") and previous["mobile"] != account["mobile"]:
            self.db.account_mobiles.delete_one({"_id": previous["mobile"], "sub": account["_id"]})
        self.db.accounts.replace_one({"_id": account["_id"]}, {**account, "updated_at": now,
                                                               "created_at": (previous or {}).get("created_at", now)},
                                     upsert=True)
        self.db.account_mobiles.replace_one({"_id": account["mobile"]}, {"_id": account["mobile"],
                                                                         "sub": account["_id"]}, upsert=True)
        return previous

    def staff_accounts(self):
        return list(self.db.accounts.find({"role": {"$ne": "citizen"}}))

    def citizen_signed_in(self, mobile, now):
        return self.db.accounts.find_one_and_update(
            {"_id": citizen_sub(mobile)},
            {"$set": {"role": "citizen", "mobile": mobile[-10:], "last_sign_in": now},
             "$setOnInsert": {"created_at": now}},
            upsert=True, return_document=ReturnDocument.AFTER)

    # one-time passwords
    def challenge(self, mobile):
        return self.db.otp_challenges.find_one({"_id": mobile})

    def put_challenge(self, challenge):
        self.db.otp_challenges.replace_one({"_id": challenge["mobile"]}, {"_id": challenge["mobile"], **challenge},
                                           upsert=True)

    def count_attempt(self, mobile):
        self.db.otp_challenges.update_one({"_id": mobile}, {"$inc": {"attempts": 1}})

    def use_challenge(self, mobile, salt):
        """Single use: only one caller can flip it."""
        return self.db.otp_challenges.update_one({"_id": mobile, "salt": salt, "used": False},
                                                 {"$set": {"used": True}}).modified_count == 1

    def lock(self, mobile, until):
        self.db.otp_locks.replace_one({"_id": mobile}, {"_id": mobile, "until": until}, upsert=True)

    def locked_until(self, mobile):
        doc = self.db.otp_locks.find_one({"_id": mobile})
        return doc["until"] if doc else None

    def record_send(self, mobile, address, now):
        self.db.otp_sends.insert_one({"_id": uuid.uuid4().hex, "mobile": mobile, "address": address, "at": now})

    def recent_sends(self, since, mobile=None, address=None):
        query = {"at": {"$gte": since}}
        if mobile:
            query["mobile"] = mobile
        if address:
            query["address"] = address
        return self.db.otp_sends.count_documents(query)

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

    # authorization codes (stored as hashes, single use)
    def save_authorization_code(self, record):
        self.db.authorization_codes.insert_one(record)

    def authorization_code(self, code_hash):
        return self.db.authorization_codes.find_one({"_id": code_hash})

    def delete_authorization_code(self, code_hash):
        self.db.authorization_codes.delete_one({"_id": code_hash})

    # refresh tokens (stored as hashes)
    def save_refresh_token(self, token_hash, client_id, sub, scope, expires_at):
        self.db.refresh_tokens.insert_one({"_id": token_hash, "client_id": client_id, "sub": sub, "scope": scope,
                                           "expires_at": expires_at, "revoked": False, "created_at": time.time()})

    def find_refresh_token(self, token_hash):
        doc = self.db.refresh_tokens.find_one({"_id": token_hash, "revoked": False})
        return StoredRefreshToken(doc) if doc else None

    def revoke_refresh_token(self, token_hash):
        self.db.refresh_tokens.update_one({"_id": token_hash}, {"$set": {"revoked": True}})

    # audit
    def audit(self, kind, now, **details):
        self.db.audit.insert_one({"_id": uuid.uuid4().hex, "kind": kind, "at": now, **details})

    def audit_entries(self, kind=None, limit=200):
        query = {"kind": kind} if kind else {}
        return list(self.db.audit.find(query, {"_id": 0}).sort("at", -1).limit(limit))


class IdentityStorage(MongoDatabase):
    def get_dependency(self, worker_ctx):
        return IdentityStore(self.database)
