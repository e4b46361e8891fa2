"""`Idempotency-Key` on every state-changing POST, once, at the gateway: a client that got no answer (a
timeout on a 2G link, a 5xx) sends the same request again with the same key and gets the first answer,
with `Idempotent-Replayed: true`, and nothing happens twice.

A key belongs to its principal (role and token subject) and is claimed with ONE unique insert in the
gateway's own database (`idempotency_keys`) before the route runs; the route's answer is written onto the
claim. The same key with another request (method, path or canonical JSON body) answers 422; a retry while
the first is still running waits up to IDEMPOTENCY_WAIT_SECONDS for its answer, then answers 409. Only
successful answers (2xx) are kept and an error gives its key back: a 4xx changed nothing, and after a 5xx
(a service that did not answer in time) the outcome is unknown, so the retry runs again and the services'
own guards decide (intake's filing key, the version an If-Match names, the life cycle's transitions). A
claim whose request died (no answer after IDEMPOTENCY_LEASE_SECONDS) passes to the next retry.
Keys are kept 24 hours and swept by the gateway (FerretDB has no TTL indexes).
A kept answer repeats what the route said, often the complainant's contact details: it is sealed with
AES-GCM under IDEMPOTENCY_SECRET_KEY (bound to its key's record), so the store holds only ciphertext;
production refuses to start without the key.
"""
import hashlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import ClassVar

import eventlet
from cryptography.exceptions import InvalidTag
from pymongo.errors import DuplicateKeyError, PyMongoError
from werkzeug.wrappers import Response

from services.gateway.problems import from_error
from services.gateway.responses import with_correlation_id
from services.gateway.web import MAX_BODY_BYTES, BadRequest, Unavailable, json_body
from shared.errors import Conflict, PlatformError, Unprocessable
from shared.mongo import MongoDatabase
from shared.secrets_at_rest import Sealer
from shared.settings import settings_of
from shared.validators import IDEMPOTENCY_KEY_RULE, is_idempotency_key

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
COLLECTION = "idempotency_keys"
KEEP_FOR = timedelta(hours=24)
KEPT_HEADERS = ("Location", "ETag", "Cache-Control", "Content-Type")  # what a replay repeats besides status and body
POLL_SECONDS = 0.1
REPLAY, RUN, TAKE_OVER, WAIT, MISMATCH = "replay", "run", "take_over", "wait", "mismatch"


# --- pure rules ----------------------------------------------------------------------------------

def key_id(actor, key):
    """The stored key: the client's key within its principal (two citizens may both send "1")."""
    return hashlib.sha256("\x1f".join([actor["role"], actor["sub"], key]).encode("utf-8")).hexdigest()


def fingerprint(method, path, body):
    """The request, independent of the body's key order and spacing."""
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verdict(claim, owner, fingerprint_, now, lease):
    """What a request does with the claim in force for its key."""
    if claim["fingerprint"] != fingerprint_:
        return MISMATCH
    if claim.get("answer") is not None:
        return REPLAY
    if claim["owner"] == owner:
        return RUN
    if claim["claimed_at"] <= now - lease:
        return TAKE_OVER
    return WAIT


def kept(status):
    return 200 <= status < 300


def answer_sealer(config):
    """The sealer of kept answers; without IDEMPOTENCY_SECRET_KEY only in development (stored marked plain)."""
    settings = settings_of(config)
    key = settings.idempotency_secret_key
    if not key and settings.sorasori_env == "production":
        raise RuntimeError("IDEMPOTENCY_SECRET_KEY is required in production (kept answers hold personal data)")
    return Sealer(key, purpose=b"idempotent-answer:", setting="IDEMPOTENCY_SECRET_KEY")


# --- the store -----------------------------------------------------------------------------------

class IdempotencyKeys:
    """{_id: key id, fingerprint, owner, claimed_at, expires_at, answer: sealed {status, body, headers} | None};
    what it returns carries the answer opened."""

    def __init__(self, collection, sealer):
        self.collection = collection
        self.sealer = sealer

    def _opened(self, claim):
        if claim is not None and claim.get("answer") is not None:
            try:
                claim["answer"] = json.loads(self.sealer.open(claim["answer"], claim["_id"].encode()))
            except (InvalidTag, RuntimeError):  # sealed under a key since rotated (or not configured)
                raise Conflict("the first answer to this Idempotency-Key can no longer be read; the request "
                               "was done: check its result before sending it again", {"allowed": []}) from None
        return claim

    def claim(self, key, fingerprint_, owner, now):
        """Claim `key` for this request (one unique insert), or the claim in force already (None if it
        was given back in between)."""
        claim = {"_id": key, "fingerprint": fingerprint_, "owner": owner, "claimed_at": now,
                 "expires_at": now + KEEP_FOR, "answer": None}
        try:
            self.collection.insert_one(claim)
            return claim
        except DuplicateKeyError:
            return self.current(key)

    def current(self, key):
        return self._opened(self.collection.find_one({"_id": key}))

    def take_over(self, key, from_owner, to_owner, now):
        """A claim whose request died passes to one retry; True for exactly one of racing retries."""
        return self.collection.update_one({"_id": key, "owner": from_owner, "answer": None},
                                          {"$set": {"owner": to_owner, "claimed_at": now,
                                                    "expires_at": now + KEEP_FOR}}).matched_count == 1

    def answer(self, key, owner, answer):
        sealed = self.sealer.seal(json.dumps(answer, ensure_ascii=False), key.encode())
        self.collection.update_one({"_id": key, "owner": owner, "answer": None}, {"$set": {"answer": sealed}})

    def release(self, key, owner):
        self.collection.delete_one({"_id": key, "owner": owner, "answer": None})

    def sweep(self, now):
        return self.collection.delete_many({"expires_at": {"$lt": now}}).deleted_count


