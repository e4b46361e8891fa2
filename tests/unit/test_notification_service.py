"""The notification service's checks that come before any store or provider (worker_factory: the
service's dependencies are stand-ins here, and these checks must not reach them)."""
import inspect
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from services.notification.service import NotificationService
from shared.errors import Forbidden, Unauthenticated, ValidationFailed
from shared.settings import settings_of

ADMIN = {"sub": "admin-1", "role": "admin"}


def service(**config):
    worker = worker_factory(NotificationService)
    worker.config = {"SORASORI_ENV": "development", **config}
    worker.settings = settings_of(worker.config)
    return worker


@pytest.mark.parametrize("url", ["http://dashboard.example.org/hook", "ftp://127.0.0.1/hook"])
def test_webhooks_must_be_https_except_to_loopback_in_development(url):
    with pytest.raises(ValidationFailed) as refused:
        service().create_subscription({"id": "dash", "url": url}, ADMIN)
    assert "url" in refused.value.details
    assert not service().store.create_subscription.called


def test_production_refuses_plain_http_even_to_loopback():
    worker = service(SORASORI_ENV="production")
    with pytest.raises(ValidationFailed):
        worker.create_subscription({"id": "dash", "url": "http://127.0.0.1:9000/hook"}, ADMIN)
    assert not worker.store.create_subscription.called


def test_only_administrators_manage_webhooks_and_dead_letters():
    worker = service()
    for call in (lambda a: worker.subscriptions(a), lambda a: worker.dead_letters(a),
                 lambda a: worker.replay_dead_letters(a), lambda a: worker.rotate_subscription_secret("x", a)):
        with pytest.raises(Forbidden):
            call({"sub": "cmo-1", "role": "cmo_cell"})
    assert not worker.store.method_calls


def test_unknown_fields_and_bad_patterns_are_named():
    with pytest.raises(ValidationFailed) as refused:
        service().create_subscription({"id": "dash", "url": "https://x.example/h", "events": ["routing.*"],
                                       "colour": "red"}, ADMIN)
    assert set(refused.value.details) == {"events", "colour"}


def test_delivery_reports_need_the_configured_token():
    with pytest.raises(Unauthenticated):
        service().sms_report({"reference": "0" * 32, "status": "delivered"}, "anything")  # none configured
    with pytest.raises(Unauthenticated):
        service(SMS_REPORT_TOKEN="t0ken").sms_report({"reference": "0" * 32, "status": "delivered"}, "wrong")


def test_the_sms_sink_is_closed_in_production():
    with pytest.raises(Forbidden):
        service(SORASORI_ENV="production").sms_sent("9830012345")


def test_otp_requests_are_validated_before_anything_is_stored():
    worker = service()
    with pytest.raises(ValidationFailed) as refused:
        worker.send_sms({"to": "12345", "template": "otp", "params": {"code": "12ab", "minutes": 5}})
    assert "to" in refused.value.details
    assert not worker.store.enqueue.called and not worker.sender.deliver.called


def test_webhook_secrets_are_sealed_under_the_key_and_readable_only_with_it():
    from services.notification.secrets_at_rest import Sealer

    sealed = Sealer("k" * 32).seal("whsec_abc")
    assert sealed.startswith("aesgcm:") and "whsec_abc" not in sealed
    assert Sealer("k" * 32).open(sealed) == "whsec_abc"
    with pytest.raises(Exception):
        Sealer("another key").open(sealed)
    assert Sealer(None).open(Sealer(None).seal("whsec_dev")) == "whsec_dev"  # development: kept as it is


def test_production_refuses_to_keep_webhook_secrets_unsealed():
    from services.notification.secrets_at_rest import Sealer
    from shared.errors import Conflict

    worker = service(SORASORI_ENV="production")
    worker.sender.sealer = Sealer(None)
    with pytest.raises(Conflict):
        worker.create_subscription({"id": "dash", "url": "https://dash.example.org/hook"}, ADMIN)
    assert not worker.store.create_subscription.called


def test_reading_the_delivery_log_with_addresses_is_logged_masked_reading_is_not():
    delivery = {"_id": "d1", "event_type": "grievance.filed", "template": "filed", "channel": "sms",
                "recipient": {"kind": "complainant", "key": "k", "address": "9830012345"}, "language": "bn",
                "state": "sent", "message": {"text": "t", "language": "bn"}, "log": [],
                "scope": {"department": "phe", "district": "Bankura"}, "created_at": datetime(2026, 11, 29)}
    worker = service()
    worker.store.for_case.return_value = [delivery]
    officer = {"sub": "off-phe-bankura-l1-2", "role": "officer", "department": "phe", "districts": ["Bankura"]}
    assert worker.deliveries_for_case("WB-2026-12345674", officer)[0]["recipient"]["address"] == "98******45"
    assert not worker.store.log_personal_data_read.called
    assert worker.deliveries_for_case("WB-2026-12345674", ADMIN)[0]["recipient"]["address"] == "9830012345"
    tracking_id, reader, _ = worker.store.log_personal_data_read.call_args.args
    assert tracking_id == "WB-2026-12345674" and reader["sub"] == ADMIN["sub"]


def test_the_delivery_log_access_log_is_for_the_cmo_cell():
    with pytest.raises(Forbidden):
        service().personal_data_reads("WB-2026-12345674", ADMIN)
    worker = service()
    worker.store.personal_data_reads.return_value = [{"reader": "admin-1", "role": "admin",
                                                      "at": datetime(2026, 11, 29, 10, 0)}]
    assert worker.personal_data_reads("WB-2026-12345674", {"sub": "cmo-1", "role": "cmo_cell"}) == [
        {"tracking_id": "WB-2026-12345674", "reader": "admin-1", "role": "admin", "at": "2026-11-29T10:00:00",
         "what": "delivery_log"}]


def test_no_two_parts_of_the_service_define_the_same_function():
    """The parts are mixins of one class: a helper named alike in two of them would silently be one."""
    parts = [c for c in NotificationService.__mro__[1:] if c.__module__.startswith("services.notification")]
    seen = {}
    for part in parts:
        for name, value in vars(part).items():
            if inspect.isfunction(value):
                assert name not in seen, f"{name} in both {seen[name]} and {part.__name__}"
                seen[name] = part.__name__
