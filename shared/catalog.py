"""The grievance catalogue (districts, departments, categories): one YAML file shared by the services."""
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "catalog.yaml"
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
