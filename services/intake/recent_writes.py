"""What one intake process wrote last to each case it touched recently, and one writer at a time per case.

Routing's first two decisions on a case (routed, assigned) arrive a moment after its filing, at once, on two
queues. Read from the store, each costs a read of the case, and the two read the same version, so one of
their guarded writes is refused and done again. Recording them one after the other in this process, each
from the case as this process last wrote it, costs no read and no refused write.

The memory is only a hint: every write from it is guarded by the version it carries, so a copy made stale
by another replica, an officer, or anything this process did not see is refused and the case read again.
Nothing depends on it surviving: a process that starts (or restarts after a crash) remembers nothing.
"""
import copy
from collections import OrderedDict
from contextlib import contextmanager

import bson
from eventlet.semaphore import Semaphore

from shared.outbox import OUTBOX

REMEMBERED_CASES = 1000  # a few MB at most; routing's decisions come within seconds of the filing


class RecentWrites:
    def __init__(self, size=REMEMBERED_CASES):
        self.size = size
        self.cases = OrderedDict()  # tracking ID -> the case as last written here (without its outbox)
        self.writers = {}  # tracking ID -> [Semaphore, how many hold or wait for it]

    def remember(self, document, codec_options=None):
        """Keep the case as written. `codec_options`: the document is one this process built (an insert):
        pass it through BSON as the store would give it back (milliseconds, time zones, lists)."""
        case = {name: value for name, value in document.items() if name != OUTBOX}
        if codec_options is not None:
            case = bson.decode(bson.encode(case), codec_options=codec_options)
        self.cases[case["_id"]] = case
        self.cases.move_to_end(case["_id"])
        while len(self.cases) > self.size:
            self.cases.popitem(last=False)

    def recall(self, tracking_id):
        """A copy of the case as last written here, or None."""
        case = self.cases.get(tracking_id)
        return copy.deepcopy(case) if case is not None else None

    def forget(self, tracking_id):
        self.cases.pop(tracking_id, None)

    @contextmanager
    def one_writer(self, tracking_id):
        """Hold the case's writer lock in this process (green threads; other processes are the guard's)."""
        entry = self.writers.setdefault(tracking_id, [Semaphore(1), 0])
        entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self.writers[tracking_id]


class FromRecentWrites:
    """Mixin of a case store with `self.recent` (RecentWrites) and `get(tracking_id)`: the case as this process
    last wrote it, else as stored, and this process's writers of a case one at a time."""

    def latest(self, tracking_id):
        """(case, remembered): the case as this process last wrote it (no read; it may be stale, which the
        version guard of a write from it tells), else as stored."""
        case = self.recent.recall(tracking_id)
        return (case, True) if case is not None else (self.get(tracking_id), False)

    def forget(self, tracking_id):
        self.recent.forget(tracking_id)

    def one_writer(self, tracking_id):
        """Context manager: this process's writers of the case, one at a time."""
        return self.recent.one_writer(tracking_id)
