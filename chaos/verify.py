"""What the chaos run proves from the stores, the index and the notification log once the load is over."""
from collections import Counter, defaultdict

from services.search.index import alias
from shared.config import database_name
from shared.vocabulary import Status

TERMINAL_SENT = ("sent", "delivered")


class Evidence:
    """Everything read once from the servers (after the platform settled)."""

    def __init__(self, config, mongo, es):
        intake = mongo[database_name(config, "intake")]
        self.cases = {c["_id"]: c for c in intake.grievances.find(
            {}, {"subject": 1, "version": 1, "status": 1, "department": 1, "officer_id": 1, "timeline": 1,
                 "created_at": 1})}
        notification = mongo[database_name(config, "notification")]
        self.deliveries = list(notification.deliveries.find(
            {}, {"tracking_id": 1, "event_id": 1, "event_type": 1, "channel": 1, "recipient.key": 1, "state": 1,
             "claimed_at": 1}))
        self.case_logs = {d["_id"]: set(d.get("ids", [])) for d in notification.case_deliveries.find()}
        self.sends = Counter(s.get("delivery_id") for s in notification.sms_sink.find({}, {"delivery_id": 1}))
        self.indexed = {}
        ids = list(self.cases)
        for start in range(0, len(ids), 500):
            found = es.mget(index=alias(config), ids=ids[start:start + 500], source_includes=["version"])
            for doc in found["docs"]:
                if doc.get("found"):
                    self.indexed[doc["_id"]] = doc["_source"].get("version")


def check(evidence, filings, actions):
    """The findings: every number here must be 0 but the counts of what was checked."""
    cases = evidence.cases
    by_subject = Counter(c["subject"] for c in cases.values())
    answered = {f.answer["tracking_id"]: f for f in filings if f.answer and f.answer.get("tracking_id")}
    lost = sorted(set(answered) - set(cases))
    duplicates = sorted(s for s, count in by_subject.items() if count > 1)
    unanswered = sorted(c["subject"] for t, c in cases.items() if t not in answered)
    not_routed = sorted(t for t in answered if t in cases and (not cases[t].get("department")
                                                                 or cases[t]["status"] in (Status.FILED, Status.INCOMPLETE)))
    not_indexed = sorted(t for t in answered if t in cases and evidence.indexed.get(t) != cases[t]["version"])

    per_case = defaultdict(list)
    for d in evidence.deliveries:
        if d.get("tracking_id"):
            per_case[d["tracking_id"]].append(d)
    no_filing_sms = sorted(t for t in answered if t in cases and not any(
        d["event_type"] == "grievance.filed" and d["channel"] == "sms" for d in per_case[t]))
    missing_from_log = sorted(d["_id"] for t, ds in per_case.items() for d in ds
                              if d["_id"] not in evidence.case_logs.get(t, set()))
    unsent = Counter(d["state"] for d in evidence.deliveries if d["state"] not in TERMINAL_SENT)
    sent_twice = sorted(i for i, count in evidence.sends.items() if count > 1)
    # a send a kill interrupted (SMS, email, webhook): it may have gone out, so it waits for an administrator
    in_doubt = [d for d in evidence.deliveries if d["state"] in ("sending", "dead_letter")]
    per_recipient = Counter((d["event_id"], d["recipient"]["key"], d["channel"]) for d in evidence.deliveries)
    notified_twice = sorted(k for k, count in per_recipient.items() if count > 1)

    done = [a for a in actions if a.outcome in ("accepted", "applied")]
    applied = Counter()
    for tracking_id in {a.tracking_id for a in done}:
        for step in cases.get(tracking_id, {}).get("timeline", []):
            applied[(tracking_id, step.get("kind"))] += 1  # an action's own entry is of its kind
    actions_lost = sorted((a.tracking_id, a.name) for a in done if applied[(a.tracking_id, a.name)] == 0)
    actions_twice = sorted((a.tracking_id, a.name) for a in done if applied[(a.tracking_id, a.name)] > 1)
    return {
        "filings answered with a tracking ID": len(answered), "cases stored": len(cases),
        "cases lost": lost, "duplicate cases": duplicates, "stored, never answered": unanswered,
        "not routed": not_routed, "not indexed at the latest version": not_indexed,
        "deliveries": len(evidence.deliveries), "cases without their filing SMS": no_filing_sms,
        "deliveries missing from the case's log": missing_from_log,
        "deliveries not sent (by state)": dict(unsent), "SMS sent twice": sent_twice,
        "sends interrupted by a kill, left to an administrator": len(in_doubt),
        "  of which had gone out (the development SMS sink has them)": sum(
            1 for d in in_doubt if evidence.sends.get(d["_id"])),
        "in_doubt": in_doubt,
        "notified twice (event, recipient, channel)": notified_twice,
        "officer actions accepted": len(done), "accepted actions lost": actions_lost,
        "actions applied twice": actions_twice,
    }
