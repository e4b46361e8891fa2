"""Progress of long work (seeding, reindexing, benchmarks) on stderr: a bar redrawn in place on a
terminal, a plain line every few seconds in logs and CI."""
import sys
import time


class Progress:
    def __init__(self, what, total, unit="cases", stream=None, every=5.0):
        self.what, self.total, self.unit = what, total, unit
        self.stream = stream or sys.stderr
        self.every = every if not self.stream.isatty() else 0.2
        self.done = self.drawn = 0
        self.started = self.shown = time.monotonic()

    def advance(self, count=1):
        self.done += count
        now = time.monotonic()
        if now - self.shown >= self.every or self.done >= self.total:
            self.shown = now
            self._show(now)

    def rate(self):
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, now=None):
        now = now or time.monotonic()
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = self.done / self.total if self.total else 1.0
        left = (self.total - self.done) / rate if rate else 0
        bar = "#" * int(share * 30)
        return (f"{self.what} [{bar:<30}] {self.done:,}/{self.total:,} {self.unit} {share:6.1%}  "
                f"{rate:,.0f}/s  {elapsed:,.0f}s elapsed, ~{left:,.0f}s left")

    def _show(self, now):
        self.drawn = self.done
        if self.stream.isatty():
            self.stream.write("\r" + self.line(now))
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()

    def finish(self):
        if self.drawn != self.done or self.done < self.total:
            self.total = self.done
            self._show(time.monotonic())
