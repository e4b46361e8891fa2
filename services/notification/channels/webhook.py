"""Webhooks: HTTPS POST of the event to a subscribed system, signed with HMAC-SHA256 over
`<timestamp>.<body>` with each of the subscriber's secrets in force (signing.py)."""
import time

import requests

from services.notification.channels import DELIVERED, FAILED, RETRY, Outcome, http_outcome
from services.notification.domain import signing


class WebhookChannel:
    def __init__(self, subscription_for, timeout=10.0, clock=time.time):
        self.subscription_for = subscription_for  # id -> {"url", "secrets": [...], "active"} or None
        self.timeout, self.clock = timeout, clock

    def send(self, delivery):
        subscription = self.subscription_for(delivery["recipient"]["address"])
        if subscription is None or not subscription.get("active", True):
            return Outcome(FAILED, "the subscription was removed or paused")
        body = delivery["message"]["body"].encode()
        timestamp = int(self.clock())
        headers = {"Content-Type": "application/json", "User-Agent": "Sorasori-Webhooks/1",
                   signing.HEADER: signing.sign(subscription["secrets"], timestamp, body),
                   "X-Sorasori-Timestamp": str(timestamp), "X-Sorasori-Event": delivery["event_type"],
                   "X-Sorasori-Delivery": delivery["_id"]}
        try:
            response = requests.post(subscription["url"], data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as error:
            return Outcome(RETRY, f"{type(error).__name__}: {error}"[:200])
        return http_outcome(response, delivered_status=DELIVERED)
