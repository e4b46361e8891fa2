"""Notification: tells citizens, officers and subscribed systems what happened to a grievance, by SMS,
email, in-app notices and webhooks, in Bengali, English or Hindi.

Event handlers only decide and record (one delivery per event, recipient and channel, rendered in the
recipient's language); a timer sends what is due (dispatch.py), so a provider outage never blocks the
consumers. identity's one-time passwords come in through `send_sms` and go out at once, through the
same channels.
"""
import hmac
import logging
import secrets
import uuid
from datetime import timedelta

from nameko.timer import timer

from services.notification import planning
from services.notification.dispatch import Sender
from services.notification.domain import recipients, targets
from services.notification.domain.recipients import SMS, Planned, Recipient
from services.notification.schemas import (
    DeliveryReportSchema,
    ListSchema,
    PreferencesSchema,
    SmsSchema,
    SubscriptionChangeSchema,
    SubscriptionSchema,
)
from services.notification.storage import NotificationStorage, utcnow
from shared.actors import ADMIN, CITIZEN, CMO_CELL, OFFICER, STAFF, SUPERVISOR, actor_schema, covers
from shared.catalog import districts
from shared.consumers import reliable_event_handler
from shared.contracts import CASE_EVENTS
from shared.errors import EXPECTED, Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed, validated
from shared.masking import mask_address, mask_contacts_in_text
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService

log = logging.getLogger(__name__)

ROTATION_GRACE = timedelta(hours=24)  # the previous webhook secret keeps signing this long after a rotation
_sms_schema = SmsSchema()
_preferences_schema = PreferencesSchema()
_subscription_schema = SubscriptionSchema()
_subscription_change_schema = SubscriptionChangeSchema()
_list_schema = ListSchema()
_report_schema = DeliveryReportSchema()


