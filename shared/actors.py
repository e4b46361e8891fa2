"""Who is asking: the caller as the gateway established it, passed to every service on each RPC."""
from marshmallow import RAISE, Schema, fields, validate

CITIZEN, OFFICER, SUPERVISOR, CMO_CELL, ADMIN, SYSTEM = "citizen", "officer", "supervisor", "cmo_cell", "admin", "system"
ROLES = (CITIZEN, OFFICER, SUPERVISOR, CMO_CELL, ADMIN, SYSTEM)
STAFF = (OFFICER, SUPERVISOR, CMO_CELL)
ALL_DISTRICTS = "*"  # in a staff member's districts: the whole state


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


actor_schema = ActorSchema()
