"""The contract of every RPC: its arguments and its answer, in one registry, applied in one place.

The service side (`RpcContracts`, a dependency every store-backed service has) loads a call's arguments
through its contract before the method runs, so the caller's identity (`actor`) is validated once, here,
instead of in each method; the answer is checked against its contract before it is sent (`check_answer`,
called by the RPC entrypoint in shared/resilient_rpc.py). A request body a service validates with its own
schema (intake's GrievanceSchema, say) is declared as `BODY`: the service's schema is its contract, and
that schema names each bad field in its 4xx answer.

A method without a contract runs as before (test services on the same bus); the contract tests
(tests/unit/test_contracts.py) make sure every @rpc of the platform's services has one and every contract
names an existing method.
"""
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from marshmallow import ValidationError, fields
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from shared.actors import ActorSchema
from shared.contracts.base import Contract, optional, timestamp
from shared.errors import ValidationFailed

# --- argument kinds -----------------------------------------------------------------------------------------

def ACTOR() -> fields.Field:  # noqa: N802 (reads as a constant in the registry)
    return fields.Nested(ActorSchema, required=True)


def BODY() -> fields.Field:  # noqa: N802
    """A request body the service validates with its own schema (which names every bad field)."""
    return fields.Raw(required=True, allow_none=True)


def OPTIONAL_BODY() -> fields.Field:  # noqa: N802
    return fields.Raw(load_default=None, allow_none=True)


def ID() -> fields.Field:  # noqa: N802
    """A tracking ID, subscription id, ...: a string the service looks up (an unknown one answers 404)."""
    return fields.Str(required=True)


# --- answer kinds -------------------------------------------------------------------------------------------

class Answer:
    """What a method answers: a schema (strict: an undeclared field is an error) or a JSON type."""

    def __init__(self, kind: type | tuple[type, ...], schema: type[Contract] | None = None, many: bool = False):
        self.kind = kind
        self.schema = None if schema is None else schema(many=many)

    def check(self, answer: Any) -> None:
        if not isinstance(answer, self.kind):
            raise ValidationError(f"Expected {self.kind}, got {type(answer).__name__}.")
        if self.schema is not None:
            errors = self.schema.validate(answer)
            if errors:
                raise ValidationError(errors)


OBJECT = Answer(dict)
LIST = Answer((list, tuple))


class FilingAnswer(Contract):
    tracking_id = fields.Str(required=True)
    status = fields.Str(required=True)
    missing = fields.List(fields.Str())
    duplicate = fields.Bool(required=True)


class SupportAnswer(Contract):
    tracking_id = fields.Str(required=True)
    supporters = fields.Int(required=True)


class ExportPage(Contract):
    cases = fields.List(fields.Dict(), required=True)
    next = optional(fields.Str, required=True)
    total = optional(fields.Int, required=True)


class ClockCounts(Contract):
    escalated = fields.Int(required=True)
    reminded = fields.Int(required=True)
    breached = fields.Int(required=True)


class OfficerQueue(Contract):
    officer_id = fields.Str(required=True)
    count = fields.Int(required=True)
    items = fields.List(fields.Dict(), required=True)
    next = optional(fields.Str, required=True)  # the next page's cursor


class MyGrievancesPage(Contract):
    items = fields.List(fields.Dict(), required=True)
    next = optional(fields.Str, required=True)


class CallerProfile(Contract):
    sub = fields.Str(required=True)
    mobile = optional(fields.Str, required=True)
    name = optional(fields.Str, required=True)


class OfficeLoad(Contract):
    department = fields.Str(required=True)
    district = fields.Str(required=True)
    officers = fields.List(fields.Dict(), required=True)  # {officer_id, name, level, open, overdue, escalated}
    totals = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)  # {open, overdue, escalated}


class Reassigned(Contract):
    tracking_id = fields.Str(required=True)
    officer_id = fields.Str(required=True)


class OtpSent(Contract):
    sent = fields.Bool(required=True)
    expires_in = fields.Int(required=True)


class Queued(Contract):
    queued = fields.Bool(required=True)


class Recorded(Contract):
    recorded = fields.Str(required=True)


class Deleted(Contract):
    deleted = fields.Str(required=True)


class Replayed(Contract):
    replayed = fields.List(fields.Str(), required=True)


class SubscriberCredentials(Contract):
    username = fields.Str(required=True)
    password = fields.Str(required=True)
    vhost = fields.Str(required=True)
    exchange = fields.Str(required=True)
    amqp_uri = fields.Str(required=True)


class Subscriber(Contract):
    """A subscriber account of the public event stream; `credentials` only in the answer that created it."""
    id = fields.Str(required=True)
    name = fields.Str(required=True)
    departments = fields.List(fields.Str(), required=True)
    districts = fields.List(fields.Str(), required=True)
    state = fields.Str(required=True)
    username = fields.Str(required=True)
    vhost = fields.Str(required=True)
    exchange = fields.Str(required=True)
    queue_prefix = fields.Str(required=True)
    binding_keys = fields.List(fields.Str(), required=True)
    created_by = fields.Str(required=True)
    created_at = timestamp(required=True)
    revoked_at = optional(timestamp, required=True)
    credentials = fields.Nested(SubscriberCredentials)


