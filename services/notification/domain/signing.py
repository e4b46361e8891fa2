"""Webhook signatures to the Standard Webhooks specification (standardwebhooks.com): a secret is `whsec_`
and the base64 of 32 random bytes; each delivery carries `webhook-id` (the delivery's id, the same on every
retry), `webhook-timestamp` (Unix seconds) and `webhook-signature`: `v1,<base64 HMAC-SHA256 over
"<id>.<timestamp>.<body>" under the secret's bytes>`, one per secret in force, space-separated, so a receiver
keeps verifying while a rotation rolls out. Receivers verify with any Standard Webhooks library (the
`standardwebhooks` package: README "Webhooks"), which also refuses a timestamp more than 5 minutes away;
remembering the ids seen inside that window refuses a replay. Pure."""
import base64
import hashlib
import hmac
import os

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
ID, TIMESTAMP, SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"


def new_secret():
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


def _key(secret):
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret, message_id, timestamp, body):
    if isinstance(body, str):
        body = body.encode()
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets, message_id, timestamp, body):
    """The three headers of one delivery, signed with each secret in force."""
    return {ID: message_id, TIMESTAMP: str(int(timestamp)),
            SIGNATURE: " ".join(signature(s, message_id, timestamp, body) for s in secrets)}
