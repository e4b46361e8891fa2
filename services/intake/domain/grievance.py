"""A grievance case as plain data, and what each step of its life does to it.

Every function here is pure: it takes the case (a dict), the request and the time, and returns what to
change, what to add to the timeline and which events to emit. The intake service stores the result in
one atomic write (with the events in the outbox).
"""
from dataclasses import dataclass, field

from services.intake.access import mobile_key
from services.intake.domain import intake_rules, lifecycle
from services.intake.domain.lifecycle import (
    CITIZEN,
    CLOSED,
    FILED,
    INCOMPLETE,
    REOPENED,
    RESOLVED,
    ROUTED,
    SYSTEM,
    decide,
    feedback_outcome,
    next_level,
)

# Actions whose timeline entry the citizen sees (internal notes stay with officers; a contact attempt is
# shown without the officer's notes on it).
PUBLIC_ACTIONS = {"acknowledge", "start", "request_info", "transfer", "resolve", "reject", "close",
                  "provide_info", "appeal", "route", "complete", "edit_on_behalf", "log_contact", "special_close",
                  "reopen_special_close"}

EVENT_FOR_ACTION = {
    "acknowledge": "grievance.acknowledged",
    "request_info": "grievance.info_requested",
    "transfer": "grievance.transferred",
    "resolve": "grievance.resolved",
    "reject": "grievance.rejected",
    "close": "grievance.closed",
    "appeal": "grievance.reopened",
    "provide_info": "grievance.info_provided",
    "edit_on_behalf": "grievance.edited",
    "complete": "grievance.completed",
    "special_close": "grievance.special_closed",
    "reopen_special_close": "grievance.reopened",  # routing reopens it at the same level, as after an appeal
}


@dataclass
class Change:
    """What one step does: fields to set, timeline entries to append, events to emit (type, data)."""
    set: dict = field(default_factory=dict)
    timeline: list = field(default_factory=list)
    events: list = field(default_factory=list)
    versions: list = field(default_factory=list)


def entry(kind, now, actor, public, **details):
    return {"at": now, "kind": kind, "by": {"id": actor["sub"], "role": actor["role"]}, "public": public,
            **details}


def complainant_key(complainant):
    """Whose list of own cases the case is on: a one-way key of the complainant's mobile (None: no mobile)."""
    mobile = (complainant or {}).get("mobile")
    return mobile_key(mobile) if mobile else None


def snapshot(case):
    """The case as consumers (notification, search, other systems) see it in every event."""
    hidden = {"timeline", "versions", "outbox", "outbox_pending", "_id", "duplicate_key", "idempotency_key",
              "supporter_keys", "complainant_key"}
    data = {k: v for k, v in case.items() if k not in hidden}
    data["tracking_id"] = case["_id"]
    return data


def new_case(tracking_id, grievance, actor, now):
    """The case of record for a grievance just accepted, and its `grievance.filed` event."""
    missing = intake_rules.missing_facts(grievance)
    status = INCOMPLETE if missing else FILED
    case = {
        "_id": tracking_id,
        **grievance,
        "status": status,
        "missing": missing,
        "urgent": intake_rules.urgent(grievance.get("category")),
        "level": 1,
        "transfers": 0,
        "reopenings": 0,
        "supporters": 0,
        "department": None,
        "officer_id": None,
        "filed_by": {"id": actor["sub"], "role": actor["role"]},
        "complainant_key": complainant_key(grievance.get("complainant")),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "versions": [],
        "feedback": [],
        "timeline": [entry("status", now, actor, True, status=status, missing=missing)],
    }
    case["timeline"][0]["note"] = ("Filed; the cell will call you for: " + ", ".join(missing)) if missing else "Filed"
    return case, [("grievance.filed", {})]


def _status_change(case, action, target, now, actor, change, note=None):
    if target is None or target == case["status"]:
        return
    change.set["status"] = target
    change.timeline.append(entry("status", now, actor, True, status=target, previous=case["status"],
                                 action=action, **({"note": note} if note else {})))
    change.events.append(("grievance.status_changed", {"from": case["status"], "to": target, "action": action}))


def apply_action(case, action, params, actor, now):
    """An officer's, the citizen's or the platform's action on a case. Raises LifecycleError."""
    target = decide(case, action, actor["role"])
    lifecycle.check_holder(case, action, actor)
    change = Change()
    details = {k: v for k, v in params.items() if k != "action"}
    public = action in PUBLIC_ACTIONS or (action == "add_note" and params.get("visibility") == "public")
    change.timeline.append(entry(action, now, actor, public, **details))

    if action in ("transfer", "appeal", "reopen_special_close"):
        # Routing decisions up to here concern the office the case is leaving.
        change.set["rerouted_after_seq"] = case.get("routing_seq", 0)
    if action == "transfer":
        change.set["transfers"] = case.get("transfers", 0) + 1
        change.set["transferred_from"] = case.get("department")
    elif action == "resolve":
        change.set["resolution"] = params["resolution"]
        change.set["resolved_at"] = now
    elif action == "reject":
        change.set["rejection"] = {"reason": params["reason"], "explanation": params["explanation"]}
    elif action == "appeal":
        change.set["reopenings"] = case.get("reopenings", 0) + 1
        change.set["level"] = next_level(case.get("level", 1))
    elif action == "special_close":
        change.set["special_close"] = {"reason": params["reason"], "text": params["text"], "at": now,
                                       "level": case.get("level", 1)}
    elif action == "reopen_special_close":
        change.set["special_close"] = {**case["special_close"], "reopened_at": now, "reopen_reason": params["reason"]}
        details["special_close"] = True
    elif action == "edit_on_behalf":
        _edit(case, params, actor, now, change)
    elif action == "log_contact":
        change.set["contact_attempts"] = case.get("contact_attempts", 0) + 1

    _status_change(case, action, target, now, actor, change)
    if action in EVENT_FOR_ACTION:
        change.events.append((EVENT_FOR_ACTION[action], details))
    elif action == "add_note" and public:
        change.events.append(("grievance.note_added", details))
    return change


