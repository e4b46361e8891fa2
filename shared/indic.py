"""Text normalisation and tokens that respect Indic scripts (Bengali, Devanagari) as well as Latin.

Python's `\\w` does not match vowel signs, viramas or the nukta (they are combining marks, not letters),
so a regex word split cuts থানা into থ and ন, and those fragments then match inside unrelated words
(বাসস্থান). Here a word is a run of letters, combining marks and digits; the same text typed on different
keyboards (composed or decomposed nukta letters, ZWJ/ZWNJ, Assamese letter forms, Bengali or Devanagari
digits) gives the same tokens. Pure: used by routing's keyword rules and classifier, reusable by search.
"""
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

ZWNJ, ZWJ = "\u200c", "\u200d"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff\u2060"))  # no meaning for matching
_LETTER_VARIANTS = {
    "\u09f0": "\u09b0",  # Assamese ra ৰ -> Bengali ra র
    "\u09f1": "\u09ac",  # Assamese wa ৱ -> Bengali ba ব
}
KHANDA_TA_SPELLING = "\u09a4\u09cd\u200d"  # ta + virama + ZWJ: older keyboards' way of typing ৎ
VIRAMAS = frozenset("\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d4d")

# Inflections that may follow a keyword inside one word: Bengali case endings and classifiers (থানায়,
# রাস্তার, টিউবওয়েলটি), the same in Latin letters (rastar, joler, currentta) and Hindi plural/oblique
# endings (सड़कों). Only after keywords of two letters (graphemes) and three code points or more.
SUFFIXES = (
    "য়", "য়ে", "য়ের", "র", "ের", "এর", "তে", "েতে", "টি", "টা", "টার", "টির", "কে", "দের", "গুলো", "গুলি",
    "ে", "ও", "ই", "রা", "েরা", "টাও",
    "r", "er", "e", "y", "ey", "te", "ta", "ti", "tar", "ke", "der", "ra", "o", "i", "s", "es",
    "ों", "ें", "े", "ो",
)
MIN_INFLECTED_GRAPHEMES, MIN_INFLECTED_CHARS = 2, 3


