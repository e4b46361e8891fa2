"""Phonetic keys for the spellings and scripts of one word, the catalogue's concepts across languages, and
the query they become. Pure."""
from datetime import UTC, datetime

import pytest

from services.search import queries, synonyms
from services.search.index import document
from services.search.phonetic import keys, word_key
from services.search.synonyms import STOP_WORDS, concepts_of, groups


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
    assert "lkmr" in keys("লক্ষ্মীর ভান্ডারের").split() and "bndr" in keys("লক্ষ্মীর ভান্ডারের").split()
    assert keys("পানীয় জল") == keys("paniyo jol")


def test_different_words_keep_different_keys():
    distinct = ["jol", "bijli", "rasta", "ration", "pension", "hospital", "nona", "nei"]
    assert len({word_key(word) for word in distinct}) == len(distinct)


def test_an_english_concept_expands_to_every_language():
    (drinking_water,) = groups("drinking water")
    assert drinking_water.concept == "c_drinking_water"
    for other in ("পানীয় জল", "पीने का पानी", "paniyo jol"):
        assert tuple(keys(other).split()) in drinking_water, other
    for other in ("পানীয় জল", "पीने का पानी", "paniyo jol", "drinking water"):
        assert "c_drinking_water" in concepts_of(other), other  # how cases carry the concept
    (electricity,) = groups("Electricity")
    for other in ("বিদ্যুৎ", "बिजली", "current", "কারেন্ট"):
        assert (keys(other),) in electricity and electricity.concept in concepts_of(other), other


def test_a_case_carries_each_concept_it_names_once_for_each_place_it_names_it():
    said = concepts_of("টিউবওয়েল খারাপ, নলকূপ থেকে জল আসে না")
    assert said.count("c_tube_well") == 2 and "c_broken" in said and "c_water" in said
    assert "c_electricity" not in said
    assert concepts_of("") == []


def test_spelling_variants_match_the_same_concept():
    assert groups("tubwel kharab") == groups("টিউবওয়েল খারাপ")[:1] + groups("tubwel kharab")[1:]
    assert [g.concept for g in groups("tubwel kharab")] == [g.concept for g in groups("টিউবওয়েল খারাপ")]
    assert groups("laxmir bhandar")[0] == groups("lakshmir bhandar")[0] == groups("লক্ষ্মীর ভান্ডার")[0]


def test_a_phrase_that_names_a_concept_is_that_concept():
    (power_cut,) = groups("bijli nahi")
    assert power_cut.concept == "c_power_cut" and ("ld", "sdn") in power_cut  # as "load shedding" is
    assert "c_power_cut" in concepts_of("গ্রামে তিন দিন লোডশেডিং")


def test_stop_words_and_neighbours_written_together():
    assert {"for", "the", "ka", "theke"} <= STOP_WORDS
    assert len(groups("water for the village")) == 2
    tube, well = groups("tube xyzzy")[1], groups("jol jiban")[1]
    assert (word_key("tubexyzzy"),) in tube                 # "tube xyzzy" tried as one word
    assert (word_key("joljiban"),) in well                  # "জলজীবন" is one word in Bengali


NOW = datetime(2026, 11, 30, tzinfo=UTC).isoformat()
CELL = {"sub": "c", "role": "cmo_cell"}


def phonetic_clause(q):
    body = queries.build(queries.SearchSchema().load({"q": q}), CELL, NOW)
    (clause,) = [c for c in body["query"]["bool"]["must"][0]["bool"]["should"]
                 if queries.PHONETIC_FIELD in str(c) and "bool" in c]
    return clause["bool"]


def test_the_query_requires_most_words_and_concepts_and_lets_one_letter_words_only_add_score():
    clause = phonetic_clause("tubewell kharap nei")
    required = clause["must"][0]["bool"]
    assert required["minimum_should_match"] == queries.PHONETIC_MATCH
    # each concept one term, whatever number of ways there are to say it (or the words written together)
    tube_well, broken = (group["dis_max"]["queries"] for group in required["should"])
    assert tube_well == [{"term": {"phonetic": "c_tube_well"}}, {"term": {"phonetic": word_key("tubewellkharap")}}]
    assert broken[0] == {"term": {"phonetic": "c_broken"}}
    assert clause["should"] == [{"term": {"phonetic": "n"}}]  # "nei" scores, never filters
    typed = phonetic_clause("tubewell xqzzyfk")["must"][0]["bool"]["should"][1]["dis_max"]["queries"]
    assert typed == [{"fuzzy": {"phonetic": {"value": word_key("xqzzyfk"), "fuzziness": "AUTO:4,7",
                                             "prefix_length": 1}}},  # a word as typed may be misspelt
                     {"term": {"phonetic": word_key("tubewellxqzzyfk")}}]
    assert queries.across_languages("the of for") == []     # nothing left to search by key


def test_a_concept_said_as_another_and_a_negation_is_also_searched_so():
    (power_cut,) = phonetic_clause("bijli nahi")["must"][0]["bool"]["should"]
    concept, (electricity, negation) = power_cut["dis_max"]["queries"][0], power_cut["dis_max"]["queries"][1]["bool"]["must"]
    assert concept == {"term": {"phonetic": "c_power_cut"}} and negation == {"term": {"phonetic": "n"}}
    assert electricity["dis_max"]["queries"][0] == {"term": {"phonetic": "c_electricity"}}


def test_the_text_clauses_add_up():
    body = queries.build(queries.SearchSchema().load({"q": "tubewell kharap onda"}), CELL, NOW)
    clauses = body["query"]["bool"]["must"][0]["bool"]
    assert clauses["minimum_should_match"] == 1
    assert [next(iter(q)) for q in clauses["should"]] == ["multi_match", "bool"]  # every word, keys
    assert clauses["should"][0]["multi_match"]["type"] == "bool_prefix"
    assert "fuzziness" not in str(clauses["should"][0])      # spelling variants are the phonetic keys' job


