"""Graceful shutdown with a deadline. Kubernetes sends SIGTERM and, 30 s later, SIGKILL; a service must
stop taking work, finish or hand back what it holds, and exit well before that.

nameko's own stop waits without a limit: for every worker to finish, every timer tick to end and every
consumer to be cancelled. `install()` (called by services/run.py) gives `nameko run` a runner whose stop
  1. closes the HTTP listener (nameko would keep accepting requests until every worker finished, so a
     gateway under steady traffic never stopped) and marks the process as draining: code that waits (a
     consumer's retry backoff, the notification sender's batch) checks `draining()` or waits with
     `pause()`, which returns at once from then on;
  2. runs nameko's graceful stop for at most SHUTDOWN_GRACE_SECONDS (default 6);
  3. past that, logs what still holds it up and kills the containers: workers still running are
     killed, and the messages they held, never acked, go back to their queues (consumers are
     idempotent), while an RPC caller gets no answer and retries or times out;
  4. as a last resort, a plain OS thread ends the process 3 s after the deadline if it is still alive.

Only the standard library and eventlet are imported here at module level: `install()` must patch the
standard library before nameko's runner (and kombu, pymongo) are imported.
"""
import gc
import logging
import os
import traceback

import eventlet
from eventlet import patcher
from eventlet.event import Event

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 6.0
HARD_EXIT_AFTER_GRACE_SECONDS = 3.0

_draining = Event()


def draining():
    """True once the process has been asked to stop."""
    return _draining.ready()


def begin_draining():
    if not _draining.ready():
        _draining.send(True)


def pause(seconds):
    """Wait up to `seconds`, or less when the process starts stopping; True when it is stopping."""
    if _draining.ready():
        return True
    with eventlet.Timeout(seconds, False):
        _draining.wait()
    return _draining.ready()


def grace_seconds(config):
    """SHUTDOWN_GRACE_SECONDS, kept between 0.5 and 20 (Kubernetes kills at 30); a bad value: the default."""
    try:
        seconds = float(config.get("SHUTDOWN_GRACE_SECONDS") or DEFAULT_GRACE_SECONDS)
    except (TypeError, ValueError):
        log.error("SHUTDOWN_GRACE_SECONDS is not a number: using %gs", DEFAULT_GRACE_SECONDS)
        return DEFAULT_GRACE_SECONDS
    return min(max(seconds, 0.5), 20.0)


def install():
    """Make `nameko run` stop within the grace period (services/run.py calls this first)."""
    eventlet.monkey_patch()  # what `nameko run` does itself, done before nameko's runner is imported
    import nameko.cli.run

    nameko.cli.run.ServiceRunner = _graceful_runner_class()


def _graceful_runner_class():
    from nameko.runners import ServiceRunner

    class GracefulRunner(ServiceRunner):
        """nameko's runner, with a deadline on `stop()` (SIGTERM and Ctrl-C both come through it)."""

        def stop(self):
            grace = grace_seconds(self.config)
            begin_draining()
            _exit_if_still_alive_after(grace + HARD_EXIT_AFTER_GRACE_SECONDS)
            for container in self.containers:
                stop_accepting_http(container)
            stopping = eventlet.spawn(super().stop)
            with eventlet.Timeout(grace, False):
                stopping.wait()
                return
            log.warning("the graceful stop is past its %gs deadline: killing what holds it up: %s", grace,
                        " | ".join(held_by()))
            self.kill()

    return GracefulRunner


def stop_accepting_http(container):
    """Close the HTTP listener now. nameko stops its web server only after every worker finished, and
    keeps accepting requests (each a new worker) until then: under steady traffic that is never."""
    from nameko.web.server import WebServer

    for extension in container.subextensions:
        if isinstance(extension, WebServer) and extension._gt is not None:
            extension._is_accepting = False
            extension._serv.keepalive = False  # a kept-alive connection closes after its current request
            extension._gt.kill()
            extension._sock.close()


def _exit_if_still_alive_after(seconds):
    threading = patcher.original("threading")  # a real thread: it runs even if the event loop is stuck
    timer = threading.Timer(seconds, _hard_exit)
    timer.daemon = True
    timer.start()


def _hard_exit():
    log.error("still alive past the shutdown deadline: exiting now")
    logging.shutdown()
    os._exit(1)


def held_by(limit=20):
    """Where each green thread is waiting, innermost project frame first (for the log)."""
    import greenlet

    places = []
    for thread in gc.get_objects():
        if not isinstance(thread, greenlet.greenlet) or thread.gr_frame is None:
            continue
        frames = traceback.extract_stack(thread.gr_frame)
        ours = [f for f in frames if "/site-packages/" not in f.filename][-2:]
        shown = frames[-4:] + [f for f in ours if f not in frames[-4:]]
        places.append(" <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in shown[::-1]))
    return places[:limit]