def normalise(text):
    """NFC, one spelling per letter, invisible joiners dropped, digits of every script as ASCII, casefolded."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace(KHANDA_TA_SPELLING, "\u09ce")
    text = text.translate(_INVISIBLE)
    text = "".join(_LETTER_VARIANTS.get(ch) or _ascii_digit(ch) for ch in text)
    return unicodedata.normalize("NFC", text).casefold()


def to_latin(text):
    """The text in Latin letters (Bengali and Devanagari transliterated), normalised: কারেন্ট নেই and
    "karent nei" come out alike, so one model or index serves every script a citizen may type in."""
    return anyascii(normalise(text)).casefold()


@dataclass(frozen=True)
class _Script:
    """How a Brahmic script is typed in Latin letters: its inherent vowel, and letters typed otherwise than
    anyascii writes them."""
    block: tuple
    inherent: str
    consonants: tuple  # (first, last) code point ranges
    signs: tuple  # dependent vowel sign ranges
    virama: str
    nukta: str
    nasals: dict
    as_typed: dict
    with_nukta: dict
    after_virama: dict  # a consonant typed otherwise as the second of a conjunct


DEVANAGARI = _Script(
    block=("\u0900", "\u097f"), inherent="a", consonants=(("\u0915", "\u0939"), ("\u0958", "\u095f"), ("\u0978", "\u097f")),
    signs=(("\u093e", "\u094c"), ("\u094e", "\u094f"), ("\u0962", "\u0963")), virama="\u094d", nukta="\u093c",
    nasals={"\u0901": "n", "\u0902": "n"},  # candrabindu, anusvara: मैं main, नहीं nahin
    as_typed={"च": "ch", "छ": "chh", "श": "sh", "ष": "sh", "ञ": "n", "ङ": "n"},
    with_nukta={"ज": "z", "फ": "f"},  # ज़मीन zamin, फ़ोन fon; ड़ ढ़ as d dh (सड़क sadak)
    after_virama={})
# Bengali is left to anyascii: giving it its inherent o (জল jol) lifted the classifier alone on dev but not
# routing's worst language group (README, "Routing complaints as citizens write them").
_SCRIPTS = (DEVANAGARI,)
_DANDAS = "\u0964\u0965"


def _within(ch, ranges):
    return any(low <= ch <= high for low, high in ranges)


def _brahmic_word(word, script):
    """One word of a Brahmic script in Latin letters as it is typed: each consonant carries the inherent vowel
    unless a vowel sign or virama follows; the vowel is silent at the end of a word and between a vowel and a
    consonant with its vowel sign (Hindi's schwa deletion: सड़क sadak, नहर nahar, बिजली bijli, सरकारी sarkari).
    anyascii writes bare consonants (sd'k, nhr, bjli), which share nothing with the way citizens type."""
    out, pending, after_vowel, last_was_vowel, previous = [], False, False, False, ""
    for position, ch in enumerate(word):
        if _within(ch, script.consonants):
            if pending:
                following = word[position + 1:position + 3].replace(script.nukta, "")[:1]
                silent = after_vowel and bool(following) and _within(following, script.signs)
                if not silent:
                    out.append(script.inherent)
                last_was_vowel = not silent
            with_nukta = word[position + 1:position + 2] == script.nukta
            typed = (script.with_nukta.get(ch) if with_nukta else None) \
                or (script.after_virama.get(ch) if previous == script.virama else None) or script.as_typed.get(ch)
            out.append(typed or anyascii(ch))
            pending, after_vowel, last_was_vowel = True, last_was_vowel, False
        elif ch == script.nukta:
            continue
        elif ch == script.virama:
            pending, last_was_vowel = False, False
        elif _within(ch, script.signs):
            pending, last_was_vowel = False, True
            out.append(anyascii(ch))
        else:
            if pending and ch in script.nasals:
                out.append(script.inherent)
            pending = False
            last_was_vowel = ch not in script.nasals
            out.append(script.nasals.get(ch) or anyascii(ch))
        previous = ch
    return "".join(out)


def _script_of(ch):
    if ch in _DANDAS:
        return None
    return next((script for script in _SCRIPTS if script.block[0] <= ch <= script.block[1]), None)


def romanize(text):
    """Like `to_latin`, with Devanagari words written the way Hindi is typed in Latin letters (`_brahmic_word`):
    बिजली नहीं है and "bijli nahin hai" come out alike. The routing classifier's text from artefact v2 on."""
    parts, run, run_script = [], [], None

    def flush():
        parts.append(_brahmic_word("".join(run), run_script) if run_script else anyascii("".join(run)))
        run.clear()
    for ch in normalise(text):
        script = _script_of(ch)
        if script is not run_script and run:
            flush()
        run_script = script
        run.append(ch)
    if run:
        flush()
    return "".join(parts).casefold()


def _ascii_digit(ch):
    if ch.isdigit() and not ch.isascii() and unicodedata.category(ch) == "Nd":
        return str(unicodedata.digit(ch))
    return ch


def is_word_char(ch):
    category = unicodedata.category(ch)
    return category[0] in "LM" or category == "Nd"


INDIC_BLOCKS = (("\u0900", "\u097f"), ("\u0980", "\u09ff"))  # Devanagari, Bengali


def mostly_indic_script(text):
    """Are most of the text's letters Bengali or Devanagari (not Latin)?"""
    letters = [ch for ch in normalise(text) if ch.isalpha()]
    indic = sum(any(low <= ch <= high for low, high in INDIC_BLOCKS) for ch in letters)
    return indic * 2 > len(letters)


# Common function words of Hindi and Bengali typed in Latin letters ("bijli nahi hai", "jol nei, kichu hoyni"):
# catalogue words such as school, pension or college are generic nouns in such text, specific in English.
ROMANIZED_FUNCTION_WORDS = frozenset("""
    hai hain nahi nahin ka ki ke me mein se ko ne aur bhi ho gaya gayi raha rahe rahi kar diya tha thi hua koi kuch
    nei nai ache achhe hoy hoyni kore korche theke er kono amar amader hocche hochhe dicche bolche na ar ei kichu jonno
""".split())
INDIC, ROMANIZED, ENGLISH = "indic", "romanized", "english"
WRITING_STYLES = (INDIC, ROMANIZED, ENGLISH)


def writing_style(text):
    """`indic` (mostly Bengali or Devanagari script), `romanized` (Latin letters with at least two distinct
    Hindi or Bengali function words) or `english` (any other Latin-letter text)."""
    if mostly_indic_script(text):
        return INDIC
    return ROMANIZED if len(set(tokens(text)) & ROMANIZED_FUNCTION_WORDS) >= 2 else ENGLISH


def tokens(text):
    """The words of a text: runs of letters, combining marks (vowel signs, virama, nukta) and digits."""
    words, current = [], []
    for ch in normalise(text):
        if is_word_char(ch):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def graphemes(word):
    """User-perceived letters: a base with its marks, and consonants a virama joins into one conjunct."""
    clusters = []
    for ch in word:
        joins = clusters and (unicodedata.category(ch)[0] == "M" or clusters[-1][-1] in VIRAMAS)
        if joins:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def char_ngrams(text, low=2, high=5):
    """Grapheme n-grams inside each word padded with spaces (like scikit-learn's `char_wb`, but a vowel sign
    or virama never stands apart from its letter)."""
    grams = []
    for word in tokens(text):
        letters = [" ", *graphemes(word), " "]
        for n in range(low, high + 1):
            if n > len(letters):
                break
            grams.extend("".join(letters[i:i + n]) for i in range(len(letters) - n + 1))
    return grams


@lru_cache(maxsize=4096)
def phrase(text):
    """A keyword or phrase as a tuple of tokens, ready for `find_phrase`."""
    return tuple(tokens(text))


_SUFFIXES = tuple(normalise(suffix) for suffix in SUFFIXES)


def word_matches(word, keyword_word):
    if word == keyword_word:
        return True
    if len(keyword_word) < MIN_INFLECTED_CHARS or len(graphemes(keyword_word)) < MIN_INFLECTED_GRAPHEMES \
            or not word.startswith(keyword_word):
        return False
    return word[len(keyword_word):] in _SUFFIXES


def find_phrase(words, keyword):
    """Does the token list `words` hold the phrase `keyword` (a tuple from `phrase`) as whole words?"""
    size = len(keyword)
    if not size:
        return False
    for start in range(len(words) - size + 1):
        if all(word_matches(words[start + i], keyword[i]) for i in range(size)):
            return True
    return False


def stems(word):
    """The forms a keyword word may have for `word` to match it: itself, and itself without one inflection."""
    found = [word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            stem = word[:-len(suffix)]
            if word_matches(word, stem):
                found.append(stem)
    return found


class PhraseIndex:
    """Many keyword phrases, each under a label, found in a text's words in one pass (by first word)."""

    def __init__(self, labelled_phrases):
        self.by_first_word = {}
        for label, keyword in labelled_phrases:
            words = phrase(keyword)
            if words:
                self.by_first_word.setdefault(words[0], []).append((label, keyword, words))

    def find(self, words):
        """{label: [its keywords found in `words` as whole words, in keyword order of first appearance]}."""
        found = {}
        for start, word in enumerate(words):
            for first in stems(word):
                for label, keyword, keyword_words in self.by_first_word.get(first, ()):
                    if keyword in found.get(label, ()):
                        continue
                    if find_phrase(words[start:start + len(keyword_words)], keyword_words):
                        found.setdefault(label, []).append(keyword)
        return found