class StaffAccountSaved(Contract):
    sub = fields.Str(required=True)
    created = fields.Bool(required=True)


class HttpAnswer(Contract):
    """An OAuth endpoint's answer as identity's authorization server makes it, for the gateway to send."""
    status = fields.Int(required=True)
    headers = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True)
    body = fields.Raw(required=True, allow_none=True)


class MachineClient(Contract):
    client_id = fields.Str(required=True)
    client_secret = fields.Str(required=True)
    scope = fields.Str(required=True)
    departments = fields.List(fields.Str(), required=True)
    districts = fields.List(fields.Str(), required=True)


@dataclass(frozen=True)
class RpcContract:
    args: dict[str, Callable[[], fields.Field]]  # in the method's order
    answer: Answer = OBJECT
    _schema: Contract = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        object.__setattr__(self, "_schema", Contract.from_dict({n: make() for n, make in self.args.items()})())

    def check_call(self, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The caller's side: positional and keyword arguments as the method will bind them, loaded (raises
        ValidationFailed before anything is sent)."""
        names = list(self.args)
        if len(args) > len(names):
            raise ValidationFailed("invalid call: too many arguments", {"_schema": [f"At most {len(names)}."]})
        arguments = dict(zip(names, args))
        twice = sorted(set(arguments) & set(kwargs))
        if twice:
            raise ValidationFailed("invalid call: an argument given twice", {name: ["Given twice."] for name in twice})
        return self.load_arguments({**arguments, **kwargs})

    def load_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The arguments as the method receives them; raises ValidationFailed naming each bad one."""
        try:
            return self._schema.load(arguments)
        except ValidationError as error:
            raise ValidationFailed("invalid request: " + ", ".join(sorted(map(str, error.messages))),
                                   error.messages) from None


def contract(*args: tuple[str, Callable[[], fields.Field]], answer: Answer = OBJECT) -> RpcContract:
    return RpcContract(dict(args), answer)


def actor():
    return ("actor", ACTOR)


def body(name="payload"):
    return (name, BODY)


def ident(name="tracking_id"):
    return (name, ID)


def opt(name, make=OPTIONAL_BODY):
    return (name, make)


def _str() -> fields.Field:
    return fields.Str(required=True)


def _opt_str() -> fields.Field:
    return fields.Str(load_default=None, allow_none=True)


def _raw() -> fields.Field:
    """Checked by the method itself (its 4xx names the argument)."""
    return fields.Raw(required=True, allow_none=True)


