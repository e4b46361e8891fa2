"""The pure parts of the capacity bench: open-loop schedules, latency summaries, whether a backlog stayed
bounded, and the sustainable-rate decision. No I/O here (tests/unit/test_bench_capacity.py)."""
from bench.measure import percentile

FILING_P99_LIMIT_MS = 300  # issue 17: filing p99 under 300 ms ...
LAG_P99_LIMIT_MS = 2000  # ... and every lag (routed, indexed, notified) p99 under 2 s
LAGS = ("routed", "indexed", "notified")
DRAIN_LIMIT_SECONDS = 5.0  # a bounded backlog drains within a few seconds of the load stopping
SETTLED = 2  # messages and outbox events still counted as "drained" (a timer's sweep, a late notice)


def schedule(per_second, seconds):
    """Send times (seconds from the start) of an open loop: request n goes at n / rate, answered or not."""
    count = int(round(per_second * seconds))
    return [n / per_second for n in range(count)]


def summary(samples):
    """count, p50 and p99 of a list of milliseconds (None for the percentiles when there are none)."""
    if not samples:
        return {"count": 0, "p50": None, "p99": None}
    return {"count": len(samples), "p50": percentile(samples, 50), "p99": percentile(samples, 99)}


def growing(depths, tolerance=SETTLED):
    """Whether a backlog sampled during the load (oldest first, evenly spaced) was still growing at its end:
    over the second half of the samples, the trend (the median of the slopes between every two samples,
    which bursts do not sway) rose by more than the tolerance and by more than a tenth of the half's mean (a
    backlog that only wobbles around a level is not growing)."""
    half = depths[len(depths) // 2:]
    if len(half) < 3:
        return bool(depths) and depths[-1] > depths[0] + tolerance
    slopes = sorted((half[j] - half[i]) / (j - i) for i in range(len(half)) for j in range(i + 1, len(half)))
    middle = len(slopes) // 2
    slope = slopes[middle] if len(slopes) % 2 else (slopes[middle - 1] + slopes[middle]) / 2
    rise = slope * (len(half) - 1)
    return rise > tolerance and rise > sum(half) / len(half) / 10


def drain_seconds(after, settled=SETTLED):
    """Seconds from the end of the load until the backlog first fell to `settled` or below; `after` is
    [(seconds since the load ended, depth)]; None when it never did."""
    for elapsed, depth in after:
        if depth <= settled:
            return elapsed
    return None


def backlog_verdict(during, after, drain_limit=DRAIN_LIMIT_SECONDS):
    """Bounded = not growing at the end of the load and drained within `drain_limit` seconds after it."""
    drained = drain_seconds(after)
    still_growing = growing(during)
    return {"peak": max(during + [d for _, d in after], default=0), "growing_at_end": still_growing,
            "drain_seconds": drained,
            "bounded": not still_growing and drained is not None and drained <= drain_limit}


def verdict(result, filing_limit=FILING_P99_LIMIT_MS, lag_limit=LAG_P99_LIMIT_MS):
    """Why a rate is not sustainable (an empty list when it is): failures, filing p99, each lag's p99 and
    completeness (a filing never seen routed/indexed/notified counts against it), the backlog."""
    reasons = []
    if result["failures"]:
        reasons.append(f"{result['failures']} filings failed")
    filing = result["filing"]
    if filing["p99"] is None or filing["p99"] >= filing_limit:
        reasons.append(f"filing p99 {_ms(filing['p99'])} >= {filing_limit} ms")
    for lag in LAGS:
        observed = result["lags"][lag]
        if observed["count"] < result["accepted"]:
            reasons.append(f"{result['accepted'] - observed['count']} never {lag}")
        if observed["p99"] is None or observed["p99"] >= lag_limit:
            reasons.append(f"{lag} p99 {_ms(observed['p99'])} >= {lag_limit} ms")
    if not result["backlog"]["bounded"]:
        reasons.append("backlog not bounded")
    return reasons


def sustainable_rate(results):
    """The highest rate with no reason against it (None when none passed)."""
    passed = [r["rate"] for r in results if not verdict(r)]
    return max(passed) if passed else None


def _ms(value):
    return "none" if value is None else f"{value:,.0f}"
