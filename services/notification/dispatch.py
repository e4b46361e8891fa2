"""The sender: takes due deliveries (from the small `due` collection, by _id), claims each atomically so
two workers never send the same one, sends it through its channel, and records the outcome: sent or
delivered; a retry later with exponential backoff and jitter; after the last attempt (or a final
refusal) the dead-letter store. A message due now is claimed in its own insert and sent at once by the
process that wrote it (no claim, no run to wait for); only while the sender's pool has room, so a provider
outage fills the pool, and then the events' handlers only write deliveries for the runs to send."""
import logging
import traceback
from datetime import timedelta

import eventlet
from eventlet.semaphore import Semaphore

from services.notification.channels import DELIVERED, FAILED, SENT
from services.notification.channels.email import SmtpEmail
from services.notification.channels.inbox import InboxChannel
from services.notification.channels.safe_http import SafeHttp
from services.notification.channels.sms import HttpSmsProvider, NoSmsProvider, SmsSink, dlt_template_ids
from services.notification.channels.webhook import WebhookChannel
from services.notification.domain import schedule, targets
from services.notification.domain.recipients import EMAIL, INBOX, SMS, WEBHOOK
from services.notification.secrets_at_rest import Sealer
from services.notification.storage import (
    STALE_REPLAY_SAFE_SEND,
    STALE_SEND,
    Mark,
    NotificationStore,
    claimed_at_insert,
    utcnow,
)
from shared.batching import Batcher
from shared.masking import mask_address, mask_contacts_in_text
from shared.metrics import count_delivery
from shared.mongo import MongoClientProvider
from shared.settings import settings_of
from shared.shutdown import draining

log = logging.getLogger(__name__)

REDACTED_OTP = "(one-time code: removed from the log once sent)"
INTERRUPTED = "interrupted by a shutdown while sending: it may have gone out"


class Settings:
    """The dispatcher's settings under short names (checked and defaulted in shared/settings.py)."""

    def __init__(self, config):
        settings = settings_of(config)
        self.max_attempts = settings.notify_max_attempts
        self.retry_base = settings.notify_retry_base_seconds
        self.retry_cap = settings.notify_retry_max_seconds
        self.rate_limit = settings.notify_rate_limit
        self.rate_window = settings.notify_rate_window_seconds
        self.batch = settings.notify_send_batch
        self.concurrency = settings.notify_send_concurrency
        self.timeout = settings.notify_send_timeout


def build_channels(config, store, sealer, timeout):
    settings = settings_of(config)
    dlt = dlt_template_ids(settings.sms_dlt_template_ids)
    if settings.sms_provider_url:
        sms = HttpSmsProvider(settings.sms_provider_url, settings.sms_provider_user,
                              settings.sms_provider_key, settings.sms_sender_id, dlt, timeout)
    elif settings.sorasori_env == "production":
        log.error("no SMS_PROVIDER_URL in production: SMS deliveries will be dead-lettered")
        sms = NoSmsProvider()
    else:
        sms = SmsSink(store, dlt)
    email = SmtpEmail(settings.smtp_host, settings.smtp_port, settings.mail_from, settings.smtp_user,
                      settings.smtp_password, settings.smtp_starttls, timeout, settings.smtp_ca_file)

    def subscription(subscription_id):
        found = store.subscription(subscription_id)
        if found is not None:
            found["secrets"] = [sealer.open(s["secret"]) for s in found.get("secrets", [])
                                if s.get("until") is None or s["until"] > utcnow()]
        return found

    http = SafeHttp(targets.allow_private_targets(config), timeout, ca_file=settings.webhook_ca_file)
    return {SMS: sms, EMAIL: email, WEBHOOK: WebhookChannel(subscription, http), INBOX: InboxChannel(store)}


