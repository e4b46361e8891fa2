"""Signing keys: one active RS256 key signs new tokens; retired keys stay in the JWKS until every token
they signed has expired (rotation with overlap)."""
import uuid
from datetime import timedelta

from joserfc.jwk import KeySet, RSAKey

ALG = "RS256"


def new_key(now):
    kid = f"{now:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALG})
    return {"_id": kid, "private": key.as_dict(private=True), "created_at": now, "retired_at": None}


class KeyRing:
    """Over the identity store's signing keys: the active one (`active_signing_key`, claimed with
    `claim_active_signing_key`, replaced with `replace_active_signing_key`) and every key for the JWKS
    (`add_signing_key`, `signing_key_documents`, `retire_signing_key`, `drop_signing_key`)."""

    def __init__(self, store, token_lifetime):
        self.store = store
        self.overlap = token_lifetime + timedelta(minutes=5)  # clock skew

    def active(self, now):
        doc = self.store.active_signing_key()
        if doc is None:
            doc = self._claim(self.store.unretired_signing_key() or self._added(new_key(now)))
        return {**doc, "_id": doc["kid"]}

    def _added(self, doc):
        self.store.add_signing_key(doc)  # in the JWKS before it signs anything
        return doc

    def _claim(self, candidate):
        active = self.store.claim_active_signing_key(candidate)
        if active["kid"] != candidate["_id"]:
            self.store.drop_signing_key(candidate["_id"])  # another caller's key came first; ours signed nothing
        return active

    def signing_keys(self, now):
        return KeySet([RSAKey.import_key(self.active(now)["private"])])

    def public_jwks(self, now):
        self.active(now)  # the first call makes the first key
        keys = []
        for doc in self.store.signing_key_documents():
            if doc["retired_at"] is None or doc["retired_at"] + self.overlap > now:
                public = RSAKey.import_key(doc["private"]).as_dict(private=False)
                keys.append({**public, "kid": doc["_id"], "use": "sig", "alg": ALG})
        return {"keys": sorted(keys, key=lambda k: k["kid"])}

    def rotate(self, now):
        """A new active key; the old one keeps verifying until its tokens expire. Two rotations at once make
        one new key: the second finds the first's."""
        current = self.active(now)
        fresh = self._added(new_key(now))
        if not self.store.replace_active_signing_key(current["_id"], fresh):
            self.store.drop_signing_key(fresh["_id"])
            return {"active": self.active(now)["_id"], "retired": current["_id"]}
        self.store.retire_signing_key(current["_id"], now)
        return {"active": fresh["_id"], "retired": current["_id"]}
