"""In-app notices for staff: what the platform told an officer's, a supervisor's or the cell's inbox."""
from services.notification.domain import recipients
from services.notification.schemas import ListSchema
from services.notification.storage import NotificationStorage
from shared.actors import STAFF, actor_schema
from shared.catalog import districts
from shared.errors import EXPECTED, Forbidden, validated
from shared.resilient_rpc import rpc

_list_schema = ListSchema()


class Notices:
    store = NotificationStorage()

    @rpc(expected_exceptions=EXPECTED)
    def notices(self, params, actor):
        actor = validated(actor_schema, actor)
        if actor["role"] not in STAFF:
            raise Forbidden("notices are for officers, supervisors and the CMO cell")
        limit = validated(_list_schema, params or {})["limit"]
        found = self.store.notices(recipients.inbox_keys_for(actor, districts() + ["state"]), limit)
        return {"notices": [{**n, "at": n["at"].isoformat()} for n in found]}
