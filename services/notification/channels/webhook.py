"""Webhooks: HTTPS POST of the public CloudEvent to a subscribed system, signed to the Standard Webhooks
specification with each of the subscriber's secrets in force (signing.py).

The subscriber chose the URL, so the request goes through SafeHttp (no internal targets, no redirects)
and the delivery log keeps only the status code and a reason of ours, never what the target answered."""
import time

from services.notification.channels import DELIVERED, FAILED, RETRY, Outcome
from services.notification.channels.safe_http import TargetRefused, Unreachable
from services.notification.domain import signing


class WebhookChannel:
    def __init__(self, subscription_for, http, clock=time.time):
        self.subscription_for = subscription_for  # id -> {"url", "secrets": [...], "active"} or None
        self.http, self.clock = http, clock

    def send(self, delivery):
        subscription = self.subscription_for(delivery["recipient"]["address"])
        if subscription is None or not subscription.get("active", True):
            return Outcome(FAILED, "the subscription was removed or paused")
        body = delivery["message"]["body"].encode()
        timestamp = int(self.clock())
        headers = {"Content-Type": "application/json", "User-Agent": "Sorasori-Webhooks/2",
                   **signing.headers(subscription["secrets"], delivery["_id"], timestamp, body)}
        try:
            answer = self.http.post(subscription["url"], body, headers)
        except TargetRefused as refused:
            return Outcome(FAILED, f"not sent: {refused.reason}")
        except Unreachable as error:
            return Outcome(RETRY, f"not delivered: {error.reason}")
        return status_outcome(answer.status)


def status_outcome(status):
    """2xx delivered; 408, 425, 429 and 5xx worth another try; a redirect or another 4xx final."""
    if 200 <= status < 300:
        return Outcome(DELIVERED, f"HTTP {status}")
    if 300 <= status < 400:
        return Outcome(FAILED, f"HTTP {status}: redirects are not followed")
    if status in (408, 425, 429) or status >= 500:
        return Outcome(RETRY, f"HTTP {status}")
    return Outcome(FAILED, f"HTTP {status}")
