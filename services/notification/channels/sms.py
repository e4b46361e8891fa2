"""SMS: an HTTP provider adapter (Indian operators' DLT rules: a registered sender ID and a registered
template ID for every message), or, in development, a sink that records what would have been sent."""
import logging

import requests

from services.notification.channels import DELIVERED, FAILED, RETRY, Outcome, http_outcome
from services.notification.domain import segments

log = logging.getLogger(__name__)


def dlt_template_ids(setting):
    """`SMS_DLT_TEMPLATE_IDS`: `otp=1107161234567890123,filed.bn=1107...` (template or template.language)."""
    ids = {}
    for item in str(setting or "").split(","):
        key, _, value = item.strip().partition("=")
        if key and value:
            ids[key.strip()] = value.strip()
    return ids


class HttpSmsProvider:
    """POSTs JSON to the provider: sender, recipient (+91...), text, encoding, parts, DLT template ID,
    with HTTP Basic credentials. The provider concatenates long messages (UDH) itself."""

    def __init__(self, url, user, key, sender_id, dlt_ids, timeout=10.0):
        self.url, self.auth, self.sender_id = url, (user, key) if user or key else None, sender_id
        self.dlt_ids, self.timeout = dlt_ids, timeout

    def dlt_template_id(self, delivery):
        return self.dlt_ids.get(f"{delivery['template']}.{delivery['language']}") or self.dlt_ids.get(delivery["template"])

    def send(self, delivery):
        message = delivery["message"]
        body = {"sender": self.sender_id, "to": "+91" + delivery["recipient"]["address"][-10:],
                "text": message["text"], "encoding": message["encoding"], "parts": len(message["parts"]),
                "dlt_template_id": self.dlt_template_id(delivery), "reference": delivery["_id"]}
        try:
            response = requests.post(self.url, json=body, auth=self.auth, timeout=self.timeout)
        except requests.RequestException as error:
            return Outcome(RETRY, f"{type(error).__name__}: {error}"[:200])
        outcome = http_outcome(response)
        if outcome.ok:
            try:
                provider_id = str((response.json() or {}).get("id") or "") or None
            except ValueError:
                provider_id = None
            return Outcome(outcome.status, outcome.answer, provider_id)
        return outcome


class SmsSink:
    """Development: the SMS goes to the `sms_sink` collection (readable through the API), split into the
    parts a phone would receive."""

    def __init__(self, store, dlt_ids):
        self.store, self.dlt_ids = store, dlt_ids

    def send(self, delivery):
        message = delivery["message"]
        self.store.sink_sms({"to": delivery["recipient"]["address"][-10:], "text": message["text"],
                             "parts": message["parts"], "encoding": message["encoding"],
                             "template": delivery["template"], "language": delivery["language"],
                             "delivery_id": delivery["_id"]})
        return Outcome(DELIVERED, "recorded by the development SMS sink")


class NoSmsProvider:
    """Production without SMS_PROVIDER_URL: nothing is sent (the development sink is refused there)."""

    def send(self, delivery):
        return Outcome(FAILED, "no SMS provider is configured (SMS_PROVIDER_URL)")


def sms_message(text):
    split = segments.split(text)
    return {"text": text, "encoding": split.encoding, "parts": split.parts}
