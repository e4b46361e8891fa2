"""Progress of long work (seeding, reindexing, benchmarks) on stderr: a bar redrawn in place on a
terminal, a plain line every few seconds in logs and CI."""
import sys
import time


class Progress:
    """`total` may be None until it is known (then set it); `advance(n)` after each piece of work."""

    def __init__(self, what, total, unit="cases", stream=None, every=5.0):
        self.what, self.total, self.unit = what, total, unit
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.every = 0.2 if self.tty else every
        self.done = self.drawn = 0
        self.started = self.shown = time.monotonic()

    def advance(self, count=1):
        self.done += count
        now = time.monotonic()
        if now - self.shown >= self.every or (self.total and self.done >= self.total):
            self.shown = now
            self._show(now)

    def elapsed(self):
        return time.monotonic() - self.started

    def rate(self):
        elapsed = self.elapsed()
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, now=None):
        elapsed = (now or time.monotonic()) - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if not self.total:
            return f"{self.what} {self.done:,} {self.unit}, {rate:,.0f}/s, {elapsed:,.0f}s elapsed"
        share = min(self.done / self.total, 1.0)
        left = max(self.total - self.done, 0) / rate if rate else 0
        return (f"{self.what} [{'#' * int(share * 30):<30}] {self.done:,}/{self.total:,} {self.unit} ({share:.0%}), "
                f"{rate:,.0f}/s, {elapsed:,.0f}s elapsed, ETA {left:,.0f}s")

    def _show(self, now):
        self.drawn = self.done
        if self.tty:
            self.stream.write("\r" + self.line(now))
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()

    def finish(self):
        """The last line, once, whatever the total turned out to be."""
        if self.drawn != self.done or not self.total or self.done < self.total:
            self.total = self.done
            self._show(time.monotonic())
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
