"""The grievance catalogue (districts, departments, categories): one YAML file shared by the services; the
names clients show, and each district's blocks and urban local bodies, in data files beside it."""
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "catalog.yaml"
NAMES_PATH = Path(__file__).resolve().parent / "data" / "catalog_names.yaml"
PLACES_PATH = Path(__file__).resolve().parent / "data" / "places.yaml"
PLACE_KINDS = ("blocks", "municipalities")
LANGUAGES = ("en", "bn", "hi")
DEFAULT_CATEGORY = "other"
MAX_SLA_DAYS = 21  # CPGRAMS' outer bound


@lru_cache(maxsize=1)
def catalog():
    with open(CATALOG_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for code, category in data["categories"].items():
        assert category["department"] in data["departments"], f"{code}: unknown department"
        assert 1 <= category["sla_days"] <= MAX_SLA_DAYS, f"{code}: SLA outside 1..{MAX_SLA_DAYS} days"
    return data


def districts():
    return catalog()["districts"]


def categories():
    return catalog()["categories"]


def departments():
    return catalog()["departments"]


def is_urgent(category):
    return bool(categories().get(category or DEFAULT_CATEGORY, {}).get("urgent"))


@lru_cache(maxsize=1)
def names():
    """Each district's, department's and category's name in every language of LANGUAGES."""
    with open(NAMES_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for kind, codes in (("districts", districts()), ("departments", departments()), ("categories", categories())):
        assert set(data[kind]) == set(codes), f"{kind}: names and catalogue list different codes"
        for code, named in data[kind].items():
            assert set(named) == set(LANGUAGES) and all(named.values()), f"{kind}.{code}: a language is missing"
    return data


@lru_cache(maxsize=1)
def places():
    """District code -> {"blocks": [...], "municipalities": [...]}, each entry {code, en, bn, hi}."""
    with open(PLACES_PATH, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert list(data) == list(districts()), "places: districts differ from the catalogue's (or their order)"
    for district, kinds in data.items():
        assert set(kinds) == set(PLACE_KINDS), f"places.{district}: expected {PLACE_KINDS}"
        for kind in PLACE_KINDS:
            for entry in kinds[kind]:
                assert set(entry) == {"code", *LANGUAGES} and all(entry.values()), f"places.{district}: {entry}"
    return data


def _named(entry):
    return {"code": entry["code"], "names": {language: entry[language] for language in LANGUAGES}}


def public_catalog():
    """What clients build their pickers from: codes to send and names to show, in catalogue order."""
    named = names()
    return {
        "languages": list(LANGUAGES),
        "districts": [{"code": code, "names": named["districts"][code],
                       **{kind: [_named(entry) for entry in places()[code][kind]] for kind in PLACE_KINDS}}
                      for code in districts()],
        "departments": [{"code": code, "names": named["departments"][code]} for code in departments()],
        "categories": [{"code": code, "department": spec["department"], "urgent": bool(spec.get("urgent")),
                        "names": named["categories"][code]} for code, spec in categories().items()],
    }
