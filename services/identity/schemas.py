"""What the identity service accepts over RPC."""
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates, validates_schema

from shared.authz import allowed
from shared.catalog import departments, districts
from shared.validators import INDIAN_MOBILE
from shared.vocabulary import (
    ACCOUNT_ROLES,
    ALL_DEPARTMENTS,
    ALL_DISTRICTS,
    CLIENT_SCOPES,
    LANGUAGES,
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
