"""Phonetic keys for the spellings and scripts of one word, the catalogue's concepts across languages, and
the query they become. Pure."""
from datetime import UTC, datetime

import pytest

from services.search import queries
from services.search.phonetic import keys, word_key
from services.search.synonyms import STOP_WORDS, groups, is_phrase


@pytest.mark.parametrize("spellings", [
    ["tubewell", "tiubwel", "টিউবওয়েল"],
    ["kharap", "kharab", "khrab", "খারাপ", "खराब"],
    ["jol", "jal", "jaal", "জল"],
    ["bijli", "bijlee", "বিজলি", "बिजली"],
    ["bidyut", "biddut", "বিদ্যুৎ"],
    ["doctor", "daktar", "ডাক্তার", "डॉक्टर"],
    ["hospital", "haspatal", "হাসপাতাল", "अस्पताल"],
    ["transformer", "transfarmer", "ট্রান্সফরমার", "ट्रांसफार्मर"],
    ["ration", "রেশন", "राशन"],
    ["swasthya", "shasthya", "স্বাস্থ্য"],
    ["bandh", "বাঁধ"],
    ["jogajog", "যোগাযোগ"],
    ["bari", "বাড়ি"],
    ["kanyashree", "kanyasree", "কন্যাশ্রী"],
])
def test_the_spellings_and_scripts_of_a_word_share_its_key(spellings):
    assert len({keys(spelling).split()[0] for spelling in spellings}) == 1, [keys(s) for s in spellings]


def test_a_bengali_case_ending_also_gives_the_plain_word():
    assert keys("জলের").split() == ["jlr", "jl"]
    assert "lksmr" in keys("লক্ষ্মীর ভান্ডারের").split() and "bndr" in keys("লক্ষ্মীর ভান্ডারের").split()
    assert keys("পানীয় জল") == keys("paniyo jol")


def test_different_words_keep_different_keys():
    distinct = ["jol", "bijli", "rasta", "ration", "pension", "hospital", "nona", "nei"]
    assert len({word_key(word) for word in distinct}) == len(distinct)


def test_an_english_concept_expands_to_every_language():
    (drinking_water,) = groups("drinking water")
    for other in ("পানীয় জল", "पीने का पानी", "paniyo jol"):
        assert tuple(keys(other).split()) in drinking_water, other
    (electricity,) = groups("Electricity")
    for other in ("বিদ্যুৎ", "बिजली", "current", "কারেন্ট"):
        assert (keys(other),) in electricity, other


def test_spelling_variants_match_the_same_concept():
    assert groups("tubwel kharab") == groups("টিউবওয়েল খারাপ")[:1] + groups("tubwel kharab")[1:]
    assert groups("laxmir bhandar")[0] == groups("lakshmir bhandar")[0] == groups("লক্ষ্মীর ভান্ডার")[0]


def test_a_phrase_is_also_searched_word_by_word_in_any_of_their_ways():
    (power_cut,) = groups("bijli nahi")
    assert ("ld", "sdn") in power_cut                      # "load shedding"
    (words,) = [alternative for alternative in power_cut if is_phrase(alternative)]
    assert ("bdt",) in words[0] and words[1] == [("n",)]  # electricity in any words, then "nahi"


def test_stop_words_and_neighbours_written_together():
    assert {"for", "the", "ka", "theke"} <= STOP_WORDS
    assert len(groups("water for the village")) == 2
    tube, well = groups("tube xyzzy")[0], groups("jol jiban")[1]
    assert (word_key("tubexyzzy"),) in tube                 # "tube xyzzy" tried as one word
    assert (word_key("joljiban"),) in well                  # "জলজীবন" is one word in Bengali


NOW = datetime(2026, 11, 30, tzinfo=UTC).isoformat()
CELL = {"sub": "c", "role": "cmo_cell"}


def phonetic_clause(q):
    body = queries.build(queries.SearchSchema().load({"q": q}), CELL, NOW)
    (clause,) = [c for c in body["query"]["bool"]["must"][0]["dis_max"]["queries"] if "subject_phonetic" in str(c)
                 and "bool" in c]
    return clause["bool"]


def test_the_query_requires_most_words_by_key_and_lets_one_letter_words_only_add_score():
    clause = phonetic_clause("tubewell kharap nei")
    required = clause["must"][0]["bool"]
    assert required["minimum_should_match"] == queries.PHONETIC_MATCH and len(required["should"]) == 2
    assert len(clause["should"]) == 1 and "'n'" in str(clause["should"])  # "nei" scores, never filters
    matches = [q["multi_match"] for group in required["should"] for q in group["dis_max"]["queries"]
               if "multi_match" in q]
    assert not [q for q in matches if "fuzziness" in q]     # concepts' known spellings: exact keys
    (typed,) = phonetic_clause("tubewell xqzzyfk")["must"][0]["bool"]["should"][1]["dis_max"]["queries"][:1]
    assert typed["multi_match"]["fuzziness"] == "AUTO:4,7"  # a word as typed may be misspelt
    assert queries.across_languages("the of for") == []     # nothing left to search by key


def test_the_text_clauses_are_alternatives_the_best_of_which_counts():
    body = queries.build(queries.SearchSchema().load({"q": "tubewell kharap"}), CELL, NOW)
    best = body["query"]["bool"]["must"][0]["dis_max"]
    assert best["tie_breaker"] == queries.TIE_BREAKER < 1
    assert [next(iter(q)) for q in best["queries"]] == ["multi_match", "multi_match", "bool"]  # phrase, words, keys
    assert "fuzziness" not in str(best["queries"][:2])      # spelling variants are the phonetic keys' job
