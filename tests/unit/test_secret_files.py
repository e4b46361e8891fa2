"""Secrets mounted as files (deploy/k8s) become the settings of their names (shared/secret_files.py)."""
import os

from shared import secret_files


def mounted_secret(tmp_path, files):
    """The layout kubelet writes for a Secret volume: the keys are links into a timestamped folder."""
    data = tmp_path / "..2026_11_29_18_00_00.123"
    data.mkdir()
    for name, value in files.items():
        (data / name).write_text(value)
    (tmp_path / "..data").symlink_to(data.name)
    for name in files:
        (tmp_path / name).symlink_to(f"..data/{name}")
    return tmp_path


def test_each_key_file_fills_its_setting_and_nothing_else(tmp_path):
    directory = mounted_secret(tmp_path, {"AMQP_URI": "pyamqp://u:p@rabbit/sorasori\n", "mongo-password": "x",
                                          "INTERNAL_CALLER_KEY": "k" * 48})
    environ = {}
    loaded = secret_files.load(str(directory), environ)
    assert environ == {"AMQP_URI": "pyamqp://u:p@rabbit/sorasori", "INTERNAL_CALLER_KEY": "k" * 48}
    assert loaded == ["AMQP_URI", "INTERNAL_CALLER_KEY"]


def test_the_environment_wins_and_no_directory_loads_nothing(tmp_path):
    directory = mounted_secret(tmp_path, {"HEALTH_TOKEN": "from-file"})
    environ = {"HEALTH_TOKEN": "from-env", secret_files.DIRECTORY_VARIABLE: str(directory)}
    assert secret_files.load(environ=environ) == []
    assert environ["HEALTH_TOKEN"] == "from-env"
    assert secret_files.load(environ={}) == []


def test_load_config_reads_the_secret_files(tmp_path, monkeypatch):
    from shared.config import load_config

    directory = mounted_secret(tmp_path, {"INTERNAL_CALLER_KEY": "from-the-secret"})
    monkeypatch.delenv("INTERNAL_CALLER_KEY", raising=False)
    monkeypatch.setenv(secret_files.DIRECTORY_VARIABLE, str(directory))
    try:
        assert load_config()["INTERNAL_CALLER_KEY"] == "from-the-secret"
    finally:
        os.environ.pop("INTERNAL_CALLER_KEY", None)
