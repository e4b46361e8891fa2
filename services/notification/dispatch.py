"""The sender: takes due deliveries (from the small `due` collection, by _id), claims each atomically so
two workers never send the same one, sends it through its channel, and records the outcome: sent or
delivered; a retry later with exponential backoff and jitter; after the last attempt (or a final
refusal) the dead-letter store. Event consumers only write deliveries, so a provider outage slows this
loop, never them."""
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
from services.notification.storage import STALE_SEND, NotificationStore, utcnow
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


SOON_SECONDS = 0.2  # how long a message just queued waits for a run: the ones queued meanwhile go with it


class Dispatcher:
    def __init__(self, store, channels, settings, sealer, spawn=eventlet.spawn):
        self.store, self.channels, self.settings, self.sealer = store, channels, settings, sealer
        self.spawn = spawn  # the container's managed threads in the service
        self.running = Semaphore(1)
        self.run_pending = False  # a run asked for by run_soon and not yet begun
        self.pool = eventlet.GreenPool(settings.concurrency)
        self.replay_safe = {name for name, channel in channels.items() if getattr(channel, "replay_safe", False)}
        self.in_flight = {}  # delivery id -> the claimed delivery, while its channel is sending it

    def run_soon(self):
        """Messages were just queued: a run in SOON_SECONDS (after the one under way, if any), not at the
        timer's next tick (up to a second away). Asked for again before it begins, it is the same run."""
        if self.run_pending:
            return
        self.run_pending = True
        self.spawn(self._run_soon)

    def _run_soon(self):
        eventlet.sleep(SOON_SECONDS)
        self.run_pending = False
        self.run(wait=True)

    def run(self, now=None, wait=False):
        """Send what is due; one run at a time per process (others are safe: claims are atomic). The timer's
        run is skipped while one is under way; a run asked for by `run_soon` (`wait`) follows it."""
        if not self.running.acquire(blocking=wait):
            return 0
        try:
            now = now or utcnow()
            ids = self.store.due_ids(now, self.settings.batch)
            settled = []  # the finished deliveries' due marks, dropped together at the end of the run
            try:
                return sum(1 for sent in self.pool.imap(lambda i: self.deliver(i, now, settled), ids) if sent)
            finally:
                self.store.drop_due_marks(settled)
        finally:
            self.running.release()

    def deliver(self, delivery_id, now=None, settled=None):
        """Send one delivery if it is due; True when it went out. A stopping process claims nothing more:
        what is not claimed stays due for the next start. `settled`: see NotificationStore.finish."""
        if draining():
            return False
        now = now or utcnow()
        delivery = self.store.claim(delivery_id, now)
        if delivery is None:
            self.store.settle_due(delivery_id, now, STALE_SEND, self.replay_safe)
            return False
        self.in_flight[delivery_id] = delivery  # left there if this thread is killed (abandon_in_flight)
        try:
            sent = self._send(delivery, now, settled)
        except Exception as error:  # a bug or the store failing mid-way: the delivery must not stay claimed
            # the stack without the exception's message, which may quote the recipient's address
            log.error("sending a notification failed", extra={
                "delivery_id": delivery_id, "error": mask_contacts_in_text(f"{type(error).__name__}: {error}"),
                "stack": "".join(traceback.format_tb(error.__traceback__))})
            self._failed(delivery, utcnow(), f"{type(error).__name__}: {error}"[:200], final=False, settled=settled)
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
        for delivery in list(self.in_flight.values()):
            self._finish(delivery, "dead_letter", now, detail=INTERRUPTED, attempts=delivery.get("attempts", 0) + 1)
            log.warning("notification interrupted while sending", extra={"delivery_id": delivery["_id"]})
        self.in_flight.clear()

    def _send(self, delivery, now, settled=None):
        if self._over_rate_limit(delivery, now):
            return False
        outcome = self.channels[delivery["channel"]].send(delivery)
        done = utcnow()
        if outcome.status in (SENT, DELIVERED):
            extra = {"provider_id": outcome.provider_id} if outcome.provider_id else {}
            if delivery["template"] == "otp":
                extra["message.text"], extra["message.parts"] = REDACTED_OTP, []
            self._finish(delivery, outcome.status, done, detail=outcome.answer,
                         attempts=delivery.get("attempts", 0) + 1, settled=settled, **extra)
            log.info("notification sent", extra={"delivery_id": delivery["_id"], "channel": delivery["channel"],
                                                 "to": mask_address(delivery["recipient"]["address"])})
            return True
        self._failed(delivery, done, outcome.answer, final=outcome.status == FAILED, settled=settled)
        return False

    def _failed(self, delivery, now, answer, final, settled=None):
        attempts = delivery.get("attempts", 0) + 1
        verdict = "dead_letter" if final else schedule.retry_or_give_up(attempts, self.settings.max_attempts)
        if verdict == "dead_letter":
            self._finish(delivery, "dead_letter", now, detail=answer, attempts=attempts, settled=settled)
            log.warning("notification dead-lettered", extra={"delivery_id": delivery["_id"],
                                                             "answer": mask_contacts_in_text(answer),
                                                             "channel": delivery["channel"], "attempts": attempts})
            return
        wait = schedule.backoff(attempts, self.settings.retry_base, self.settings.retry_cap)
        self._finish(delivery, "retry", now, detail=answer, attempts=attempts,
                     not_before=now + timedelta(seconds=wait))

    def _finish(self, delivery, outcome, now, **fields):
        self.store.finish(delivery, outcome, now, **fields)
        count_delivery(delivery.get("channel"), outcome)

    def _over_rate_limit(self, delivery, now):
        if delivery["channel"] not in (SMS, EMAIL) or delivery.get("urgent"):
            return False
        start, end = schedule.rate_window(now, self.settings.rate_window)
        count = self.store.count_send(delivery["recipient"]["key"], delivery["channel"], start, end)
        if not schedule.rate_limited(count, self.settings.rate_limit, delivery.get("urgent")):
            return False
        held = schedule.held_until(count, self.settings.rate_limit, end, self.settings.rate_window)
        window = "the next window" if held == end else f"the window that begins {held:%Y-%m-%d %H:%M} UTC"
        self._finish(delivery, "deferred", now, not_before=held,
                     detail=f"more than {self.settings.rate_limit} messages to this recipient in "
                            f"{self.settings.rate_window // 60} minutes: held for {window}")
        return True


class Sender(MongoClientProvider):
    """Gives the service its dispatcher, over the service's own database, with the channels configured."""

    def setup(self):
        config = self.container.config
        store = NotificationStore(self.open_database())
        settings = Settings(config)
        sealer = Sealer(settings_of(config).notify_secret_key)
        self.dispatcher = Dispatcher(store, build_channels(config, store, sealer, settings.timeout), settings, sealer,
                                     spawn=self.container.spawn_managed_thread)

    def get_dependency(self, worker_ctx):
        return self.dispatcher

    def stop(self):
        """Runs after the workers finished or were killed (kill comes here too): a send
        still in flight now was cut by the shutdown."""
        try:
            self.dispatcher.abandon_in_flight()
        except Exception:
            log.exception("could not record the sends a shutdown interrupted")
        super().stop()