class NotificationService(StoreBackedService):
    name = "notification"
    store = NotificationStorage()
    sender = Sender()

    # --- grievance events: decide who hears what, record it ------------------------------------

    @reliable_event_handler("intake", "grievance.#")
    def on_intake_event(self, event):
        self._plan(event)

    @reliable_event_handler("routing", "grievance.#")
    def on_routing_event(self, event):
        self._plan(event)

    def _plan(self, event):
        """Idempotent: each delivery's _id is a hash of (event, recipient, channel), and one that exists
        is never written again, so a replayed event sends nothing twice."""
        mobile = event["data"]["case"]["complainant"].get("mobile") if event["type"] in CASE_EVENTS else None
        preferences = self.store.preferences(recipients.contact_key(mobile)) if mobile else None
        subscriptions = self.store.subscriptions()
        hours = (int(self.config.get("NOTIFY_QUIET_START_HOUR", 21)), int(self.config.get("NOTIFY_QUIET_END_HOUR", 8)))
        planned = planning.deliveries_for(event, utcnow(), preferences, subscriptions, hours)
        queued = sum(self.store.enqueue(d) for d in planned)
        if queued:
            log.info("notifications queued", extra={"event_id": event["id"], "type": event["type"], "count": queued})

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
        self.store.enqueue(delivery)
        self.sender.deliver(delivery["_id"], now)
        return {"queued": True}

    @rpc(expected_exceptions=EXPECTED)
    def sms_report(self, payload, token):
        """The SMS provider reports what became of a message it accepted (its `reference` is our delivery
        id). It proves itself with SMS_REPORT_TOKEN, a shared secret it sends in a header."""
        expected = self.config.get("SMS_REPORT_TOKEN") or ""
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
        self._admin(actor)
        if not mobile:
            raise ValidationFailed("name the number", {"mobile": ["Missing data for required field."]})
        return self.sms_sent(mobile)

    # --- staff notices, citizens' preferences -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def notices(self, params, actor):
        actor = validated(actor_schema, actor)
        if actor["role"] not in STAFF:
            raise Forbidden("notices are for officers, supervisors and the CMO cell")
        limit = validated(_list_schema, params or {})["limit"]
        found = self.store.notices(recipients.inbox_keys_for(actor, districts() + ["state"]), limit)
        return {"notices": [{**n, "at": n["at"].isoformat()} for n in found]}

    @rpc(expected_exceptions=EXPECTED)
    def preferences(self, actor):
        key = self._citizen_key(actor)
        found = self.store.preferences(key) or {"channels": list(recipients.CITIZEN_CHANNELS), "language": None,
                                                "quiet_hours": True}
        found.pop("updated_at", None)
        return found

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, payload, actor):
        key = self._citizen_key(actor)
        preferences = validated(_preferences_schema, payload)
        preferences["channels"] = sorted(set(preferences["channels"]))
        self.store.put_preferences(key, preferences, utcnow())
        return preferences

    # --- the delivery log --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def deliveries_for_case(self, tracking_id, actor):
        """Every message about a case and what became of it. The CMO cell and administrators see the
        addresses; officers and supervisors of the case's department and district see them masked."""
        actor = validated(actor_schema, actor)
        found = self.store.for_case(tracking_id)
        if actor["role"] in (CMO_CELL, ADMIN):
            full = True
        elif actor["role"] in (OFFICER, SUPERVISOR):
            full = False
            found = [d for d in found if _covered(actor, d)]
        else:
            raise Forbidden("the delivery log is for staff")
        if not found:
            raise NotFound(f"no notifications for {tracking_id}")
        if full:  # the addresses in clear: who read them, when (DPDP), beside intake's log of the case
            self.store.log_personal_data_read(tracking_id, actor, utcnow())
        return [_log_view(d, full) for d in found]

    @rpc(expected_exceptions=EXPECTED)
    def personal_data_reads(self, tracking_id, actor):
        """Who read this case's delivery log with the addresses in clear (for the CMO cell)."""
        actor = validated(actor_schema, actor)
        if actor["role"] != CMO_CELL:
            raise Forbidden("the access log is for the CMO cell")
        return [{"tracking_id": tracking_id, **read, "at": read["at"].isoformat(), "what": "delivery_log"}
                for read in self.store.personal_data_reads(tracking_id)]

    # --- administration: webhook subscriptions and dead letters --------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def subscriptions(self, actor):
        self._admin(actor)
        return [_subscription_view(s) for s in self.store.subscriptions()]

    @rpc(expected_exceptions=EXPECTED)
    def create_subscription(self, payload, actor):
        """A system that wants the events. Its signing secret is shown once, in this answer."""
        actor = self._admin(actor)
        request = validated(_subscription_schema, payload)
        self._check_url(request["url"])
        secret, now = self._new_secret(), utcnow()
        subscription = {"_id": request.pop("id"), **request, "active": True, "created_at": now,
                        "created_by": actor["sub"], "secrets": [{"secret": self._seal(secret), "created_at": now,
                                                                 "until": None}]}
        if not self.store.create_subscription(subscription):
            raise Conflict(f"a subscription {subscription['_id']} exists already", {"allowed": ["rotate", "update"]})
        return {**_subscription_view(subscription), "secret": secret}

    @rpc(expected_exceptions=EXPECTED)
    def update_subscription(self, subscription_id, payload, actor):
        self._admin(actor)
        change = validated(_subscription_change_schema, payload)
        if "url" in change:
            self._check_url(change["url"])
        updated = self.store.update_subscription(subscription_id, change)
        if updated is None:
            raise NotFound(f"no subscription {subscription_id}")
        return _subscription_view(updated)

    @rpc(expected_exceptions=EXPECTED)
    def delete_subscription(self, subscription_id, actor):
        self._admin(actor)
        if not self.store.delete_subscription(subscription_id):
            raise NotFound(f"no subscription {subscription_id}")
        return {"deleted": subscription_id}

    @rpc(expected_exceptions=EXPECTED)
    def rotate_subscription_secret(self, subscription_id, actor):
        """A new secret, shown once; the previous one keeps signing (a second v1) for a grace period so the
        subscriber can switch without losing events."""
        self._admin(actor)
        current = self.store.subscription(subscription_id)
        if current is None:
            raise NotFound(f"no subscription {subscription_id}")
        secret, now = self._new_secret(), utcnow()
        kept = [{**s, "until": now + ROTATION_GRACE} for s in current.get("secrets", [])
                if s.get("until") is None][:1]
        updated = self.store.update_subscription(subscription_id, {"secrets": [
            {"secret": self._seal(secret), "created_at": now, "until": None}] + kept})
        return {**_subscription_view(updated), "secret": secret,
                "previous_secret_valid_until": (now + ROTATION_GRACE).isoformat() if kept else None}

    @rpc(expected_exceptions=EXPECTED)
    def dead_letters(self, actor):
        self._admin(actor)
        return [{"id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}, "at": d["at"].isoformat()}
                for d in self.store.dead_letters()]

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letter(self, delivery_id, actor):
        actor = self._admin(actor)
        if not self.store.replay(delivery_id, utcnow(), actor["sub"]):
            raise NotFound(f"no dead letter {delivery_id}")
        return {"replayed": [delivery_id]}

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letters(self, actor):
        actor = self._admin(actor)
        ids = [d["_id"] for d in self.store.dead_letters(limit=10000)]
        return {"replayed": [i for i in ids if self.store.replay(i, utcnow(), actor["sub"])]}

    # --- helpers ------------------------------------------------------------------------------------

    def _admin(self, actor):
        actor = validated(actor_schema, actor)
        if actor["role"] != ADMIN:
            raise Forbidden("only an administrator may do this")
        return actor

    def _citizen_key(self, actor):
        actor = validated(actor_schema, actor)
        if actor["role"] != CITIZEN or not actor.get("mobile"):
            raise Forbidden("notification preferences are for a citizen signed in with a mobile number")
        return recipients.contact_key(actor["mobile"])

    def _development_only(self):
        if self.config.get("SORASORI_ENV") == "production":
            raise Forbidden("the SMS sink exists only in development")

    def _check_url(self, url):
        """Internal targets (loopback, private ranges, cloud metadata) are refused here when the URL names
        them literally; names are checked again at every send, after they are resolved (safe_http.py)."""
        refusal = targets.url_refusal(url, targets.allow_private_targets(self.config))
        if refusal:
            raise ValidationFailed(f"webhook URL refused: {refusal}", {"url": [f"Refused: {refusal}."]})

    def _seal(self, secret):
        if not self.sender.sealer.seals and self.config.get("SORASORI_ENV") == "production":
            raise Conflict("webhook secrets need NOTIFY_SECRET_KEY in production", {"allowed": []})
        return self.sender.sealer.seal(secret)

    @staticmethod
    def _new_secret():
        return "whsec_" + secrets.token_urlsafe(32)


def _covered(actor, delivery):
    scope = delivery.get("scope") or {}
    return covers(actor, scope.get("department"), scope.get("district"))


def _log_view(delivery, full):
    recipient = dict(delivery["recipient"])
    recipient.pop("key", None)
    if not full and recipient["kind"] in ("complainant", "mobile"):
        recipient["address"] = mask_address(recipient["address"])
    message = {k: v for k, v in delivery["message"].items() if k != "body"}
    return {"id": delivery["_id"], "event_type": delivery["event_type"], "template": delivery["template"],
            "channel": delivery["channel"], "recipient": recipient, "language": delivery["language"],
            "state": delivery["state"], "attempts": delivery.get("attempts", 0),
            "message": message if full else {k: v for k, v in message.items() if k in ("language", "encoding")},
            "log": [_step_view(s, full) for s in delivery.get("log", [])],
            "created_at": delivery["created_at"].isoformat()}


def _step_view(step, full):
    """One step of a delivery's history; a provider's answer may quote the address it refused."""
    shown = {**step, "at": step["at"].isoformat()}
    if not full and shown.get("detail"):
        shown["detail"] = mask_contacts_in_text(shown["detail"])
    return shown


def _subscription_view(subscription):
    return {"id": subscription["_id"], "url": subscription["url"], "events": subscription["events"],
            "description": subscription.get("description"), "active": subscription.get("active", True),
            "secrets_in_force": len([s for s in subscription.get("secrets", [])
                                     if s.get("until") is None or s["until"] > utcnow()]),
            "created_at": subscription["created_at"].isoformat()}
