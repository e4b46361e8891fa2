"""Who is asking: the caller as the gateway established it, passed to every service on each RPC."""
from marshmallow import RAISE, Schema, fields, validate

from shared.vocabulary import ALL_DISTRICTS, ROLES, STAFF_ROLES

# the names services imported before shared.vocabulary, kept for them
CITIZEN, OFFICER, SUPERVISOR, CMO_CELL, ADMIN, SYSTEM = ROLES
STAFF = STAFF_ROLES


def covers(actor, department, district):
    """Whether a staff member's department and districts take in a case of this department and district."""
    if not department or department != actor.get("department"):
        return False
    districts = actor.get("districts") or []
    return ALL_DISTRICTS in districts or district in districts


class ActorSchema(Schema):
    class Meta:
        unknown = RAISE

    sub = fields.Str(required=True, validate=validate.Length(min=1, max=128))
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    name = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=120))
    mobile = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=16))
    department = fields.Str(load_default=None, allow_none=True)
    districts = fields.List(fields.Str(), load_default=list)
    scope = fields.Str(allow_none=True, validate=validate.Length(max=1000))  # a machine client's, space-separated


actor_schema = ActorSchema()
