"""The gateway's attachment routes (a part of GatewayService): upload files to a case, and fetch a short-lived
download link for one.

Upload is one multipart request per action (`purpose`: filing or request_info for the complainant; resolve,
reject, note or public_note for the officer working the case), after the case exists: filing itself stays a
small JSON body (idempotent, 64 KB), and the files go where they can be streamed, checked and cleaned. Intake
says first whether the caller may attach (nothing is stored for a caller it would refuse), the gateway checks
every file's bytes, re-encodes images without EXIF and stores each under a generated key, then intake records
them in one version-guarded write; files it then refuses (the per-case cap reached meanwhile) are deleted.
"""
import hashlib
import itertools
import logging
import uuid
from tempfile import SpooledTemporaryFile

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from services.gateway import conditional
from services.gateway import schemas as answers
from services.gateway.attachment_files import ACCEPTED, FileRefused, clean
from services.gateway.base import GatewayPart
from services.gateway.grievances import TRACKING
from services.gateway.http_server import http
from services.gateway.idempotency import HEADER, Idempotency, fingerprint, key_id
from services.gateway.limits import CASE_LOOKUP
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE, json_response
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import BadRequest, PayloadTooLarge, UnsupportedMediaType, api, dumped_as
from services.intake.domain.attachments import PURPOSES
from shared.actors import CITIZEN, CMO_CELL, OFFICER, SUPERVISOR
from shared.errors import PlatformError, PreconditionFailed
from shared.object_store import AttachmentStore
from shared.signed_rpc import SignedRpcProxy
from shared.validators import IDEMPOTENCY_KEY_RULE, is_idempotency_key

log = logging.getLogger(__name__)

MULTIPART = "multipart/form-data"
FORM_OVERHEAD = 64 * 1024  # the form's own fields and each part's headers
UPLOAD_FORM = {"type": "object", "required": ["purpose", "files"], "properties": {
    "purpose": {"type": "string", "enum": list(PURPOSES)},
    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
              "description": f"{ACCEPTED}; at most ATTACHMENT_MAX_FILES (5) files of ATTACHMENT_MAX_BYTES (10 MB)"}}}


class FileTooLarge(PayloadTooLarge):
    """413 naming the file (or `files`) that is too large."""

    def body(self):
        return {"error": self.message, "fields": self.details}


class LengthRequired(PlatformError):
    status = 411

    def body(self):
        return {"error": self.message, "fields": self.details}


class _CappedSpool(SpooledTemporaryFile):
    """Where the form parser writes one file: in memory up to 500 KB, then a temporary file; refused with 413
    naming the file the moment its bytes pass the limit."""

    def __init__(self, limit, name, index):
        super().__init__(max_size=500 * 1024, mode="rb+")
        self.limit, self.name_sent, self.index, self.written = limit, name, index, 0

    def write(self, data):
        self.written += len(data)
        if self.written > self.limit:
            raise FileTooLarge(f"{self.name_sent} is larger than {self.limit} bytes", {
                f"files[{self.index}]": [f"{self.name_sent}: more than {self.limit} bytes; at most {self.limit}."]})
        return super().write(data)


def _capped_files(max_files, max_bytes):
    """The parser's stream factory: each file part capped at `max_bytes`, and no part after the `max_files`th."""
    count = itertools.count()

    def factory(total_content_length, content_type, filename, content_length=None):
        index = next(count)
        if index >= max_files:
            raise BadRequest(f"at most {max_files} files at a time", {"files": [f"More than {max_files} files; "
                                                                                 f"at most {max_files}."]})
        return _CappedSpool(max_bytes, filename or f"file {index + 1}", index)
    return factory


def object_key(tracking_id, ref):
    return f"cases/{tracking_id}/{ref}"


