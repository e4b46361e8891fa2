"""Routing: owns departments' officer pools, routing rules, assignments and SLA clocks."""
import dataclasses
import logging
from datetime import datetime, timezone

from nameko.timer import timer
from pymongo.errors import DuplicateKeyError

from services.routing.domain import officers, rules, sla
from services.routing.domain.calendar import WorkingCalendar
from services.routing.guessing import CategoryGuesser
from services.routing.schemas import ClockCheckSchema, ReassignSchema
from services.routing.storage import AssignmentStorage, StaleAssignment
from shared.actors import CMO_CELL, STAFF, SUPERVISOR, covers
from shared.catalog import is_urgent
from shared.consumers import ProcessedEvents, reliable_event_handler
from shared.contracts import event_data
from shared.errors import EXPECTED, Forbidden, NotFound, ValidationFailed, validated
from shared.events import json_data, new_event
from shared.outbox import Outbox, RelaysOutbox
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService

log = logging.getLogger(__name__)

CALENDAR = WorkingCalendar.load()
STOPPING_STATUSES = ("resolved", "closed", "rejected")
MAX_ATTEMPTS = 5
_clock_schema = ClockCheckSchema()
_reassign_schema = ReassignSchema()


def utcnow():
    return datetime.now(timezone.utc)


