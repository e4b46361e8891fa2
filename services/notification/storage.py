"""The notification service's own store.

- `deliveries`: one document per (event, recipient, channel), _id a hash of the three: inserting it is
  what makes a message go at most once, however often the event is replayed. It is the delivery log
  too: its state (queued, deferred, sending, retry, sent, delivered, dead_letter; an SMS's delivery
  report makes a sent one delivered or failed) and a `log` of every step with the provider's answer.
- `due`: the deliveries waiting to be sent, with the time they may go: a mark keyed by the delivery id, or,
  when a delivery goes back to the queue from someone else's hands (an administrator's replay, a dead
  worker's send given up), a fresh mark of its own naming the `delivery`, so the drop its last sender may
  still make (by _id: Mark) never takes it away. The sender reads this small collection, not the delivery
  log (FerretDB has no secondary indexes: any query other than by _id scans its collection).
- `dead_letters`: the deliveries that gave up, keyed by delivery id, for the administrators' list.
- `case_deliveries`: per tracking ID, the ids of its deliveries (the CMO cell's view of a case).
- `personal_data_reads`: per tracking ID, who read its delivery log with the addresses in clear, and when.
- `subscribers`: the public event stream's subscriber accounts (their RabbitMQ users; no password kept).
- `preferences` (keyed by a one-way key of the citizen's mobile), `subscriptions` (webhooks),
  `notice_boxes` and `notice_pages` (staff notices: notice_boxes.py), `rate` (per-recipient counters),
  `sms_sink`.
"""
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import DeleteOne, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, PyMongoError

from services.notification.notice_boxes import NoticeBoxes
from shared.batching import Batcher
from shared.mongo import MongoDatabase

log = logging.getLogger(__name__)

CLAIMABLE = ("queued", "deferred", "retry")
TERMINAL = ("sent", "delivered", "dead_letter")


def utcnow():
    return datetime.now(UTC)


def _only_duplicates(error):
    """A bulk write refused only for _ids that exist already (E11000) is what a replay does; anything else is
    raised."""
    if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])) or error.details.get(
            "writeConcernErrors"):
        raise error


def _refusals(bulk_write):
    """The statements a bulk write refused, [(index, error)]: the error is None for an _id that exists already
    (what a replay meets), the statement's own otherwise. A write concern error is the store's, and raised."""
    try:
        bulk_write()
    except BulkWriteError as error:
        if error.details.get("writeConcernErrors"):
            raise
        return [(e["index"], None if e.get("code") == 11000 else
                 OperationFailure(e.get("errmsg", "refused"), e.get("code"), e)) for e in error.details["writeErrors"]]
    return []


def _outcome(result):
    if isinstance(result, Exception):
        raise result
    return result


def _step(state, now, detail=None, **extra):
    step = {"at": now, "state": state, **extra}
    if detail:
        step["detail"] = detail
    return step


def claimed_at_insert(delivery, now):
    """The delivery as `NotificationStore.claim` leaves it, to be inserted so: its insert is its claim."""
    return {**delivery, "state": "sending", "claimed_at": now, "updated_at": now,
            "log": [*delivery["log"], _step("sending", now)]}


@dataclass(frozen=True)
class Mark:
    """The due mark a delivery was claimed from, and where its drop goes once the delivery is finished: into
    `later`, a list the sender drops together afterwards (drop_due_marks), or, with None, at once."""
    id: str
    later: list | None = None


def _mark(mark_id, delivery_id, at):
    return {"_id": mark_id, "at": at, **({"delivery": delivery_id} if mark_id != delivery_id else {})}


@dataclass(frozen=True)
class Finished:
    """What became of one claimed delivery, for NotificationStore.finish_together; `extra`: more fields to set."""
    delivery: dict
    state: str
    now: datetime
    detail: str | None
    not_before: datetime | None
    attempts: int | None
    mark: Mark
    extra: dict

    @property
    def fields(self):
        """What the delivery's record gets (`$set`)."""
        given = {"not_before": self.not_before, "attempts": self.attempts}
        return {"state": self.state, "updated_at": self.now, **self.extra,
                **{name: value for name, value in given.items() if value is not None}}


