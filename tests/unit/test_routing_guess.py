"""Routing a complaint filed without a category: keywords, the classifier, the CMO cell's triage."""
import json
from types import SimpleNamespace

import pytest

from services.routing.domain import rules
from services.routing.domain.classifier import FORMAT, Classifier
from services.routing.guessing import CategoryGuesser


def case(subject, description, district="Nadia"):
    return {"subject": subject, "description": description, "place": {"district": district}}


@pytest.fixture(scope="module")
def classifier():
    return Classifier.load()


def test_a_bengali_housing_complaint_no_longer_matches_the_police_keyword():
    route = rules.route(case("বাসস্থানের সমস্যা", "আমাদের পরিবারের থাকার মতো পাকা বাসস্থান নেই"))
    assert route.department != "home_police"
    assert "police_complaint" not in rules.keyword_hits("আমাদের পাকা বাসস্থান নেই")


def test_latin_letter_electricity_words_are_keywords():
    for text in ("current nei 2 din", "bidyut nei gram e", "karent nai sondhe theke"):
        route = rules.route(case(text, text))
        assert route.department == "power", text
        assert route.guess.method == "keyword" and "keyword" in route.reason


def test_the_shipped_classifier_loads_and_ranks_categories(classifier):
    assert classifier.version == "v1" and len(classifier.labels) == 29
    ranked = classifier.predict("tubewell kharap, khabar jol pacchi na", top=3)
    assert len(ranked) == 3 and ranked[0].category == "drinking_water"
    assert ranked[0].confidence >= ranked[1].confidence >= ranked[2].confidence
    everything = classifier.predict("tubewell kharap", top=None)
    assert len(everything) == 29 and abs(sum(s.confidence for s in everything) - 1) < 1e-6


def test_the_classifier_reads_what_no_keyword_covers(classifier):
    route = rules.route(case("meyer biyer taka pai ni ekhono", "BDO office ghorache, 3 mas hoye gelo"),
                        classifier, rules.DEFAULT_MIN_CONFIDENCE)
    assert route.guess.method == "classifier" and route.category == "rupashree", route.reason
    assert route.department == "wcd_social_welfare" and route.guess.confidence >= rules.DEFAULT_MIN_CONFIDENCE
    assert "classifier: 'rupashree' with confidence" in route.reason


def test_below_the_threshold_the_cmo_cell_triages_with_three_suggestions():
    ranked = [("drinking_water", 0.28), ("irrigation", 0.25), ("rural_road", 0.2), ("other", 0.1)]
    guess = rules.decide({}, ranked, min_confidence=0.3)
    assert guess.triage and guess.category == "other" and "triages" in guess.reason
    record = guess.record()
    assert record["threshold"] == 0.3 and record["method"] == "triage"
    assert [s["category"] for s in record["suggestions"]] == ["drinking_water", "irrigation", "rural_road"]
    assert record["suggestions"][0] == {"category": "drinking_water", "department": "phe", "confidence": 0.28}

    confident = rules.decide({}, ranked, min_confidence=0.25)
    assert confident.method == "classifier" and confident.category == "drinking_water"
    assert "0.28" in confident.reason


def test_a_likeliest_other_is_triaged_too():
    guess = rules.decide({}, [("other", 0.9), ("pension", 0.05), ("transport", 0.05)], 0.3)
    assert guess.triage and guess.confidence == 0.9 and len(guess.suggestions) == 3


def test_keywords_come_first_and_the_classifier_breaks_ties():
    ranked = [("irrigation", 0.6), ("drinking_water", 0.3), ("other", 0.1)]
    single = rules.decide({"drinking_water": ["tubewell"]}, ranked, 0.3)
    assert single.category == "drinking_water" and single.method == "keyword" and "'tubewell'" in single.reason
    tied = rules.decide({"drinking_water": ["jol nei"], "irrigation": ["khal"]}, ranked, 0.3)
    assert tied.category == "irrigation" and "tied with drinking_water" in tied.reason
    more = rules.decide({"drinking_water": ["jol nei", "tubewell"], "irrigation": ["khal"]}, ranked, 0.3)
    assert more.category == "drinking_water"


def test_a_category_chosen_at_filing_is_not_guessed(classifier):
    route = rules.route({"category": "pension", "subject": "current nei", "description": "",
                         "place": {"district": "Nadia"}}, classifier)
    assert route.category == "pension" and route.guess is None


def test_the_artefact_format_is_checked(tmp_path):
    path = tmp_path / "classifier.json"
    path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError):
        Classifier.load(path)
    assert FORMAT.endswith("/1")


def test_the_threshold_setting_is_validated():
    guesser = CategoryGuesser()
    guesser.container = SimpleNamespace(config={"ROUTING_MIN_CONFIDENCE": "1.5"})
    with pytest.raises(ValueError):
        guesser.setup()
    guesser.container = SimpleNamespace(config={"ROUTING_MIN_CONFIDENCE": "0.45"})
    guesser.setup()
    assert guesser.get_dependency(None).keywords["min_confidence"] == 0.45
