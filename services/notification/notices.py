"""In-app notices for staff: what the platform told an officer's, a supervisor's or the cell's inbox."""
from services.notification.domain import recipients
from services.notification.schemas import ListSchema
from services.notification.storage import NotificationStorage
from shared.authz import authorised
from shared.catalog import districts
from shared.errors import EXPECTED, validated
from shared.resilient_rpc import rpc
from shared.vocabulary import STATE_OFFICE

_list_schema = ListSchema()


class Notices:
    store = NotificationStorage()

    @rpc(expected_exceptions=EXPECTED)
    def notices(self, params, actor):
        actor = authorised(actor, "notices.read")
        limit = validated(_list_schema, params or {})["limit"]
        found = self.store.notices(recipients.inbox_keys_for(actor, districts() + [STATE_OFFICE]), limit)
        return {"notices": [{**n, "at": n["at"].isoformat()} for n in found]}
