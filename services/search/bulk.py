"""Batched, acknowledged index writes: every event handler of a search process hands its case to one
Batcher and waits for that case's own result, while the Batcher sends what has gathered in one `_bulk`
request. A handler returns (and its message is acked) only after Elasticsearch accepted its document;
a version conflict means the index already had a newer state and counts as done; any other refusal
raises in that handler alone, so its event is retried and, past the delivery limit, dead-lettered.

Batches form on their own: a request goes out when `max_docs` cases wait (at most one per worker, so
with every worker waiting nothing more can come) or `linger` seconds after the first one arrived. The
eventlet primitives are kept to this module.
"""
import logging
import time

from eventlet.event import Event
from eventlet.queue import Empty, LightQueue

log = logging.getLogger(__name__)


class Batcher:
    def __init__(self, write, max_docs=500, linger=0.05):
        """`write(cases, refresh)` returns one outcome per case: a value, or an exception to raise."""
        self.write = write
        self.max_docs = max(1, int(max_docs))
        self.linger = float(linger)
        self.queue = LightQueue()
        self.batches = 0

    def submit(self, case, refresh=False):
        """Queue the case and wait for its outcome (raises that case's error)."""
        done = Event()
        self.queue.put((case, refresh, done))
        return done.wait()

    def run(self):
        """The flusher loop (one green thread per process)."""
        while True:
            self.flush(self.gather())

    def gather(self):
        batch = [self.queue.get()]
        deadline = time.monotonic() + self.linger
        while len(batch) < self.max_docs:
            try:
                batch.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except Empty:
                break
        return batch

    def flush(self, batch):
        self.batches += 1
        refresh = "wait_for" if any(item[1] for item in batch) else None
        try:
            outcomes = self.write([item[0] for item in batch], refresh)
        except Exception as error:  # the whole request failed: every case in it is retried
            log.warning("bulk index request failed", extra={"docs": len(batch), "error": repr(error)})
            outcomes = [error] * len(batch)
        for (_, _, done), outcome in zip(batch, outcomes):
            if isinstance(outcome, Exception):
                done.send_exception(outcome)
            else:
                done.send(outcome)
