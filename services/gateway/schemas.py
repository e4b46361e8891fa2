"""What the gateway answers, as marshmallow schemas: the OpenAPI document describes every answer with these
(services/gateway/openapi.py), and the contract tests hold the answers to them.

Answers that carry a whole case or a service's record keep fields this document does not list (routing and
search add theirs to a case): those schemas derive from `Open` (additionalProperties: true).
"""
from marshmallow import Schema, fields, post_dump, validate

from shared.projections import INTERNAL_FIELDS

ANSWER_FORMATS = ("json", "csv")  # what a list's `format` may ask for (json, the default, or a CSV export)


def listed(schema, **kwargs):
    return fields.List(fields.Nested(schema), **kwargs)


def timestamp(**kwargs):
    """An ISO 8601 time as the services send it (already text: dumping leaves it as it is)."""
    metadata = {"format": "date-time", **kwargs.pop("metadata", {})}
    return fields.Str(metadata=metadata, **kwargs)


class Open(Schema):
    """An object that may carry more fields than the ones named (additionalProperties: true): dumping keeps
    the fields this schema does not name, except those in `never_carries` (the document says they are absent)."""
    never_carries = ()

    @post_dump(pass_original=True)
    def keep_the_rest(self, data, original, **kwargs):
        if not isinstance(original, dict):
            return data
        rest = {key: value for key, value in original.items()
                if key not in self.dump_fields and key not in self.never_carries}
        return {**rest, **data}


# --- problems ---------------------------------------------------------------------------------------------

class ProblemSchema(Schema):
    """RFC 9457 problem details: every error answer."""
    type = fields.Str(required=True, metadata={"description": "about:blank: the status code says what happened"})
    title = fields.Str(required=True, metadata={"description": "the status code's phrase"})
    status = fields.Int(required=True)
    detail = fields.Str(required=True, metadata={"description": "what went wrong, in plain words"})
    instance = fields.Str(metadata={"description": "the path the request asked for"})
    errors = fields.Dict(keys=fields.Str(), values=fields.Raw(), metadata={
        "description": "each bad field (a header, a query parameter or a body field, dotted when nested) "
                       "with its messages"})
    details = fields.Dict(metadata={"description": "more than which field: the actions allowed instead (409), "
                                                   "the rate limit's rule and window (429)"})
    error = fields.Str(metadata={"description": "the same text as `detail`; deprecated, goes with /api/v2",
                                 "deprecated": True})


# --- grievances ----------------------------------------------------------------------------------------------

class ActorRefSchema(Open):
    id = fields.Str(metadata={"description": "withheld from the complainant when another person acted"})
    role = fields.Str(required=True)


class TimelineEntryForComplainantSchema(Open):
    """A public step of a case: who acted is an office (a role), never a person."""
    at = timestamp(required=True)
    kind = fields.Str(required=True, metadata={"description": "status, or the action taken"})
    by = fields.Nested(ActorRefSchema)
    public = fields.Bool(required=True)
    status = fields.Str()
    previous = fields.Str()
    note = fields.Str(allow_none=True)  # null when the action's note was left out (acknowledge, start, close)


class TimelineEntryForStaffSchema(TimelineEntryForComplainantSchema):
    """Every step of a case, internal notes included, with who acted."""
    notes = fields.Str(allow_none=True)


class PlaceViewSchema(Open):
    district = fields.Str(allow_none=True)
    block = fields.Str(allow_none=True)
    municipality = fields.Str(allow_none=True)
    ward = fields.Str(allow_none=True)
    panchayat = fields.Str(allow_none=True)
    geo = fields.Dict(allow_none=True)


class ComplainantViewSchema(Open):
    name = fields.Str()
    mobile = fields.Str(allow_none=True, metadata={"description": "masked for staff who do not work the case"})
    email = fields.Str(allow_none=True)
    language = fields.Str()
    residence = fields.Dict()


