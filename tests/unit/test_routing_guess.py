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
    assert classifier.version == "v2" and len(classifier.labels) == 29
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
    assert "classifier: 'rupashree' (wcd_social_welfare) with confidence" in route.reason


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


def test_the_artefact_carries_its_weighing_and_older_ones_their_precedence(classifier, tmp_path):
    with open(ARTEFACT_PATH, encoding="utf-8") as handle:
        shipped = json.load(handle)
    assert classifier.weighing == rules.Weighing(**shipped["weighing"]) and shipped["text"] == "romanized"
    assert classifier.predict("बिजली नहीं है", top=1)[0].category == "electricity_supply"
    v1 = {key: value for key, value in shipped.items() if key not in ("weighing", "text")}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({**v1, "precedence": {"named": 0.95, "tied": None, "named_indic_only": False}}))
    older = Classifier.load(path)
    assert older.weighing is None and older.precedence == rules.Precedence(named=0.95)
    assert older.latin("सड़क") == "sd'k" and classifier.latin("सड़क") == "sadak"  # v1 features: anyascii
    path.write_text(json.dumps(v1))
    assert Classifier.load(path).precedence == rules.KEYWORDS_FIRST


def test_the_shipped_precedence_is_applied_when_routing(classifier):
    text = "মেয়েকে উত্যক্ত করছে। স্কুলে যাওয়ার পথে কয়েকজন যুবক রোজ আমার মেয়েকে উত্যক্ত করছে, স্কুলের সামনে দাঁড়িয়ে থাকে"
    guess = rules.guess_category(text, "", classifier, 0.4)
    keywords_first = rules.decide(rules.keyword_hits(text), [(s.category, s.confidence)
                                  for s in classifier.predict(text, top=None)], 0.4)
    assert keywords_first.category == "school_education"
    assert guess.category == "women_safety", guess.reason


WEIGHING = rules.Weighing(indic=1.0, romanized=2.0, english=100.0, cap=2, by_department=True)


def test_a_keyword_weighs_less_in_bengali_script_than_in_english():
    indic_text = rules.weigh(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4, WEIGHING, "indic")
    assert indic_text.category == "women_safety" and indic_text.method == "keyword"
    assert "'উত্যক্ত' of 'women_safety' (weighed against school_education" in indic_text.reason
    # in English text keywords come first: two of school_education beat one of women_safety
    assert rules.weigh(SCHOOL_AND_TEASING, SURE_OF_TEASING, 0.4, WEIGHING, "english").category == "school_education"
    only_school = {"school_education": ["school"]}
    assert rules.weigh(only_school, SURE_OF_TEASING, 0.4, WEIGHING, "english").category == "school_education"
    romanized = rules.weigh(only_school, SURE_OF_TEASING, 0.4, WEIGHING, "romanized")
    assert romanized.category == "women_safety" and romanized.method == "classifier"
    assert "outweighed" in romanized.reason and "'school' of 'school_education'" in romanized.reason
    unsure = [("women_safety", 0.6), ("school_education", 0.3), ("other", 0.1)]
    kept = rules.weigh(only_school, unsure, 0.4, WEIGHING, "indic")
    assert kept.category == "school_education" and kept.method == "keyword" and "'school'" in kept.reason


def test_keywords_count_up_to_the_cap():
    ranked = [("irrigation", 0.9), ("drinking_water", 0.01), ("other", 0.09)]
    many = {"drinking_water": ["jol nei", "tubewell", "nolkup"]}
    capped = rules.Weighing(indic=2.0, romanized=2.0, english=2.0, cap=2, by_department=False)
    # log(0.01) + 2 * 2 < log(0.9): three keywords count as two
    assert rules.weigh(many, ranked, 0.4, capped, "english").category == "irrigation"
    uncapped = rules.Weighing(indic=2.0, romanized=2.0, english=2.0, cap=3, by_department=False)
    assert rules.weigh(many, ranked, 0.4, uncapped, "english").category == "drinking_water"


def test_the_department_with_most_probability_wins_when_its_categories_split_it():
    ranked = [("drinking_water", 0.4), ("health_service", 0.3), ("health_emergency", 0.25), ("other", 0.05)]
    by_department = rules.weigh({}, ranked, 0.5, WEIGHING, "indic")
    assert by_department.category == "health_service" and by_department.method == "classifier"
    assert abs(by_department.confidence - 0.55) < 1e-4 and by_department.suggestions[0][0] == "drinking_water"
    assert "'health_service' (health) with confidence 0.55" in by_department.reason
    by_category = rules.weigh({}, ranked, 0.3, rules.Weighing(1.0, 1.0, 1.0, 2, False), "indic")
    assert by_category.category == "drinking_water" and by_category.confidence == 0.4
    assert rules.weigh({}, ranked, 0.6, WEIGHING, "indic").triage  # the department's 0.55 is below 0.6


def test_a_sure_other_outweighing_the_keywords_is_triaged():
    guess = rules.weigh({"land_records": ["जमीन"]}, [("other", 0.999), ("land_records", 0.0005),
                                                      ("pension", 0.0005)], 0.4, WEIGHING, "indic")
    assert guess.triage and guess.category == "other" and "'जमीन' of 'land_records'" in guess.reason


def test_the_shipped_weighing_routes_by_writing_style(classifier):
    teasing = "মেয়েকে রোজ বিরক্ত করে। স্কুলের পথে একটা ছেলে পিছু নেয়, স্কুলে গিয়েও দাঁড়িয়ে থাকে"
    assert rules.guess_category(teasing, "", classifier, 0.4).category == "women_safety"
    english = rules.guess_category("School has no teacher for two months", "", classifier, 0.4)
    assert english.category == "school_education" and english.method == "keyword"


def test_make_trains_vectorised_weighing_agrees_with_the_rules():
    pytest.importorskip("numpy")
    from evaluation import train

    records = [{"id": f"ev-{n:04d}", "text": text, "language": "bn", "department": "x"} for n, text in enumerate(
        ("স্কুলে যাওয়ার পথে উত্যক্ত", "school teacher nei", "bijli nahi hai ghar me", "nothing here"))]
    hits = [rules.keyword_hits(r["text"]) for r in records]
    labels = ["health_emergency", "health_service", "drinking_water", "school_education", "women_safety", "other"]
    rankings = [[sorted(zip(labels, shares), key=lambda pair: -pair[1]) for shares in (
        (0.3, 0.3, 0.35, 0.02, 0.02, 0.01), (0.01, 0.01, 0.01, 0.01, 0.95, 0.01), (0.1, 0.1, 0.1, 0.1, 0.1, 0.5),
        (0.2, 0.25, 0.3, 0.1, 0.1, 0.05))]]
    weigher = train.Weigher(records, hits, rankings)
    for weighing in (WEIGHING, rules.Weighing(0.5, 3.0, 1.0, 1, False)):
        for threshold in (0.0, 0.4, 0.6):
            fast = [department for _, department in weigher.outcomes(weighing, threshold)]
            slow = [department for _, department in train.routed(records, hits, rankings, threshold, weighing)]
            assert fast == slow, (weighing, threshold)