RPC_CONTRACTS: dict[str, RpcContract] = {
    # intake
    "intake.file_grievance": contract(body(), actor(), opt("idempotency_key", _opt_str),
                                      answer=Answer(dict, FilingAnswer)),
    "intake.get_grievance": contract(ident(), actor()),
    "intake.personal_data_reads": contract(ident(), actor(), answer=LIST),
    "intake.act": contract(ident(), body(), actor(), opt("if_match")),  # the versions the client's copy may have
    "intake.my_grievances": contract(body("params"), actor(), answer=Answer(dict, MyGrievancesPage)),
    "intake.resolve_together": contract(body(), actor()),
    "intake.may_attach": contract(ident(), body("params"), actor()),
    "intake.attach": contract(ident(), body(), actor(), opt("if_match")),  # as intake.act
    "intake.attachment_for_download": contract(ident(), ident("ref"), actor()),
    "intake.give_feedback": contract(ident(), body(), actor()),
    "intake.support": contract(ident(), body(), actor(), answer=Answer(dict, SupportAnswer)),
    # the page bounds are checked by the method (a 4xx naming `limit` or `after_id`)
    "intake.export_cases": contract(("after_id", _raw), ("limit", _raw), actor(), answer=Answer(dict, ExportPage)),
    # routing
    "routing.check_clocks": contract(opt("payload"), answer=Answer(dict, ClockCounts)),
    "routing.officer_queue": contract(actor(), opt("params"), answer=Answer(dict, OfficerQueue)),
    "routing.reassign": contract(ident(), body(), actor(), answer=Answer(dict, Reassigned)),
    "routing.directory": contract(("department", _str), ("district", _str), answer=LIST),
    "routing.office_load": contract(("department", _str), ("district", _str), actor(),
                                    answer=Answer(dict, OfficeLoad)),
    # search
    "search.search": contract(body("params"), actor()),
    "search.similar": contract(ident(), actor(), opt("size", lambda: fields.Raw(load_default=10)), answer=LIST),
    "search.lookalikes": contract(body("params"), actor(), answer=LIST),
    "search.insight": contract(("name", _str), body("params"), actor()),
    "search.public_cases": contract(body("params"), answer=LIST),  # public data: no caller to scope
    # identity
    "identity.request_otp": contract(body(), opt("address", _opt_str), answer=Answer(dict, OtpSent)),
    "identity.token": contract(body("http"), answer=Answer(dict, HttpAnswer)),
    "identity.revoke": contract(body("http"), answer=Answer(dict, HttpAnswer)),
    "identity.authorization_page": contract(body("http")),
    "identity.authorize": contract(body("http"), ("mobile", _raw), ("code", _raw)),
    "identity.deny": contract(body("http")),
    "identity.userinfo": contract(body("http"), answer=Answer(dict, HttpAnswer)),
    "identity.caller_profile": contract(actor(), answer=Answer(dict, CallerProfile)),
    "identity.sso_start": contract(body("http")),
    "identity.sso_callback": contract(body("args")),
    "identity.jwks": contract(),
    "identity.openid_configuration": contract(),
    "identity.rotate_signing_key": contract(actor()),
    "identity.register_machine_client": contract(body(), actor(), answer=Answer(dict, MachineClient)),
    "identity.put_staff_account": contract(body(), actor(), answer=Answer(dict, StaffAccountSaved)),
    "identity.staff_accounts": contract(actor(), answer=LIST),
    "identity.audit_log": contract(actor(), opt("kind", _opt_str), answer=LIST),
    # the officer directory (services/identity/directory.py validates bodies and queries)
    "identity.put_staff_member": contract(body(), actor()),
    "identity.set_staff_status": contract(ident("sub"), body(), actor()),
    "identity.staff_member": contract(ident("sub"), actor()),
    "identity.staff_directory": contract(actor(), opt("query"), answer=LIST),
    # notification
    "notification.send_sms": contract(body("message"), answer=Answer(dict, Queued)),
    "notification.sms_report": contract(body(), ("token", _raw), answer=Answer(dict, Recorded)),
    "notification.sms_sent": contract(("mobile", _raw), answer=LIST),
    "notification.sms_sink": contract(("mobile", _raw), actor(), answer=LIST),
    "notification.notices": contract(body("params"), actor()),
    "notification.preferences": contract(actor()),
    "notification.set_preferences": contract(body(), actor()),
    "notification.staff_preferences": contract(actor()),
    "notification.set_staff_preferences": contract(body(), actor()),
    "notification.deliveries_for_case": contract(ident(), actor(), answer=LIST),
    "notification.personal_data_reads": contract(ident(), actor(), answer=LIST),
    "notification.subscriptions": contract(actor(), answer=LIST),
    "notification.create_subscription": contract(body(), actor()),
    "notification.update_subscription": contract(ident("subscription_id"), body(), actor()),
    "notification.delete_subscription": contract(ident("subscription_id"), actor(), answer=Answer(dict, Deleted)),
    "notification.rotate_subscription_secret": contract(ident("subscription_id"), actor()),
    "notification.subscribers": contract(actor(), answer=Answer((list, tuple), Subscriber, many=True)),
    "notification.subscriber": contract(ident("subscriber_id"), actor(), answer=Answer(dict, Subscriber)),
    "notification.create_subscriber": contract(body(), actor(), answer=Answer(dict, Subscriber)),
    "notification.revoke_subscriber": contract(ident("subscriber_id"), actor(), answer=Answer(dict, Subscriber)),
    "notification.dead_letters": contract(actor(), answer=LIST),
    "notification.replay_dead_letter": contract(ident("delivery_id"), actor(), answer=Answer(dict, Replayed)),
    "notification.replay_dead_letters": contract(actor(), answer=Answer(dict, Replayed)),
}
# every store-backed service's probe
for _service in ("intake", "routing", "search", "identity", "notification"):
    RPC_CONTRACTS[f"{_service}.health"] = contract()


class ContractBroken(Exception):
    """A service answered something its contract does not describe: a bug in the service (a 5xx)."""


def contract_for(service: str, method: str) -> RpcContract | None:
    return RPC_CONTRACTS.get(f"{service}.{method}")


def check_answer(service: str, method: str, answer: Any) -> None:
    found = contract_for(service, method)
    if found is None:
        return
    try:
        found.answer.check(answer)
    except ValidationError as error:
        raise ContractBroken(f"{service}.{method} answered outside its contract: {error.messages}") from None


class RpcContracts(DependencyProvider):
    """Loads each RPC's arguments through its contract before the method runs (the method receives them
    loaded, by name). Bad arguments never reach the method: it is swapped for one raising ValidationFailed,
    which nameko returns to the caller as a 4xx naming each bad argument."""

    def worker_setup(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        if not isinstance(entrypoint, Rpc):
            return
        found = contract_for(self.container.service_name, entrypoint.method_name)
        if found is None:
            return
        method = getattr(type(worker_ctx.service), entrypoint.method_name)
        try:
            bound = inspect.signature(method).bind(None, *worker_ctx.args, **worker_ctx.kwargs)
        except TypeError as error:
            return self._refuse(worker_ctx, ValidationFailed(f"invalid call: {error}", {"_schema": [str(error)]}))
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(arguments)))  # self
        try:
            loaded = found.load_arguments(arguments)
        except ValidationFailed as refusal:
            return self._refuse(worker_ctx, refusal)
        worker_ctx.args, worker_ctx.kwargs = (), loaded

    @staticmethod
    def _refuse(worker_ctx, refusal):
        def refused(*args, **kwargs):
            raise refusal

        setattr(worker_ctx.service, worker_ctx.entrypoint.method_name, refused)
