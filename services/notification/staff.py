"""The staff as notification knows them: identity's officer directory (`staff.changed`: contacts, language,
office, status), kept in notification's own store, and each staff member's opt-outs (SMS, email)."""
import logging

from pymongo.errors import PyMongoError

from services.notification.schemas import StaffPreferencesSchema
from services.notification.staff_store import StaffStore
from services.notification.storage import utcnow
from shared.authz import authorised
from shared.consumers import reliable_event_handler
from shared.errors import EXPECTED, validated
from shared.mongo import MongoDatabase
from shared.resilient_rpc import rpc

log = logging.getLogger(__name__)
_preferences_schema = StaffPreferencesSchema()


class StaffStorage(MongoDatabase):
    def start(self):
        super().start()
        try:
            StaffStore(self.database).move_preferences_into_staff(utcnow())
        except PyMongoError as error:  # the store is not answering yet: the next start moves them
            log.warning("staff opt-outs not moved yet", extra={"error": type(error).__name__})

    def get_dependency(self, worker_ctx):
        return StaffStore(self.database)


def staff_record(data):
    """The directory's record as kept: the event's whole record (events stand alone)."""
    return {"_id": data["staff_id"], "seq": data["seq"], "name": data["name"], "role": data["role"],
            "office": dict(data["office"]), "contacts": dict(data["contacts"]), "status": dict(data["status"])}


class StaffDirectory:
    staff_store = StaffStorage()

    @reliable_event_handler("identity", "staff.changed")
    def on_staff_changed(self, event):
        """Idempotent without a marker: a record is kept only over a lower seq, so a replay or an older event
        arriving late changes nothing."""
        kept = self.staff_store.put_staff(staff_record(event["data"]))
        log.info("staff directory entry", extra={"staff_id": event["data"]["staff_id"], "seq": event["data"]["seq"],
                                                 "kept": kept})

    @rpc(expected_exceptions=EXPECTED)
    def staff_preferences(self, actor):
        actor = authorised(actor, "notices.read")
        found = self.staff_store.staff_preferences(actor["sub"]) or {"opt_out": []}
        return {"opt_out": found["opt_out"]}

    @rpc(expected_exceptions=EXPECTED)
    def set_staff_preferences(self, payload, actor):
        """Turn SMS or email off (or on again) for oneself; in-app notices always stay."""
        actor = authorised(actor, "notices.read")
        preferences = validated(_preferences_schema, payload)
        preferences["opt_out"] = sorted(set(preferences["opt_out"]))
        self.staff_store.put_staff_preferences(actor["sub"], preferences, utcnow())
        return preferences
