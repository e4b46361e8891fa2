"""Channels behind one interface: `send(delivery) -> Outcome`. A channel never raises for a provider's
failure; it says whether the failure is worth another try (`retry`) or not (`failed`)."""
from dataclasses import dataclass

SENT, DELIVERED, RETRY, FAILED = "sent", "delivered", "retry", "failed"


@dataclass(frozen=True)
class Outcome:
    status: str        # sent (the provider accepted it) | delivered (the recipient has it) | retry | failed
    answer: str        # the provider's answer, short, for the delivery log
    provider_id: str = None

    @property
    def ok(self):
        return self.status in (SENT, DELIVERED)


def http_outcome(response, delivered_status=SENT):
    """A provider's HTTP answer: 2xx accepted; 408, 429 and 5xx worth another try; other 4xx final."""
    answer = f"HTTP {response.status_code}: {response.text[:200]}"
    if 200 <= response.status_code < 300:
        return Outcome(delivered_status, answer)
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        return Outcome(RETRY, answer)
    return Outcome(FAILED, answer)
