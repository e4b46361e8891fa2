"""Every setting the platform reads, its type and its default, in one place.

`config/sorasori.yaml` (through shared/config.py) gives a dict of raw values; `settings_of(config)` checks
it once and answers a frozen `Settings` whose attribute names are the setting names in lower case
(`HEALTH_TIMEOUT` -> `settings.health_timeout`). A malformed value or an unknown name raises
`SettingsError` naming the variable, so a typo in a deployment fails at start-up instead of being ignored.
An empty value (`${VAR:}`) means the default. Keys nameko itself reads are allowed through unchecked.
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate
from nameko.extensions import DependencyProvider

# Read by nameko (and its plugins), not by the platform's code: accepted as they are.
NAMEKO_KEYS = frozenset({
    "AMQP_URI", "WEB_SERVER_ADDRESS", "rpc_exchange", "serializer", "SERIALIZERS", "ACCEPT", "HEARTBEAT",
    "AMQP_SSL", "TRANSPORT_OPTIONS", "LOGIN_METHOD", "max_workers", "parent_calls_tracked", "LOGGING",
    "PREFETCH_COUNT",
})

# Gateway rate limits, `<count>/<seconds>` or `off` (parsed by services/gateway/limits.py).
RATE_LIMIT_DEFAULTS = {
    "RATE_LIMIT_FILING_PER_PRINCIPAL": "20/600",
    "RATE_LIMIT_FILING_PER_ADDRESS": "100/600",
    "RATE_LIMIT_SEARCH_PER_PRINCIPAL": "120/60",
    "RATE_LIMIT_SEARCH_PER_ADDRESS": "600/60",
    "RATE_LIMIT_EXPORT_PER_PRINCIPAL": "10/600",
    "RATE_LIMIT_EXPORT_PER_ADDRESS": "30/600",
    "RATE_LIMIT_CASE_LOOKUP_PER_PRINCIPAL": "60/60",
    "RATE_LIMIT_CASE_LOOKUP_PER_ADDRESS": "300/60",
    "RATE_LIMIT_TOKEN_PER_ADDRESS": "60/60",
    "RATE_LIMIT_OTP_VERIFY_PER_ADDRESS": "30/900",
    "RATE_LIMIT_OTP_VERIFY_PER_MOBILE": "10/900",
    "RATE_LIMIT_SIGN_IN_PER_ADDRESS": "60/300",
}


class SettingsError(ValueError):
    """One or more settings are malformed or unknown; `problems` maps each variable to what is wrong."""

    def __init__(self, problems: Mapping[str, Any]):
        self.problems = dict(problems)
        listed = "; ".join(f"{name}: {' '.join(map(str, why)) if isinstance(why, list) else why}"
                           for name, why in sorted(self.problems.items()))
        super().__init__(f"invalid settings: {listed}")


def _text(default: str | None = None) -> fields.Field:
    return fields.String(load_default=default)


def _int(default: int | None, minimum: int | None = 0, maximum: int | None = None) -> fields.Field:
    return fields.Integer(load_default=default, strict=False, validate=validate.Range(min=minimum, max=maximum))


def _number(default: float, minimum: float | None = 0, maximum: float | None = None) -> fields.Field:
    return fields.Float(load_default=default, validate=validate.Range(min=minimum, max=maximum))


def _flag(default: bool) -> fields.Field:
    return fields.Boolean(load_default=default)


class _RateLimitField(fields.String):
    """`<count>/<seconds>` or `off`; YAML reads a bare `off` as false."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return "off" if value is False else super()._deserialize(value, attr, data, **kwargs)


