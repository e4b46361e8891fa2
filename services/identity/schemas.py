"""What the identity service accepts over RPC."""
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates, validates_schema

from services.identity.directory_records import DIRECTORY_ROLES, ON_LEAVE, STATES, TRANSFERRED
from shared.authz import allowed
from shared.catalog import departments, districts
from shared.validators import INDIAN_MOBILE
from shared.vocabulary import (
    ACCOUNT_ROLES,
    ALL_DEPARTMENTS,
    ALL_DISTRICTS,
    CLIENT_SCOPES,
    LANGUAGES,
    STATE_OFFICE,
    Language,
    Scope,
)

# what a client registered without `scope` may do: file and read what it filed (what `grievances` allowed)
DEFAULT_CLIENT_SCOPE = f"{Scope.GRIEVANCES_FILE} {Scope.GRIEVANCES_READ}"


class OtpRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    mobile = fields.Str(required=True, validate=INDIAN_MOBILE)
    language = fields.Str(load_default=Language.BENGALI, validate=validate.OneOf(LANGUAGES))


class HttpRequestSchema(Schema):
    """An HTTP request the gateway forwards to the OAuth server."""
    class Meta:
        unknown = RAISE

    method = fields.Str(required=True, validate=validate.OneOf(("GET", "POST")))
    url = fields.Str(required=True, validate=validate.Length(max=2048))
    headers = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)
    args = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)
    form = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)


class MachineClientSchema(Schema):
    """Another state system: what its tokens may be used for (`scope`, space-separated, from the fixed list)
    and whose cases it reads (`departments` and `districts` of the catalogue, `*` for all; none: only the
    cases it filed)."""
    class Meta:
        unknown = RAISE

    client_id = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{2,63}$"))
    scope = fields.Str(load_default=DEFAULT_CLIENT_SCOPE, metadata={
        "description": "space-separated, some of: " + " ".join(CLIENT_SCOPES)})
    departments = fields.List(fields.Str(validate=validate.OneOf(list(departments()) + [ALL_DEPARTMENTS])),
                              load_default=list, validate=validate.Length(max=50))
    districts = fields.List(fields.Str(validate=validate.OneOf(districts() + [ALL_DISTRICTS])), load_default=list,
                            validate=validate.Length(max=50))

    @validates("scope")
    def known_scopes(self, value, **kwargs):
        words = value.split()
        if not words:
            raise ValidationError("Give at least one scope: " + " ".join(CLIENT_SCOPES) + ".")
        unknown = [word for word in words if word not in CLIENT_SCOPES]
        if unknown:
            raise ValidationError(f"Unknown scope {', '.join(unknown)}; the scopes are: {' '.join(CLIENT_SCOPES)}.")

    @post_load
    def normalised(self, data, **kwargs):
        """Each scope, department and district once, in a stable order."""
        data["scope"] = " ".join(scope for scope in CLIENT_SCOPES if scope in data["scope"].split())
        data["departments"] = sorted(set(data["departments"]))
        data["districts"] = sorted(set(data["districts"]))
        return data


class StaffAccountSchema(Schema):
    """An officer, supervisor, CMO cell member or administrator, scoped by department and districts."""
    class Meta:
        unknown = RAISE

    sub = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{2,127}$"))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    mobile = fields.Str(required=True, validate=INDIAN_MOBILE)
    role = fields.Str(required=True, validate=validate.OneOf(ACCOUNT_ROLES))
    department = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(list(departments())))
    districts = fields.List(fields.Str(validate=validate.OneOf(districts() + ["*"])), load_default=list)

    @validates_schema
    def scoped(self, data, **kwargs):
        if allowed(data, "cases.read_in_scope"):  # their grant is scoped: they need a scope
            errors = {}
            if not data.get("department"):
                errors["department"] = ["Officers and supervisors belong to a department."]
            if not data.get("districts"):
                errors["districts"] = ["Officers and supervisors work in at least one district ('*': all)."]
            if errors:
                raise ValidationError(errors)


class StaffOfficeSchema(Schema):
    """A department in a district at a level (`state` for state-level offices and the CMO cell)."""
    class Meta:
        unknown = RAISE

    department = fields.Str(required=True, validate=validate.OneOf(list(departments())))
    district = fields.Str(required=True, validate=validate.OneOf(districts() + [STATE_OFFICE]))
    level = fields.Int(required=True, strict=True, validate=validate.Range(1, 4))


class StaffContactsSchema(Schema):
    class Meta:
        unknown = RAISE

    mobile = fields.Str(required=True, validate=INDIAN_MOBILE)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    language = fields.Str(load_default=Language.BENGALI, validate=validate.OneOf(LANGUAGES))

    @post_load
    def normalised(self, data, **kwargs):
        data["mobile"] = data["mobile"][-10:]
        if data["email"] is None:
            del data["email"]
        return data


class StaffMemberSchema(Schema):
    """An officer, supervisor or CMO cell member of the directory: who, where they work, how to reach them.
    A new member starts active; an existing one keeps their status (change it with a status change)."""
    class Meta:
        unknown = RAISE

    sub = fields.Str(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{2,127}$"))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    role = fields.Str(required=True, validate=validate.OneOf(DIRECTORY_ROLES))
    office = fields.Nested(StaffOfficeSchema, required=True)
    contacts = fields.Nested(StaffContactsSchema, required=True)


class StaffStatusChangeSchema(Schema):
    """active; on_leave with leave_from, leave_until and an optional delegate of the same office;
    transferred with the new office; retired (final)."""
    class Meta:
        unknown = RAISE

    state = fields.Str(required=True, validate=validate.OneOf(STATES))
    leave_from = fields.AwareDateTime(load_default=None, allow_none=True)
    leave_until = fields.AwareDateTime(load_default=None, allow_none=True)
    delegate = fields.Str(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128))
    office = fields.Nested(StaffOfficeSchema, load_default=None, allow_none=True)

    @validates_schema
    def complete(self, data, **kwargs):
        state, errors = data["state"], {}
        if state == ON_LEAVE:
            for name in ("leave_from", "leave_until"):
                if data.get(name) is None:
                    errors[name] = ["Required for a leave."]
            if not errors and data["leave_until"] <= data["leave_from"]:
                errors["leave_until"] = ["The leave ends after it starts."]
        else:
            errors.update({name: [f"Only for a leave, not '{state}'."] for name in ("leave_from", "leave_until",
                                                                                    "delegate") if data.get(name)})
        if state == TRANSFERRED and data.get("office") is None:
            errors["office"] = ["A transfer names the new office."]
        if state != TRANSFERRED and data.get("office") is not None:
            errors["office"] = [f"Only for a transfer, not '{state}'."]
        if errors:
            raise ValidationError(errors)


class StaffDirectoryQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    department = fields.Str(load_default=None, validate=validate.OneOf(list(departments())))
    district = fields.Str(load_default=None, validate=validate.OneOf(districts() + [STATE_OFFICE]))