class CaseViewSchema(Open):
    tracking_id = fields.Str(required=True)
    kind = fields.Str()
    status = fields.Str(required=True)
    allowed_actions = fields.List(fields.Str(), metadata={
        "description": "the actions the caller may take on the case now (its status and their role); "
                       "a case answer carries it, a search hit does not"})
    missing = fields.List(fields.Str())
    subject = fields.Str()
    description = fields.Str()
    category = fields.Str(allow_none=True)
    department = fields.Str(allow_none=True)
    channel = fields.Str()
    place = fields.Nested(PlaceViewSchema)
    complainant = fields.Nested(ComplainantViewSchema)
    attachments = fields.List(fields.Dict())
    urgent = fields.Bool()
    level = fields.Int()
    transfers = fields.Int()
    reopenings = fields.Int()
    supporters = fields.Int()
    feedback = fields.List(fields.Dict())
    created_at = timestamp()
    updated_at = timestamp()
    version = fields.Int()


class CaseForComplainantSchema(CaseViewSchema):
    """The complainant's own case: the public timeline; no internal fields."""
    never_carries = INTERNAL_FIELDS  # shared/projections.py leaves them out: what tells it from the staff view
    timeline = listed(TimelineEntryForComplainantSchema)


class CaseForStaffSchema(CaseViewSchema):
    """The case for staff: as stored for those working it; masked contacts for other staff of its office."""
    timeline = listed(TimelineEntryForStaffSchema)
    officer_id = fields.Str(allow_none=True)
    filed_by = fields.Nested(ActorRefSchema, required=True)  # what the gateway tells the staff view by
    versions = fields.List(fields.Dict())
    contact_attempts = fields.Int(metadata={"description": "how many times the cell tried to reach the complainant"})


class FiledSchema(CaseForComplainantSchema):
    duplicate = fields.Bool(required=True, metadata={"description": "true: the same grievance was filed already "
                                                                    "(answered 200, not 201)"})


class PersonalDataReadSchema(Open):
    at = timestamp(required=True)
    by = fields.Nested(ActorRefSchema)
    what = fields.Str()


class PersonalDataReadsSchema(Schema):
    reads = listed(PersonalDataReadSchema, required=True)


class ReassignedSchema(Schema):
    tracking_id = fields.Str(required=True)
    officer_id = fields.Str(required=True)


class ClusterOutcomeSchema(Schema):
    tracking_id = fields.Str(required=True)
    resolved = fields.Bool(required=True)
    status = fields.Str()
    error = fields.Str()
    http_status = fields.Int()


class ClusterResolvedSchema(Open):
    outcomes = listed(ClusterOutcomeSchema)


# --- officers, search and insights ----------------------------------------------------------------------------

class QueueItemSchema(Schema):
    tracking_id = fields.Str(required=True)
    subject = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    urgent = fields.Bool()
    level = fields.Int()
    clock = fields.Str(metadata={"description": "the SLA clock: active, paused or stopped"})
    deadline = timestamp()
    sla_seconds_left = fields.Int(allow_none=True)
    overdue = fields.Bool()
    district = fields.Str(allow_none=True)


class QueueSchema(Schema):
    officer_id = fields.Str(required=True)
    count = fields.Int(required=True)
    items = listed(QueueItemSchema, required=True)
    next = fields.Str(allow_none=True, required=True, metadata={"description": "the next page's URL; null at the end"})


class OfficerLoadSchema(Schema):
    officer_id = fields.Str(required=True)
    name = fields.Str(required=True)
    level = fields.Int(required=True, metadata={"description": "1 field officer ... 4 the CMO's complaint cell"})
    open = fields.Int(required=True, metadata={"description": "open cases the officer holds in this office"})
    overdue = fields.Int(required=True, metadata={"description": "of those, past the SLA deadline, clock running"})
    escalated = fields.Int(required=True, metadata={"description": "of those, above level 1"})