class SettingsSchema(Schema):
    """Declared as the variables are named; each field loads into the lower-case attribute of `Settings`."""

    class Meta:
        unknown = EXCLUDE  # unknown names are reported by `load_settings` itself, all at once with the rest

    # stores and servers
    MONGO_URI = _text("mongodb://127.0.0.1:27017/")
    MONGO_DB_PREFIX = _text("sorasori_")
    ELASTICSEARCH_URL = _text("http://127.0.0.1:9200")
    ES_INDEX_PREFIX = _text("sorasori-")
    ES_SHARDS = _int(1, minimum=1)
    ES_REPLICAS = _int(0)
    SEARCH_BULK_MAX_DOCS = _int(500, minimum=1)
    SEARCH_BULK_LINGER_MS = _number(250)
    SEARCH_OUTAGE_HOLD_SECONDS = _number(600)
    # operations
    METRICS_PORT = _int(None, maximum=65535)  # None: each service's own local default (shared/metrics_server.py)
    METRICS_BIND = _text("127.0.0.1")
    HEALTH_TIMEOUT = _number(2)
    HEALTH_TOKEN = _text(None)
    OUTBOX_RELAY_INTERVAL = _number(1, minimum=0.05)
    OUTBOX_CLEAR_LINGER_MS = _number(20)
    EVENT_DELIVERY_LIMIT = _int(5, minimum=1)
    # the public event stream (notification's relay, shared/public_events.py)
    PUBLIC_VHOST = _text(None)  # None: `<AMQP_URI's vhost>-public` (shared/broker_access.public_vhost_of)
    PUBLIC_AMQP_URI = _text(None)  # None: notification's own login (AMQP_URI) on PUBLIC_VHOST
    SHUTDOWN_GRACE_SECONDS = _number(6)  # kept between 0.5 and 20 by shared/shutdown.py
    BACKGROUND_NICENESS = _int(10, maximum=19)  # shared/process_priority.py
    SORASORI_ENV = _text("development")
    # authentication and callers
    AUTH_MODE = _text("development")
    OIDC_ISSUER = _text("http://127.0.0.1:8000")
    SSO_ISSUER = _text(None)
    SSO_CLIENT_ID = _text("sorasori")
    SSO_CLIENT_SECRET = _text(None)
    WEB_REDIRECT_URIS = _text("http://127.0.0.1:8000/app/callback,in.gov.wb.sorasori:/oauth/callback")
    INTERNAL_CALLER_KEY = _text(None)
    INTERNAL_CALLER_TTL = _int(30, minimum=1)
    # gateway
    GATEWAY_RPC_TIMEOUT = _number(10)
    TRUSTED_PROXIES = _text("")
    RATE_LIMIT_SWEEP_SECONDS = _number(60, minimum=0.01)
    IDEMPOTENCY_WAIT_SECONDS = _number(5)
    IDEMPOTENCY_LEASE_SECONDS = _number(30, minimum=0.01)
    IDEMPOTENCY_SWEEP_SECONDS = _number(600, minimum=0.01)
    IDEMPOTENCY_SECRET_KEY = _text(None)  # seals kept answers (they hold personal data); required in production
    CORS_ORIGINS = _text("")  # comma-separated origins; empty: no cross-origin access
    # one field per rule and scope, named as RATE_LIMIT_DEFAULTS names them (a class body's namespace is a dict)
    locals().update({name: _RateLimitField(load_default=default) for name, default in RATE_LIMIT_DEFAULTS.items()})
    # web console (services/web)
    WEB_BIND = _text("127.0.0.1")
    WEB_PORT = _int(8080, minimum=1, maximum=65535)
    WEB_PUBLIC_URL = _text("http://127.0.0.1:8080")
    WEB_GATEWAY_URL = _text("http://127.0.0.1:8000")
    WEB_GATEWAY_TIMEOUT = _number(5, minimum=0.1)
    WEB_CLIENT_SECRET = _text(None)
    WEB_SESSION_IDLE_SECONDS = _int(1800, minimum=1)
    WEB_SESSION_MAX_SECONDS = _int(12 * 3600, minimum=1)
    # attachments (shared/object_store.py, services/gateway/attachments.py)
    S3_ENDPOINT_URL = _text("http://127.0.0.1:9400")  # empty in production on AWS: the region's endpoint
    S3_BUCKET = _text("sorasori-development")
    S3_REGION = _text("us-east-1")
    S3_ACCESS_KEY = _text("sorasori-dev")
    S3_SECRET_KEY = _text(None)  # None in development: var/secrets/s3-secret-key (scripts/infra/s3proxy.sh)
    S3_SSE = _text("AES256")  # server-side encryption requested on every object; `off`: none
    ATTACHMENT_URL_TTL_SECONDS = _int(300, minimum=1, maximum=3600)
    ATTACHMENT_MAX_FILES = _int(5, minimum=1, maximum=20)
    ATTACHMENT_MAX_BYTES = _int(10 * 1024 * 1024, minimum=1024)
    ATTACHMENTS_PER_CASE = _int(30, minimum=1)
    # intake and routing
    FILINGS_PER_MOBILE_PER_MONTH = _int(10)
    ALLOW_CLOCK_OVERRIDE = _flag(False)
    ROUTING_MIN_CONFIDENCE = _number(0.4, maximum=1)
    # notification
    SMS_PROVIDER_URL = _text(None)
    SMS_PROVIDER_USER = _text(None)
    SMS_PROVIDER_KEY = _text(None)
    SMS_SENDER_ID = _text("WBCMOS")
    SMS_DLT_TEMPLATE_IDS = _text(None)
    SMS_REPORT_TOKEN = _text(None)
    SMTP_HOST = _text("127.0.0.1")
    SMTP_PORT = _int(2525, minimum=1, maximum=65535)
    SMTP_USER = _text(None)
    SMTP_PASSWORD = _text(None)
    SMTP_STARTTLS = _flag(False)
    SMTP_CA_FILE = _text(None)
    MAIL_FROM = _text("no-reply@sorasori.invalid")
    NOTIFY_SECRET_KEY = _text(None)
    WEBHOOK_ALLOW_PRIVATE_TARGETS = fields.Boolean(load_default=None)  # None: true in development only
    WEBHOOK_CA_FILE = _text(None)
    NOTIFY_MAX_ATTEMPTS = _int(6, minimum=1)
    NOTIFY_RETRY_BASE_SECONDS = _number(30)
    NOTIFY_RETRY_MAX_SECONDS = _number(3600)
    NOTIFY_QUIET_START_HOUR = _int(21, maximum=24)
    NOTIFY_QUIET_END_HOUR = _int(8, maximum=24)  # 0 to 24: quiet all day
    NOTIFY_RATE_LIMIT = _int(10, minimum=1)
    DIGEST_HOUR_IST = _int(9, maximum=23)  # the staff's daily digest goes at this hour (IST) or later that day
    NOTIFY_RATE_WINDOW_SECONDS = _int(3600, minimum=1)
    NOTIFY_SEND_TIMEOUT = _number(10)
    NOTIFY_SEND_CONCURRENCY = _int(10, minimum=1)
    NOTIFY_SEND_BATCH = _int(100, minimum=1)
    # the public event stream's subscribers (services/notification/subscribers.py)
    PUBLIC_BROKER_URL = _text("amqp://127.0.0.1:5672")  # what subscribers are told to connect to
    RABBITMQ_MANAGEMENT_URL = _text("http://guest:guest@127.0.0.1:15672")  # creates and deletes their users
    SUBSCRIBERS_PER_CLIENT = _int(10, minimum=1)

    @pre_load
    def empty_means_default(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {name: value for name, value in data.items() if value is not None and value != ""}

    @post_load
    def make_settings(self, data: dict[str, Any], **kwargs: Any) -> Settings:
        return Settings(**{name.lower(): value for name, value in data.items()})


SETTING_NAMES = frozenset(SettingsSchema().fields)

_TYPES = {fields.Integer: int, fields.Float: float, fields.Boolean: bool, fields.String: str}


def _annotation(field: fields.Field) -> Any:
    kind = next(kind for base, kind in _TYPES.items() if isinstance(field, base))
    return kind | None if field.load_default is None else kind


Settings = dataclasses.make_dataclass(
    "Settings", [(name.lower(), _annotation(field)) for name, field in sorted(SettingsSchema().fields.items())],
    frozen=True,
    namespace={"__doc__": "The platform's validated settings (attribute = setting name in lower case)."},
)


def load_settings(config: Mapping[str, Any]) -> Settings:
    """Check `config` (the raw dict): every name known, every value of its type. Raises SettingsError."""
    problems: dict[str, Any] = {name: "unknown setting" for name in config
                                if name not in SETTING_NAMES and name not in NAMEKO_KEYS}
    try:
        settings = SettingsSchema().load({k: v for k, v in config.items() if k in SETTING_NAMES})
    except ValidationError as error:
        problems.update(error.messages)
        settings = None
    if problems:
        raise SettingsError(problems)
    return settings


_ORDERED_NAMES = tuple(sorted(SETTING_NAMES))
_cache: dict[int, tuple[Mapping[str, Any], tuple, Settings]] = {}
_cache_lock = threading.Lock()


def settings_of(config: Mapping[str, Any]) -> Settings:
    """The settings of this config dict, checked once per process (again only if the dict was changed,
    as tests do before starting a service)."""
    fingerprint = (len(config), *map(config.get, _ORDERED_NAMES))  # a name added, removed or changed
    cached = _cache.get(id(config))
    if cached is not None and cached[0] is config and cached[1] == fingerprint:
        return cached[2]
    settings = load_settings(config)
    with _cache_lock:
        _cache[id(config)] = (config, fingerprint, settings)
    return settings


class SettingsProvider(DependencyProvider):
    """Injects the container's `Settings`; a malformed config stops the container from starting."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Settings:
        return self.settings
