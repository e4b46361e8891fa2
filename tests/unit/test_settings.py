"""Settings: one typed, checked place for every setting; a bad one stops the process naming the variable."""
import re

import pytest

from services.gateway import limits
from shared.config import DEFAULT_CONFIG_PATH, load_config
from shared.outbox import RelayTimer
from shared.settings import NAMEKO_KEYS, RATE_LIMIT_DEFAULTS, SETTING_NAMES, SettingsError, load_settings, settings_of


@pytest.mark.parametrize("name, value", [
    ("HEALTH_TIMEOUT", "two seconds"),
    ("NOTIFY_MAX_ATTEMPTS", "six"),
    ("NOTIFY_MAX_ATTEMPTS", 0),
    ("SMTP_PORT", 70000),
    ("ALLOW_CLOCK_OVERRIDE", "perhaps"),
    ("ROUTING_MIN_CONFIDENCE", 1.5),
    ("NOTIFY_QUIET_START_HOUR", 25),
    ("OUTBOX_RELAY_INTERVAL", "-1"),
    ("METRICS_PORT", "metrics"),
    ("RATE_LIMIT_SEARCH_PER_ADDRESS", 12),
])
def test_a_malformed_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(SettingsError) as refused:
        load_settings({name: value})
    assert set(refused.value.problems) == {name}
    assert name in str(refused.value)


def test_an_unknown_name_is_refused_naming_it_with_every_other_problem():
    with pytest.raises(SettingsError) as refused:
        load_settings({"NOTIFY_MAX_ATTEMTPS": 3, "HEALTH_TIMEOUT": "x"})
    assert refused.value.problems["NOTIFY_MAX_ATTEMTPS"] == "unknown setting"
    assert set(refused.value.problems) == {"NOTIFY_MAX_ATTEMTPS", "HEALTH_TIMEOUT"}


def test_keys_nameko_reads_are_let_through():
    settings = load_settings({name: "anything" for name in NAMEKO_KEYS})
    assert settings.health_timeout == 2.0


def test_values_are_typed_and_empty_means_the_default():
    settings = load_settings({"NOTIFY_MAX_ATTEMPTS": "3", "HEALTH_TIMEOUT": "0.5", "SMTP_STARTTLS": "true",
                              "METRICS_PORT": "", "SSO_ISSUER": None, "RATE_LIMIT_FILING_PER_ADDRESS": False})
    assert (settings.notify_max_attempts, settings.health_timeout, settings.smtp_starttls) == (3, 0.5, True)
    assert settings.metrics_port is None and settings.sso_issuer is None
    assert settings.rate_limit_filing_per_address == "off"
    assert load_settings({}).notify_max_attempts == 6


def test_the_shipped_config_loads_and_names_only_known_settings():
    config = load_config()
    settings = load_settings(config)
    assert settings.oidc_issuer and settings.mongo_uri
    assert set(config) <= SETTING_NAMES | NAMEKO_KEYS


def test_the_defaults_here_are_the_defaults_in_the_config_file():
    """The file's `${VAR:default}` and the schema's default say the same, so the README's table has one truth."""
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    defaults = load_settings({})
    compared = 0
    for name, default in re.findall(r"^([A-Z][A-Z0-9_]+): \$\{[A-Z0-9_]+:([^}]*)\}\s*$", text, re.M):
        if name in NAMEKO_KEYS:
            continue
        from_file = load_settings({name: default} if default else {})
        attribute = name.lower()
        assert getattr(from_file, attribute) == getattr(defaults, attribute), name
        compared += 1
    assert compared > 60


def test_the_gateway_rate_limit_rules_are_the_settings():
    assert limits.SETTINGS == RATE_LIMIT_DEFAULTS


def test_a_config_is_checked_once_and_again_after_a_change():
    config = {"HEALTH_TIMEOUT": 3}
    first = settings_of(config)
    assert settings_of(config) is first
    config["HEALTH_TIMEOUT"] = 4
    assert settings_of(config).health_timeout == 4.0


class FakeContainer:  # extensions hold a weak reference to their container
    pass


def test_the_outbox_relay_sweeps_every_outbox_relay_interval():
    container = FakeContainer()
    container.config = {"OUTBOX_RELAY_INTERVAL": "0.25"}
    relay_timer = RelayTimer(interval=None).bind(container, "relay")
    relay_timer.setup()
    assert relay_timer.interval == 0.25
