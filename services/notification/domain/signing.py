"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>`, sent as `t=<timestamp>,v1=<hex>[,v1=<hex>]`
(one v1 per secret in force, so a receiver keeps verifying while a rotation rolls out). A receiver checks
the signature and that the timestamp is within its tolerance, and remembers the delivery ids it has seen
inside that window to refuse a replay. Pure."""
import hashlib
import hmac

HEADER = "X-Sorasori-Signature"
TOLERANCE_SECONDS = 300


def signature(secret, timestamp, body):
    if isinstance(body, str):
        body = body.encode()
    return hmac.new(secret.encode(), f"{int(timestamp)}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secrets, timestamp, body):
    return ",".join([f"t={int(timestamp)}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets])


def parse(header):
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify(header, body, secret, now, tolerance=TOLERANCE_SECONDS):
    """(ok, reason). `now` is a Unix timestamp."""
    timestamp, signatures = parse(header)
    if timestamp is None or not signatures:
        return False, "malformed signature header"
    if abs(now - timestamp) > tolerance:
        return False, "timestamp outside the tolerance window"
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        return False, "signature does not match"
    return True, ""
