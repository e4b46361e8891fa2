"""The three servers the platform runs on answer for real."""
from shared.elastic import connect as connect_es
from shared.health import UP, check_amqp, check_database, check_elasticsearch


def test_rabbitmq_answers(platform_config):
    report = check_amqp(platform_config["AMQP_URI"])
    assert report["status"] == UP, report
    assert "RabbitMQ" in report["detail"]


def test_mongodb_wire_server_answers_and_keeps_what_is_written(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "probe"]
    assert check_database(database)["status"] == UP
    database.items.insert_one({"_id": "x", "text": "রাস্তা খারাপ"})
    assert database.items.find_one({"_id": "x"})["text"] == "রাস্তা খারাপ"


def test_elasticsearch_answers(platform_config):
    client = connect_es(platform_config["ELASTICSEARCH_URL"])
    try:
        report = check_elasticsearch(client)
    finally:
        client.close()
    assert report["status"] == UP, report


def test_concurrent_updates_of_one_document_are_atomic(platform_config, mongo_client):
    """The platform relies on single-document atomic updates (outbox, version guards, counters).
    FerretDB v1 as published lost them under concurrency; scripts/infra/ferretdb.sh fixes its build."""
    import eventlet

    counters = mongo_client[platform_config["MONGO_DB_PREFIX"] + "probe"].counters
    counters.insert_one({"_id": "c", "n": 0})
    pool = eventlet.GreenPool(20)
    for _ in range(60):
        pool.spawn_n(lambda: counters.update_one({"_id": "c"}, {"$inc": {"n": 1}}))
    pool.waitall()
    assert counters.find_one({"_id": "c"})["n"] == 60


def test_updates_stay_atomic_when_collections_and_databases_write_at_once(platform_config, mongo_client):
    """The build's lock is per collection (so one service's writes do not wait for another's): updates and
    findAndModify of the same document still never lose a write, in each of two collections of two
    databases written at once, and of twenty racing version-guarded writes to a document exactly one wins."""
    import eventlet
    from pymongo import ReturnDocument

    prefix = platform_config["MONGO_DB_PREFIX"]
    collections = [mongo_client[prefix + db][name] for db in ("probe_a", "probe_b") for name in ("one", "two")]
    for collection in collections:
        collection.insert_many([{"_id": "counter", "n": 0}, {"_id": "guarded", "version": 0}])
    guarded_wins = {collection.full_name: [] for collection in collections}

    def increment(collection, by_find_and_modify):
        if by_find_and_modify:
            collection.find_one_and_update({"_id": "counter"}, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER)
        else:
            collection.update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    def guarded_write(collection, writer):
        if collection.update_one({"_id": "guarded", "version": 0}, {"$set": {"version": 1, "by": writer}}).modified_count:
            guarded_wins[collection.full_name].append(writer)

    pool = eventlet.GreenPool(40)
    for i in range(40):
        for collection in collections:
            pool.spawn_n(increment, collection, i % 2 == 0)
            if i < 20:
                pool.spawn_n(guarded_write, collection, i)
    pool.waitall()
    for collection in collections:
        assert collection.find_one({"_id": "counter"})["n"] == 40, collection.full_name
        winners = guarded_wins[collection.full_name]
        assert len(winners) == 1, (collection.full_name, winners)
        assert collection.find_one({"_id": "guarded"})["by"] == winners[0]