def test_a_query_of_concepts_alone_is_searched_by_them_alone():
    for text in ("tubewell kharap", "bijli nahi", "electricity"):   # every case with the words has the concepts
        clauses = queries.build(queries.SearchSchema().load({"q": text}), CELL, NOW)["query"]["bool"]["must"]
        assert [next(iter(q)) for q in clauses[0]["bool"]["should"]] == ["bool"], text
    for text in ("drinking wat", "died", "low voltage domjur"):     # a prefix, a spelt-only way, a place
        clauses = queries.build(queries.SearchSchema().load({"q": text}), CELL, NOW)["query"]["bool"]["must"]
        assert "multi_match" in str(clauses), text


def test_a_case_is_indexed_with_its_keys_and_concepts():
    doc = document({"tracking_id": "WB-1", "version": 1, "subject": "টিউবওয়েল খারাপ", "description": "jol nei"})
    assert doc["phonetic"].split() == ["tbl", "krp", "c_tube_well", "c_broken", "jl", "n", "c_water"]
    assert "phonetic" not in document({"tracking_id": "WB-2", "version": 1, "subject": "", "description": None})


def test_a_concept_is_not_read_into_common_words_that_share_a_variants_key():
    said = concepts_of("তিন দিন ধরে কিছু করা হয়নি, দ্রুত ব্যবস্থা নিন। Please help, for ekta din.")
    assert not {"c_mosquito", "c_salty", "c_burnt", "c_electric_pole", "c_embankment"} & set(said)
    assert "c_salty" in concepts_of("টিউবওয়েলে নোনা জল") and "c_salty" in concepts_of("salty")


@pytest.mark.parametrize("spellings", [
    ["otp", "ওটিপি", "ओटीपी"],                                   # a word's first vowel is kept...
    ["online", "অনলাইন", "ऑनलाइन"],
    ["arsenic", "আর্সেনিক", "आर्सेनिक"],
    ["abedon", "avedan", "আবেদন", "आवेदन"],
    ["upche", "উপচে"],
    ["hospital", "ospatal", "হাসপাতাল", "अस्पताल"],               # ...an h before it is not heard apart
    ["x", "এক্স"],                                                # x-ray, এক্স-রে
    ["shoshur", "sosur", "শ্বশুর", "ससुर"],                        # the inherent vowel keeps both consonants
    ["shikkhok", "shikshak", "শিক্ষক", "शिक्षक"],                  # ক্ষ, क्ष
    ["khotipuron", "kshatipuran", "ক্ষতিপূরণ"],
    ["bhanga", "vanga", "ভাঙা"],                                   # ভ typed bh or v
    ["pani", "paani", "পানি", "पानी"],
    ["bandh", "বাঁধ", "बांध"],                                     # chandrabindu and anusvara
])
def test_more_spellings_and_scripts_of_a_word_share_its_key(spellings):
    assert len({keys(spelling).split()[0] for spelling in spellings}) == 1, [keys(s) for s in spellings]


def test_an_initial_vowel_keeps_apart_words_that_only_it_tells_apart():
    assert word_key("otp") != word_key("tap") and word_key("online") != word_key("line")
    assert word_key("ekta") != word_key("kata")


def test_endings_also_give_the_word_without_them():
    assert keys("tarpaulins").split() == [word_key("tarpaulins"), word_key("tarpaulin")]    # English plural
    assert keys("bus").split() == [word_key("bus")] and keys("status").split() == [word_key("status")]
    assert word_key("bhenge") in keys("ভেঙেছে").split() and word_key("bhenge") in keys("bhengechhe").split()


def test_concepts_that_share_a_key_are_told_apart_by_spelling():
    assert word_key("taka") == word_key("tika") and word_key("bill") == word_key("bhul")
    assert concepts_of("টাকা পাইনি").count("c_money") == 1 and "c_vaccine" not in concepts_of("টাকা পাইনি")
    assert "c_vaccine" in concepts_of("টিকা দেওয়া হয়নি") and "c_money" not in concepts_of("tika dewa hoyni")
    assert concepts_of("biddut er bill bhul") == ["c_electricity", "c_bill", "c_wrong"]
    assert "c_flood" not in concepts_of("রাস্তা ভাঙা") and "c_flood" in concepts_of("বন্যায় ঘর ভেসে গেছে")
    assert [group.concept for group in groups("bill bhul taka tika")] == ["c_bill", "c_wrong", "c_money", "c_vaccine"]


def test_a_common_word_with_a_concepts_key_is_not_that_concept():
    assert "c_electric_pole" in concepts_of("খুঁটি হেলে পড়েছে") and "c_electric_pole" not in concepts_of("kintu")
    assert "c_police" not in concepts_of("তিন দিন ধরে") and "c_police" in concepts_of("থানায় গেছি")
    assert [group.concept for group in groups("kintu")] == [None]


def test_a_misspelt_or_spelt_only_word_names_its_concept_and_is_also_searched_as_typed():
    (electricity,) = groups("elecricity")
    assert electricity.concept == "c_electricity" and synonyms.Typed((word_key("elecricity"),)) in electricity
    (garbage,) = groups("garbej")
    assert garbage.concept == "c_garbage"
    (death,) = groups("died")                        # "=died": its key is too common for a case to be read so
    assert death.concept == "c_death" and "c_death" not in concepts_of("dada died")
    (fir,) = groups("FIR")                           # "fir" is spelt as a way of the concept, keyed as "por"
    assert fir.concept == "c_fir" and "c_fir" not in concepts_of("por")
    assert groups("xqzzyfk")[0].concept is None       # nothing near
