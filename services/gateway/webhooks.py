"""The gateway's webhook endpoints for other systems (a part of GatewayService): a machine client with
`events:subscribe` registers, lists, changes, rotates and removes its own webhook subscriptions;
administrators all of them (here and under /api/v1/admin/webhooks, which the web console uses). The
notification service checks who may do what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.web import api, json_body
from services.notification.schemas import SubscriptionChangeSchema, SubscriptionSchema
from shared.actors import ADMIN, CLIENT
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Scope

WEBHOOKS = "/api/v1/webhooks"
WEBHOOK = WEBHOOKS + "/<string:subscription_id>"
WHO = (ADMIN, CLIENT)
ABOUT = (" Deliveries follow the Standard Webhooks specification; each body is the public event stream's CloudEvent."
         " A machine client needs the scope `events:subscribe` and sees only its own subscriptions.")


class WebhookRoutes(GatewayPart):
    idempotency = Idempotency()
    notification = SignedRpcProxy("notification")

    @http("GET", WEBHOOKS, doc=Operation(
        "The caller's webhook subscriptions (an administrator's: all)", description=ABOUT, tags=("Integration",),
        roles=WHO, scope=Scope.EVENTS_SUBSCRIBE, responses={200: answers.WebhooksSchema}))
    @api
    def own_webhooks(self, request):
        actor = self.authenticate(request)
        return 200, {"subscriptions": self._rpc("notification", self.notification.subscriptions, actor)}, NO_STORE

    @http("POST", WEBHOOKS, doc=Operation(
        "Subscribe to public events by type, department and district (the signing secret is shown once)",
        description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE, request=SubscriptionSchema,
        responses={201: answers.WebhookWithSecretSchema}, errors=(409,)))
    @idempotent
    @api
    def create_own_webhook(self, request):
        actor = self.authenticate(request)
        created = self._rpc("notification", self.notification.create_subscription, json_body(request), actor)
        return 201, created, {**NO_STORE, "Location": f"{WEBHOOKS}/{created['id']}"}

    @http("PATCH", WEBHOOK, doc=Operation(
        "Change a webhook subscription", description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE,
        request=SubscriptionChangeSchema, responses={200: answers.WebhookSchema}))
    @api
    def update_own_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.update_subscription, subscription_id,
                              json_body(request), actor), {}

    @http("DELETE", WEBHOOK, doc=Operation(
        "End a webhook subscription", description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE,
        responses={200: answers.DeletedSchema}))
    @api
    def delete_own_webhook(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.delete_subscription, subscription_id, actor), {}

    @http("POST", WEBHOOK + "/rotate-secret", doc=Operation(
        "A new signing secret (the old one keeps signing for 24 hours)", description=ABOUT, tags=("Integration",),
        roles=WHO, scope=Scope.EVENTS_SUBSCRIBE, responses={200: answers.WebhookWithSecretSchema}, errors=(409,)))
    @idempotent
    @api
    def rotate_own_webhook_secret(self, request, subscription_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.rotate_subscription_secret, subscription_id,
                              actor), NO_STORE
