"""The chaos run's result: one row per fault, then what the stores, the index and the delivery log show."""
from collections import Counter

from chaos.load import CONNECTION_FAILED

MUST_BE_EMPTY = ("cases lost", "duplicate cases", "stored, never answered", "not routed",
                 "not indexed at the latest version", "cases without their filing SMS",
                 "deliveries missing from the case's log", "SMS sent twice",
                 "notified twice (event, recipient, channel)", "accepted actions lost", "actions applied twice")


def clean(found):
    return not any(found[name] for name in MUST_BE_EMPTY)


def _ok(status):
    return status != CONNECTION_FAILED and 200 <= status < 300


def _codes(statuses):
    counts = Counter(str(s) for s in statuses)
    return ", ".join(f"{code} x{n}" for code, n in sorted(counts.items())) or "none"


def resolution(filing, created_at):
    """How an ambiguous filing ended."""
    if filing.status in (200, 201):
        final = filing.attempts[-1].at
        if created_at is not None and created_at < final - 0.05:
            return "stored by an earlier attempt: the retry got its answer"
        return "left no trace: the retry filed it"
    if filing.status is None:
        return "still failing when the client gave up"
    return f"refused {filing.status}"


def fault_rows(fault_log, clients, found, created):
    lost, duplicates = set(found["cases lost"]), set(found["duplicate cases"])
    unnotified = set(found["cases without their filing SMS"])
    rows = []
    for index, fault in enumerate(fault_log):
        end = fault_log[index + 1]["killed"] if index + 1 < len(fault_log) else float("inf")
        filings = [f for f in clients.filings if f.attempts and fault["killed"] <= f.first.at < end]
        failed = [f for f in filings if not _ok(f.first.status)]
        actions = [a for a in clients.actions if a.attempts and fault["killed"] <= a.attempts[0].at < end]
        failed_actions = [a for a in actions if not _ok(a.attempts[0].status)]
        ambiguous = [f for f in filings if f.ambiguous]
        resolved = Counter(resolution(f, created.get((f.answer or {}).get("tracking_id"))) for f in ambiguous)
        resolved.update(f"action {a.name}: {a.outcome}" for a in actions
                        if any(not _ok(t.status) for t in a.attempts))
        outage = max((f.first.at for f in failed), default=None)
        ids = {(f.answer or {}).get("tracking_id") for f in filings}
        rows.append([
            fault["name"],
            f"{len(failed)}/{len(filings)}: {_codes(f.first.status for f in failed)}",
            f"{len(failed_actions)}/{len(actions)}: {_codes(a.attempts[0].status for a in failed_actions)}",
            f"{fault['healthy'] - fault['killed']:.1f} s" if "healthy" in fault else "never",
            f"{outage - fault['killed']:.1f} s" if outage else "0 s",
            str(len(ids & lost)), str(sum(1 for f in filings if f.subject in duplicates)),
            str(len(ids & unnotified)),
            str(sum(1 for d in found["in_doubt"] if d.get("claimed_at") and fault["killed"] - 30
                    <= d["claimed_at"].timestamp() <= fault.get("healthy", fault["killed"] + 60))),
            "; ".join(f"{n} {how}" for how, n in sorted(resolved.items())) or "none",
        ])
    return rows


def render(fault_log, clients, found, created, filings, rate, elapsed):
    head = ["fault (kill -9)", "filings failed (first answer)", "actions failed", "healthy again after",
            "last failed filing after the kill", "cases lost", "duplicates", "notifications lost",
            "sends in doubt",
            "ambiguous answers: how each resolved"]
    lines = [(f"{filings} filings at {rate:g}/s with Idempotency-Keys, {len(clients.actions)} officers' and "
              f"citizens' actions, {elapsed / 60:.1f} min in all"), "",
             "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in fault_rows(fault_log, clients, found, created)]
    lines += ["", "| check | result |", "| --- | --- |"]
    for name, value in found.items():
        if name == "in_doubt":
            continue
        shown = value if isinstance(value, (int, dict)) else (len(value) if not value else
                                                              f"{len(value)}: {', '.join(map(str, value[:5]))}")
        lines.append(f"| {name} | {shown} |")
    lines.append("")
    lines.append("verdict: " + ("nothing lost or duplicated" if clean(found) else "FOUND LOSSES OR DUPLICATES"))
    return "\n".join(lines) + "\n"
