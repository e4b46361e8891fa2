"""What a filing costs intake's store, operation by operation, with the guarantees each cut had to keep:
a bounded counter is still one atomic operation per slot (exactly the limit under concurrent takers)."""

import eventlet

from shared import counters
from tests.integration.store_operations import counted_client, operations


def at_once(count, call):
    pool = eventlet.GreenPool(count)
    return list(pool.imap(call, range(count)))


def counted_collection(platform_config, name):
    app_name, client = counted_client(platform_config)
    return client, client[f"{platform_config['MONGO_DB_PREFIX']}ops"][name], app_name


def test_a_slot_on_a_new_or_an_open_counter_is_one_store_operation(platform_config):
    client, collection, app_name = counted_collection(platform_config, "filing_counters")
    try:
        assert counters.take_slot(collection, "first-of-the-month", 2, {"expires_at": "later"})
        assert operations(app_name) == {"findAndModify filing_counters": 1}  # before: findAndModify + insert
        assert collection.find_one({"_id": "first-of-the-month"}) == {"_id": "first-of-the-month", "count": 1,
                                                                     "expires_at": "later"}
        before = operations(app_name)
        assert counters.take_slot(collection, "first-of-the-month", 2, {"expires_at": "later"})
        assert operations(app_name)["findAndModify filing_counters"] == before["findAndModify filing_counters"] + 1
        assert operations(app_name).keys() == before.keys()  # nothing else was sent
        assert not counters.take_slot(collection, "first-of-the-month", 2)  # full: refused, count unchanged
        assert collection.find_one({"_id": "first-of-the-month"})["count"] == 2
    finally:
        client.drop_database(f"{platform_config['MONGO_DB_PREFIX']}ops")
        client.close()


def test_fifty_first_takers_of_new_counters_get_exactly_their_limits(platform_config):
    """The counter does not exist yet: the racers' upserts collide on its `_id`; the losers count on the
    document the winner made, and none passes the limit."""
    client, collection, _ = counted_collection(platform_config, "filing_counters")
    try:
        for limit in (1, 7, 49):
            key = f"month-{limit}"
            taken = at_once(50, lambda n, key=key, limit=limit: counters.take_slot(collection, key, limit))
            assert taken.count(True) == limit, (limit, taken.count(True))
            assert collection.find_one({"_id": key})["count"] == limit
    finally:
        client.drop_database(f"{platform_config['MONGO_DB_PREFIX']}ops")
        client.close()