def _edit(case, params, actor, now, change):
    """An officer drafts or corrects the complaint with the citizen's consent; earlier text is kept."""
    edits = params["changes"]
    change.versions.append({"at": now, "by": actor["sub"], "consent": params["consent"],
                            "before": {k: case.get(k) for k in edits}})
    change.set.update(edits)
    if "complainant" in edits:
        change.set["complainant_key"] = complainant_key(edits["complainant"])
    if "category" in edits:
        change.set["urgent"] = intake_rules.urgent(edits["category"])
    if case["status"] == INCOMPLETE:
        merged = {**case, **edits}
        still_missing = intake_rules.missing_facts(merged)
        change.set["missing"] = still_missing
        if not still_missing:
            _status_change(case, "complete", FILED, now, actor, change, note="All facts recorded; sent for routing")
            change.events.append(("grievance.filed", {"completed": True}))


def apply_routing(case, kind, decision, now):
    """Record the routing service's decision (routed, assigned, escalated) on the case."""
    system = {"sub": "routing", "role": SYSTEM}
    change = Change()
    if kind == ROUTED:
        change.set.update(department=decision["department"], district=decision.get("district"))
        change.timeline.append(entry(ROUTED, now, system, True, department=decision["department"],
                                     reason=decision.get("reason")))
        if case["status"] in lifecycle.RULES["route"].sources:
            _status_change(case, "route", lifecycle.ROUTED, now, system, change)
    elif kind == "routed_status":  # a late `routed`: its office is already recorded by a newer decision
        change.timeline.append(entry(ROUTED, now, system, True, department=decision["department"],
                                     reason=decision.get("reason")))
        _status_change(case, "route", lifecycle.ROUTED, now, system, change)
    elif kind in ("assigned", "escalated"):
        # Every decision carries the whole assignment, so it stands on its own whatever order they arrive in.
        change.set.update(department=decision["department"], district=decision.get("district"),
                          officer_id=decision["officer_id"], level=decision["level"],
                          sla_deadline=decision.get("deadline"))
        if kind == "escalated":  # the levels a missed deadline sent it to, for the cell's escalation counts
            change.set["escalation_levels"] = case.get("escalation_levels", []) + [decision["level"]]
        change.timeline.append(entry(kind, now, system, True, level=decision["level"],
                                     officer_id=decision["officer_id"], deadline=decision.get("deadline"),
                                     reason=decision.get("reason")))
        change.events.append(("grievance.assignment_recorded", {
            "kind": kind, "level": decision["level"],
            "handler_changed": bool(case.get("officer_id")) and decision["officer_id"] != case.get("officer_id")}))
    _record_guess(case, decision, change)
    return change


def _record_guess(case, decision, change):
    """A case filed without a category takes the one routing read in its text (and that category's urgency),
    so category filters, insights and the queue treat it like any other; a case routing could not read keeps
    no category and carries routing's suggestions for the CMO cell's triage."""
    guess = decision.get("guess")
    if not guess or case.get("category") or case.get("routing_guess"):
        return
    change.set["routing_guess"] = guess
    if guess["method"] != "triage":
        change.set.update(category=guess["category"], urgent=intake_rules.urgent(guess["category"]))
    change.events.append(("grievance.category_guessed", {"category": guess["category"], "method": guess["method"],
                                                         "confidence": guess.get("confidence")}))


def apply_feedback(case, feedback, actor, now):
    """A citizen's rating after resolution: good feedback closes the case, poor feedback appeals it."""
    outcome = feedback_outcome(case["status"], feedback["rating"], feedback.get("appeal", False))
    change = Change()
    record = {"at": now, "rating": feedback["rating"], "comment": feedback.get("comment"), "level": case["level"]}
    change.set["feedback"] = case.get("feedback", []) + [record]
    change.timeline.append(entry("feedback", now, actor, True, rating=feedback["rating"],
                                 comment=feedback.get("comment")))
    change.events.append(("grievance.feedback_received", {"rating": feedback["rating"],
                                                           "comment": feedback.get("comment")}))
    if outcome == "appeal":
        appeal = apply_action(case, "appeal", {"reason": feedback.get("comment") or f"rated {feedback['rating']}/5"},
                              {**actor, "role": CITIZEN}, now)
        merge(change, appeal)
    elif outcome == "close":
        _status_change(case, "close", CLOSED, now, actor, change, note="Closed with the citizen's satisfaction")
        change.events.append(("grievance.closed", {"by_feedback": True}))
    return change


def merge(into, other):
    into.set.update(other.set)
    into.timeline.extend(other.timeline)
    into.events.extend(other.events)
    into.versions.extend(other.versions)


def support(case, supporter_key, now):
    """A citizen with the same problem joins the case ("me too"). Returns None when already joined."""
    if supporter_key in case.get("supporter_keys", []):
        return None
    change = Change()
    change.set["supporters"] = case.get("supporters", 0) + 1
    change.timeline.append({"at": now, "kind": "supported", "public": True,
                            "supporters": change.set["supporters"]})
    change.events.append(("grievance.supported", {"supporters": change.set["supporters"]}))
    return change


def is_closed_for_support(case):
    return case["status"] in (RESOLVED, CLOSED, lifecycle.REJECTED)


__all__ = ["Change", "new_case", "apply_action", "apply_routing", "apply_feedback", "support", "snapshot",
           "REOPENED"]
