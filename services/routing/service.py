"""Routing: owns departments' officer pools (built from identity's officer directory), routing rules,
assignments and SLA clocks.

Thin: each entrypoint validates what arrives and hands it to `handlers` with the store; the decisions
themselves are the pure `domain.assignment`'s."""
import logging
from datetime import datetime, timezone

from nameko.timer import timer

from services.routing import handlers
from services.routing.domain import office_load, queue_pages
from services.routing.domain.assignment import follows_status
from services.routing.domain.calendar import WorkingCalendar
from services.routing.guessing import CategoryGuesser
from services.routing.schemas import ClockCheckSchema, QueuePageSchema, ReassignSchema
from services.routing.storage import AssignmentStorage
from shared.actors import covers
from shared.authz import allowed, authorised
from shared.catalog import departments, districts
from shared.consumers import ProcessedEvents, reliable_event_handler
from shared.contracts import event_data
from shared.errors import EXPECTED, Forbidden, NotFound, ValidationFailed, validated
from shared.events import json_data, new_event
from shared.outbox import Outbox, RelaysOutbox
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService
from shared.vocabulary import Status

log = logging.getLogger(__name__)

CALENDAR = WorkingCalendar.load()
_clock_schema = ClockCheckSchema()
_reassign_schema = ReassignSchema()
_queue_page_schema = QueuePageSchema()


def utcnow():
    return datetime.now(timezone.utc)


class RoutingService(RelaysOutbox, StoreBackedService):
    name = "routing"
    store = AssignmentStorage()
    outbox = Outbox("assignments")
    inbox = ProcessedEvents()
    route = CategoryGuesser()

    @property
    def routing(self):
        """The handlers' view of this worker: its store, outbox, envelopes, calendar and routing rules."""
        return handlers.Routing(self.store, self.outbox, self._envelope, CALENDAR, self.route)

    # --- what intake tells us ---------------------------------------------------------------------

    @reliable_event_handler("intake", "grievance.filed")
    def on_filed(self, event):
        case = event["data"]["case"]
        if case["status"] != Status.FILED:
            return  # incomplete: the cell completes it first, then it is filed again
        if handlers.assign_new(self.routing, case, utcnow()):
            log.info("grievance routed", extra={"tracking_id": case["tracking_id"]})

    @reliable_event_handler("intake", "grievance.transferred")
    def on_transferred(self, event):
        data = event["data"]
        self.inbox.process_once(event, lambda: handlers.transfer(self.routing, data["case"], data["department"],
                                                                 data["reason"], utcnow()))

    @reliable_event_handler("intake", "grievance.reopened")
    def on_reopened(self, event):
        case = event["data"]["case"]
        self.inbox.process_once(event, lambda: handlers.reopen(self.routing, case, utcnow()))

    @reliable_event_handler("intake", "grievance.status_changed")
    def on_status_changed(self, event):
        data = event["data"]
        if follows_status(data["from"], data["to"]):
            handlers.follow_status(self.routing, data["case"]["tracking_id"], data["case"]["version"],
                                   data["from"], data["to"], utcnow())

    # --- what identity tells us: the officer directory ---------------------------------------------

    @reliable_event_handler("identity", "staff.changed")
    def on_staff_changed(self, event):
        """Idempotent without an inbox: the store keeps the highest seq per member, and the moves follow the
        kept record."""
        moved = handlers.staff_changed(self.routing, event["data"], utcnow())
        if moved:
            log.info("cases moved off a staff member", extra={"staff_id": event["data"]["staff_id"], "cases": moved})

    # --- clocks -----------------------------------------------------------------------------------

    @timer(interval=5)
    def tick(self):
        now = utcnow()
        self._check_clocks(now)
        moved = handlers.leaves_begun(self.routing, now)
        if moved:
            log.info("cases moved off staff whose leave began", extra={"cases": moved})

    @rpc(expected_exceptions=EXPECTED)
    def check_clocks(self, payload=None):
        """Run the SLA check now, or at a given time where the config allows moving time (tests, demos)."""
        params = validated(_clock_schema, payload or {})
        if params["now"] is not None and not self.settings.allow_clock_override:
            raise Forbidden("moving time is disabled (ALLOW_CLOCK_OVERRIDE)")
        return self._check_clocks(params["now"] or utcnow())

    # --- officers -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def officer_queue(self, actor, params=None):
        """The caller's open cases, most urgent first, with the SLA time left, a page at a time (`limit`,
        `cursor`: domain/queue_pages.py); `count` is every open case, `next` the next page's cursor."""
        actor = authorised(actor, "queue.read")
        params = validated(_queue_page_schema, params or {})
        now = utcnow()
        items = handlers.queue(self.routing, actor["sub"], now)
        try:
            shown, cursor = queue_pages.page(items, params["limit"], params["cursor"], now)
        except queue_pages.BadCursor as error:
            raise ValidationFailed("the cursor is not valid", {"cursor": [str(error).capitalize() + "."]}) from None
        return {"officer_id": actor["sub"], "count": len(items), "items": shown, "next": cursor}

    @rpc(expected_exceptions=EXPECTED)
    def reassign(self, tracking_id, payload, actor):
        """A supervisor (or the cell) moves a case to another officer of the same office."""
        actor = authorised(actor, "assignments.reassign")
        params = validated(_reassign_schema, payload)

        def may_see(assignment):  # a case outside the supervisor's scope answers as an unknown one
            return allowed(actor, "assignments.reassign_anywhere") or covers(actor, assignment["department"],
                                                                             assignment["district"])

        officer = handlers.hand_over(self.routing, tracking_id, params["officer_id"], actor["sub"],
                                     params["reason"], utcnow(), may_see)
        return {"tracking_id": tracking_id, "officer_id": officer.id}

    @rpc(expected_exceptions=EXPECTED)
    def office_load(self, department, district, actor):
        """Each officer of an office (a department in a district) with their open, overdue and escalated cases,
        and the office's totals, counted from every open assignment (domain/office_load.py). The supervisor
        of that office, the CMO cell and administrators; an unknown office is NotFound."""
        actor = authorised(actor, "office.read_load")
        if not office_load.is_office(department, district, departments(), districts()):
            raise NotFound(f"no office of {department} in {district}")
        if not (allowed(actor, "office.read_any_load") or covers(actor, department, district)):
            raise Forbidden("a supervisor reads the load of their own office")
        now = utcnow()
        members = office_load.office_officers(department, district, self.routing.pool(now))
        return office_load.office_load(department, district, members,
                                       self.routing.store.office_open(department, district), now)

    @rpc
    def directory(self, department, district):
        """The available officers of each level who work a department's cases in a district, as routing knows
        them from identity's staff.changed events."""
        pool = self.routing.pool(utcnow())
        return [vars(o) for level in (1, 2, 3, 4) for o in pool(department, district, level)]

    # --- helpers ------------------------------------------------------------------------------

    def _envelope(self, kind, data, subject):
        return new_event(kind, self.name, event_data(kind, json_data(data)), subject=subject,
                         correlation_id=self.correlation_id)

    def _check_clocks(self, now):
        counts = handlers.check_clocks(self.routing, now)
        if any(counts.values()):
            log.info("SLA clocks checked", extra=counts)
        return counts
