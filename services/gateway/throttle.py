"""Throttling at the gateway: counters in the gateway's own database (`<prefix>gateway`), shared by every
gateway replica, one atomic upsert-and-increment per check, and a decorator for the routes.

When the counter store does not answer, requests are admitted (fail open) and the store is left alone for
a few seconds: these limits are defence in depth, not an access control. What guards secrets lives in the
services' own stores and stays in force (identity locks a number after 5 wrong codes and limits codes sent
per number and address; intake caps filings per mobile a month); failing closed would turn an outage of
one counter collection into a state-wide outage of filing and sign-in.
"""
import logging
import time
from datetime import UTC, datetime
from functools import wraps
from typing import ClassVar

import eventlet
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.gateway import limits
from services.gateway.problems import from_error
from services.gateway.responses import NO_STORE
from shared.errors import PlatformError, RateLimited
from shared.mongo import MongoDatabase
from shared.settings import settings_of

log = logging.getLogger(__name__)

COLLECTION = "rate_windows"
STORE_FIND_MS = 500           # a counter store that cannot be reached is given up on this fast
STORE_ANSWER_MS = 2000        # one that is reached but stalls (a pause, a burst) is waited on this long
STORE_RETRY_SECONDS = 5       # after a store failure, admit without asking it for this long


class Throttled(RateLimited):
    """429, with Retry-After; made at the gateway, never sent over RPC."""

    def __init__(self, refusal):
        super().__init__(refusal.message, {"rule": refusal.rule, "per": refusal.scope,
                                           "limit": refusal.limit.count, "window_seconds": refusal.limit.seconds,
                                           "retry_after": refusal.retry_after})
        self.headers = {"Retry-After": str(refusal.retry_after), **NO_STORE}


class RateWindows:
    """One document per rule, scope, subject and window: {_id: key, n: requests so far, expires_at}."""

    def __init__(self, collection):
        self.collection = collection

    def hit(self, key, expires_at):
        """Count one request and return the count including it: one atomic operation."""
        try:
            return self._increment(key, expires_at)
        except DuplicateKeyError:
            # two first requests of a window both tried to insert; the loser's retry is a plain increment
            return self._increment(key, expires_at)

    def _increment(self, key, expires_at):
        counter = self.collection.find_one_and_update(
            {"_id": key}, {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires_at}},
            upsert=True, return_document=ReturnDocument.AFTER)  # no projection: FerretDB refuses one here
        return counter["n"]

    def sweep(self, now):
        """Remove the windows that ended before `now` (FerretDB has no TTL index)."""
        return self.collection.delete_many({"expires_at": {"$lt": now}}).deleted_count


class Throttle(MongoDatabase):
    """Injects the limiter: `admit(rule, address, principal=None, mobile=None)` raises Throttled. Its
    counters live in the gateway's own database, `<prefix>gateway`."""

    indexes: ClassVar[dict] = {COLLECTION: [[("expires_at", 1)]]}
    # A stall shorter than STORE_ANSWER_MS must not open the limits: stalls come with bursts, when limits
    # matter, and one timed-out answer pauses the client's pool, failing every request waiting on it.
    client_options: ClassVar[dict] = {"serverSelectionTimeoutMS": STORE_FIND_MS, "connectTimeoutMS": STORE_FIND_MS,
                                      "socketTimeoutMS": STORE_ANSWER_MS}

    def setup(self):
        super().setup()
        config = self.container.config
        self.limits = limits.limits_from(config)
        self.sweep_seconds = settings_of(config).rate_limit_sweep_seconds
        self.windows = RateWindows(self.database[COLLECTION])
        self.skip_store_until = 0.0

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self._sweep_forever)

    def get_dependency(self, worker_ctx):
        return self

    def limits_principals(self, rule):
        return (rule, limits.PRINCIPAL) in self.limits

    def admit(self, rule, address, principal=None, mobile=None, now=None):
        """Count the request in each window its rule keeps (per address, principal, mobile) and refuse it
        past any one's limit. The windows are counted at once (a request waits for one store round trip, not
        one per window), so a request refused by one is still counted in the others."""
        now = time.time() if now is None else now
        checks = []
        for scope, subject in ((limits.ADDRESS, address), (limits.PRINCIPAL, principal), (limits.MOBILE, mobile)):
            limit = self.limits.get((rule, scope))
            if limit is not None and subject:
                start, end = limits.window(limit, now)
                checks.append((scope, limit, limits.counter_key(rule, scope, subject, start), end))
        counts = self._counts([(key, end) for _, _, key, end in checks])
        for (scope, limit, _, end), count in zip(checks, counts):
            refusal = count and limits.verdict(rule, scope, limit, count, end, now)
            if refusal:
                log.info("throttled", extra={"rule": rule, "per": scope, "limit": limit.count})
                raise Throttled(refusal)

    def _counts(self, windows):
        if len(windows) < 2:
            return [self._count(key, end) for key, end in windows]
        threads = [eventlet.spawn(self._count, key, end) for key, end in windows]
        return [thread.wait() for thread in threads]

    def _count(self, key, window_end):
        if time.monotonic() < self.skip_store_until:
            return None
        try:
            return self.windows.hit(key, datetime.fromtimestamp(window_end, UTC))
        except PyMongoError as error:
            self.skip_store_until = time.monotonic() + STORE_RETRY_SECONDS
            log.error("the rate-limit store failed: requests pass unthrottled for %ss: %s", STORE_RETRY_SECONDS, error,
                      extra={"error": str(error)})
            return None

    def _sweep_forever(self):
        while True:
            eventlet.sleep(self.sweep_seconds)
            try:
                removed = self.windows.sweep(datetime.now(UTC))
            except PyMongoError as error:
                log.warning("sweeping old rate-limit windows failed", extra={"error": str(error)})
                continue
            if removed:
                log.debug("removed old rate-limit windows", extra={"removed": removed})


def _principal(service, request):
    try:
        return service.authenticate(request)["sub"]
    except PlatformError:
        return None  # the handler answers 401 (or the route is open): the address limit still applies


def form_mobile(request):
    """The mobile number a form names, as identity keys it (its last ten digits), or None."""
    digits = "".join(ch for ch in request.form.get("mobile", "") if ch.isdigit())
    return digits[-10:] or None


def otp_attempt(request):
    """A sign-in code is being tried: the OTP grant at the token endpoint, the code step of the sign-in page."""
    return request.form.get("step") != "send_code" and form_mobile(request) is not None


def throttled(rule, applies=None, mobile=None, page=None):
    """Count the request against `rule` (a name, or a function of the request giving one) per client
    address, per authenticated principal and per `mobile(request)`; over a limit answer 429 with
    Retry-After before the handler runs (`page(self, request, error)`: an HTML answer for a browser, or None
    for the problem). Goes between @http and the handler (and its @api)."""
    def decorate(handler):
        @wraps(handler)
        def wrapper(self, request, *args, **kwargs):
            if applies is None or applies(request):
                name = rule(request) if callable(rule) else rule
                principal = _principal(self, request) if self.throttle.limits_principals(name) else None
                try:
                    self.throttle.admit(name, self.client_address(request), principal=principal,
                                        mobile=mobile(request) if mobile else None)
                except Throttled as error:
                    shown = page(self, request, error) if page else None
                    return shown if shown is not None else from_error(error, instance=request.path)
            return handler(self, request, *args, **kwargs)
        wrapper.throttled = True  # the OpenAPI document lists its 429
        return wrapper
    return decorate


def search_or_export(request):
    return limits.EXPORT if request.args.get("format") == "csv" else limits.SEARCH