class RoutingService(RelaysOutbox, StoreBackedService):
    name = "routing"
    store = AssignmentStorage()
    outbox = Outbox("assignments")
    inbox = ProcessedEvents()
    route = CategoryGuesser()

    # --- what intake tells us ---------------------------------------------------------------------

    @reliable_event_handler("intake", "grievance.filed")
    def on_filed(self, event):
        case = event["data"]["case"]
        if case["status"] != "filed":
            return  # incomplete: the cell completes it first, then it is filed again
        self._assign_new(case)  # idempotent: a case is routed once (its assignment's _id is the case's)

    @reliable_event_handler("intake", "grievance.transferred")
    def on_transferred(self, event):
        data = event["data"]
        route = rules.route_transfer(data["case"], data["department"], data["reason"])
        self.inbox.process_once(event, lambda: self._reassign(data["case"], route, level=1, kind="transfer"))

    @reliable_event_handler("intake", "grievance.reopened")
    def on_reopened(self, event):
        case = event["data"]["case"]

        def work():
            current = self.store.get(case["tracking_id"])
            base = self.route(case) if current is None else \
                rules.Route(current["category"], current["department"], current["district"], "")
            route = dataclasses.replace(base, reason=f"reopened on appeal at level {case['level']}")
            self._reassign(case, route, level=case["level"], kind="reopen")

        self.inbox.process_once(event, work)

    @reliable_event_handler("intake", "grievance.status_changed")
    def on_status_changed(self, event):
        data = event["data"]
        if data["to"] in STOPPING_STATUSES or "info_requested" in (data["from"], data["to"]):
            self._follow_status(data["case"]["tracking_id"], data["case"]["version"], data["from"], data["to"])

    # --- clocks -----------------------------------------------------------------------------------

    @timer(interval=5)
    def tick(self):
        self._check_clocks(utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def check_clocks(self, payload=None):
        """Run the SLA check now, or at a given time where the config allows moving time (tests, demos)."""
        params = validated(_clock_schema, payload or {})
        if params["now"] is not None and not self.config.get("ALLOW_CLOCK_OVERRIDE"):
            raise Forbidden("moving time is disabled (ALLOW_CLOCK_OVERRIDE)")
        return self._check_clocks(params["now"] or utcnow())

    # --- officers -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def officer_queue(self, actor):
        """The caller's open cases, most urgent first, with the SLA time left."""
        if actor["role"] not in STAFF:
            raise Forbidden("the queue is for officers")
        now = utcnow()
        items = []
        for assignment in self.store.queue(actor["sub"]):
            left = (assignment["deadline"] - now).total_seconds() if assignment["state"] == "active" \
                else assignment.get("remaining_seconds")
            items.append({
                "tracking_id": assignment["_id"], "subject": assignment.get("subject"),
                "category": assignment["category"], "urgent": assignment.get("urgent", False),
                "level": assignment["level"], "clock": assignment["state"],
                "deadline": assignment["deadline"].isoformat(), "sla_seconds_left": round(left),
                "overdue": left < 0, "district": assignment.get("district"),
            })
        items.sort(key=lambda item: (item["sla_seconds_left"], not item["urgent"]))
        return {"officer_id": actor["sub"], "count": len(items), "items": items}

    @rpc(expected_exceptions=EXPECTED)
    def reassign(self, tracking_id, payload, actor):
        """A supervisor (or the cell) moves a case to another officer of the same office."""
        if actor["role"] not in (SUPERVISOR, CMO_CELL):
            raise Forbidden("only a supervisor or the CMO cell reassigns")
        params = validated(_reassign_schema, payload)
        assignment = self.store.get(tracking_id)
        # a case outside the supervisor's scope answers as an unknown one: no telling which exist
        if assignment is None or (actor["role"] == SUPERVISOR
                                  and not covers(actor, assignment["department"], assignment["district"])):
            raise NotFound(f"no assignment for {tracking_id}")
        members = {o.id: o for o in officers.pool(assignment["department"], assignment["district"],
                                                  assignment["level"])}
        if params["officer_id"] not in members:
            raise ValidationFailed("not an officer of this office",
                                   {"officer_id": [f"Must be one of: {', '.join(sorted(members))}."]})
        officer = members[params["officer_id"]]
        self._publish_decision(assignment, {"officer_id": officer.id, "officer_name": officer.name},
                               ["grievance.assigned"], f"reassigned by {actor['sub']}: {params['reason']}")
        self.store.change_load(assignment["officer_id"], -1)
        self.store.change_load(officer.id, +1)
        return {"tracking_id": tracking_id, "officer_id": officer.id}

    @rpc
    def directory(self, department, district):
        """Officers of each level for a department and district (demo directory until identity owns it)."""
        return [vars(o) for level in (1, 2, 3, 4) for o in officers.pool(department, district, level)]

    # --- helpers ------------------------------------------------------------------------------

    def _pick_officer(self, department, district, level):
        members = officers.pool(department, district, level)
        return min(members, key=lambda officer: (self.store.load(officer.id), officer.id))

    def _decision(self, assignment, kind, reason):
        decision = {"tracking_id": assignment["_id"], "department": assignment["department"],
                    "district": assignment["district"], "category": assignment["category"],
                    "officer_id": assignment["officer_id"], "officer_name": assignment.get("officer_name"),
                    "level": assignment["level"], "deadline": assignment["deadline"], "reason": reason,
                    "kind": kind}
        if assignment.get("guess"):  # filed without a category: what routing read in the text, and how
            decision["guess"] = assignment["guess"]
        return decision

    def _events(self, assignment, kinds, reason):
        events = []
        for offset, kind in enumerate(kinds, start=1):
            data = {**self._decision(assignment, kind, reason), "seq": assignment["seq"] + offset}
            events.append(new_event(kind, self.name, event_data(kind, json_data(data)), subject=assignment["_id"],
                                    correlation_id=self.correlation_id))
        return events

    def _assign_new(self, case):
        if self.store.get(case["tracking_id"]):
            return  # already routed (a replayed event)
        route = self.route(case)
        now = utcnow()
        officer = self._pick_officer(route.department, route.district, 1)
        deadline, reminder_at = sla.clock(route.category, 1, now, CALENDAR)
        assignment = {
            "_id": case["tracking_id"], "category": route.category, "department": route.department,
            "district": route.district, "level": 1, "officer_id": officer.id, "officer_name": officer.name,
            "subject": case.get("subject"), "urgent": bool(case.get("urgent")) or is_urgent(route.category),
            "state": "active",
            "started_at": now, "deadline": deadline, "reminder_at": reminder_at, "reminded": False,
            "breached": False, "seq": 0, "rev": 0, "history": [{"at": now, "kind": "routed", "reason": route.reason,
                                                      "officer_id": officer.id, "level": 1}],
        }
        if route.guess:
            assignment["guess"] = route.guess.record()
        events = self._events(assignment, ["grievance.routed", "grievance.assigned"], route.reason)
        assignment["seq"] = len(events)
        self.outbox.mark(assignment["_id"])
        try:
            self.store.insert(assignment, events)
        except DuplicateKeyError:
            return  # a duplicate delivery of the same event routed it a moment ago
        self.store.change_load(officer.id, +1)
        self.outbox.relay(assignment["_id"])
        log.info("grievance routed", extra={"tracking_id": assignment["_id"], "department": route.department,
                                            "officer_id": officer.id})

    def _reassign(self, case, route, level, kind):
        """A transfer or a reopening: a new office or level, a new officer and a fresh clock."""
        for _ in range(MAX_ATTEMPTS):
            assignment = self.store.get(case["tracking_id"])
            if assignment is None:
                return self._assign_new(case)
            now = utcnow()
            officer = self._pick_officer(route.department, route.district, level)
            deadline, reminder_at = sla.clock(route.category, level, now, CALENDAR)
            fields = {"category": route.category, "department": route.department, "district": route.district,
                      "level": level, "officer_id": officer.id, "officer_name": officer.name, "state": "active",
                      "started_at": now, "deadline": deadline, "reminder_at": reminder_at, "reminded": False,
                      "breached": False}
            try:
                self._publish_decision(assignment, fields, ["grievance.routed", "grievance.assigned"],
                                       route.reason, history={"at": now, "kind": kind, "reason": route.reason})
            except StaleAssignment:
                continue
            self.store.change_load(assignment["officer_id"], -1)
            self.store.change_load(officer.id, +1)
            return

    def _publish_decision(self, assignment, fields, kinds, reason, history=None):
        after = {**assignment, **fields}
        events = self._events(after, kinds, reason)
        self.outbox.mark(assignment["_id"])
        self.store.update(assignment, fields, events, history or {"at": utcnow(), "kind": kinds[-1],
                                                                  "reason": reason})
        self.outbox.relay(assignment["_id"])

    def _follow_status(self, tracking_id, case_version, before, after):
        """Stop the clock when the case is done, pause it while waiting on the citizen. Idempotent without
        an inbox: the clock remembers the case version it last followed and ignores older news."""
        for _ in range(MAX_ATTEMPTS):
            assignment = self.store.get(tracking_id)
            if assignment is None or case_version <= assignment.get("case_version", 0):
                return
            now = utcnow()
            if after in STOPPING_STATUSES and assignment["state"] != "stopped":
                fields, load = {"state": "stopped", "stopped_at": now}, -1
            elif after == "info_requested" and assignment["state"] == "active":
                fields = {"state": "paused", "remaining_seconds": (assignment["deadline"] - now).total_seconds()}
                load = 0
            elif before == "info_requested" and assignment["state"] == "paused":
                deadline, reminder_at = sla.resume(assignment["remaining_seconds"], now)
                fields, load = {"state": "active", "deadline": deadline, "reminder_at": reminder_at}, 0
            else:
                return
            fields["case_version"] = case_version
            try:
                self.store.update(assignment, fields, [], {"at": now, "kind": f"clock_{fields['state']}",
                                                           "status": after})
            except StaleAssignment:
                continue
            if load:
                self.store.change_load(assignment["officer_id"], load)
            return

    def _check_clocks(self, now):
        counts = {"escalated": 0, "reminded": 0, "breached": 0}
        for assignment in self.store.due_clocks(now):
            action = sla.due(assignment, now)
            try:
                if action == "escalate":
                    self._escalate(assignment, now)
                    counts["escalated"] += 1
                elif action == "remind":
                    self._publish_decision(assignment, {"reminded": True}, ["grievance.sla_reminder"],
                                           "three quarters of the SLA time has gone")
                    counts["reminded"] += 1
                elif action == "breached":
                    self._publish_decision(assignment, {"breached": True}, ["grievance.sla_breached"],
                                           "the deadline passed at the CMO cell, the top level")
                    counts["breached"] += 1
            except StaleAssignment:
                continue  # it changed meanwhile; the next tick sees the new state
        if any(counts.values()):
            log.info("SLA clocks checked", extra=counts)
        return counts

    def _escalate(self, assignment, now):
        level = assignment["level"] + 1
        officer = self._pick_officer(assignment["department"], assignment["district"], level)
        deadline, reminder_at = sla.clock(assignment["category"], level, now, CALENDAR)
        reason = f"SLA missed at level {assignment['level']} (deadline {assignment['deadline'].isoformat()})"
        self._publish_decision(assignment, {"level": level, "officer_id": officer.id, "officer_name": officer.name,
                                            "started_at": now, "deadline": deadline, "reminder_at": reminder_at,
                                            "reminded": False}, ["grievance.escalated"], reason)
        self.store.change_load(assignment["officer_id"], -1)
        self.store.change_load(officer.id, +1)
