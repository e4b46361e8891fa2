"""The gateway's administration endpoints (a part of GatewayService): signing keys, machine clients, staff
accounts and the audit log. The identity service checks who may do what."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.web import api, json_body
from services.identity.schemas import (
    MachineClientSchema,
    StaffAccountSchema,
    StaffDirectoryQuerySchema,
    StaffMemberSchema,
    StaffStatusChangeSchema,
)
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

    @http("POST", "/api/v1/admin/staff", doc=Operation(
        "Add a member to the officer directory, or change one", tags=("Admin",), roles=(ADMIN,),
        description="Office (department, district, level), contacts and role; a new member starts active. Every "
                    "change is published as staff.changed (routing's pools, staff notifications).",
        request=StaffMemberSchema, responses={200: answers.StaffMemberViewSchema}, errors=(409,)))
    @idempotent
    @api
    def put_staff_member(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.put_staff_member, json_body(request), actor), {}

    @http("GET", "/api/v1/admin/staff", doc=Operation(
        "The officer directory (an office's members with department and district)", tags=("Admin",),
        roles=(ADMIN,), query=StaffDirectoryQuerySchema, responses={200: answers.StaffDirectorySchema}))
    @api
    def staff_directory(self, request):
        actor = self.authenticate(request)
        query = {k: v for k, v in request.args.items()}
        return 200, {"staff": self._rpc("identity", self.identity.staff_directory, actor, query)}, NO_STORE

    @http("GET", "/api/v1/admin/staff/<string:sub>", doc=Operation(
        "A member of the officer directory", tags=("Admin",), roles=(ADMIN,),
        responses={200: answers.StaffMemberViewSchema}, errors=(404,)))
    @api
    def staff_member(self, request, sub):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.staff_member, sub, actor), NO_STORE

    @http("POST", "/api/v1/admin/staff/<string:sub>/status", doc=Operation(
        "Put a member on leave (with a delegate), back to active, transfer or retire them", tags=("Admin",),
        roles=(ADMIN,), description="Routing moves the member's open cases within their office (to the delegate "
                                    "first) when a leave starts, on a transfer and on retirement.",
        request=StaffStatusChangeSchema, responses={200: answers.StaffMemberViewSchema}, errors=(404, 409)))
    @idempotent
    @api
    def set_staff_status(self, request, sub):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.set_staff_status, sub, json_body(request), actor), {}

    @http("GET", "/api/v1/admin/audit", doc=Operation(
        "The identity audit log", tags=("Admin",), roles=(ADMIN,),
        query=answers.AuditQuerySchema, responses={200: answers.AuditLogSchema}))
    @api
    def audit_log(self, request):
        actor = self.authenticate(request)
        entries = self._rpc("identity", self.identity.audit_log, actor, request.args.get("kind"))
        return 200, {"entries": entries}, NO_STORE
