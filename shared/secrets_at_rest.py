"""Secrets and personal data a service must read back, sealed with AES-256-GCM under a key from the
environment or a secret file (never in the repository): notification's webhook signing secrets
(NOTIFY_SECRET_KEY) and the gateway's kept idempotent answers (IDEMPOTENCY_SECRET_KEY). Each use has its
own purpose, bound to the ciphertext as associated data with an optional context (the record it belongs
to), so a sealed value cannot be opened for another use or moved to another record. Without the key
(development) values are stored as they are, marked so; production refuses to run that way."""
import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED, PLAIN = "aesgcm:", "plain:"
NONCE_BYTES = 12


class Sealer:
    def __init__(self, key, purpose=b"webhook", setting="NOTIFY_SECRET_KEY"):
        self.aead = AESGCM(hashlib.sha256(key.encode()).digest()) if key else None
        self.purpose = purpose
        self.setting = setting

    @property
    def seals(self):
        return self.aead is not None

    def seal(self, secret, context=b""):
        if self.aead is None:
            return PLAIN + secret
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, secret.encode(), self.purpose + context)
        return SEALED + base64.b64encode(nonce + sealed).decode()

    def open(self, stored, context=b""):
        if stored.startswith(PLAIN):
            return stored[len(PLAIN):]
        if self.aead is None:
            raise RuntimeError(f"a sealed value needs {self.setting}")
        raw = base64.b64decode(stored[len(SEALED):])
        return self.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self.purpose + context).decode()
