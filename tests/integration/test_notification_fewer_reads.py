"""notification's store reads less per event (against the real store): the webhook subscriptions at most every
few seconds (its own changes show at once, another replica's within the cache's lifetime). A notice box: see
test_notice_boxes.py."""
import time

from services.notification.storage import NotificationStore, SubscriptionsCache


def ids(store):
    return [s["_id"] for s in store.subscriptions()]


def test_own_changes_show_at_once_and_others_within_the_lifetime(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    store = NotificationStore(database, SubscriptionsCache(ttl=0.5))
    assert ids(store) == []
    assert store.create_subscription({"_id": "sub-1", "url": "https://example.org/hook", "active": True})
    assert ids(store) == ["sub-1"]
    store.update_subscription("sub-1", {"active": False})
    assert store.subscriptions()[0]["active"] is False
    database.subscriptions.insert_one({"_id": "sub-2", "url": "https://example.org/other"})  # another replica
    assert ids(store) == ["sub-1"]  # still the copy read a moment ago: no read per event
    time.sleep(0.6)
    assert sorted(ids(store)) == ["sub-1", "sub-2"]
    assert store.delete_subscription("sub-1")
    assert ids(store) == ["sub-2"]


class CountingDatabase:
    """The real database, counting the operations sent to its collections."""

    def __init__(self, database):
        self.database, self.operations = database, 0

    def __getattr__(self, name):
        collection, counter = getattr(self.database, name), self

        class Counting:
            def __getattr__(self, method):
                def call(*args, **kwargs):
                    counter.operations += 1
                    return getattr(collection, method)(*args, **kwargs)
                return call
        return Counting()


def test_a_case_status_is_kept_in_one_operation_and_never_goes_back(platform_config, mongo_client):
    from services.notification.staff_store import StaffStore

    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    counting = CountingDatabase(database)
    store = StaffStore(counting)
    store.record_case_status({"tracking_id": "WB-2026-60000001", "version": 2, "status": "routed"})
    assert counting.operations == 1  # a case not seen before: inserted by the upsert, no read first
    store.record_case_status({"tracking_id": "WB-2026-60000001", "version": 1, "status": "filed"})  # late
    store.record_case_status({"tracking_id": "WB-2026-60000001", "version": 3, "status": "resolved"})
    kept = database.case_watch.find_one({"_id": "WB-2026-60000001"})
    assert (kept["version"], kept["status"], kept["open"], kept["seq"]) == (3, "resolved", False, 0)
