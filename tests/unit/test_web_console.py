"""The web console's pure parts: its words in three languages, dates and numbers, return paths, the
session cookie's flags, and the filing form's mapping to and from the API."""
from types import SimpleNamespace

from services.web import filing
from services.web.i18n import LANGUAGES, Translator, catalogue
from services.web.visit import cookie_options, same_site_path


def test_every_language_has_every_key():
    english = set(catalogue("en"))
    for language in LANGUAGES:
        assert set(catalogue(language)) == english, language


def test_numbers_and_dates_in_the_persons_language_with_bengali_digits():
    assert Translator("bn").number(1234567) == "১২,৩৪,৫৬৭"
    assert Translator("hi").number(1234567) == "12,34,567"
    assert Translator("bn").date("2026-11-29T06:00:00Z").startswith("২৯")
    assert "Nov" in Translator("en").date("2026-11-29T06:00:00Z")
    assert Translator("xx").language == "bn"  # Bengali by default


def test_return_paths_stay_on_this_site():
    assert same_site_path("/my/grievances?cursor=a") == "/my/grievances?cursor=a"
    for away in ("//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "", None):
        assert same_site_path(away) == "/"


def test_the_session_cookie_is_secure_in_production_only():
    assert cookie_options(SimpleNamespace(sorasori_env="production")) == {
        "httponly": True, "samesite": "Lax", "secure": True, "path": "/"}
    assert cookie_options(SimpleNamespace(sorasori_env="development"))["secure"] is False


def test_the_api_refusal_maps_to_the_forms_fields():
    refused = {"subject": ["Shorter than minimum length 3."], "place.geo.lat": ["Must be between"],
               "complainant.name": ["Missing"], "place.district": ["Must be one of"], "attachments": ["x"]}
    assert filing.field_errors(refused) == {"subject": True, "lat": True, "name": True, "district": True,
                                            "_other": True}


def test_the_form_becomes_the_apis_body():
    values = filing.form_values({"subject": " No water ", "district": "Kolkata", "lat": "22.5", "lon": "x",
                                 "name": "Rama"})
    body = filing.grievance_body(values, "bn")
    assert body["subject"] == "No water" and body["channel"] == "web" and body["kind"] == "complaint"
    assert body["place"] == {"district": "Kolkata", "geo": {"lat": 22.5, "lon": "x"}}  # the API names lon
    assert body["complainant"] == {"name": "Rama", "language": "bn"}


def test_categories_filter_in_any_language():
    catalog = {"departments": [{"code": "phe", "names": {"en": "Water", "bn": "জল দফতর"}}],
               "categories": [{"code": "drinking_water", "department": "phe", "names": {"en": "Drinking water",
                                                                                       "bn": "পানীয় জল"}},
                              {"code": "rural_road", "department": "phe", "names": {"en": "Roads", "bn": "রাস্তা"}}]}
    [group] = filing.category_groups(catalog, "bn", "water")
    assert group["name"] == "জল দফতর" and [c["name"] for c in group["categories"]] == ["পানীয় জল"]
    assert filing.category_groups(catalog, "en", "রাস্তা")[0]["categories"][0]["code"] == "rural_road"


def test_the_access_log_keeps_no_query_string():
    import logging

    from shared.logging import PathOnlyLog

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logger = logging.getLogger("test.web.access")
    logger.addHandler(Keep())
    logger.setLevel(logging.INFO)
    PathOnlyLog(logger).info('127.0.0.1 - - [x] "GET /auth/callback?code=abc&state=xyz HTTP/1.1" 303 0 0.01')
    assert records == ['127.0.0.1 - - [x] "GET /auth/callback HTTP/1.1" 303 0 0.01']


def test_the_console_client_needs_its_secret_in_production():
    from services.identity.clients import builtin_client_ids, web_console
    from shared import console_client
    from shared.config import load_config
    from shared.settings import load_settings

    config = load_config()
    config.pop("LOGGING", None)
    production = load_settings(dict(config, SORASORI_ENV="production", WEB_CLIENT_SECRET=""))
    assert console_client.client_secret(production) is None and web_console(production) == ()
    given = load_settings(dict(config, SORASORI_ENV="production", WEB_CLIENT_SECRET="s" * 40))
    [client] = web_console(given)
    assert client.auth_method == "client_secret_basic" and client.check_client_secret("s" * 40)
    assert client.redirect_uris == [given.web_public_url + "/auth/callback"]
    assert "sorasori-console" in builtin_client_ids(given)


def test_every_word_a_template_names_is_in_the_catalogues():
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "services" / "web" / "templates"
    named = set()
    for template in templates.glob("*.html"):
        named |= set(re.findall(r'\bt\("([a-z_.0-9]+)"\s*[,)]', template.read_text(encoding="utf-8")))
    assert named and named - set(catalogue("en")) == set()


def test_the_contact_consent_becomes_the_notification_preferences():
    assert filing.sms_choice({"channels": ["sms", "email"], "language": "bn"}, True, "bn") is None
    assert filing.sms_choice({"channels": ["sms", "email"], "language": None}, True, "hi") == {
        "channels": ["email", "sms"], "language": "hi", "quiet_hours": True}
    assert filing.sms_choice({"channels": ["sms", "email"], "language": "bn", "quiet_hours": False}, False, "en") == {
        "channels": ["email"], "language": "bn", "quiet_hours": False}


def test_the_me_too_lookup_asks_with_what_the_person_typed_and_nothing_else():
    values = filing.form_values({"subject": "No water", "description": "Tube well broken", "district": "Bankura",
                                 "category": "drinking_water", "block": "Onda", "name": "Rama Das", "lat": "23.1"})
    assert filing.lookalikes_body(values) == {"text": "No water Tube well broken", "district": "Bankura",
                                              "category": "drinking_water", "block": "Onda"}
    assert filing.lookalikes_body({**values, "subject": "ab"}) is None  # the filing names what is missing
    assert filing.lookalikes_body({**values, "district": ""}) is None
    assert len(filing.lookalikes_body({**values, "description": "x" * 6000})["text"]) == 5000
