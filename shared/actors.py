"""Who is asking: the caller as the gateway established it, passed to every service on each RPC."""
from marshmallow import RAISE, Schema, fields, validate

from shared.vocabulary import ALL_DEPARTMENTS, ALL_DISTRICTS, CLIENT_SCOPES, ROLES, STAFF_ROLES, Role

# the names services imported before shared.vocabulary, kept for them
CITIZEN, OFFICER, SUPERVISOR, CMO_CELL, ADMIN, SYSTEM, CLIENT = ROLES
STAFF = STAFF_ROLES


def is_machine_client(actor):
    """Another state system's machine client: its token's scopes and limits say what it may do and see."""
    return actor.get("role") == Role.CLIENT


def limits(actor):
    """The departments and districts whose cases a staff member works or a machine client reads ('*': all)."""
    if is_machine_client(actor):
        return list(actor.get("departments") or []), list(actor.get("districts") or [])
    return ([actor["department"]] if actor.get("department") else []), list(actor.get("districts") or [])


def covers(actor, department, district):
    """Whether a staff member's department and districts (a machine client's departments and districts) take
    in a case of this department and district."""
    departments, districts = limits(actor)
    if not department or not (department in departments or (is_machine_client(actor)
                                                             and ALL_DEPARTMENTS in departments)):
        return False
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
    # a machine client's (role client) limits and the scopes its token holds; absent for everyone else
    departments = fields.List(fields.Str())
    scopes = fields.List(fields.Str(validate=validate.OneOf(CLIENT_SCOPES)))


actor_schema = ActorSchema()
