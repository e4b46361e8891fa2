"""The daily digest: at DIGEST_HOUR_IST each supervisor and each member of the CMO cell gets, in their
language, an email with their office's (the state's) open cases overdue, escalated and breached and the 10 most
overdue, and an SMS with the counts. Once per person a day however many replicas run: each takes the
(person, day) with one insert on a unique _id before it plans anything; the deliveries' own ids (a hash of
digest, day, person, channel) would refuse a second copy too.

Where the numbers come from: notification's own record of the cases (staff_store.case_watch), kept from the
routing decisions and intake events it already consumes. It reads no other service's store, and the digest
does not depend on search or the gateway answering at the hour; the price: cases decided before notification
kept these records are not counted until their next decision or event."""
import logging

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.notification import planning
from services.notification.domain import digest, recipients, staff_recipients
from services.notification.domain.recipients import SMS, Planned
from services.notification.staff import StaffStorage
from services.notification.storage import NotificationStorage, utcnow
from shared.settings import SettingsProvider

log = logging.getLogger(__name__)


class DigestRun:
    """One look at the clock: the digests due now that this caller wins the claim of. Safe to run anywhere,
    any number of times at once."""

    def __init__(self, store, staff_store, hour, quiet_hours):
        self.store, self.staff_store, self.hour, self.quiet_hours = store, staff_store, hour, quiet_hours

    def __call__(self, now=None):
        now = now or utcnow()
        day = digest.digest_day(now, self.hour)
        if day is None:
            return 0
        people = [r for role in digest.DIGEST_ROLES for r in self.staff_store.staff_with_role(role)
                  if not staff_recipients.retired(r)]
        cases, sent = None, 0
        for record in people:
            opt_outs = set(record.get("opt_out", []))
            channels = staff_recipients.to_staff(record, "digest", opt_outs, now)
            if not channels or not self.staff_store.claim_digest(record["_id"], day, now):
                continue
            if cases is None:
                cases = self.staff_store.watched_cases()  # read once a run, only by a run that has work
            values = digest.summary(record, cases, now, day)
            for planned in channels:
                self._enqueue(planned, values, day, now)
            sent += 1
        if sent:
            log.info("daily digests planned", extra={"day": day, "people": sent})
        return sent

    def _enqueue(self, planned, values, day, now):
        event_id = f"digest:{day}"
        # the summary line goes at once: the hour is chosen, quiet hours do not hold it
        planned = Planned(planned.recipient, planned.channel, planned.template, planned.language,
                          urgent=planned.channel == SMS)
        self.store.enqueue(planning.new_delivery(
            delivery_id=recipients.delivery_id(event_id, planned.recipient.key, planned.channel),
            event_id=event_id, event_type="notification.digest", planned=planned,
            message=planning.message_for(planned, values), now=now, hours=self.quiet_hours))


class Digests(DependencyProvider):
    """The digest run of this process, remembering the last day it finished: after a complete pass a
    replica stops looking until the next day (a new process looks again; the claims keep it to one each)."""

    def setup(self):
        self.finished_day = None

    def get_dependency(self, worker_ctx):
        return self

    def run(self, store, staff_store, settings, now=None):
        now = now or utcnow()
        day = digest.digest_day(now, settings.digest_hour_ist)
        if day is None or day == self.finished_day:
            return 0
        sent = DigestRun(store, staff_store, settings.digest_hour_ist,
                         (settings.notify_quiet_start_hour, settings.notify_quiet_end_hour))(now)
        self.finished_day = day
        return sent


class Digest:
    store = NotificationStorage()
    staff_store = StaffStorage()
    settings = SettingsProvider()
    digests = Digests()

    @timer(interval=30)
    def send_digests(self):
        self.digests.run(self.store, self.staff_store, self.settings)