class Idempotency(MongoDatabase):
    """Injects itself: `run(key, fingerprint, route)` runs `route()` at most once per key."""

    indexes: ClassVar[dict] = {COLLECTION: [[("expires_at", 1)]]}

    def setup(self):
        super().setup()
        settings = settings_of(self.container.config)
        self.wait_seconds = settings.idempotency_wait_seconds
        self.lease = timedelta(seconds=settings.idempotency_lease_seconds)
        self.sweep_seconds = settings.idempotency_sweep_seconds
        self.keys = IdempotencyKeys(self.database[COLLECTION], answer_sealer(self.container.config))

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self._sweep_forever)

    def get_dependency(self, worker_ctx):
        return self

    def run(self, key, fingerprint_, route):
        owner = uuid.uuid4().hex
        waited_until = time.monotonic() + self.wait_seconds
        claim = None
        while True:
            now = datetime.now(UTC)
            if claim is None:  # first, or given back in between: claim (again)
                claim = self.keys.claim(key, fingerprint_, owner, now)
                if claim is None:
                    continue
            decision = verdict(claim, owner, fingerprint_, now, self.lease)
            if decision == TAKE_OVER and self.keys.take_over(key, claim["owner"], owner, now):
                decision = RUN
            if decision == MISMATCH:
                raise Unprocessable("this Idempotency-Key was sent before with a different request",
                                    {HEADER: ["Already used with a different method, path or body."]})
            if decision == REPLAY:
                return replay(claim["answer"])
            if decision == RUN:
                return self._run_once(key, owner, route)
            if time.monotonic() > waited_until:
                busy = Conflict("a request with this Idempotency-Key is in progress; try again in a moment",
                                {"allowed": []})
                busy.headers = {"Retry-After": "1"}
                raise busy
            eventlet.sleep(POLL_SECONDS)
            claim = self.keys.current(key)  # a read while waiting; a claim only if it was given back

    def _run_once(self, key, owner, route):
        try:
            response = route()
        except BaseException:
            self.keys.release(key, owner)
            raise
        if not kept(response.status_code):
            self.keys.release(key, owner)  # see the module's docstring: the key may be sent again
            return response
        answer = {"status": response.status_code, "body": response.get_data(as_text=True),
                  "headers": {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}}
        try:
            self.keys.answer(key, owner, answer)
        except PyMongoError as error:  # the work is done: answer it; a retry takes the claim over later
            log.error("could not keep an idempotent answer", extra={"error": str(error)})
        return response

    def _sweep_forever(self):
        while True:
            eventlet.sleep(self.sweep_seconds)
            try:
                removed = self.keys.sweep(datetime.now(UTC))
            except PyMongoError as error:
                log.warning("sweeping expired idempotency keys failed", extra={"error": str(error)})
                continue
            if removed:
                log.info("idempotency keys forgotten", extra={"count": removed})


def replay(answer):
    response = Response(answer["body"], status=answer["status"], mimetype="application/json")
    for name, value in answer["headers"].items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return with_correlation_id(response)


def error_response(error, request):
    """The one place this module turns an error into an answer: a problem, as every route's errors."""
    return from_error(error, instance=request.path)


def idempotent(handler):
    """Honour `Idempotency-Key` on a route: goes between @throttled and @api (it keeps the answer @api
    made). The service needs `idempotency = Idempotency()` and `authenticate`."""
    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        try:
            if not is_idempotency_key(key):
                raise BadRequest("the Idempotency-Key header is not valid", {HEADER: [IDEMPOTENCY_KEY_RULE]})
            actor = self.authenticate(request)
            if not (request.content_length or 0) > MAX_BODY_BYTES:
                request.get_data(cache=True)  # the route reads the body again
            body = json_body(request)
            try:
                return self.idempotency.run(key_id(actor, key), fingerprint(request.method, request.path, body),
                                            lambda: handler(self, request, *args, **kwargs))
            except PyMongoError as error:
                log.error("the idempotency store failed", extra={"error": str(error)})
                raise Unavailable("retries cannot be made safe right now; try again in a minute") from None
        except PlatformError as error:
            return error_response(error, request)
    wrapper.idempotent = True  # outer decorators copy it (functools.wraps): a test finds routes without it
    return wrapper
