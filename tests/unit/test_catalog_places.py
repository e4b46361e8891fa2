"""The catalogue's blocks and urban local bodies (shared/data/places.yaml): every district has them, codes
are unique, and every name is there in English, Bengali and Hindi, each in its own script."""
import re
from collections import Counter

from shared.catalog import LANGUAGES, districts, places, public_catalog

NUMERAL = r"(?: (I|II|III))?"  # "Bhangar I": a block split in parts keeps its Roman numeral
SCRIPTS = {
    "en": re.compile(r"[A-Za-z][A-Za-z' -]*?" + NUMERAL),
    "bn": re.compile(r"[\u0980-\u09E5\u09F0-\u09FF][\u0980-\u09E5\u09F0-\u09FF -]*?(?: ([১২৩]))?"),
    "hi": re.compile(r"[\u0900-\u0965\u0970-\u097F][\u0900-\u0965\u0970-\u097F -]*?" + NUMERAL),
}
BENGALI_DIGIT = {"I": "১", "II": "২", "III": "৩"}
WITHOUT_BLOCKS = {"Kolkata"}  # all of it is the Kolkata Municipal Corporation


def entries(kind):
    return [(district, entry) for district in districts() for entry in places()[district][kind]]


def test_every_district_has_blocks_and_an_urban_local_body():
    assert list(places()) == list(districts())
    for district in districts():
        assert places()[district]["municipalities"], district
        assert bool(places()[district]["blocks"]) == (district not in WITHOUT_BLOCKS), district


def test_the_counts_are_west_bengals():
    assert len(entries("blocks")) == 345  # LGD's community development blocks
    assert 120 <= len(entries("municipalities")) <= 130  # 7 corporations, municipalities, notified areas
    corporations = {entry["code"] for _, entry in entries("municipalities") if "Corporation" in entry["en"]}
    assert corporations == {"kolkata", "howrah", "asansol", "durgapur", "siliguri", "bidhannagar", "chandannagar"}


def test_codes_are_unique_blocks_carry_lgd_codes_and_municipalities_slugs():
    codes = Counter(entry["code"] for kind in ("blocks", "municipalities") for _, entry in entries(kind))
    assert [code for code, seen in codes.items() if seen > 1] == []
    assert all(re.fullmatch(r"\d{4}", entry["code"]) for _, entry in entries("blocks"))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", entry["code"]) for _, entry in entries("municipalities"))


def test_names_within_a_district_are_unique_in_every_language():
    for district in districts():
        for kind in ("blocks", "municipalities"):
            for language in LANGUAGES:
                named = Counter(entry[language] for entry in places()[district][kind])
                assert [name for name, seen in named.items() if seen > 1] == [], (district, kind, language)


def test_every_name_is_written_in_its_languages_script_with_the_same_numeral():
    for kind in ("blocks", "municipalities"):
        for district, entry in entries(kind):
            matched = {language: SCRIPTS[language].fullmatch(entry[language]) for language in LANGUAGES}
            assert all(matched.values()), (district, entry)
            numeral = matched["en"].group(1)
            assert matched["hi"].group(1) == numeral, (district, entry)
            assert matched["bn"].group(1) == BENGALI_DIGIT.get(numeral), (district, entry)


def test_the_public_catalogue_lists_them_under_their_district():
    south = next(d for d in public_catalog()["districts"] if d["code"] == "South 24 Parganas")
    bhangar = next(block for block in south["blocks"] if block["code"] == "2747")
    assert bhangar == {"code": "2747", "names": {"en": "Bhangar I", "bn": "ভাঙড় ১", "hi": "भांगड़ I"}}
    assert {"code": "maheshtala", "names": {"en": "Maheshtala Municipality", "bn": "মহেশতলা পুরসভা",
                                            "hi": "महेशतला नगरपालिका"}} in south["municipalities"]