class AttachmentRoutes(GatewayPart):
    throttle = Throttle()
    idempotency = Idempotency()
    intake = SignedRpcProxy("intake")
    objects = AttachmentStore()

    @http("POST", TRACKING + "/attachments", doc=Operation(
        "Attach photos or PDFs to a case", tags=("Grievances",), request=UPLOAD_FORM, body=MULTIPART,
        roles=(CITIZEN, OFFICER, SUPERVISOR, CMO_CELL), responses={201: answers.AttachedSchema},
        errors=(400, 403, 404, 409, 411, 412, 413, 415, 422),
        request_headers=("If-Match",), answer_headers=("ETag",),
        description="The complainant attaches with the complaint (`filing`) or in answer to a request for "
                    "information (`request_info`); the officer working the case with a resolution, a rejection or "
                    "a note. The type is judged from the bytes; images are re-encoded without EXIF (no location). "
                    "With `If-Match` (the case's ETag) a case changed meanwhile answers 412 and keeps no file; the "
                    "answer's `ETag` is the case's new version, for the action the files go with."))
    @throttled(CASE_LOOKUP)
    @api
    def upload_attachments(self, request, tracking_id):
        actor = self.authenticate(request)
        purpose, uploads = self._parsed_form(request)
        files = [self._checked(upload, index) for index, upload in enumerate(uploads)]
        if_match = conditional.if_match_versions(request.headers.get("If-Match"))
        key = request.headers.get(HEADER)
        if key is None:
            return self._store_and_attach(tracking_id, purpose, files, actor, if_match)
        if not is_idempotency_key(key):
            raise BadRequest("the Idempotency-Key header is not valid", {HEADER: [IDEMPOTENCY_KEY_RULE]})
        # a retry with the same key and the same files answers as the first did, without storing them again
        same = fingerprint("POST", request.path, {"purpose": purpose, "files": [
            [item.name, hashlib.sha256(item.data).hexdigest()] for item in files]})
        return self.idempotency.run(key_id(actor, key), same,
                                    lambda: self._store_and_attach(tracking_id, purpose, files, actor, if_match))

    upload_attachments.idempotent = True  # honours Idempotency-Key itself: the body is a form, not JSON

    def _store_and_attach(self, tracking_id, purpose, files, actor, if_match=None):
        self._rpc("intake", self.intake.may_attach, tracking_id, {"purpose": purpose, "count": len(files)}, actor)
        stored = []
        try:
            for item in files:
                ref = uuid.uuid4().hex
                self.objects.put(object_key(tracking_id, ref), item.data, item.content_type,
                                 {"case": tracking_id, "by-role": actor["role"]})
                stored.append({"ref": ref, "kind": item.kind, "name": item.name, "size": item.size,
                               "content_type": item.content_type})
            answer = self._rpc("intake", self.intake.attach, tracking_id, {"purpose": purpose, "files": stored},
                               actor, if_match)
        except PreconditionFailed as error:
            self._forget(tracking_id, stored)
            raise conditional.precondition_failed(error) from None
        except BaseException:
            self._forget(tracking_id, stored)
            raise
        return json_response(dumped_as(answers.AttachedSchema, answer), status=201,
                             headers={**NO_STORE, "ETag": conditional.etag(answer["version"])})

    @http("GET", TRACKING + "/attachments/<string:ref>", doc=Operation(
        "A short-lived download link for one attachment", tags=("Grievances",),
        roles=(CITIZEN, OFFICER, SUPERVISOR, CMO_CELL), responses={200: answers.AttachmentLinkSchema},
        errors=(403, 404),
        description="Only the complainant, the officer working the case and the CMO cell get a link; other staff "
                    "who see the case see that the document exists (403); anyone else: 404."))
    @throttled(CASE_LOOKUP)
    @api
    def attachment_link(self, request, tracking_id, ref):
        actor = self.authenticate(request)
        record = self._rpc("intake", self.intake.attachment_for_download, tracking_id, ref, actor)
        ttl = self.settings.attachment_url_ttl_seconds
        url = self.objects.download_url(object_key(tracking_id, ref), ttl, record.get("name") or ref,
                                        record.get("content_type") or "application/octet-stream")
        return 200, {"url": url, "expires_in": ttl, "attachment": record}, NO_STORE

    def _parsed_form(self, request):
        """The purpose and the files sent, read as the body streams in: a body whose length is over five full
        files is refused unread, a file the moment its bytes pass the limit, a sixth file as its part starts."""
        limits = self.settings
        if request.mimetype != MULTIPART:
            raise UnsupportedMediaType("send the files as multipart/form-data",
                                       {"Content-Type": ["Must be multipart/form-data."]})
        if request.content_length is None:  # a chunked body: the WSGI server hands over no stream to read
            raise LengthRequired("send the upload with a Content-Length", {"Content-Length": ["Missing."]})
        most = limits.attachment_max_files * limits.attachment_max_bytes + FORM_OVERHEAD
        if request.content_length > most:
            raise FileTooLarge(f"an upload may be at most {limits.attachment_max_files} files of "
                               f"{limits.attachment_max_bytes} bytes", {"files": ["Too large."]})
        parser = FormDataParser(stream_factory=_capped_files(limits.attachment_max_files, limits.attachment_max_bytes),
                                max_content_length=most)
        try:
            _, form, files_sent = parser.parse_from_environ(request.environ)
        except RequestEntityTooLarge:
            raise FileTooLarge("the upload is too large", {"files": ["Too large."]}) from None
        purpose, uploads = form.get("purpose"), files_sent.getlist("files")
        if purpose not in PURPOSES:
            raise BadRequest("say what the files are for", {"purpose": [f"Must be one of: {', '.join(PURPOSES)}."]})
        if not uploads:
            raise BadRequest("attach at least one file", {"files": ["Missing."]})
        return purpose, uploads

    def _checked(self, upload, index):
        name = upload.filename or f"file {index + 1}"
        field = f"files[{index}]"
        upload.stream.seek(0, 2)
        size = upload.stream.tell()
        upload.stream.seek(0)
        if size == 0:
            raise BadRequest(f"{name} is empty", {field: [f"{name}: empty."]})
        try:
            return clean(upload.stream.read(), name, index)
        except FileRefused as refused:
            error = UnsupportedMediaType if refused.status == 415 else BadRequest
            raise error(f"{name}: {refused.message}", {field: [f"{name}: {refused.message}."]}) from None

    def _forget(self, tracking_id, stored):
        for item in stored:
            try:
                self.objects.delete(object_key(tracking_id, item["ref"]))
            except Exception:  # noqa: BLE001 (an orphan object is harmless: nothing refers to it)
                log.warning("an unrecorded attachment could not be deleted", extra={"ref": item["ref"]})