def finished(delivery, state, now, detail=None, not_before=None, attempts=None, mark=None, **extra):
    """A `Finished` for NotificationStore.finish's arguments."""
    return Finished(delivery, state, now, detail, not_before, attempts, mark or Mark(delivery["_id"]), extra)


def _dead_letter(done):
    delivery = done.delivery
    return {"_id": delivery["_id"], "at": done.now, "channel": delivery["channel"],
            "template": delivery["template"], "event_type": delivery["event_type"],
            "tracking_id": delivery.get("tracking_id"),
            "attempts": done.attempts or delivery.get("attempts", 0), "last_answer": done.detail}


class SubscriptionsCache:
    """The webhook subscriptions, read at most every `ttl` seconds per process instead of once per event (a
    scan of the collection each time). This process's own writes clear it; another replica's new subscription
    applies here within `ttl` (a removed one is never sent to: the sender reads the subscription at send time)."""

    def __init__(self, ttl=2.0):
        self.ttl, self.read_at, self.kept = ttl, float("-inf"), None

    def get(self, read):
        if self.kept is None or time.monotonic() - self.read_at > self.ttl:
            read_at = time.monotonic()
            self.kept, self.read_at = read(), read_at
        return list(self.kept)

    def clear(self):
        self.kept = None


class NotificationStore:
    def __init__(self, database, subscriptions=None, batcher=None, finishes=None):
        self.db = database
        self.cached_subscriptions = subscriptions  # a SubscriptionsCache, or None to read every time
        self.batcher = batcher  # the process's group commit of enqueue_new (shared.batching), or None: each alone
        self.finishes = finishes  # the sender's group commit of finish, or None: each alone
        self.deliveries = database.deliveries
        self.due = database.due
        self.boxes = NoticeBoxes(database)

    # --- deliveries ---------------------------------------------------------------------------

    def enqueue(self, delivery):
        """Record one planned message and make it due; False when it exists already (a replayed event)."""
        return self.enqueue_all([delivery]) == 1

    def enqueue_all(self, deliveries):
        """`enqueue_new`, answering how many were new (a replayed event: 0)."""
        return len(self.enqueue_new(deliveries))

    def enqueue_new(self, deliveries, marks_at=None):
        """Record an event's planned messages and make them due. Returns the ids of the new ones (a replayed
        event: none). With the service's batcher, together with what other handlers of this process record at
        the same time (enqueue_together: one command per collection for all of them)."""
        if not deliveries:
            return []
        planned = (deliveries, marks_at or {})
        return self.batcher.submit(planned) if self.batcher else _outcome(self.enqueue_together([planned])[0])

    def enqueue_together(self, calls):
        """Several events' planned messages, `calls` [(deliveries, {delivery id: when its mark falls due})],
        recorded with one command per collection however many events and messages (each statement still
        single-document): the due marks first, then the deliveries, then the cases' logs. Returns, per call, the
        ids of its new deliveries, or the error a statement of its own met (that call alone fails; the store
        failing fails them all, by raising).

        A crash before the deliveries leaves marks without deliveries, which the sender drops, never a delivery
        nobody sends. No read first: a replay never moves a mark that exists (`$setOnInsert`), and the mark it
        makes for a delivery sent already is dropped by the sender (settle_due). The unique insert of each
        delivery is what makes a message go at most once (an unordered insert: the ones that exist are refused,
        the others kept; of one delivery planned twice in a batch, by an event and its replay, the first), so a
        delivery inserted already claimed (`sending`) is its caller's to send. `marks_at`: for the deliveries
        whose mark must not fall due at their `not_before` (a claimed one's: when its claim goes stale). The
        case's log is written last and on every replay too (`$addToSet`): a crash after the insert is repaired
        by the event's redelivery."""
        failed = {}  # call number -> the error one of its own statements met
        marks, owners = [], []
        for n, (deliveries, marks_at) in enumerate(calls):
            for d in deliveries:
                if d["state"] not in TERMINAL:  # a notice put at once has nothing to send
                    marks.append(UpdateOne({"_id": d["_id"]}, {"$setOnInsert": {"at": marks_at.get(d["_id"], d["not_before"])}},
                                           upsert=True))
                    owners.append(n)
        if marks:
            for index, error in _refusals(lambda: self.due.bulk_write(marks, ordered=False)):
                if error:
                    failed.setdefault(owners[index], error)
        written = [(n, d) for n, (deliveries, _) in enumerate(calls) if n not in failed for d in deliveries]
        refused = set()
        if written:
            for index, error in _refusals(lambda: self.deliveries.insert_many([d for _, d in written], ordered=False)):
                refused.add(index)
                if error:
                    failed.setdefault(written[index][0], error)
        by_case = {}
        for n, delivery in written:
            if n not in failed and delivery.get("tracking_id"):
                by_case.setdefault(delivery["tracking_id"], []).append(delivery["_id"])
        self._log_for_cases(by_case)
        made = [[] for _ in calls]
        for k, (n, delivery) in enumerate(written):
            if k not in refused:
                made[n].append(delivery["_id"])
        return [failed.get(n, made[n]) for n in range(len(calls))]

    def _log_for_cases(self, by_case):
        """One command of single-document upserts. MongoDB may refuse one of two racing upserts that both
        insert (E11000): retried as updates."""
        entries = [({"_id": tracking_id}, {"$addToSet": {"ids": {"$each": ids}}}) for tracking_id, ids in by_case.items()]
        if not entries:
            return
        try:
            self.db.case_deliveries.bulk_write([UpdateOne(f, u, upsert=True) for f, u in entries], ordered=False)
        except BulkWriteError as error:
            _only_duplicates(error)
            for e in error.details["writeErrors"]:
                self.db.case_deliveries.update_one(*entries[e["index"]])

    def get(self, delivery_id):
        return self.deliveries.find_one({"_id": delivery_id})

    def due_marks(self, now, limit):
        """(mark id, delivery id) of the marks due by `now`."""
        return [(d["_id"], d.get("delivery", d["_id"]))
                for d in self.due.find({"at": {"$lte": now}}, {"_id": 1, "delivery": 1}).limit(limit)]

    def _fresh_mark(self, delivery_id, at):
        """A mark no earlier holder of the delivery knows, so none of their drops can take it. Its id."""
        mark_id = f"{delivery_id}.{uuid.uuid4().hex[:12]}"
        self.due.insert_one(_mark(mark_id, delivery_id, at))
        return mark_id

    def claim(self, delivery_id, now):
        """Take a due delivery for sending; None when it is not due or someone else has it."""
        return self.deliveries.find_one_and_update(
            {"_id": delivery_id, "state": {"$in": list(CLAIMABLE)}, "not_before": {"$lte": now}},
            {"$set": {"state": "sending", "claimed_at": now, "updated_at": now},
             "$push": {"log": _step("sending", now)}},
            return_document=ReturnDocument.AFTER)

    def finish(self, delivery, state, now, detail=None, not_before=None, attempts=None, mark=None, alone=False,
               **extra):
        """Record what became of a claimed delivery, and keep `due` and `dead_letters` in step. `mark`: the
        due mark it was claimed from (by default its own, dropped at once); a crash before a `later` drop
        leaves marks of finished deliveries, which the sender drops (settle_due). With the sender's batcher
        (and not `alone`: a process being killed, whose batcher may be gone), together with what other sends of
        this process finish at about the same time (finish_together)."""
        done = finished(delivery, state, now, detail, not_before, attempts, mark, **extra)
        if self.finishes is None or alone:
            _outcome(self.finish_together([done])[0])
        else:
            self.finishes.submit(done)

    def finish_together(self, sends):
        """Several `Finished` sends recorded with one command per collection: the deliveries (each update
        guarded by its `sending` state, as one alone is), then the dead letters, then the due marks (a drop of
        a finished one's, a replace of one going back to the queue). Per send, None, or the error one of its own
        statements met (the store failing fails them all, by raising)."""
        failed = {}
        updates = [UpdateOne({"_id": f.delivery["_id"], "state": "sending"},
                             {"$set": f.fields, "$push": {"log": _step(f.state, f.now, f.detail)}}) for f in sends]
        for index, error in _refusals(lambda: self.deliveries.bulk_write(updates, ordered=False)):
            failed.setdefault(index, error)
        letters, marks = [], []  # (owner, statement)
        for n, f in enumerate(sends):
            if n in failed:
                continue
            if f.state == "dead_letter":
                letters.append((n, ReplaceOne({"_id": f.delivery["_id"]}, _dead_letter(f), upsert=True)))
            if f.state not in TERMINAL:
                marks.append((n, ReplaceOne({"_id": f.mark.id}, _mark(f.mark.id, f.delivery["_id"], f.not_before or f.now),
                                            upsert=True)))
            elif f.mark.later is None:
                marks.append((n, DeleteOne({"_id": f.mark.id})))
            else:
                f.mark.later.append(f.mark.id)
        for collection, statements in ((self.db.dead_letters, letters), (self.due, marks)):
            self._write_for(collection, statements, failed)
        return [failed.get(n) for n in range(len(sends))]

    @staticmethod
    def _write_for(collection, statements, failed):
        """One command of `statements` [(owner, statement)]; a refused one fails its owner (`failed`). Two
        racing upserts may both insert (E11000): the loser's is made again alone."""
        if not statements:
            return
        for index, error in _refusals(lambda: collection.bulk_write([s for _, s in statements], ordered=False)):
            owner, statement = statements[index]
            if error is None:
                collection.bulk_write([statement])
            else:
                failed.setdefault(owner, error)

    def drop_due_marks(self, mark_ids):
        """One command of single-document deletes by _id (a `$in` filter would scan the collection on FerretDB)."""
        if mark_ids:
            self.due.bulk_write([DeleteOne({"_id": i}) for i in mark_ids], ordered=False)

    def settle_due(self, mark_id, delivery_id, now, stale_after, replay_safe=()):
        """A due mark whose delivery could not be claimed: drop it when there is nothing left to send,
        move it to the delivery's own time when that is later, and give up a send that a dead worker
        left half-done (it may or may not have gone out: an administrator decides, never a blind retry),
        unless its channel shows a message sent twice once (`replay_safe`): then it is sent again."""
        delivery = self.get(delivery_id)
        if delivery is None:
            mark = self.due.find_one({"_id": mark_id}) or {}
            if mark.get("at") and mark["at"] < now - stale_after:
                self.due.delete_one({"_id": mark_id})
            return
        if delivery["state"] in TERMINAL:
            self.due.delete_one({"_id": mark_id})
        elif delivery["state"] in CLAIMABLE and delivery["not_before"] > now:
            self.due.replace_one({"_id": mark_id}, _mark(mark_id, delivery_id, delivery["not_before"]))
        elif (delivery["state"] == "sending" and delivery["channel"] in replay_safe
              and delivery.get("claimed_at", now) < now - STALE_REPLAY_SAFE_SEND):
            self.requeue_interrupted(delivery, now, mark_id)
        elif delivery["state"] == "sending" and delivery.get("claimed_at", now) < now - stale_after:
            self.finish(delivery, "dead_letter", now, detail="interrupted while sending: it may have gone out",
                        mark=Mark(mark_id))

    def requeue_interrupted(self, delivery, now, mark_id):
        """A dead worker's claim on a delivery whose channel ignores a repeat: due again at once, under a fresh
        mark (should that worker be only slow, the drop of the mark it was claimed from, `mark_id`, comes to
        nothing)."""
        done = self.deliveries.update_one(
            {"_id": delivery["_id"], "state": "sending", "claimed_at": delivery.get("claimed_at")},
            {"$set": {"state": "retry", "not_before": now, "updated_at": now},
             "$push": {"log": _step("retry", now, "interrupted while sending: sent again (a repeat shows once)")}})
        if done.modified_count:
            self._fresh_mark(delivery["_id"], now)
            self.due.delete_one({"_id": mark_id})

    def record_report(self, delivery_id, state, now, detail):
        """A provider's delivery report on a message it accepted: delivered, or failed on the way."""
        done = self.deliveries.update_one({"_id": delivery_id, "state": "sent"},
                                          {"$set": {"state": state, "updated_at": now},
                                           "$push": {"log": _step(state, now, detail)}})
        return done.modified_count == 1

    # --- dead letters ---------------------------------------------------------------------------

    def dead_letters(self, limit=500):
        return sorted(self.db.dead_letters.find().limit(limit), key=lambda d: d["at"], reverse=True)

    def replay(self, delivery_id, now, by):
        """A dead letter goes back to the queue with its attempts reset, under a fresh mark (its last sender's
        drop of the mark it had may be still to come). False when it is not one. The mark is written first,
        falling due only later: should this process die before it is moved to now, the delivery still goes
        then (or, never requeued, the mark is dropped)."""
        mark = self._fresh_mark(delivery_id, now + STALE_REPLAY_SAFE_SEND)
        done = self.deliveries.update_one(
            {"_id": delivery_id, "state": "dead_letter"},
            {"$set": {"state": "queued", "attempts": 0, "not_before": now, "updated_at": now},
             "$push": {"log": _step("queued", now, f"replayed by {by}")}})
        if not done.modified_count:
            self.due.delete_one({"_id": mark})
            return False
        self.due.update_one({"_id": mark}, {"$set": {"at": now}})
        self.db.dead_letters.delete_one({"_id": delivery_id})
        return True

    # --- views ----------------------------------------------------------------------------------

    def for_case(self, tracking_id):
        ids = (self.db.case_deliveries.find_one({"_id": tracking_id}) or {}).get("ids", [])
        found = (self.get(i) for i in ids)
        return sorted((d for d in found if d), key=lambda d: d["created_at"])

    def log_personal_data_read(self, tracking_id, reader, now):
        """One single-document update by _id. MongoDB may refuse one of two racing upserts that both
        insert (E11000): the loser appends to the document the winner created."""
        read = {"$push": {"reads": {"reader": reader["sub"], "role": reader["role"], "at": now}}}
        try:
            self.db.personal_data_reads.update_one({"_id": tracking_id}, read, upsert=True)
        except DuplicateKeyError:
            self.db.personal_data_reads.update_one({"_id": tracking_id}, read)

    def personal_data_reads(self, tracking_id):
        return (self.db.personal_data_reads.find_one({"_id": tracking_id}) or {}).get("reads", [])

    # --- rate limits ----------------------------------------------------------------------------

    def count_send(self, key, channel, window_start, window_end):
        counter = self.db.rate.find_one_and_update(
            {"_id": f"{key}:{channel}:{int(window_start.timestamp())}"},
            {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": window_end}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return counter["count"]

    def forget_old_counters(self, now):
        self.db.rate.delete_many({"expires_at": {"$lt": now}})

    # --- preferences ----------------------------------------------------------------------------

    def preferences(self, key):
        return self.db.preferences.find_one({"_id": key}, {"_id": 0})

    def put_preferences(self, key, preferences, now):
        self.db.preferences.replace_one({"_id": key}, {"_id": key, **preferences, "updated_at": now}, upsert=True)

    # --- webhook subscriptions -------------------------------------------------------------------

    def subscriptions(self):
        if self.cached_subscriptions is None:
            return list(self.db.subscriptions.find())
        return self.cached_subscriptions.get(lambda: list(self.db.subscriptions.find()))

    def _subscriptions_changed(self):
        if self.cached_subscriptions is not None:
            self.cached_subscriptions.clear()

    def subscription(self, subscription_id):
        return self.db.subscriptions.find_one({"_id": subscription_id})

    def create_subscription(self, subscription):
        try:
            self.db.subscriptions.insert_one(subscription)
        except DuplicateKeyError:
            return False
        finally:
            self._subscriptions_changed()
        return True

    def update_subscription(self, subscription_id, fields):
        try:
            return self.db.subscriptions.find_one_and_update({"_id": subscription_id}, {"$set": fields},
                                                             return_document=ReturnDocument.AFTER)
        finally:
            self._subscriptions_changed()

    def replace_secrets(self, subscription_id, seen_version, secrets):
        """A rotation: one guarded update, made only if no other rotation came between reading the secrets
        (`seen_version`) and now. None when one did (or the subscription is gone)."""
        guard = {"$in": [0, None]} if not seen_version else seen_version  # made before the version was kept
        try:
            return self.db.subscriptions.find_one_and_update(
                {"_id": subscription_id, "secrets_version": guard},
                {"$set": {"secrets": secrets, "secrets_version": (seen_version or 0) + 1}},
                return_document=ReturnDocument.AFTER)
        finally:
            self._subscriptions_changed()

    def delete_subscription(self, subscription_id):
        try:
            return self.db.subscriptions.delete_one({"_id": subscription_id}).deleted_count == 1
        finally:
            self._subscriptions_changed()

    # --- the public event stream's subscribers ---------------------------------------------------

    def create_subscriber(self, subscriber):
        self.db.subscribers.insert_one(subscriber)

    def subscriber(self, subscriber_id):
        return self.db.subscribers.find_one({"_id": subscriber_id})

    def subscribers(self, owner=None):
        return sorted(self.db.subscribers.find({} if owner is None else {"created_by": owner}),
                      key=lambda s: s["created_at"])

    def set_subscriber_state(self, subscriber_id, state, now, from_states):
        """One guarded update: the subscriber moves to `state` only from one of `from_states`."""
        return self.db.subscribers.find_one_and_update(
            {"_id": subscriber_id, "state": {"$in": list(from_states)}},
            {"$set": {"state": state, f"{state}_at": now}}, return_document=ReturnDocument.AFTER)

    def delete_subscriber(self, subscriber_id):
        self.db.subscribers.delete_one({"_id": subscriber_id})

    def take_subscriber_slot(self, owner, limit):
        """One of the `limit` subscriber accounts an owner may hold: one conditional `$inc`. At the limit the
        filter matches nothing and the upsert's insert hits the existing _id (E11000): refused. Two first
        takes racing to insert: the loser tries again as an update."""
        for _ in range(2):
            try:
                return self.db.subscriber_quota.find_one_and_update(
                    {"_id": owner, "used": {"$lt": limit}}, {"$inc": {"used": 1}}, upsert=True,
                    return_document=ReturnDocument.AFTER) is not None
            except DuplicateKeyError:
                continue
        return False

    def give_back_subscriber_slot(self, owner):
        self.db.subscriber_quota.update_one({"_id": owner, "used": {"$gt": 0}}, {"$inc": {"used": -1}})

    # --- the staff's notices and the development SMS sink ----------------------------------------

    def put_notice(self, box, notice):
        self.boxes.put(box, notice)

    def notices(self, boxes, limit):
        found = []
        for box in boxes:
            found += [{**n, "box": box} for n in self.boxes.newest(box, limit)]
        return sorted(found, key=lambda n: n["at"], reverse=True)[:limit]

    def sink_sms(self, record):
        self.db.sms_sink.insert_one({**record, "at": utcnow()})

    def sms_sent(self, mobile):
        return sorted(self.db.sms_sink.find({"to": mobile[-10:]}, {"_id": 0}), key=lambda m: m["at"], reverse=True)


class NotificationStorage(MongoDatabase):
    indexes = {"due": [[("at", 1)]], "rate": [[("expires_at", 1)]]}

    def setup(self):
        super().setup()
        self.subscriptions = SubscriptionsCache()
        # what handlers record at the same time goes out together: at most one call per worker, no linger
        self.batcher = Batcher(NotificationStore(self.database).enqueue_together, max_items=self.container.max_workers,
                               name="notification.enqueue")

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self.batcher.run, identifier="notification.enqueue")
        self.container.spawn_managed_thread(self._move_single_document_boxes)

    def get_dependency(self, worker_ctx):
        return NotificationStore(self.database, self.subscriptions, self.batcher)

    def _move_single_document_boxes(self):
        """In the background: a box's notices stay readable where they are until they are moved."""
        try:
            moved = NoticeBoxes(self.database).move_single_documents()
        except PyMongoError as error:  # the store is not answering: the next start moves them
            log.warning("notice boxes not moved into pages yet", extra={"error": type(error).__name__})
        else:
            if moved:
                log.info("notice boxes moved into pages", extra={"boxes": moved})


STALE_SEND = timedelta(minutes=5)
# a send takes at most NOTIFY_SEND_TIMEOUT (10 s): a claim this old on a replay-safe channel is a dead worker's
STALE_REPLAY_SAFE_SEND = timedelta(seconds=30)
