"""The gateway's rate-limit rules: configuration, fixed windows, verdicts."""
import pytest

from services.gateway import limits
from services.gateway.limits import (
    Limit,
    counter_key,
    limits_from,
    parse_limit,
    verdict,
    window,
)


def test_every_rule_has_a_setting_and_a_default():
    configured = limits_from({})
    assert set(configured) == set(limits.DEFAULTS)
    assert configured["otp_verify", "mobile"] == Limit(10, 900)
    assert "RATE_LIMIT_CASE_LOOKUP_PER_ADDRESS" in limits.SETTINGS


def test_settings_override_and_switch_off():
    configured = limits_from({"RATE_LIMIT_FILING_PER_PRINCIPAL": "5/60", "RATE_LIMIT_SEARCH_PER_ADDRESS": "off",
                              "RATE_LIMIT_EXPORT_PER_ADDRESS": False})
    assert configured["filing", "principal"] == Limit(5, 60)
    assert ("search", "address") not in configured and ("export", "address") not in configured


@pytest.mark.parametrize("text", ["5", "five/60", "0/60", "5/0", "-1/60", "5/60s"])
def test_a_bad_limit_names_its_setting(text):
    with pytest.raises(ValueError, match="RATE_LIMIT_X"):
        parse_limit("RATE_LIMIT_X", text)


def test_fixed_windows():
    assert window(Limit(3, 60), 1_000_000_030.5) == (1_000_000_020, 1_000_000_080)
    assert window(Limit(3, 60), 1_000_000_020) == (1_000_000_020, 1_000_000_080)


def test_the_count_th_request_is_the_last_admitted():
    limit = Limit(3, 60)
    assert verdict("filing", "principal", limit, 3, 1080, 1030) is None
    refusal = verdict("filing", "principal", limit, 4, 1080, 1030)
    assert refusal.retry_after == 50
    assert "at most 3 per 60 s per caller" in refusal.message


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert limits.retry_after(1080, 1079.2) == 1
    assert limits.retry_after(1080, 1080) == 1
    assert limits.retry_after(1080, 1070.5) == 10


def test_counter_keys_hold_no_personal_data_and_separate_everything():
    key = counter_key("otp_verify", "mobile", "9830012345", 1020)
    assert "9830012345" not in key and key.startswith("otp_verify:mobile:") and key.endswith(":1020")
    keys = {counter_key(r, s, subj, w) for r in ("a", "b") for s in ("address", "mobile")
            for subj in ("9830012345", "9830012346") for w in (0, 60)}
    assert len(keys) == 16
