"""The gateway's administration endpoints (a part of GatewayService): signing keys, machine clients, staff
accounts and the audit log. The identity service checks who may do what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.web import api, json_body
from services.identity.schemas import MachineClientSchema, StaffAccountSchema
from shared.actors import ADMIN
from shared.signed_rpc import SignedRpcProxy


class AdminRoutes(GatewayPart):
    idempotency = Idempotency()
    identity = SignedRpcProxy("identity")

    @http("POST", "/api/v1/admin/signing-keys/rotate", doc=Operation(
        "Start signing tokens with a new key", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.SigningKeySchema}))
    @idempotent
    @api
    def rotate_signing_key(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.rotate_signing_key, actor), {}

    @http("POST", "/api/v1/admin/clients", doc=Operation(
        "Register a machine client (client credentials)", tags=("Admin",), roles=(ADMIN,),
        request=MachineClientSchema, responses={201: answers.MachineClientCreatedSchema}, errors=(409,)))
    @idempotent
    @api
    def register_client(self, request):
        actor = self.authenticate(request)
        return 201, self._rpc("identity", self.identity.register_machine_client, json_body(request), actor), {}

    @http("POST", "/api/v1/admin/accounts", doc=Operation(
        "Create or change a staff account", tags=("Admin",), roles=(ADMIN,),
        request=StaffAccountSchema, responses={200: answers.StaffAccountViewSchema}))
    @idempotent
    @api
    def put_staff_account(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.put_staff_account, json_body(request), actor), {}

    @http("GET", "/api/v1/admin/accounts", doc=Operation(
        "Staff accounts", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.StaffAccountsSchema}))
    @api
    def staff_accounts(self, request):
        actor = self.authenticate(request)
        return 200, {"accounts": self._rpc("identity", self.identity.staff_accounts, actor)}, {}

    @http("GET", "/api/v1/admin/audit", doc=Operation(
        "The identity audit log", tags=("Admin",), roles=(ADMIN,),
        query=answers.AuditQuerySchema, responses={200: answers.AuditLogSchema}))
    @api
    def audit_log(self, request):
        actor = self.authenticate(request)
        entries = self._rpc("identity", self.identity.audit_log, actor, request.args.get("kind"))
        return 200, {"entries": entries}, NO_STORE