class OfficeTotalsSchema(Schema):
    open = fields.Int(required=True)
    overdue = fields.Int(required=True)
    escalated = fields.Int(required=True)


class OfficeLoadSchema(Schema):
    department = fields.Str(required=True)
    district = fields.Str(required=True)
    officers = listed(OfficerLoadSchema, required=True)
    totals = fields.Nested(OfficeTotalsSchema, required=True, metadata={"description": "counted, never a sample"})


class SearchHitSchema(CaseViewSchema):
    highlight = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()))
    score = fields.Float(allow_none=True)


class SearchResultsSchema(Schema):
    total = fields.Int(required=True)
    results = listed(SearchHitSchema, required=True)
    facets = fields.Dict(keys=fields.Str(), values=fields.Dict(keys=fields.Str(), values=fields.Int()),
                         required=True, metadata={"description": "per facet, the count of each value"})
    next = fields.Str(allow_none=True, metadata={"description": "the cursor of the next page (`after`)"})


class SearchQuerySchema(Schema):
    q = fields.Str(metadata={"description": "free text in Bengali, English or Hindi, any script"})
    status = fields.List(fields.Str())
    department = fields.List(fields.Str())
    district = fields.List(fields.Str())
    block = fields.List(fields.Str())
    municipality = fields.List(fields.Str())
    category = fields.List(fields.Str())
    channel = fields.List(fields.Str())
    kind = fields.List(fields.Str())
    level = fields.List(fields.Int())
    overdue = fields.Bool()
    sort = fields.Str()
    size = fields.Int()
    after = fields.Str(metadata={"description": "the `next` cursor of the previous page"})
    format = fields.Str(validate=validate.OneOf(ANSWER_FORMATS),
                        metadata={"description": "csv: every matching case as a CSV file"})


class InsightQuerySchema(Schema):
    by = fields.Str()
    days = fields.Int()
    after = fields.Str()
    format = fields.Str(validate=validate.OneOf(ANSWER_FORMATS),
                        metadata={"description": "csv: the whole table as a CSV file"})


class InsightTableSchema(Schema):
    insight = fields.Str(required=True)
    columns = fields.List(fields.Str(), required=True)
    rows = fields.List(fields.List(fields.Raw()), required=True)
    next = fields.Str(allow_none=True)


class SimilarQuerySchema(Schema):
    size = fields.Int()


class SimilarCasesSchema(Schema):
    tracking_id = fields.Str(required=True)
    similar = listed(SearchHitSchema, required=True)


class PublicPlaceSchema(Schema):
    district = fields.Str()
    block = fields.Str()
    municipality = fields.Str()


class PublicCaseSchema(Schema):
    """A case as any citizen may see it (shared.projections.project_public)."""
    tracking_id = fields.Str(required=True)
    subject = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    status = fields.Str(required=True)
    status_text = fields.Str(required=True, metadata={"description": "the status in plain words"})
    supporters = fields.Int(required=True)
    place = fields.Nested(PublicPlaceSchema, required=True)
    created_on = fields.Str(allow_none=True, metadata={"format": "date"})


class LookalikesFoundSchema(Schema):
    lookalikes = listed(PublicCaseSchema, required=True)


# --- notifications -------------------------------------------------------------------------------------------

class NoticeSchema(Open):
    at = timestamp(required=True)
    tracking_id = fields.Str()
    kind = fields.Str()
    text = fields.Str()


class NoticesSchema(Schema):
    notices = listed(NoticeSchema, required=True)


class NoticesQuerySchema(Schema):
    limit = fields.Int()


class PreferencesViewSchema(Open):
    channels = fields.List(fields.Str())
    language = fields.Str(allow_none=True)
    quiet_hours = fields.Bool()


class StaffPreferencesViewSchema(Open):
    opt_out = fields.List(fields.Str())