class Dispatcher:
    def __init__(self, store, channels, settings, sealer):
        self.store, self.channels, self.settings, self.sealer = store, channels, settings, sealer
        self.running = Semaphore(1)
        self.pool = eventlet.GreenPool(settings.concurrency)
        self.replay_safe = {name for name, channel in channels.items() if getattr(channel, "replay_safe", False)}
        self.in_flight = {}  # delivery id -> (the claimed delivery, its Mark), while its channel is sending it
        self.settled_later = []  # due marks of deliveries sent as claimed at insert: the next run drops them

    # --- a message due now: claimed in its own insert, sent by the handler that wrote it ---------

    def taken(self, deliveries, now):
        """The deliveries to insert. Those due now are claimed in the insert itself (the unique insert is the
        claim: whoever wrote it sends it, with no run to wait for and no claim of its own), as many as the
        sender's pool has room for; any other as planned (deferred to the end of quiet hours; beyond the pool's
        room, a provider being slow: the runs send it; or this process is stopping: the next start sends it)."""
        room = 0 if draining() else self.pool.free()
        written = []
        for delivery in deliveries:
            if delivery["state"] == "queued" and room > 0:
                room -= 1
                delivery = claimed_at_insert(delivery, now)
            written.append(delivery)
        return written

    def marks_at(self, deliveries):
        """When the due marks of the deliveries claimed at insert fall due: when each claim goes stale, should this
        process die before it is sent (the sender then settles it: settle_due)."""
        return {d["_id"]: d["claimed_at"] + (STALE_REPLAY_SAFE_SEND if d["channel"] in self.replay_safe else STALE_SEND)
                for d in deliveries if d["state"] == "sending"}

    def send_claimed(self, deliveries, now, wait=False):
        """Send deliveries this process inserted claimed (`taken`), in the sender's pool (so a slow provider
        holds at most its concurrency); with `wait`, return how many went out once all are done."""
        threads = [self.pool.spawn(self._send_claimed, delivery, now, Mark(delivery["_id"], self.settled_later))
                   for delivery in deliveries]
        return sum(1 for thread in threads if thread.wait()) if wait else None

    # --- what is due: the timer's runs ------------------------------------------------------------

    def run(self, now=None):
        """Send what is due; one run at a time per process (others are safe: claims are atomic); the
        timer's run is skipped while one is under way. Drops the due marks of what was sent since the last run."""
        if not self.running.acquire(blocking=False):
            return 0
        try:
            now = now or utcnow()
            settled = []  # the due marks of the deliveries this run finishes
            try:
                marks = self.store.due_marks(now, self.settings.batch)
                return sum(1 for sent in self.pool.imap(
                    lambda due: self.deliver(due[1], now, Mark(due[0], settled)), marks) if sent)
            finally:
                # with those sent at insert since the last run (taken and cleared with no switch between:
                # a send finishing meanwhile adds its mark to the list the next run takes)
                settled += self.settled_later
                self.settled_later.clear()
                self.store.drop_due_marks(settled)  # together, at the end of the run
        finally:
            self.running.release()

    def deliver(self, delivery_id, now=None, mark=None):
        """Send one delivery if it is due; True when it went out. A stopping process claims nothing more:
        what is not claimed stays due for the next start. `mark`: the due mark it is sent for (by default its
        own, dropped once it is finished): see NotificationStore.finish."""
        if draining():
            return False
        now, mark = now or utcnow(), mark or Mark(delivery_id)
        delivery = self.store.claim(delivery_id, now)
        if delivery is None:
            self.store.settle_due(mark.id, delivery_id, now, STALE_SEND, self.replay_safe)
            return False
        return self._send_claimed(delivery, now, mark)

    def _send_claimed(self, delivery, now, mark):
        delivery_id = delivery["_id"]
        self.in_flight[delivery_id] = delivery, mark  # left there if this thread is killed (abandon_in_flight)
        try:
            sent = self._send(delivery, now, mark)
        except Exception as error:  # a bug or the store failing mid-way: the delivery must not stay claimed
            # the stack without the exception's message, which may quote the recipient's address
            log.error("sending a notification failed", extra={
                "delivery_id": delivery_id, "error": mask_contacts_in_text(f"{type(error).__name__}: {error}"),
                "stack": "".join(traceback.format_tb(error.__traceback__))})
            self._failed(delivery, utcnow(), f"{type(error).__name__}: {error}"[:200], final=False, mark=mark)
            sent = False
        self.in_flight.pop(delivery_id, None)
        return sent

    def abandon_in_flight(self):
        """The process is being killed with sends still in flight: stop them and dead-letter each at once
        (it may or may not have gone out, so an administrator decides, as for a worker that died, but
        now rather than when its claim goes stale)."""
        for thread in list(self.pool.coroutines_running):
            thread.kill()
        now = utcnow()
        for delivery, mark in list(self.in_flight.values()):  # its mark dropped now: the run that held it is gone
            self._finish(delivery, "dead_letter", now, detail=INTERRUPTED, attempts=delivery.get("attempts", 0) + 1,
                         mark=Mark(mark.id), alone=True)
            log.warning("notification interrupted while sending", extra={"delivery_id": delivery["_id"]})
        self.in_flight.clear()

    def _send(self, delivery, now, mark):
        if self._over_rate_limit(delivery, now, mark):
            return False
        outcome = self.channels[delivery["channel"]].send(delivery)
        done = utcnow()
        if outcome.status in (SENT, DELIVERED):
            extra = {"provider_id": outcome.provider_id} if outcome.provider_id else {}
            if delivery["template"] == "otp":
                extra["message.text"], extra["message.parts"] = REDACTED_OTP, []
            # an urgent one (a sign-in code) has its sender waiting (send_sms): recorded at once
            self._finish(delivery, outcome.status, done, detail=outcome.answer,
                         attempts=delivery.get("attempts", 0) + 1, mark=mark, alone=bool(delivery.get("urgent")),
                         **extra)
            log.info("notification sent", extra={"delivery_id": delivery["_id"], "channel": delivery["channel"],
                                                 "to": mask_address(delivery["recipient"]["address"])})
            return True
        self._failed(delivery, done, outcome.answer, final=outcome.status == FAILED, mark=mark)
        return False

    def _failed(self, delivery, now, answer, final, mark):
        attempts = delivery.get("attempts", 0) + 1
        verdict = "dead_letter" if final else schedule.retry_or_give_up(attempts, self.settings.max_attempts)
        if verdict == "dead_letter":
            self._finish(delivery, "dead_letter", now, detail=answer, attempts=attempts, mark=mark)
            log.warning("notification dead-lettered", extra={"delivery_id": delivery["_id"],
                                                             "answer": mask_contacts_in_text(answer),
                                                             "channel": delivery["channel"], "attempts": attempts})
            return
        wait = schedule.backoff(attempts, self.settings.retry_base, self.settings.retry_cap)
        self._finish(delivery, "retry", now, detail=answer, attempts=attempts,
                     not_before=now + timedelta(seconds=wait), mark=mark)

    def _finish(self, delivery, outcome, now, **fields):
        self.store.finish(delivery, outcome, now, **fields)
        count_delivery(delivery.get("channel"), outcome)

    def _over_rate_limit(self, delivery, now, mark):
        if delivery["channel"] not in (SMS, EMAIL) or delivery.get("urgent"):
            return False
        start, end = schedule.rate_window(now, self.settings.rate_window)
        count = self.store.count_send(delivery["recipient"]["key"], delivery["channel"], start, end)
        if not schedule.rate_limited(count, self.settings.rate_limit, delivery.get("urgent")):
            return False
        held = schedule.held_until(count, self.settings.rate_limit, end, self.settings.rate_window)
        window = "the next window" if held == end else f"the window that begins {held:%Y-%m-%d %H:%M} UTC"
        self._finish(delivery, "deferred", now, not_before=held, mark=mark,
                     detail=f"more than {self.settings.rate_limit} messages to this recipient in "
                            f"{self.settings.rate_window // 60} minutes: held for {window}")
        return True


