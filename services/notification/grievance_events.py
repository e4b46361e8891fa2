"""intake's and routing's grievance events, one consumer per source: the deliveries each event causes
(sending.py) and its public projection (public_stream.py) in one handler, so notification takes each event
once (it took it twice, from two queues: a filing's five events were ten messages). Planning first, then the
public stream: either failing hands the event back, and both are safe to repeat (deliveries by their unique
ids; the stream is at-least-once, deduplicated by the CloudEvent id).

The queues of the former public-stream consumers are unbound, drained through this handler and deleted
(shared.retired_queues) when the process starts, retried every minute until done.
"""
import logging

from nameko.timer import timer

from services.notification.domain.recipients import COMPLAINANT_TEMPLATES
from shared.consumers import reliable_event_handler
from shared.contracts import CASE_EVENTS
from shared.public_events import PUBLISHED
from shared.retired_queues import drain, nameko_handler_queue

log = logging.getLogger(__name__)

RETIRED_QUEUES = (nameko_handler_queue("intake", "grievance.#", "notification", "publish_intake_event"),
                  nameko_handler_queue("routing", "grievance.#", "notification", "publish_routing_event"))

# intake's events notification acts on: those the complainant hears of, those on the public stream, and
# assignments (an escalation that changes the handler is told to the complainant). The rest never reach it:
# `status_changed` is the one of them every step emits, and each status change that matters here (a case
# stopping or reopening: digest.OPEN_FLAG_STATUSES) has its own event, carrying the same case version.
HEARD_FROM_INTAKE = CASE_EVENTS & (set(COMPLAINANT_TEMPLATES) | set(PUBLISHED) | {"grievance.assignment_recorded"})


class GrievanceEvents:
    """Mixin of the notification service; `_plan` comes from Sending, `_to_public_stream` from PublicStream."""

    drained_on = set()  # the brokers (AMQP URIs) this process has drained the retired queues of

    @reliable_event_handler("intake", "grievance.#", only=HEARD_FROM_INTAKE)
    def on_intake_event(self, event):
        self._handle_grievance_event(event)

    @reliable_event_handler("routing", "grievance.#")
    def on_routing_event(self, event):
        self._handle_grievance_event(event)

    def _handle_grievance_event(self, event):
        self._plan(event)
        self._to_public_stream(event)

    @timer(interval=60, eager=True)
    def drain_retired_queues(self):
        amqp_uri = self.config["AMQP_URI"]
        if amqp_uri in GrievanceEvents.drained_on:
            return
        handled = drain(amqp_uri, RETIRED_QUEUES, self._to_public_stream)
        GrievanceEvents.drained_on.add(amqp_uri)
        if handled:
            log.info("events of retired queues published", extra={"events": handled})