class DeliverySchema(Open):
    channel = fields.Str()
    status = fields.Str()
    at = timestamp()


class DeliveryLogSchema(Schema):
    tracking_id = fields.Str(required=True)
    deliveries = listed(DeliverySchema, required=True)


class WebhookSchema(Open):
    id = fields.Str(required=True)
    url = fields.Str()
    events = fields.List(fields.Str(), metadata={"description": "public event types, or patterns with *"})
    departments = fields.List(fields.Str())
    districts = fields.List(fields.Str())
    active = fields.Bool()
    created_by = fields.Str(allow_none=True)
    created_at = timestamp()


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.Str(required=True, metadata={"description": "shown once: the signing secret"})
    previous_secret_valid_until = timestamp(allow_none=True)


class WebhooksSchema(Schema):
    subscriptions = listed(WebhookSchema, required=True)


class SubscriberCredentialsSchema(Schema):
    username = fields.Str(required=True)
    password = fields.Str(required=True, metadata={"description": "shown once: the platform keeps none of it"})
    vhost = fields.Str(required=True)
    exchange = fields.Str(required=True)
    amqp_uri = fields.Str(required=True, metadata={"description": "the password in it too"})


class SubscriberViewSchema(Open):
    id = fields.Str(required=True)
    name = fields.Str(required=True)
    departments = fields.List(fields.Str(), required=True)
    districts = fields.List(fields.Str(), required=True)
    state = fields.Str(required=True, metadata={"enum": ["provisioning", "active", "revoking", "revoked"]})
    username = fields.Str(required=True)
    vhost = fields.Str(required=True)
    exchange = fields.Str(required=True)
    queue_prefix = fields.Str(required=True, metadata={"description": "its queues' names must start so"})
    binding_keys = fields.List(fields.Str(), required=True, metadata={
        "description": "bind these (or narrower keys inside them) on the exchange"})
    created_by = fields.Str(required=True)
    created_at = timestamp(required=True)
    revoked_at = timestamp(allow_none=True)


class SubscriberCreatedSchema(SubscriberViewSchema):
    credentials = fields.Nested(SubscriberCredentialsSchema, required=True)


class SubscribersSchema(Schema):
    subscribers = listed(SubscriberViewSchema, required=True)


class DeletedSchema(Schema):
    deleted = fields.Str(required=True)


class DeadLetterSchema(Open):
    id = fields.Str(required=True)
    at = timestamp()


class DeadLettersSchema(Schema):
    dead_letters = listed(DeadLetterSchema, required=True)


class ReplayedSchema(Schema):
    replayed = fields.List(fields.Str(), required=True)


class SmsReportRecordedSchema(Schema):
    recorded = fields.Str(required=True)


class SmsMessagesSchema(Schema):
    messages = fields.List(fields.Dict(), required=True)


class MobileQuerySchema(Schema):
    mobile = fields.Str(required=True)


# --- identity and administration ------------------------------------------------------------------------------

class OpenIdConfigurationSchema(Open):
    issuer = fields.Str(required=True)
    authorization_endpoint = fields.Str(required=True)
    token_endpoint = fields.Str(required=True)
    jwks_uri = fields.Str(required=True)
    scopes_supported = fields.List(fields.Str())
    grant_types_supported = fields.List(fields.Str())


class JwksSchema(Schema):
    keys = fields.List(fields.Dict(), required=True)


class OtpSentSchema(Open):
    """That a code was sent (and for how long it is valid)."""


class TokenRequestSchema(Open):
    """A form (application/x-www-form-urlencoded), RFC 6749: the authorization code (with its PKCE
    verifier), the mobile OTP, refresh token or client credentials grant."""
    grant_type = fields.Str(required=True)
    client_id = fields.Str()
    code = fields.Str()
    code_verifier = fields.Str()
    redirect_uri = fields.Str()
    refresh_token = fields.Str()
    mobile = fields.Str()