SENDS_GRACE_SECONDS = 2.0  # within the process's shutdown grace (shared/shutdown.py)


class Sender(MongoClientProvider):
    """Gives the service its dispatcher, over the service's own database, with the channels configured."""

    def setup(self):
        config = self.container.config
        database = self.open_database()
        settings = Settings(config)
        # what sends finish while the previous record is being written goes together, with no wait of its own: a
        # send holds its place in the pool until it is recorded, and a full pool leaves new messages to the runs
        self.finishes = Batcher(NotificationStore(database).finish_together, max_items=settings.concurrency,
                                name="notification.finish")
        store = NotificationStore(database, finishes=self.finishes)
        sealer = Sealer(settings_of(config).notify_secret_key)
        self.dispatcher = Dispatcher(store, build_channels(config, store, sealer, settings.timeout), settings, sealer)

    def start(self):
        self.container.spawn_managed_thread(self.finishes.run, identifier="notification.finish")

    def get_dependency(self, worker_ctx):
        return self.dispatcher

    def stop(self):
        """A graceful stop, after the workers finished: the sends their handlers began (and did not wait for)
        get up to SENDS_GRACE_SECONDS to end."""
        with eventlet.Timeout(SENDS_GRACE_SECONDS, False):
            self.dispatcher.pool.waitall()
        self._abandon_in_flight()
        super().stop()

    def kill(self):
        self._abandon_in_flight()
        super().stop()  # the client's release, without stop's wait for the sends

    def _abandon_in_flight(self):
        """A send still in flight now was cut by the shutdown."""
        try:
            self.dispatcher.abandon_in_flight()
        except Exception:
            log.exception("could not record the sends a shutdown interrupted")
