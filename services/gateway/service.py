"""Gateway: the platform's only HTTP face (web and mobile clients, officers, other state systems). Its routes
are declared by resource in the parts this class is made of; each part declares the dependencies it uses."""
from services.gateway import health
from services.gateway import schemas as answers
from services.gateway.admin import AdminRoutes
from services.gateway.apidocs import DocsRoutes
from services.gateway.attachments import AttachmentRoutes
from services.gateway.catalog_routes import CatalogRoutes
from services.gateway.event_stream import EventStreamRoutes
from services.gateway.grievances import GrievanceRoutes
from services.gateway.http_server import http
from services.gateway.lookalikes import LookalikeRoutes
from services.gateway.me_routes import MeRoutes
from services.gateway.notifications import NotificationRoutes
from services.gateway.oauth import OAuthRoutes
from services.gateway.officer import OfficerRoutes
from services.gateway.open311 import Open311Routes
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE, json_response
from services.gateway.search import SearchRoutes
from services.gateway.subscribers import SubscriberRoutes
from services.gateway.webhooks import WebhookRoutes
from shared.correlation import CorrelationId
from shared.elastic import ElasticsearchClient
from shared.health import UP
from shared.metrics import EntrypointMetrics
from shared.signed_rpc import SignedRpcProxy
from shared.tracing import Tracing
from shared.vocabulary import SERVICES


class GatewayService(LookalikeRoutes, GrievanceRoutes, AttachmentRoutes, MeRoutes, OfficerRoutes, SearchRoutes,
                     NotificationRoutes, SubscriberRoutes, WebhookRoutes, OAuthRoutes, AdminRoutes, CatalogRoutes, EventStreamRoutes, DocsRoutes,
                     Open311Routes):
    name = "gateway"
    correlation_id = CorrelationId()
    trace = Tracing()
    metrics = EntrypointMetrics()
    es = ElasticsearchClient()  # only for the health probe; the search service owns the indices
    intake = SignedRpcProxy("intake")  # health asks every service
    routing = SignedRpcProxy("routing")
    notification = SignedRpcProxy("notification")
    search = SignedRpcProxy("search")
    identity = SignedRpcProxy("identity")

    @http("GET", "/health", doc=Operation(
        "Is the platform up (details for staff with a token)", tags=("Health",), public=True,
        responses={200: answers.HealthSchema, 503: answers.HealthSchema}))
    def health(self, request):
        timeout = self.settings.health_timeout
        checks = health.check_servers(self.config, self.es, timeout)
        for service in SERVICES[1:]:  # the gateway answers for itself
            checks[service] = lambda proxy=getattr(self, service): health.ask_service(proxy, timeout)
        components = health.run_checks(checks)
        components["gateway"] = {"status": UP}
        status, body = health.aggregate(components)
        if not health.may_see_details(request, self.config, self.authenticate):
            body = health.public(body)
        return json_response(body, status=status, headers=NO_STORE)
