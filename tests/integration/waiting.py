import eventlet


def wait_for(predicate, timeout=15.0, interval=0.1, what="condition"):
    """Poll until `predicate()` is truthy; return its value or fail naming what never happened."""
    with eventlet.Timeout(timeout, AssertionError(f"timed out after {timeout}s waiting for {what}")):
        while True:
            value = predicate()
            if value:
                return value
            eventlet.sleep(interval)
