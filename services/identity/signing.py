"""The signing keys: the public JWKS, and rotation by an administrator."""
from datetime import timedelta

from services.identity.common import admin_only, utcnow
from services.identity.keys import KeyRing
from services.identity.oauth import ACCESS_TOKEN_SECONDS
from services.identity.storage import IdentityStorage
from shared.errors import EXPECTED
from shared.resilient_rpc import rpc


def key_ring(store):
    return KeyRing(store, timedelta(seconds=ACCESS_TOKEN_SECONDS))


class SigningKeys:
    store = IdentityStorage()

    @rpc
    def jwks(self):
        return key_ring(self.store).public_jwks(utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def rotate_signing_key(self, actor):
        actor = admin_only(actor)
        result = key_ring(self.store).rotate(utcnow())
        self.store.audit("signing_key_rotated", utcnow(), by=actor["sub"], **result)
        return result
