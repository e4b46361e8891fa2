from shared.config import database_name, index_name, load_config


def test_defaults_point_at_loopback_servers(monkeypatch):
    for name in ("AMQP_URI", "MONGO_URI", "ELASTICSEARCH_URL", "GATEWAY_PORT", "GATEWAY_BIND"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config["AMQP_URI"] == "pyamqp://guest:guest@127.0.0.1:5672/sorasori"  # the platform's vhost
    assert config["MONGO_URI"] == "mongodb://127.0.0.1:27017/"
    assert config["ELASTICSEARCH_URL"] == "http://127.0.0.1:9200"
    assert config["WEB_SERVER_ADDRESS"] == "127.0.0.1:8000"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("MONGO_URI", "mongodb://10.0.0.5:27017/?replicaSet=rs0")
    monkeypatch.setenv("GATEWAY_PORT", "9100")
    monkeypatch.setenv("GATEWAY_BIND", "0.0.0.0")
    monkeypatch.setenv("HEALTH_TIMEOUT", "5")
    config = load_config()
    assert config["MONGO_URI"] == "mongodb://10.0.0.5:27017/?replicaSet=rs0"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:9100"
    assert config["HEALTH_TIMEOUT"] == 5


def test_config_file_is_chosen_by_environment(monkeypatch, tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("MONGO_DB_PREFIX: ${X_PREFIX:zz_}\n")
    monkeypatch.setenv("SORASORI_CONFIG", str(path))
    assert load_config() == {"MONGO_DB_PREFIX": "zz_"}


def test_each_service_owns_a_database_and_prefixed_indices():
    config = {"MONGO_DB_PREFIX": "sorasori_", "ES_INDEX_PREFIX": "sorasori-"}
    assert database_name(config, "intake") == "sorasori_intake"
    assert database_name(config, "routing") != database_name(config, "intake")
    assert index_name(config, "grievances") == "sorasori-grievances"


def test_the_shutdown_grace_period_is_bounded_and_survives_a_bad_value():
    from shared.shutdown import DEFAULT_GRACE_SECONDS, grace_seconds

    assert grace_seconds({}) == DEFAULT_GRACE_SECONDS == 6.0
    assert grace_seconds({"SHUTDOWN_GRACE_SECONDS": "3"}) == 3.0
    assert grace_seconds({"SHUTDOWN_GRACE_SECONDS": 90}) == 20.0
    assert grace_seconds({"SHUTDOWN_GRACE_SECONDS": "0"}) == 0.5
    assert grace_seconds({"SHUTDOWN_GRACE_SECONDS": ""}) == DEFAULT_GRACE_SECONDS
    assert grace_seconds({"SHUTDOWN_GRACE_SECONDS": "soon"}) == DEFAULT_GRACE_SECONDS
