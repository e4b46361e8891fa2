"""Configuration: one YAML file with ${ENV_VAR:default} substitution, the same rules `nameko run` uses."""
import os
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser

from shared import secret_files
from shared.settings import settings_of

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "sorasori.yaml"

setup_yaml_parser()  # registers the !env_var resolver on yaml.SafeLoader (idempotent)


def load_config(path=None):
    """Load the platform config, resolving ${VAR:default} from the environment now (and from the files
    in SORASORI_SECRETS_DIR, shared/secret_files.py)."""
    secret_files.load()
    path = Path(path or os.environ.get("SORASORI_CONFIG") or DEFAULT_CONFIG_PATH)
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def database_name(config, service_name):
    """Each service owns one database: <prefix><service>."""
    return f"{settings_of(config).mongo_db_prefix}{service_name}"


def index_name(config, name):
    """Elasticsearch names carry the configured prefix so test runs and environments never collide."""
    return f"{settings_of(config).es_index_prefix}{name}"
