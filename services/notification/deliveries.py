"""The delivery log of a case (what was sent, to whom, what became of it) and who read it in clear."""
from services.notification.domain.recipients import EMAIL, SMS
from services.notification.storage import NotificationStorage, utcnow
from shared.actors import actor_schema, covers
from shared.authz import allowed, authorised
from shared.errors import EXPECTED, Forbidden, NotFound, validated
from shared.masking import mask_address, mask_contacts_in_text
from shared.resilient_rpc import rpc

CONTACT_CHANNELS = (SMS, EMAIL)


class DeliveryLog:
    store = NotificationStorage()

    @rpc(expected_exceptions=EXPECTED)
    def deliveries_for_case(self, tracking_id, actor):
        """Every message about a case and what became of it. The CMO cell and administrators see the
        addresses; officers and supervisors of the case's department and district see them masked."""
        actor = validated(actor_schema, actor)
        found = self.store.for_case(tracking_id)
        if allowed(actor, "deliveries.read_in_clear"):
            full = True
        elif allowed(actor, "cases.read_in_scope"):
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
        actor = authorised(actor, "cases.personal_data_reads")
        return [{"tracking_id": tracking_id, **read, "at": read["at"].isoformat(), "what": "delivery_log"}
                for read in self.store.personal_data_reads(tracking_id)]


def _covered(actor, delivery):
    scope = delivery.get("scope") or {}
    return covers(actor, scope.get("department"), scope.get("district"))


def _log_view(delivery, full):
    recipient = dict(delivery["recipient"])
    recipient.pop("key", None)
    # a mobile number or email address, the complainant's or a staff member's: masked for other staff
    if not full and (recipient["kind"] in ("complainant", "mobile") or delivery["channel"] in CONTACT_CHANNELS):
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
