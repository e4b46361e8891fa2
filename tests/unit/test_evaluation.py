"""`make eval`'s pieces that need no servers: the data set, the scores and the generic printer."""
import io
import json
from collections import Counter
from datetime import UTC, datetime

from evaluation import dataset, report, routing
from services.routing.domain.rules import Route
from shared.catalog import categories
from shared.progress import Progress


def test_the_evaluation_set_covers_every_category_and_language_with_a_stratified_split():
    records = dataset.load("all")
    assert len(records) >= 600 and len({r["id"] for r in records}) == len(records)
    languages = Counter(r["language"] for r in records)
    assert set(languages) == set(dataset.LANGUAGES) and min(languages.values()) >= 100
    assert {r["category"] for r in records} == set(categories())
    assert all(r["department"] == categories()[r["category"]]["department"] for r in records)
    held = len(dataset.load("heldout")) / len(records)
    assert 0.35 <= held <= 0.45
    for code in categories():  # every category in both parts
        assert {r["split"] for r in records if r["category"] == code} == {"dev", "heldout"}


def test_scores_per_language_fall_through_and_confusions():
    records = [
        {"text": "a. b", "district": "Nadia", "language": "bn", "category": "drinking_water", "department": "phe"},
        {"text": "c. d", "district": "Nadia", "language": "bn", "category": "pension", "department": "finance"},
        {"text": "e. f", "district": "Nadia", "language": "en", "category": "other", "department": "cmo_cell"},
    ]
    answers = iter([Route("drinking_water", "phe", "Nadia", "r"), Route("other", "cmo_cell", "state", "r"),
                    Route("other", "cmo_cell", "state", "r")])
    results = routing.run(records, Progress("t", 3, stream=io.StringIO()), route=lambda case: next(answers))
    bn = results["routing by language"]["bn"]
    assert bn["n"] == 2 and bn["department accuracy"] == 0.5 and bn["fall-through to CMO cell"] == 0.5
    assert results["routing by language"]["all"]["department accuracy"] == 2 / 3
    assert results["routing by language"]["en"]["fall-through to CMO cell"] == 0.0  # `other` is in scope of the cell
    assert results["top confusions (true -> guessed category)"] == {"pension -> other": {"count": 1}}


def test_the_printer_takes_any_sections_and_saves_json(tmp_path, monkeypatch):
    results = {"search": {"bn": {"recall@10": 0.8125, "MRR": 0.5}, "en": {"recall@10": 1.0}},
               "run": {"split": "heldout", "complaints": 3}}
    text = report.render(results)
    assert "recall@10" in text and "0.812" in text and "heldout" in text
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path / "var")
    paths = report.save(results, tmp_path / "out.json", now=datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    assert paths[0].name == "20261129T180000Z.json"
    assert all(json.loads(p.read_text()) == results for p in paths)