class TokenSchema(Open):
    access_token = fields.Str(required=True)
    token_type = fields.Str(required=True)
    expires_in = fields.Int()
    refresh_token = fields.Str()
    id_token = fields.Str()
    scope = fields.Str()


class OAuthErrorSchema(Schema):
    """OAuth's own error format (RFC 6749 section 5.2), which OAuth client libraries read."""
    error = fields.Str(required=True)
    error_description = fields.Str()


class RevokeRequestSchema(Open):
    token = fields.Str(required=True)
    token_type_hint = fields.Str()


class SignInFormSchema(Open):
    """The sign-in page's form: the authorization request's parameters, the mobile number, the code."""
    step = fields.Str(metadata={"description": "send_code, or the code itself is checked"})
    mobile = fields.Str()
    code = fields.Str()


class SigningKeySchema(Open):
    kid = fields.Str()


class MachineClientCreatedSchema(Open):
    client_id = fields.Str(required=True)
    client_secret = fields.Str(metadata={"description": "shown once"})
    scope = fields.Str(metadata={"description": "what its tokens may be used for, space-separated"})
    departments = fields.List(fields.Str(), metadata={"description": "whose cases it reads ('*': all)"})
    districts = fields.List(fields.Str(), metadata={"description": "whose cases it reads ('*': all)"})


class StaffAccountViewSchema(Open):
    sub = fields.Str()
    role = fields.Str()
    department = fields.Str(allow_none=True)
    districts = fields.List(fields.Str())


class StaffAccountsSchema(Schema):
    accounts = listed(StaffAccountViewSchema, required=True)


class StaffMemberViewSchema(Open):
    """A member of the officer directory (identity's record; `seq` counts its changes)."""
    sub = fields.Str(required=True)
    name = fields.Str()
    role = fields.Str()
    office = fields.Dict(metadata={"description": "department, district ('state' for state offices), level"})
    previous_office = fields.Dict(metadata={"description": "after a transfer: the office they left"})
    contacts = fields.Dict(metadata={"description": "mobile, email, language (masked in the list)"})
    status = fields.Dict(metadata={"description": "state: active | on_leave (leave_from, leave_until, delegate) | "
                                                  "transferred | retired"})
    seq = fields.Int()


class StaffDirectorySchema(Schema):
    staff = listed(StaffMemberViewSchema, required=True)


class AuditQuerySchema(Schema):
    kind = fields.Str()


class AuditEntrySchema(Open):
    at = timestamp()
    kind = fields.Str()


class AuditLogSchema(Schema):
    entries = listed(AuditEntrySchema, required=True)


# --- health ---------------------------------------------------------------------------------------------------

class HealthSchema(Open):
    status = fields.Str(required=True, metadata={"description": "UP or DOWN"})
    down = fields.List(fields.Str(), metadata={"description": "what is down (staff with a token)"})
    components = fields.Dict(metadata={"description": "each server and service (staff with a token see details)"})


class AttachmentViewSchema(Open):
    """A file on a case, as its caller may see it (other staff: without its name)."""
    ref = fields.Str(metadata={"description": "the file's reference on the case (what the download route takes)"})
    kind = fields.Str(metadata={"description": "image or pdf"})
    name = fields.Str(metadata={"description": "the name shown: sanitised, with the extension its bytes say"})
    size = fields.Int()
    content_type = fields.Str()
    purpose = fields.Str()
    public = fields.Bool()
    by = fields.Nested(ActorRefSchema)
    at = timestamp()


class AttachedSchema(Schema):
    tracking_id = fields.Str()
    version = fields.Int()
    attachments = fields.List(fields.Nested(AttachmentViewSchema))


class AttachmentLinkSchema(Schema):
    url = fields.Str(metadata={"description": "a presigned GET on the object store, valid `expires_in` seconds"})
    expires_in = fields.Int()
    attachment = fields.Nested(AttachmentViewSchema)
