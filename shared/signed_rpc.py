"""The nameko side of caller tokens (shared/caller.py): proxies that sign every call, and the provider
every store-backed service uses to verify a call before its method runs."""
import inspect
import logging

from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, Rpc, RpcProxy, ServiceProxy
from nameko.standalone.rpc import ClusterProxy, ClusterRpcProxy

from shared.caller import CONTEXT_KEY, HEADER, CallerKey, same_caller
from shared.contracts.rpc import check_answer, contract_for
from shared.errors import Unauthenticated

log = logging.getLogger(__name__)

OPEN_METHODS = frozenset({"health"})  # probes answer anyone who can reach the bus
ACTOR_ARGUMENT = "actor"
_ACTING_FOR = "sorasori_acting_for"  # attribute on a WorkerContext: the caller its outgoing calls speak for


def act_for(worker_ctx, actor):
    """From now on this worker's RPCs carry a token for `actor` (the gateway, once it authenticated)."""
    setattr(worker_ctx, _ACTING_FOR, actor)


def acting_for(worker_ctx):
    return getattr(worker_ctx, _ACTING_FOR, None)


class SignedMethodProxy(MethodProxy):
    """A method proxy that signs each call and holds it to the method's contract (shared/contracts/rpc.py):
    arguments are checked before anything is sent (a bad one raises ValidationFailed naming it, here), and
    a synchronous call's answer is checked on arrival."""

    def __init__(self, *args, sign, check_contracts=True, **options):
        self.sign = sign
        self.contract = contract_for(args[1], args[2]) if check_contracts else None
        super().__init__(*args, **options)

    def __call__(self, *args, **kwargs):
        answer = super().__call__(*args, **kwargs)
        if self.contract is not None:
            check_answer(self.service_name, self.method_name, answer)
        return answer

    def _call(self, *args, **kwargs):
        if self.contract is not None:
            self.contract.check_call(args, kwargs)  # the original arguments go: the service loads them itself
        return super()._call(*args, **kwargs)

    def get_message_headers(self, worker_ctx):
        headers = super().get_message_headers(worker_ctx)
        headers[HEADER] = self.sign()  # minted per call: a long request never outlives its token
        return headers


class SignedServiceProxy(ServiceProxy):
    def __init__(self, *args, sign, check_contracts=True, **options):
        self.sign = sign
        self.check_contracts = check_contracts
        super().__init__(*args, **options)

    def __getattr__(self, name):
        return SignedMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener,
                                 sign=self.sign, check_contracts=self.check_contracts, **self.options)


class SignedRpcProxy(RpcProxy):
    """RpcProxy whose calls carry a caller token: for the caller the worker acts for, else the service."""

    def setup(self):
        super().setup()
        self.key = CallerKey.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        issuer = self.container.service_name

        def sign():
            return self.key.mint(acting_for(worker_ctx), issuer)

        return SignedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, sign=sign,
                                  **self.options)


class _SignedClusterProxy(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, sign, check_contracts=True):
        super().__init__(worker_ctx, reply_listener)
        self._sign = sign
        self._check_contracts = check_contracts

    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = SignedServiceProxy(self._worker_ctx, name, self._reply_listener,
                                                     sign=self._sign, check_contracts=self._check_contracts)
        return self._proxies[name]


class SignedClusterRpcProxy(ClusterRpcProxy):
    """ClusterRpcProxy for programs outside a service (CLIs, the gateway's key fetch, tests): each call
    carries a fresh token naming `issuer`, on behalf of `caller` (None: the program itself).
    `check_contracts=False` sends calls unchecked (tests of what a service does with a bad call)."""

    def __init__(self, config, caller=None, issuer="cli", check_contracts=True, **kwargs):
        super().__init__(config, **kwargs)
        self._worker_ctx.container.service_name = issuer  # its reply queue is rpc.reply-<issuer>-<uuid>
        key = CallerKey.from_config(config)
        self._proxy = _SignedClusterProxy(self._worker_ctx, self._reply_listener,
                                          lambda: key.mint(caller, issuer), check_contracts)


class VerifiedCaller(DependencyProvider):
    """Verifies the caller token of every RPC (but `health`) before the method runs, and that an `actor`
    argument is exactly the caller the token speaks for. A refused call never reaches the method: the
    worker's method is swapped for one raising Unauthenticated, which nameko returns to the caller
    (raising here instead would kill the container). The dependency is the verified caller."""

    def setup(self):
        self.key = CallerKey.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        token = worker_ctx.data.pop(CONTEXT_KEY, None)  # never forwarded: outgoing calls sign their own
        entrypoint = worker_ctx.entrypoint
        if not isinstance(entrypoint, Rpc) or entrypoint.method_name in OPEN_METHODS:
            return None
        try:
            caller = self._verify(token, worker_ctx)
        except Unauthenticated as refusal:
            self._refuse(worker_ctx, refusal)
            return None
        act_for(worker_ctx, caller)
        return caller

    def _verify(self, token, worker_ctx):
        claims = self.key.verify(token)
        caller = claims.get("caller")
        method = getattr(type(worker_ctx.service), worker_ctx.entrypoint.method_name)
        signature = inspect.signature(method)
        if ACTOR_ARGUMENT in signature.parameters:
            actor = signature.bind(None, *worker_ctx.args, **worker_ctx.kwargs).arguments.get(ACTOR_ARGUMENT)
            if not same_caller(actor, caller):
                raise Unauthenticated("the actor argument is not the caller the token was signed for")
        return caller

    def _refuse(self, worker_ctx, refusal):
        method_name = worker_ctx.entrypoint.method_name
        log.warning("RPC refused: %s", refusal.message, extra={
            "service": self.container.service_name, "method": method_name,
            "call_id": worker_ctx.call_id})

        def refused(*args, **kwargs):
            raise refusal

        setattr(worker_ctx.service, method_name, refused)
