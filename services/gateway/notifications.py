"""The gateway's notification endpoints (a part of GatewayService): staff notices, citizens'
preferences, a case's delivery log, and for administrators webhook subscriptions, dead letters and the
development SMS sink. The notification service checks who may do what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.limits import CASE_LOOKUP
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import api, json_body
from services.notification.schemas import (
    DeliveryReportSchema,
    PreferencesSchema,
    StaffPreferencesSchema,
    SubscriptionChangeSchema,
    SubscriptionSchema,
)
from shared.actors import ADMIN, CITIZEN, CMO_CELL, OFFICER, SUPERVISOR
from shared.signed_rpc import SignedRpcProxy

WEBHOOK = "/api/v1/admin/webhooks/<string:subscription_id>"


class NotificationRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    idempotency = Idempotency()
    notification = SignedRpcProxy("notification")

    @http("GET", "/api/v1/notifications", doc=Operation(
        "The caller's notices, newest first", tags=("Notifications",),
        query=answers.NoticesQuerySchema, roles=(OFFICER, SUPERVISOR, CMO_CELL),
        responses={200: answers.NoticesSchema}))
    @api
    def notices(self, request):
        actor = self.authenticate(request)
        params = {k: v for k, v in request.args.items() if k == "limit"}
        return 200, self._rpc("notification", self.notification.notices, params, actor), NO_STORE

    @http("GET", "/api/v1/notifications/preferences", doc=Operation(
        "A citizen's notification preferences", tags=("Notifications",), roles=(CITIZEN,),
        responses={200: answers.PreferencesViewSchema}))
    @api
    def notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.preferences, actor), NO_STORE

    @http("PUT", "/api/v1/notifications/preferences", doc=Operation(
        "Set a citizen's notification preferences", tags=("Notifications",), roles=(CITIZEN,),
        request=PreferencesSchema, responses={200: answers.PreferencesViewSchema}))
    @api
    def set_notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.set_preferences, json_body(request), actor), {}

    @http("GET", "/api/v1/notifications/staff-preferences", doc=Operation(
        "A staff member's opt-outs of SMS and email (in-app notices always stay)", tags=("Notifications",),
        roles=(OFFICER, SUPERVISOR, CMO_CELL), responses={200: answers.StaffPreferencesViewSchema}))
    @api
    def staff_notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.staff_preferences, actor), NO_STORE

    @http("PUT", "/api/v1/notifications/staff-preferences", doc=Operation(
        "Opt out of (or back into) SMS or email as a staff member", tags=("Notifications",),
        roles=(OFFICER, SUPERVISOR, CMO_CELL), request=StaffPreferencesSchema,
        responses={200: answers.StaffPreferencesViewSchema}))
    @api
    def set_staff_notification_preferences(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.set_staff_preferences, json_body(request),
                              actor), {}

    @http("GET", "/api/v1/grievances/<string:tracking_id>/notifications", doc=Operation(
        "What was sent about a case, to whom, and how it went", tags=("Notifications",),
        roles=(OFFICER, SUPERVISOR, CMO_CELL, ADMIN), responses={200: answers.DeliveryLogSchema}))
    @throttled(CASE_LOOKUP)
    @api
    def case_notifications(self, request, tracking_id):
        actor = self.authenticate(request)
        found = self._rpc("notification", self.notification.deliveries_for_case, tracking_id, actor)
        return 200, {"tracking_id": tracking_id, "deliveries": found}, NO_STORE

    @http("GET", "/api/v1/admin/webhooks", doc=Operation(
        "Webhook subscriptions", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.WebhooksSchema}))
    @api
    def webhooks(self, request):
        actor = self.authenticate(request)
        return 200, {"subscriptions": self._rpc("notification", self.notification.subscriptions, actor)}, NO_STORE

    @http("POST", "/api/v1/admin/webhooks", doc=Operation(
        "Subscribe a system to the platform's events", tags=("Admin",), roles=(ADMIN,),
        request=SubscriptionSchema, responses={201: answers.WebhookWithSecretSchema}, errors=(409,)))
    @idempotent
    @api
    def create_webhook(self, request):
        actor = self.authenticate(request)
        created = self._rpc("notification", self.notification.create_subscription, json_body(request), actor)
        return 201, created, {**NO_STORE, "Location": f"/api/v1/admin/webhooks/{created['id']}"}

    @http("PATCH", WEBHOOK, doc=Operation(
        "Change a webhook subscription", tags=("Admin",), roles=(ADMIN,),
        request=SubscriptionChangeSchema, responses={200: answers.WebhookSchema}))
    @api
    def update_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.update_subscription, subscription_id,
                              json_body(request), actor), {}

    @http("DELETE", WEBHOOK, doc=Operation(
        "End a webhook subscription", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.DeletedSchema}))
    @api
    def delete_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.delete_subscription, subscription_id, actor), {}

    @http("POST", WEBHOOK + "/rotate-secret", doc=Operation(
        "A new signing secret (the old one stays valid a while)", tags=("Admin",),
        roles=(ADMIN,), responses={200: answers.WebhookWithSecretSchema}))
    @idempotent
    @api
    def rotate_webhook_secret(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.rotate_subscription_secret, subscription_id,
                              actor), NO_STORE

    @http("GET", "/api/v1/admin/dead-letters", doc=Operation(
        "Deliveries that failed for good", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.DeadLettersSchema}))
    @api
    def dead_letters(self, request):
        actor = self.authenticate(request)
        return 200, {"dead_letters": self._rpc("notification", self.notification.dead_letters, actor)}, NO_STORE

    @http("POST", "/api/v1/admin/dead-letters/<string:delivery_id>/replay", doc=Operation(
        "Send a dead letter again", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.ReplayedSchema}))
    @idempotent
    @api
    def replay_dead_letter(self, request, delivery_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.replay_dead_letter, delivery_id, actor), {}

    @http("POST", "/api/v1/admin/dead-letters/replay", doc=Operation(
        "Send every dead letter again", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.ReplayedSchema}))
    @idempotent
    @api
    def replay_dead_letters(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.replay_dead_letters, actor), {}

    @http("POST", "/api/v1/notifications/sms/reports", doc=Operation(
        "The SMS provider's delivery report (X-Report-Token, no bearer token)",
        tags=("Notifications",), public=True, request=DeliveryReportSchema,
        responses={200: answers.SmsReportRecordedSchema}, errors=(401, 403)))
    @api
    def sms_report(self, request):
        """The SMS provider's delivery reports (no bearer token: it sends the shared X-Report-Token)."""
        return 200, self._rpc("notification", self.notification.sms_report, json_body(request),
                              request.headers.get("X-Report-Token", "")), {}

    @http("GET", "/api/v1/dev/sms", doc=Operation(
        "Development only: the SMS sink's messages to a number", tags=("Admin",), roles=(ADMIN,),
        query=answers.MobileQuerySchema, responses={200: answers.SmsMessagesSchema}))
    @api
    def sms_sink(self, request):
        """Development only: what the SMS sink holds for `?mobile=` (administrators)."""
        actor = self.authenticate(request)
        found = self._rpc("notification", self.notification.sms_sink, request.args.get("mobile", ""), actor)
        return 200, {"messages": found}, NO_STORE
