"""A citizen's notification preferences: channels, language, quiet hours."""
from services.notification.domain import recipients
from services.notification.schemas import PreferencesSchema
from services.notification.storage import NotificationStorage, utcnow
from shared.actors import actor_schema
from shared.authz import allowed
from shared.errors import EXPECTED, Forbidden, validated
from shared.resilient_rpc import rpc

_preferences_schema = PreferencesSchema()


class Preferences:
    store = NotificationStorage()

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

    @staticmethod
    def _citizen_key(actor):
        actor = validated(actor_schema, actor)
        if not allowed(actor, "cases.act_as_citizen") or not actor.get("mobile"):
            raise Forbidden("notification preferences are for a citizen signed in with a mobile number")
        return recipients.contact_key(actor["mobile"])
