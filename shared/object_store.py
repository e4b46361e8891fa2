"""The S3-compatible object store attachments live in (S3Proxy in dev and CI, a bucket per environment in
production): put an object with server-side encryption requested, and presign a short-lived GET.

boto3 needs checksums only "when required": its default (a CRC32 trailer on every put) makes S3Proxy answer
NotImplemented (docs STACK.md). S3Proxy's filesystem backend also answers NotImplemented to the
server-side-encryption header: outside production the store then writes without it (logged once); in
production (SORASORI_ENV=production) a store that refuses SSE refuses the upload. Objects are stored under generated keys only; nothing a caller sends names one.
"""
import logging
import threading
from pathlib import Path
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from nameko.extensions import DependencyProvider

from shared.errors import PlatformError
from shared.settings import settings_of

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET_FILE = Path(__file__).resolve().parent.parent / "var" / "secrets" / "s3-secret-key"
CLIENT_CONFIG = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required",
                       signature_version="s3v4", s3={"addressing_style": "path"},
                       retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)


class StoreUnavailable(PlatformError):
    """The object store cannot be reached or refuses the platform's key: a 503 to retry later, not a 500."""
    status = 503
    headers = {"Retry-After": "60"}  # noqa: RUF012 (read only)


def secret_key(settings):
    if settings.s3_secret_key:
        return settings.s3_secret_key
    try:
        return DEVELOPMENT_SECRET_FILE.read_text().strip()
    except FileNotFoundError:
        raise RuntimeError("S3_SECRET_KEY is empty and var/secrets/s3-secret-key is missing: run `make infra` "
                           "(it starts S3Proxy and makes the key) or set S3_SECRET_KEY") from None


def client_of(settings):
    return boto3.session.Session().client(
        "s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key, aws_secret_access_key=secret_key(settings), config=CLIENT_CONFIG)


class ObjectStore:
    def __init__(self, client, bucket, sse=None, require_sse=False):
        self.client = client
        self.bucket = bucket
        self.sse = None if (sse or "off").lower() == "off" else sse
        self.require_sse = require_sse
        self._bucket_ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings, bucket=None):
        return cls(client_of(settings), bucket or settings.s3_bucket, settings.s3_sse,
                   require_sse=settings.sorasori_env == "production")

    def ensure_bucket(self):
        """Create the bucket when it is missing (development; production's exists and may refuse creation)."""
        if self._bucket_ready:
            return
        with self._lock:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                if _code(error) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                try:
                    self.client.create_bucket(Bucket=self.bucket)
                except ClientError as again:
                    if _code(again) != "BucketAlreadyOwnedByYou":
                        raise
            self._bucket_ready = True

    def put(self, key, body, content_type, metadata=None):
        """Store `body` (bytes or a file) under `key`; answers the headers the store returned (its SSE).
        Raises StoreUnavailable when the store cannot take it."""
        try:
            return self._put(key, body, content_type, metadata)
        except (BotoCoreError, ClientError) as error:
            log.error("the object store refused or failed a write", extra={"error": str(error)})
            raise StoreUnavailable("the document store is unavailable; try again in a minute") from None

    def _put(self, key, body, content_type, metadata):
        self.ensure_bucket()
        sse = self.sse
        while True:
            extra = {"ServerSideEncryption": sse} if sse else {}
            try:
                answer = self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type,
                                                Metadata=metadata or {}, **extra)
                break
            except ClientError as error:
                if not (sse and _code(error) == "NotImplemented" and not self.require_sse):
                    raise
                log.warning("the object store does not implement server-side encryption; storing without it "
                            "(development only)", extra={"sse": sse})
                self.sse = sse = None
                if hasattr(body, "seek"):
                    body.seek(0)
        return {"etag": answer.get("ETag"), "sse": answer.get("ServerSideEncryption")}

    def head(self, key):
        return self.client.head_object(Bucket=self.bucket, Key=key)

    def get(self, key):
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, key, ttl, filename, content_type):
        """A presigned GET valid `ttl` seconds, served as a download under the sanitised `filename`."""
        params = {"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
                  "ResponseContentDisposition": content_disposition(filename)}
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)


def content_disposition(filename):
    """A download under `filename`: an ASCII fallback for old clients, the name itself (any script) in
    RFC 6266's filename* (headers are Latin-1: a Bengali name as it is would not survive)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _code(error):
    return error.response.get("Error", {}).get("Code")


class Unconfigured:
    """Stands in for the store when it has no key: the gateway serves everything else; uploads answer 503."""

    def __init__(self, why):
        self.why = why

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise StoreUnavailable(f"documents cannot be stored or fetched: {self.why}")
        return refuse


class AttachmentStore(DependencyProvider):
    """The container's ObjectStore (one boto3 client, thread-safe), from its settings."""

    def setup(self):
        try:
            self.store = ObjectStore.from_settings(settings_of(self.container.config))
        except RuntimeError as error:  # no key: say so on every use, and in the log now
            log.error("attachments are off: %s", error)
            self.store = Unconfigured(str(error))

    def get_dependency(self, worker_ctx):
        return self.store
