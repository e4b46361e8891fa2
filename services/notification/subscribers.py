"""Subscriber accounts of the public event stream: a system that reads the stream gets a RabbitMQ user of its
own on the public vhost, limited to its departments and districts (domain/stream_access.py). Administrators
manage every subscriber; a machine client whose token has `events:subscribe` creates, sees and revokes its own
(another's answers 404, as if it did not exist), at most SUBSCRIBERS_PER_CLIENT at a time. The password is shown once, in the creating answer; the
platform keeps none of it (RabbitMQ keeps its own salted hash)."""
import logging
import secrets
from urllib.parse import quote

from services.notification.access import sees_every_subscription, subscription_manager
from services.notification.broker_accounts import SubscriberBroker
from services.notification.domain import stream_access
from services.notification.schemas import SubscriberSchema
from services.notification.storage import NotificationStorage, utcnow
from shared.errors import EXPECTED, Conflict, NotFound, validated
from shared.public_events import EXCHANGE
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider

log = logging.getLogger(__name__)

PROVISIONING, ACTIVE, REVOKING, REVOKED = "provisioning", "active", "revoking", "revoked"
_subscriber_schema = SubscriberSchema()


class Subscribers:
    store = NotificationStorage()
    broker_accounts = SubscriberBroker()
    settings = SettingsProvider()

    @rpc(expected_exceptions=EXPECTED)
    def subscribers(self, actor):
        actor = subscription_manager(actor)
        owner = None if sees_every_subscription(actor) else actor["sub"]
        return [_view(s) for s in self.store.subscribers(owner)]

    @rpc(expected_exceptions=EXPECTED)
    def subscriber(self, subscriber_id, actor):
        return _view(self._own_subscriber(subscriber_id, subscription_manager(actor)))

    @rpc(expected_exceptions=EXPECTED)
    def create_subscriber(self, payload, actor):
        """The account is recorded first (so a failure half-way leaves a record to clean up, never an unknown
        RabbitMQ user), then made on RabbitMQ, then marked active."""
        actor = subscription_manager(actor)
        request = validated(_subscriber_schema, payload)
        limit, counted = self.settings.subscribers_per_client, not sees_every_subscription(actor)
        if counted and not self.store.take_subscriber_slot(actor["sub"], limit):
            raise Conflict(f"a client holds at most {limit} subscriber accounts: revoke one first",
                           {"allowed": ["revoke"]})
        subscriber_id, password, now = secrets.token_hex(6), secrets.token_urlsafe(32), utcnow()
        subscriber = {"_id": subscriber_id, **request, "state": PROVISIONING, "created_at": now,
                      "created_by": actor["sub"], "counted": counted, "vhost": self.broker_accounts.vhost}
        self.store.create_subscriber(subscriber)
        try:
            self.broker_accounts.create(subscriber_id, password, request["departments"], request["districts"])
        except Exception:
            self._undo(subscriber_id)
            raise
        subscriber = self.store.set_subscriber_state(subscriber_id, ACTIVE, utcnow(), (PROVISIONING,))
        return {**_view(subscriber), "credentials": self._credentials(subscriber, password)}

    @rpc(expected_exceptions=EXPECTED)
    def revoke_subscriber(self, subscriber_id, actor):
        """Deletes the RabbitMQ user (refusing new logins), closes its connections and deletes its queues.
        Idempotent: a revocation interrupted half-way is finished by the next one."""
        self._own_subscriber(subscriber_id, subscription_manager(actor))
        revoking = self.store.set_subscriber_state(subscriber_id, REVOKING, utcnow(), (ACTIVE, PROVISIONING, REVOKING))
        if revoking is not None:
            self.broker_accounts.remove(subscriber_id)
            if self.store.set_subscriber_state(subscriber_id, REVOKED, utcnow(), (REVOKING,)) is not None:
                self._give_back_slot(revoking)
        return _view(self.store.subscriber(subscriber_id))

    def _undo(self, subscriber_id):
        """A creation that failed half-way: its user removed, then its record. When the broker cannot even
        be asked, the record stays `provisioning` (its password was never shown) for a DELETE to finish."""
        try:
            self.broker_accounts.remove(subscriber_id)
        except ConnectionError:
            log.warning("a half-made subscriber stays provisioning", extra={"subscriber": subscriber_id})
            return
        subscriber = self.store.subscriber(subscriber_id)
        self.store.delete_subscriber(subscriber_id)
        self._give_back_slot(subscriber)

    def _give_back_slot(self, subscriber):
        if subscriber and subscriber.get("counted"):
            self.store.give_back_subscriber_slot(subscriber["created_by"])

    def _own_subscriber(self, subscriber_id, actor):
        found = self.store.subscriber(subscriber_id)
        if found is None or not (sees_every_subscription(actor) or found["created_by"] == actor["sub"]):
            raise NotFound(f"no subscriber {subscriber_id}")
        return found

    def _credentials(self, subscriber, password):
        user = stream_access.username(subscriber["_id"])
        scheme, address = self.settings.public_broker_url.rstrip("/").split("://", 1)
        return {"username": user, "password": password, "vhost": subscriber["vhost"], "exchange": EXCHANGE,
                "amqp_uri": f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{address}/"
                            f"{quote(subscriber['vhost'], safe='')}"}


def _view(subscriber):
    return {"id": subscriber["_id"], "name": subscriber["name"], "departments": subscriber["departments"],
            "districts": subscriber["districts"], "state": subscriber["state"],
            "username": stream_access.username(subscriber["_id"]), "vhost": subscriber["vhost"],
            "exchange": EXCHANGE, "queue_prefix": stream_access.queue_prefix(subscriber["_id"]),
            "binding_keys": stream_access.binding_keys(subscriber["departments"], subscriber["districts"]),
            "created_by": subscriber["created_by"], "created_at": subscriber["created_at"].isoformat(),
            "revoked_at": subscriber["revoked_at"].isoformat() if subscriber.get("revoked_at") else None}
