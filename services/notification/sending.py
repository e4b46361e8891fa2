"""Deciding and sending: grievance events become recorded deliveries; a timer sends what is due
(dispatch.py); identity's sign-in codes come in through `send_sms`; the SMS provider's delivery reports;
the development SMS sink."""
import hmac
import logging
import secrets
import uuid

from nameko.timer import timer

from services.notification import planning
from services.notification.access import admin_only
from services.notification.channels import DELIVERED, inbox
from services.notification.dispatch import Sender
from services.notification.domain import digest, recipients, staff_recipients
from services.notification.domain.recipients import SMS, Planned, Recipient
from services.notification.schemas import DeliveryReportSchema, SmsSchema
from services.notification.staff import StaffStorage
from services.notification.storage import NotificationStorage, utcnow
from shared.contracts import CASE_EVENTS, ROUTING_DECISIONS
from shared.errors import EXPECTED, Forbidden, NotFound, Unauthenticated, ValidationFailed, validated
from shared.metrics import count_delivery
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider
from shared.vocabulary import TOP_LEVEL, Level, Role

log = logging.getLogger(__name__)

_sms_schema = SmsSchema()
_report_schema = DeliveryReportSchema()


class Sending:
    store = NotificationStorage()
    staff_store = StaffStorage()
    sender = Sender()
    settings = SettingsProvider()

    # --- grievance events (taken by grievance_events.py): decide who hears what, record it --------

    def _plan(self, event):
        """Idempotent: each delivery's _id is a hash of (event, recipient, channel), and one that exists
        is never written again, so a replayed event sends nothing twice."""
        mobile = None
        if event["type"] in CASE_EVENTS and recipients.complainant_template(event["type"], event["data"]):
            mobile = event["data"]["case"]["complainant"].get("mobile")  # their preferences are read only then
        preferences = self.store.preferences(recipients.contact_key(mobile)) if mobile else None
        subscriptions = self.store.subscriptions()
        hours = (self.settings.notify_quiet_start_hour, self.settings.notify_quiet_end_hour)
        now = utcnow()
        staff, silenced = self._staff_messages(event, now)
        planned = planning.deliveries_for(event, now, preferences, subscriptions, hours,
                                          schema_base_url=self.settings.oidc_issuer,
                                          console_url=self.settings.web_public_url, staff=staff, silenced=silenced)
        at_once = [d for d in planned if planning.goes_at_once(d)]
        for delivery in at_once:  # the notice first: a crash before its record is repaired by the replay
            self.store.put_notice(delivery["recipient"]["address"], inbox.notice(delivery))
        put = {d["_id"] for d in at_once}
        new = self._record_and_send([planning.delivered_at_once(d, now) if d["_id"] in put else d for d in planned],
                                    now)
        for delivery in at_once:
            count_delivery(delivery["channel"], DELIVERED)
        if new:
            log.info("notifications queued", extra={"event_id": event["id"], "type": event["type"], "count": len(new)})

    def _record_and_send(self, deliveries, now, wait=False):
        """Record the deliveries, those due now claimed in their insert, and send the ones this insert made (a
        replay's insert is refused, so it sends nothing); `wait`: until they are sent. The ids made."""
        written = self.sender.taken(deliveries, now)
        new = set(self.store.enqueue_new(written, self.sender.marks_at(written)))
        self.sender.send_claimed([d for d in written if d["state"] == "sending" and d["_id"] in new], now, wait=wait)
        return new

    def _staff_messages(self, event, now):
        """The case as notification knows it is brought up to date when it opens or stops (all the digest
        counts from it: whether it is open, and routing's decisions); a routing
        decision's SMS and email to the staff it concerns, by the directory; a retired officer's notice box
        silenced."""
        if event["type"] in CASE_EVENTS:
            if digest.moves_open_flag(event["data"]["case"]["status"]):
                self.staff_store.record_case_status(event["data"]["case"])
            return [], frozenset()
        if event["type"] not in ROUTING_DECISIONS:
            return [], frozenset()
        decision = event["data"]
        if not staff_recipients.heard_by_staff(event["type"]):
            if not decision.get("assigned_seq"):  # else its `assigned`, the same assignment, is kept when it comes
                self.staff_store.record_decision(decision)
            return [], frozenset()
        self.staff_store.record_decision(decision, breached=event["type"] == "grievance.sla_breached")
        previous = decision.get("previous_officer_id")  # absent on decisions published before routing named it
        level = decision.get("level") or 1
        moved = previous and previous != decision["officer_id"]  # only then is the one before told
        directory = {"officer": self.staff_store.staff(decision["officer_id"]),
                     "previous": self.staff_store.staff(previous) if moved else None}
        if event["type"] == "grievance.escalated" and level in (Level.DISTRICT, Level.DEPARTMENT):
            directory["supervisors"] = self.staff_store.staff_with_role(Role.SUPERVISOR)
        if event["type"] == "grievance.sla_breached" or (event["type"] == "grievance.escalated" and level >= TOP_LEVEL):
            directory["cell"] = self.staff_store.staff_with_role(Role.CMO_CELL)
        people = [r for group in directory.values() for r in (group if isinstance(group, list) else [group]) if r]
        opt_outs = {r["_id"]: r.get("opt_out", []) for r in people}
        planned = staff_recipients.plan(event["type"], decision, previous, directory, opt_outs, now)
        officer = directory["officer"]
        silenced = frozenset({recipients.inbox_key(Role.OFFICER, officer["_id"])}
                             if officer and staff_recipients.retired(officer) else ())
        return planned, silenced

    # --- sending ---------------------------------------------------------------------------------

    @timer(interval=1)
    def send_due(self):
        self.sender.run()
        if secrets.randbelow(60) == 0:
            self.store.forget_old_counters(utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def send_sms(self, message):
        """identity's sign-in codes: urgent (no quiet hours, no rate limit here: identity limits them), sent
        at once; if the provider fails, retried like any other delivery."""
        message = validated(_sms_schema, message)
        mobile, now = message["to"][-10:], utcnow()
        planned = Planned(Recipient("mobile", recipients.contact_key(mobile), mobile), SMS, "otp",
                          message["language"], urgent=True)
        event_id = f"otp:{uuid.uuid4().hex}"
        delivery = planning.new_delivery(
            delivery_id=recipients.delivery_id(event_id, planned.recipient.key, SMS), event_id=event_id,
            event_type="identity.otp", planned=planned, message=planning.message_for(planned, message["params"]),
            now=now)
        self._record_and_send([delivery], now, wait=True)
        return {"queued": True}

    @rpc(expected_exceptions=EXPECTED)
    def sms_report(self, payload, token):
        """The SMS provider reports what became of a message it accepted (its `reference` is our delivery
        id). It proves itself with SMS_REPORT_TOKEN, a shared secret it sends in a header."""
        expected = self.settings.sms_report_token or ""
        if not expected or not hmac.compare_digest(str(token or "").encode(), str(expected).encode()):
            raise Unauthenticated("an SMS delivery report needs the provider's token")
        report = validated(_report_schema, payload)
        detail = f"provider report: {report['status']}" + (f": {report['answer']}" if report["answer"] else "")
        if not self.store.record_report(report["reference"], report["status"], utcnow(), detail):
            raise NotFound(f"no SMS awaiting a report: {report['reference']}")
        return {"recorded": report["status"]}

    # --- development SMS sink ----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def sms_sent(self, mobile):
        """What the development sink holds for a number, newest first (development only)."""
        self._development_only()
        return [{**m, "at": m["at"].isoformat()} for m in self.store.sms_sent(mobile)]

    @rpc(expected_exceptions=EXPECTED)
    def sms_sink(self, mobile, actor):
        admin_only(actor)
        if not mobile:
            raise ValidationFailed("name the number", {"mobile": ["Missing data for required field."]})
        return self.sms_sent(mobile)

    def _development_only(self):
        if self.settings.sorasori_env == "production":
            raise Forbidden("the SMS sink exists only in development")
