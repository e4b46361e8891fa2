"""Officers' open loads as this routing process last read or changed them, reused for a moment when picking who
takes a case.

Picking the most free officer reads each candidate's load document, and that document also keeps the ids of the
load claims applied in the last CLAIMS_KEPT (storage.py): at a busy office it grows with every case, and so does
each read (FerretDB decodes the whole document to answer a projection of one field). Picking was never exact (two
cases picked at the same moment may go to the same officer), and a reading at most FRESH_SECONDS old, or the count
this process's own last update returned, picks as well. The counters themselves change only in the store's atomic
updates; nothing here is written back.
"""
import itertools
import time

FRESH_SECONDS = 1.0


class LoadReadings:
    def __init__(self, fresh_seconds=FRESH_SECONDS, clock=time.monotonic):
        self.fresh_seconds = fresh_seconds
        self.clock = clock
        self.readings = {}  # officer id -> (open cases, when, stamp)
        self.stamps = itertools.count(1)

    def get(self, officer_id):
        """The officer's load when read or changed less than FRESH_SECONDS ago, else None."""
        found = self.readings.get(officer_id)
        if found is None or self.clock() - found[1] >= self.fresh_seconds:
            return None
        return found[0]

    def stamp(self):
        """Taken before reading the store: `read` keeps the answer only if nothing newer came meanwhile."""
        return next(self.stamps)

    def read(self, officer_id, open_cases, stamp):
        found = self.readings.get(officer_id)
        if found is None or found[2] < stamp:
            self.readings[officer_id] = (open_cases, self.clock(), stamp)

    def changed(self, officer_id, open_cases):
        """The count an update of the officer's counter returned."""
        self.readings[officer_id] = (open_cases, self.clock(), next(self.stamps))
