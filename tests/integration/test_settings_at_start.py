"""A service refuses to start on a malformed or unknown setting, naming it."""
import pytest

from services.identity.service import IdentityService
from shared.settings import SettingsError


@pytest.mark.parametrize("name, value", [("NOTIFY_MAX_ATTEMPTS", "six"), ("NOTIFY_MAX_ATTEMTPS", 6)])
def test_a_service_with_a_bad_setting_does_not_start(name, value, platform_config, container_factory):
    container = container_factory(IdentityService, {**platform_config, name: value})
    with pytest.raises(SettingsError) as refused:
        container.start()
    assert name in str(refused.value)
