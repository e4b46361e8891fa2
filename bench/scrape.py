"""Counters read from a process's /metrics (Prometheus text), summed the way the capacity bench needs them,
and the difference of two readings."""
import requests
from prometheus_client.parser import text_string_to_metric_families

STORE_OPERATIONS = "sorasori_store_operations_total"
EVENTS_PUBLISHED = "sorasori_events_published_total"
EVENTS_HANDLED = "sorasori_event_handled_total"
RPC_HANDLED = "sorasori_rpc_handled_total"
OUTBOX_PENDING = "sorasori_outbox_pending_events"
SEARCH_VERSIONS = "sorasori_search_case_versions_total"
COUNTED = (STORE_OPERATIONS, EVENTS_PUBLISHED, EVENTS_HANDLED, RPC_HANDLED, OUTBOX_PENDING, SEARCH_VERSIONS)


def counters(text):
    """{(sample name, sorted label items): value} for the samples the bench reads."""
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in COUNTED:
                values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def read(port, timeout=10):
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=timeout)
    response.raise_for_status()
    return counters(response.text)


def delta(before, after):
    return {key: after[key] - before.get(key, 0.0) for key in after if after[key] - before.get(key, 0.0)}


def total(values, name, **labels):
    """The sum of a sample's values whose labels include `labels`."""
    return sum(value for (sample, items), value in values.items()
               if sample == name and all(dict(items).get(k) == v for k, v in labels.items()))


def by_label(values, name, label):
    """{label value: sum} of one sample name (e.g. store operations by command)."""
    sums = {}
    for (sample, items), value in values.items():
        if sample == name:
            key = dict(items).get(label, "")
            sums[key] = sums.get(key, 0.0) + value
    return sums
