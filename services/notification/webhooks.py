"""Webhook subscriptions of other systems: register, change, remove, rotate the signing secret (shown once;
sealed at rest). Administrators manage all; a machine client whose token has `events:subscribe` its own
(another's answers 404). Each subscription takes the public events (shared/public_events.py) of the types,
departments and districts it names."""
from datetime import timedelta

from nameko.dependency_providers import Config

from services.notification.access import sees_every_subscription, subscription_manager
from services.notification.dispatch import Sender
from services.notification.domain import signing, targets
from services.notification.schemas import SubscriptionChangeSchema, SubscriptionSchema
from services.notification.storage import NotificationStorage, utcnow
from shared.errors import EXPECTED, Conflict, NotFound, ValidationFailed, validated
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider

ROTATION_GRACE = timedelta(hours=24)  # the previous webhook secret keeps signing this long after a rotation
_subscription_schema = SubscriptionSchema()
_subscription_change_schema = SubscriptionChangeSchema()


class Webhooks:
    store = NotificationStorage()
    sender = Sender()  # its sealer seals the signing secrets
    config = Config()
    settings = SettingsProvider()

    @rpc(expected_exceptions=EXPECTED)
    def subscriptions(self, actor):
        actor = subscription_manager(actor)
        return [_subscription_view(s) for s in self.store.subscriptions()
                if sees_every_subscription(actor) or s.get("created_by") == actor["sub"]]

    @rpc(expected_exceptions=EXPECTED)
    def create_subscription(self, payload, actor):
        """A system that wants the events. Its signing secret is shown once, in this answer."""
        actor = subscription_manager(actor)
        request = validated(_subscription_schema, payload)
        self._check_url(request["url"])
        secret, now = signing.new_secret(), utcnow()
        subscription = {"_id": request.pop("id"), **request, "active": True, "created_at": now, "secrets_version": 0,
                        "created_by": actor["sub"], "secrets": [{"secret": self._seal(secret), "created_at": now,
                                                                 "until": None}]}
        if not self.store.create_subscription(subscription):
            raise Conflict(f"a subscription {subscription['_id']} exists already", {"allowed": ["rotate", "update"]})
        return {**_subscription_view(subscription), "secret": secret}

    @rpc(expected_exceptions=EXPECTED)
    def update_subscription(self, subscription_id, payload, actor):
        self._own_subscription(subscription_id, subscription_manager(actor))
        change = validated(_subscription_change_schema, payload)
        if "url" in change:
            self._check_url(change["url"])
        updated = self.store.update_subscription(subscription_id, change)
        if updated is None:
            raise NotFound(f"no subscription {subscription_id}")
        return _subscription_view(updated)

    @rpc(expected_exceptions=EXPECTED)
    def delete_subscription(self, subscription_id, actor):
        self._own_subscription(subscription_id, subscription_manager(actor))
        if not self.store.delete_subscription(subscription_id):
            raise NotFound(f"no subscription {subscription_id}")
        return {"deleted": subscription_id}

    @rpc(expected_exceptions=EXPECTED)
    def rotate_subscription_secret(self, subscription_id, actor):
        """A new secret, shown once; the previous one keeps signing (a second v1) for a grace period so the
        subscriber can switch without losing events."""
        current = self._own_subscription(subscription_id, subscription_manager(actor))
        secret, now = signing.new_secret(), utcnow()
        kept = [{**s, "until": now + ROTATION_GRACE} for s in current.get("secrets", [])
                if s.get("until") is None][:1]
        updated = self.store.replace_secrets(subscription_id, current.get("secrets_version", 0), [
            {"secret": self._seal(secret), "created_at": now, "until": None}] + kept)
        if updated is None:
            raise Conflict("another rotation of this subscription's secret came first; its secret is the one in "
                           "force: rotate again if you need another", {"allowed": ["rotate"]})
        return {**_subscription_view(updated), "secret": secret,
                "previous_secret_valid_until": (now + ROTATION_GRACE).isoformat() if kept else None}

    def _own_subscription(self, subscription_id, actor):
        found = self.store.subscription(subscription_id)
        if found is None or not (sees_every_subscription(actor) or found.get("created_by") == actor["sub"]):
            raise NotFound(f"no subscription {subscription_id}")
        return found

    def _check_url(self, url):
        """Internal targets (loopback, private ranges, cloud metadata) are refused here when the URL names
        them literally; names are checked again at every send, after they are resolved (safe_http.py)."""
        refusal = targets.url_refusal(url, targets.allow_private_targets(self.config))
        if refusal:
            raise ValidationFailed(f"webhook URL refused: {refusal}", {"url": [f"Refused: {refusal}."]})

    def _seal(self, secret):
        if not self.sender.sealer.seals and self.settings.sorasori_env == "production":
            raise Conflict("webhook secrets need NOTIFY_SECRET_KEY in production", {"allowed": []})
        return self.sender.sealer.seal(secret)


def _subscription_view(subscription):
    return {"id": subscription["_id"], "url": subscription["url"], "events": subscription["events"],
            "departments": subscription.get("departments", ["*"]), "districts": subscription.get("districts", ["*"]),
            "created_by": subscription.get("created_by"), "description": subscription.get("description"), "active": subscription.get("active", True),
            "secrets_in_force": len([s for s in subscription.get("secrets", [])
                                     if s.get("until") is None or s["until"] > utcnow()]),
            "created_at": subscription["created_at"].isoformat()}
