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
