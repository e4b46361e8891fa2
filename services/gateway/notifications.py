"""The gateway's notification endpoints (a part of GatewayService): staff notices, citizens'
preferences, a case's delivery log, and for administrators webhook subscriptions, dead letters and the
development SMS sink. The notification service checks who may do what."""
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.limits import CASE_LOOKUP
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import api, json_body
from shared.signed_rpc import SignedRpcProxy

WEBHOOK = "/api/v1/admin/webhooks/<string:subscription_id>"


class NotificationRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    notification = SignedRpcProxy("notification")

    @http("GET", "/api/v1/notifications")
    @api
    def notices(self, request):
        actor = self.authenticate(request)
        params = {k: v for k, v in request.args.items() if k == "limit"}
        return 200, self._rpc("notification", self.notification.notices, params, actor), NO_STORE

    @http("GET", "/api/v1/notifications/preferences")
    @api
    def notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.preferences, actor), NO_STORE

    @http("PUT", "/api/v1/notifications/preferences")
    @api
    def set_notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.set_preferences, json_body(request), actor), {}

    @http("GET", "/api/v1/grievances/<string:tracking_id>/notifications")
    @throttled(CASE_LOOKUP)
    @api
    def case_notifications(self, request, tracking_id):
        actor = self.authenticate(request)
        found = self._rpc("notification", self.notification.deliveries_for_case, tracking_id, actor)
        return 200, {"tracking_id": tracking_id, "deliveries": found}, NO_STORE

    @http("GET", "/api/v1/admin/webhooks")
    @api
    def webhooks(self, request):
        actor = self.authenticate(request)
        return 200, {"subscriptions": self._rpc("notification", self.notification.subscriptions, actor)}, NO_STORE

    @http("POST", "/api/v1/admin/webhooks")
    @api
    def create_webhook(self, request):
        actor = self.authenticate(request)
        created = self._rpc("notification", self.notification.create_subscription, json_body(request), actor)
        return 201, created, {**NO_STORE, "Location": f"/api/v1/admin/webhooks/{created['id']}"}

    @http("PATCH", WEBHOOK)
    @api
    def update_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.update_subscription, subscription_id,
                              json_body(request), actor), {}

    @http("DELETE", WEBHOOK)
    @api
    def delete_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.delete_subscription, subscription_id, actor), {}

    @http("POST", WEBHOOK + "/rotate-secret")
    @api
    def rotate_webhook_secret(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.rotate_subscription_secret, subscription_id,
                              actor), NO_STORE

    @http("GET", "/api/v1/admin/dead-letters")
    @api
    def dead_letters(self, request):
        actor = self.authenticate(request)
        return 200, {"dead_letters": self._rpc("notification", self.notification.dead_letters, actor)}, NO_STORE

    @http("POST", "/api/v1/admin/dead-letters/<string:delivery_id>/replay")
    @api
    def replay_dead_letter(self, request, delivery_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.replay_dead_letter, delivery_id, actor), {}

    @http("POST", "/api/v1/admin/dead-letters/replay")
    @api
    def replay_dead_letters(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.replay_dead_letters, actor), {}

    @http("POST", "/api/v1/notifications/sms/reports")
    @api
    def sms_report(self, request):
        """The SMS provider's delivery reports (no bearer token: it sends the shared X-Report-Token)."""
        return 200, self._rpc("notification", self.notification.sms_report, json_body(request),
                              request.headers.get("X-Report-Token", "")), {}

    @http("GET", "/api/v1/dev/sms")
    @api
    def sms_sink(self, request):
        """Development only: what the SMS sink holds for `?mobile=` (administrators)."""
        actor = self.authenticate(request)
        found = self._rpc("notification", self.notification.sms_sink, request.args.get("mobile", ""), actor)
        return 200, {"messages": found}, NO_STORE
