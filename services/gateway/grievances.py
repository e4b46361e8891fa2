"""The gateway's case endpoints (a part of GatewayService): filing, reading, acting on, supporting and
rating a grievance, its personal-data access log, and reassignment."""
from services.gateway import conditional
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.limits import CASE_LOOKUP, FILING
from services.gateway.openapi import Media, Operation
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import api, dumped_as, json_body
from services.intake.schemas import FeedbackSchema, GrievanceSchema, SupportSchema
from services.routing.schemas import ReassignSchema
from shared.actors import ADMIN, CITIZEN, CLIENT, CMO_CELL, OFFICER, SUPERVISOR
from shared.errors import PreconditionFailed
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Scope

TRACKING = "/api/v1/grievances/<string:tracking_id>"
CASE_FOR_CALLER = {"oneOf": [{"$ref": "#/components/schemas/CaseForComplainant"},
                             {"$ref": "#/components/schemas/CaseForStaff"}]}


def case_view(case):
    """A case through its audience's schema: intake leaves who filed it out of the complainant's view."""
    schema = answers.CaseForStaffSchema if "filed_by" in case else answers.CaseForComplainantSchema
    return dumped_as(schema, case)


class GrievanceRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    idempotency = Idempotency()
    intake = SignedRpcProxy("intake")
    routing = SignedRpcProxy("routing")
    notification = SignedRpcProxy("notification")

    @http("POST", "/api/v1/grievances", doc=Operation(
        "File a grievance", tags=("Grievances",), request=GrievanceSchema,
        roles=(CITIZEN, CMO_CELL, OFFICER, SUPERVISOR, ADMIN, CLIENT),  # staff file walk-in and phoned-in cases
        scope=Scope.GRIEVANCES_FILE,
        responses={201: answers.FiledSchema, 200: answers.FiledSchema}, errors=(409, 422),
        description="The same grievance filed again (or the same Idempotency-Key with the same body) answers 200 "
                    "with the first case; the same key with another body answers 422."))
    @throttled(FILING)
    @idempotent
    @api
    def file_grievance(self, request):
        actor = self.authenticate(request)
        key = request.headers.get("Idempotency-Key")  # checked by @idempotent; intake keeps it with the case
        args = (json_body(request), actor) + ((key,) if key is not None else ())
        result = self._rpc("intake", self.intake.file_grievance, *args)
        status = 200 if result["duplicate"] else 201
        return status, result, {"Location": f"/api/v1/grievances/{result['tracking_id']}"}

    @http("GET", TRACKING, doc=Operation(
        "A case as the caller may see it", tags=("Grievances",),
        roles=(CITIZEN, OFFICER, SUPERVISOR, CMO_CELL, ADMIN, CLIENT), scope=Scope.GRIEVANCES_READ,
        responses={200: CASE_FOR_CALLER,
                   304: Media(None, "not modified: the case is still at the version `If-None-Match` names",
                              ("ETag",))},
        request_headers=("If-None-Match",), answer_headers=("ETag",),
        description="The case's version is its strong `ETag`; `If-None-Match` with it answers 304."))
    @throttled(CASE_LOOKUP)
    @api
    def get_grievance(self, request, tracking_id):
        actor = self.authenticate(request)
        case = self._rpc("intake", self.intake.get_grievance, tracking_id, actor)
        if conditional.not_modified(request.headers.get("If-None-Match"), case["version"]):
            return conditional.not_modified_answer(case["version"])
        return 200, case_view(case), {**NO_STORE, "ETag": conditional.etag(case["version"])}

    @http("POST", TRACKING + "/actions", doc=Operation(
        "Act on a case (officers, the CMO cell, the complainant)", tags=("Grievances",),
        request="actions", roles=(CITIZEN, OFFICER, SUPERVISOR, CMO_CELL),
        responses={200: CASE_FOR_CALLER}, errors=(409, 412),
        request_headers=("If-Match",), answer_headers=("ETag",),
        description="The action names its own fields (a discriminated union on `action`); an action the case's "
                    "status does not allow answers 409 with the actions allowed. With `If-Match` (the case's "
                    "ETag) a case changed meanwhile answers 412 with its current state and ETag."))
    @throttled(CASE_LOOKUP)
    @idempotent
    @api
    def act(self, request, tracking_id):
        actor = self.authenticate(request)
        if_match = conditional.if_match_versions(request.headers.get("If-Match"))
        try:
            case = self._rpc("intake", self.intake.act, tracking_id, json_body(request), actor, if_match)
        except PreconditionFailed as error:
            raise conditional.precondition_failed(error) from None
        return 200, case_view(case), {"ETag": conditional.etag(case["version"])}

    @http("POST", TRACKING + "/feedback", doc=Operation(
        "Rate how a case was resolved, or appeal", tags=("Grievances",), request=FeedbackSchema,
        roles=(CITIZEN,), responses={200: answers.CaseForComplainantSchema}, errors=(409,)))
    @throttled(CASE_LOOKUP)
    @idempotent
    @api
    def feedback(self, request, tracking_id):
        return self._post_to_case(request, self.intake.give_feedback, tracking_id)

    @http("POST", TRACKING + "/support", doc=Operation(
        "Add one's support to a case (me too)", tags=("Grievances",), request=SupportSchema,
        roles=(CITIZEN,), responses={200: answers.CaseForComplainantSchema}, errors=(409,)))
    @throttled(CASE_LOOKUP)
    @idempotent
    @api
    def support(self, request, tracking_id):
        return self._post_to_case(request, self.intake.support, tracking_id)

    @http("GET", TRACKING + "/access-log", doc=Operation(
        "Who read the complainant's personal data, and when", tags=("Grievances",),
        roles=(CMO_CELL,), responses={200: answers.PersonalDataReadsSchema}))
    @throttled(CASE_LOOKUP)
    @api
    def personal_data_reads(self, request, tracking_id):
        actor = self.authenticate(request)
        reads = self._rpc("intake", self.intake.personal_data_reads, tracking_id, actor)  # refuses first
        reads += self._rpc("notification", self.notification.personal_data_reads, tracking_id, actor)
        return 200, {"reads": sorted(reads, key=lambda read: read["at"])}, NO_STORE

    @http("POST", TRACKING + "/assignment", doc=Operation(
        "Reassign a case to another officer of its office", tags=("Grievances",),
        request=ReassignSchema, roles=(SUPERVISOR, CMO_CELL), responses={200: answers.ReassignedSchema}))
    @throttled(CASE_LOOKUP)
    @idempotent
    @api
    def reassign(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.reassign, tracking_id, json_body(request), actor), {}

    def _post_to_case(self, request, method, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", method, tracking_id, json_body(request), actor), {}
