"""Two small services that exercise the shared outbox and consumer helpers on the real broker and store."""
from nameko.rpc import rpc

from shared.consumers import ProcessedEvents, reliable_event_handler
from shared.correlation import CorrelationId
from shared.events import new_event
from shared.mongo import MongoDatabase
from shared.outbox import Outbox, RelaysOutbox, insert_with_events

PRODUCER, EVENT_TYPE = "casestore", "case.recorded"
CONSUMER_QUEUE = f"evt-{PRODUCER}-{EVENT_TYPE}--casecounter.on_case_recorded"


def recorded_event(case_id, correlation_id=None, **data):
    return new_event(EVENT_TYPE, PRODUCER, {"case_id": case_id, **data}, subject=case_id,
                     correlation_id=correlation_id)


class CaseStore(RelaysOutbox):
    """Writes a case and its event in one document write, then relays the outbox."""

    name = PRODUCER
    db = MongoDatabase()
    outbox = Outbox("cases")
    correlation_id = CorrelationId()

    @rpc
    def record(self, case_id, **data):
        event = recorded_event(case_id, self.correlation_id, **data)
        self.outbox.mark(case_id)
        self.db.cases.insert_one(insert_with_events({"_id": case_id}, [event]))
        self.outbox.relay(case_id)
        return event["id"]



class CaseCounter:
    """Counts each case's events; fails on request, to show retries and dead-lettering."""

    name = "casecounter"
    db = MongoDatabase()
    inbox = ProcessedEvents()
    correlation_id = CorrelationId()

    @reliable_event_handler(PRODUCER, EVENT_TYPE)
    def on_case_recorded(self, event):
        if event["data"].get("poison"):
            raise RuntimeError("this case can never be handled")

        def count():
            self.db.counts.update_one(
                {"_id": event["data"]["case_id"]},
                {"$inc": {"seen": 1}, "$set": {"correlation_id": self.correlation_id}},
                upsert=True,
            )

        self.inbox.process_once(event, count)
