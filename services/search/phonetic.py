"""Phonetic keys: one key per word for Bengali script, Devanagari and the many Latin spellings people type
for them, so "tubewell kharap", "tiubwel kharab" and "টিউবওয়েল খারাপ" meet. Pure.

A word is first put in Latin letters (the scripts through anyascii, after a few Bengali fixes), then
reduced to its consonants, with the pairs Latin spelling does not keep apart folded together: aspirates
(kh/k, bh/b, chh/ch), ph/f/p... Vowels go entirely: they are what spellings disagree on most ("jol", "jal",
"jaal"; "nai", "nei") and Bengali's unwritten inherent vowel is dropped by anyascii anyway ("জল" -> "jl").
Bengali case endings (-er, -te, -ke, -der, -ra, -gulo) change the consonants, so a word that carries one
is also keyed without it: "joler" gives "jlr" and "jl".
"""
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Bengali before anyascii: ক্ষ is "kkh" (শিক্ষক, shikkhok; ক্ষতি, khoti); য is "j" (যোগাযোগ, jogajog) unless it follows a virama (the ya-phala of বিদ্যুৎ,
# silent in speech) or carries the nukta (য়, a glide like "y"); ড়, ঢ় are typed "r" (বাড়ি, bari); ৎ is a
# plain t; ং is "ng" (বাংলা, bangla) and ঁ an "n" (বাঁধ, bandh).
_BENGALI = [("\u0995\u09cd\u09b7", "\u0995\u09cd\u0996"), ("\u09af\u09bc", "y"), ("\u09df", "y"), ("\u09cd\u09af", ""), ("\u09af", "\u099c"), ("\u09ce", "t"),
            ("\u09a1\u09bc", "\u09b0"), ("\u09a2\u09bc", "\u09b0"), ("\u0982", "ng"), ("\u0981", "n")]
_BA_PHALA = re.compile("(?<!\u09ae)\u09cd\u09ac")  # স্ব, দ্ব: silent in speech (swasthya), but ম্ব is "mb"
_DEVANAGARI = [("\u0915\u094d\u0937", "\u0915\u094d\u0916"), ("\u094d\u092f", "y")]  # क्ष as ক্ষ
# A consonant with no vowel sign before another consonant carries the inherent vowel, which anyascii drops:
# written out, so that শ্বশুর ("shoshur") and ससुर ("sasur") do not lose a consonant as a doubled letter.
# (Bengali's is "o", Hindi's "a": how the words are spelt decides between concepts with one key, see synonyms)
_INHERENT_BN = re.compile("([\u0995-\u09b9])(?=[\u0995-\u09b9])")
_INHERENT_HI = re.compile("([\u0915-\u0939])(?=[\u0915-\u0939])")
# Devanagari's anusvara and candrabindu at the end of a word nasalise its vowel ("नहीं", typed "nahi" as
# often as "nahin"); inside a word they are an n ("ट्रांसफार्मर", transformer).
_NASAL_END, _NASAL = re.compile("[\u0901\u0902](?![\u0900-\u097f])"), re.compile("[\u0901\u0902]")
# Latin spellings folded onto one consonant, longest first; vowels, h, w and y are removed afterwards.
_FOLDS = [
    ("tion", "sn"), ("ksh", "kh"), ("chh", "C"), ("ch", "C"), ("sh", "s"), ("kh", "k"), ("gh", "g"), ("jh", "j"), ("th", "t"), ("dh", "d"),
    ("ph", "p"), ("bh", "b"), ("rh", "r"), ("ck", "k"), ("ng", "n"), ("x", "ks"), ("q", "k"), ("z", "j"),
    ("f", "p"), ("v", "b"),
]
_ENGLISH_C = [(re.compile(r"c(?=[eiy])(?!h)"), "s"), (re.compile(r"c(?!h)"), "k")]  # Indic c is "ch" by now
_DROP = re.compile(r"[aeiouhwy]")
# ...and the verb's -chhe, -chhilo (ভেঙেছে, bhengechhe: ভেঙে, broken; পেয়েছিলাম is not stemmed)
_SUFFIXES = ("chhilo", "chilo", "gulo", "guli", "chhe", "che", "der", "ete", "er", "ar", "te", "ke", "ra", "r")
_PLURAL = re.compile(r"[a-z]{4}[^su]s$")  # not "bus", "class", "status"
_WORD = re.compile(r"[a-z0-9]+")
_INDIC = re.compile(r"[\u0900-\u09ff]")
_SPACES = re.compile(r"(\s+)")


def to_latin(text):
    """Any text in lower-case Latin letters: Bengali and Devanagari transliterated as anyascii does, with
    Bengali's য, ya-phala and khanda-ta as people type them; Indic "c" (চ) written "ch" as people do."""
    text = unicodedata.normalize("NFD", text or "")
    for old, new in _BENGALI + _DEVANAGARI:
        text = text.replace(old, new)
    text = _NASAL.sub("n", _NASAL_END.sub("", _BA_PHALA.sub("", text)))
    text = text.replace("\u093c", "").replace("\u09bc", "")  # other nuktas: सड़क is typed "sadak"
    text = _INHERENT_HI.sub(r"\1a", _INHERENT_BN.sub(r"\1o", text))
    pieces = []
    for piece in _SPACES.split(unicodedata.normalize("NFC", text)):
        latin = anyascii(piece).lower().replace("'", "")
        pieces.append(re.sub(r"c(?!h)", "ch", latin) if _INDIC.search(piece) else latin)
    return "".join(pieces)


@lru_cache(maxsize=65536)
def word_key(word):
    """The consonant key of one Latin word ("" when nothing is left: a word of vowels only)."""
    if word.isdigit():
        return word
    if word == "x":
        word = "eks"  # "x-ray", as Bengali writes it (এক্স-রে)
    # a vowel that starts a word is heard and typed in every spelling ("otp", "ওটিপি"; "online", "অনলাইন"),
    # unlike the vowels inside it: kept as "a" ("tp" alone is "tap" and "tube" too)
    initial = "a" if word.lstrip("h")[:1] in ("a", "e", "i", "o", "u") else ""
    for pattern, new in _ENGLISH_C:
        word = pattern.sub(new, word)
    for old, new in _FOLDS:
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters ("tubewell", "lokkhi"), not "nona"'s two n
    word = _DROP.sub("", word).lower()
    if len(word) > 1 and word.endswith("b"):
        word = word[:-1] + "p"  # "kharab"/"kharap": voicing at the end of a word is not heard the same
    return initial + word if word else ""


def stem(word):
    """The word without one Bengali case ending (in Latin letters), or an English plural's s ("tarpaulins",
    "medicines"), if enough of it is left."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    if _PLURAL.search(word):
        return word[:-1]
    return word


def word_keys(word):
    """The keys of one Latin word: its own, and its stem's when the ending changes the key."""
    keys = [word_key(word)]
    stemmed = word_key(stem(word))
    if stemmed and stemmed != keys[0]:
        keys.append(stemmed)
    return [key for key in keys if key]


def words(text):
    return _WORD.findall(to_latin(text))


def keys(text):
    """The text as phonetic keys, what the `*_phonetic` fields index. Keyed a space-separated piece at a
    time, remembered: complaints repeat their words, and indexing a million cases should not wait on this."""
    return " ".join(key for keyed in keyed_words(text) for key in keyed)


def keyed_words(text):
    """The keys of each word of the text that has any, in order (what concepts are looked for in)."""
    return [keyed for piece in (text or "").split() for _, keyed in _piece_keys(piece)]


def keyed_spellings(text):
    """The same words as keyed_words, in Latin letters."""
    return [word for piece in (text or "").split() for word, _ in _piece_keys(piece)]


@lru_cache(maxsize=262144)
def _piece_keys(piece):
    return tuple((word, tuple(found)) for word, found in ((word, word_keys(word)) for word in words(piece)) if found)
