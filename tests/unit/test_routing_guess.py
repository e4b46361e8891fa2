"""Routing a complaint filed without a category: keywords, the classifier, the CMO cell's triage."""
import json
from types import SimpleNamespace

import pytest

from services.routing.domain import rules
from services.routing.domain.classifier import ARTEFACT_PATH, FORMAT, Classifier
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


SCHOOL_AND_TEASING = {"school_education": ["স্কুলে", "স্কুল"], "women_safety": ["উত্যক্ত"]}
SURE_OF_TEASING = [("women_safety", 0.97), ("school_education", 0.02), ("other", 0.01)]


def test_a_sure_classifier_overrules_a_generic_keyword_it_also_found():
    keywords_first = rules.decide(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4)
    assert keywords_first.category == "school_education" and keywords_first.method == "keyword"

    precedence = rules.Precedence(named=0.95)
    sure = rules.decide(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4, precedence)
    assert sure.category == "women_safety" and sure.method == "classifier" and sure.confidence == 0.97
    assert "'স্কুলে', 'স্কুল' of 'school_education'" in sure.reason and "sure of 'women_safety'" in sure.reason

    less_sure = [("women_safety", 0.9), ("school_education", 0.08), ("other", 0.02)]
    assert rules.decide(SCHOOL_AND_TEASING, less_sure, 0.4, precedence).category == "school_education"
    # a category no keyword names does not overrule the keywords through `named`
    elsewhere = [("cyber_fraud", 0.99), ("women_safety", 0.005), ("school_education", 0.005)]
    assert rules.decide(SCHOOL_AND_TEASING, elsewhere, 0.4, precedence).category == "school_education"


def test_the_overrule_may_be_kept_to_bengali_and_devanagari_text():
    precedence = rules.Precedence(named=0.95, named_indic_only=True)
    assert rules.decide(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4, precedence, indic_script=True).category \
        == "women_safety"
    assert rules.decide(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4, precedence, indic_script=False).category \
        == "school_education"


def test_a_sure_classifier_settles_a_keyword_tie_and_other_never_overrules():
    tie = {"road_repair": ["सड़क"], "health_emergency": ["एम्बुलेंस"]}
    ranked = [("rural_road", 0.8), ("health_emergency", 0.15), ("road_repair", 0.05)]
    assert rules.decide(tie, ranked, 0.4).category == "health_emergency"  # keywords first: the likelier leader
    settled = rules.decide(tie, ranked, 0.4, rules.Precedence(tied=0.7))
    assert settled.category == "rural_road" and settled.method == "classifier"
    vague = [("other", 0.99), ("health_emergency", 0.006), ("road_repair", 0.004)]
    for precedence in (rules.Precedence(named=0.5, tied=0.5), rules.Precedence(tied=0.5)):
        assert rules.decide(tie, vague, 0.4, precedence).method == "keyword"


def test_the_artefact_carries_its_precedence_and_older_ones_put_keywords_first(classifier, tmp_path):
    with open(ARTEFACT_PATH, encoding="utf-8") as handle:
        shipped = json.load(handle)
    assert classifier.precedence == rules.Precedence(**shipped["precedence"])
    older = {key: value for key, value in shipped.items() if key != "precedence"}
    path = tmp_path / "older.json"
    path.write_text(json.dumps(older))
    assert Classifier.load(path).precedence == rules.KEYWORDS_FIRST


def test_the_shipped_precedence_is_applied_when_routing(classifier):
    text = "মেয়েকে উত্যক্ত করছে। স্কুলে যাওয়ার পথে কয়েকজন যুবক রোজ আমার মেয়েকে উত্যক্ত করছে, স্কুলের সামনে দাঁড়িয়ে থাকে"
    guess = rules.guess_category(text, "", classifier, 0.4)
    keywords_first = rules.decide(rules.keyword_hits(text), [(s.category, s.confidence)
                                  for s in classifier.predict(text, top=None)], 0.4)
    assert keywords_first.category == "school_education"
    assert guess.category == "women_safety", guess.reason
