"""The gateway's subscriber-account endpoints (a part of GatewayService): systems that read the public event
stream on RabbitMQ. Administrators manage all; a machine client with `events:subscribe` its own. The
notification service checks who may do what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.web import api, json_body
from services.notification.schemas import SubscriberSchema
from shared.actors import ADMIN, CLIENT
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Scope

SUBSCRIBERS = "/api/v1/subscribers"
SUBSCRIBER = SUBSCRIBERS + "/<string:subscriber_id>"
WHO = (ADMIN, CLIENT)
ABOUT = " A machine client needs the scope `events:subscribe` and sees only its own."


class SubscriberRoutes(GatewayPart):
    idempotency = Idempotency()
    notification = SignedRpcProxy("notification")

    @http("GET", SUBSCRIBERS, doc=Operation(
        "Subscriber accounts of the public event stream", description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE,
        responses={200: answers.SubscribersSchema}))
    @api
    def subscribers(self, request):
        actor = self.authenticate(request)
        return 200, {"subscribers": self._rpc("notification", self.notification.subscribers, actor)}, NO_STORE

    @http("POST", SUBSCRIBERS, doc=Operation(
        "Create a subscriber account (its RabbitMQ credentials are shown once)", description=ABOUT,
        tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE, request=SubscriberSchema,
        responses={201: answers.SubscriberCreatedSchema}))
    @idempotent
    @api
    def create_subscriber(self, request):
        actor = self.authenticate(request)
        created = self._rpc("notification", self.notification.create_subscriber, json_body(request), actor)
        return 201, created, {**NO_STORE, "Location": f"{SUBSCRIBERS}/{created['id']}"}

    @http("GET", SUBSCRIBER, doc=Operation(
        "A subscriber account", description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE,
        responses={200: answers.SubscriberViewSchema}))
    @api
    def subscriber(self, request, subscriber_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.subscriber, subscriber_id, actor), NO_STORE

    @http("DELETE", SUBSCRIBER, doc=Operation(
        "Revoke a subscriber account: its RabbitMQ user, connections and queues are deleted",
        description=ABOUT, tags=("Integration",), roles=WHO, scope=Scope.EVENTS_SUBSCRIBE, responses={200: answers.SubscriberViewSchema}))
    @api
    def revoke_subscriber(self, request, subscriber_id):
        actor = self.authenticate(request)
        return 200, self._rpc("notification", self.notification.revoke_subscriber, subscriber_id, actor), {}
