"""Group commit for a process's handlers: each hands its item to one Batcher and waits for that item's own
outcome, while the Batcher's one green thread writes what has gathered in one request to the store.

A batch goes out when `max_items` wait (at most one per worker: with every worker waiting nothing more can
come) or `linger` seconds after its first item arrived; with no linger, what queued while the previous
request was out (the store's own pace sets the batch). A handler returns, and its message is acked, only after
the write that holds its item is done. The eventlet primitives are kept to this module.
"""
import logging
import time

from eventlet.event import Event
from eventlet.queue import Empty, LightQueue

log = logging.getLogger(__name__)


class Batcher:
    def __init__(self, write, max_items=500, linger=0.0, name="batch"):
        """`write(items)` returns one outcome per item: a value, or an exception to raise in its handler."""
        self.write, self.name = write, name
        self.max_items = max(1, int(max_items))
        self.linger = float(linger)
        self.queue = LightQueue()
        self.batches = 0

    def submit(self, item):
        """Queue the item and wait for its outcome (raises that item's error)."""
        done = Event()
        self.queue.put((item, done))
        return done.wait()

    def run(self):
        """The flusher loop (one green thread per process)."""
        while True:
            self.flush(self.gather())

    def gather(self):
        batch = [self.queue.get()]
        deadline = time.monotonic() + self.linger
        while len(batch) < self.max_items:
            try:
                batch.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except Empty:
                break
        return batch

    def flush(self, batch):
        self.batches += 1
        try:
            outcomes = self.write([item for item, _ in batch])
        except Exception as error:  # the whole request failed: every item in it is retried
            log.warning("a batched write failed", extra={"batch": self.name, "items": len(batch), "error": repr(error)})
            outcomes = [error] * len(batch)
        for (_, done), outcome in zip(batch, outcomes):
            if isinstance(outcome, Exception):
                done.send_exception(outcome)
            else:
                done.send(outcome)
