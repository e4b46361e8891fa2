"""Each service makes the indexes its queries need beyond `_id` when it starts (production MongoDB uses
them; the operator's replica set starts empty)."""
from services.gateway.idempotency import Idempotency
from services.gateway.throttle import Throttle
from services.identity.storage import IdentityStorage
from services.intake.storage import GrievanceStorage
from services.notification.storage import NotificationStorage
from services.routing.storage import AssignmentStorage
from shared.config import database_name

PROVIDERS = [("intake", GrievanceStorage), ("routing", AssignmentStorage), ("notification", NotificationStorage),
             ("identity", IdentityStorage), ("gateway", Throttle), ("gateway", Idempotency)]


def test_every_service_makes_its_indexes_at_start_up(platform, platform_config, mongo_client):
    for service, provider in PROVIDERS:
        database = mongo_client[database_name(platform_config, service)]
        for collection, specs in provider.indexes.items():
            made = [list(index["key"].items()) for index in database[collection].list_indexes()]
            for keys in specs:
                assert [(field, order) for field, order in keys] in made, (service, collection, keys, made)
