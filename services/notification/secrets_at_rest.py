"""Webhook secrets must be usable to sign, so they cannot be stored hashed: they are sealed with
AES-256-GCM under a key from the environment (NOTIFY_SECRET_KEY, never in the repository). Without the
key (development) they are stored as they are, marked so; production refuses to keep them that way."""
import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED, PLAIN = "aesgcm:", "plain:"


class Sealer:
    def __init__(self, key):
        self.aead = AESGCM(hashlib.sha256(key.encode()).digest()) if key else None

    @property
    def seals(self):
        return self.aead is not None

    def seal(self, secret):
        if self.aead is None:
            return PLAIN + secret
        nonce = os.urandom(12)
        return SEALED + base64.b64encode(nonce + self.aead.encrypt(nonce, secret.encode(), b"webhook")).decode()

    def open(self, stored):
        if stored.startswith(PLAIN):
            return stored[len(PLAIN):]
        if self.aead is None:
            raise RuntimeError("a sealed webhook secret needs NOTIFY_SECRET_KEY")
        raw = base64.b64decode(stored[len(SEALED):])
        return self.aead.decrypt(raw[:12], raw[12:], b"webhook").decode()
