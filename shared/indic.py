"""Text normalisation and tokens that respect Indic scripts (Bengali, Devanagari) as well as Latin.

Python's `\\w` does not match vowel signs, viramas or the nukta (they are combining marks, not letters),
so a regex word split cuts থানা into থ and ন, and those fragments then match inside unrelated words
(বাসস্থান). Here a word is a run of letters, combining marks and digits; the same text typed on different
keyboards (composed or decomposed nukta letters, ZWJ/ZWNJ, Assamese letter forms, Bengali or Devanagari
digits) gives the same tokens. Pure: used by routing's keyword rules and classifier, reusable by search.
"""
import unicodedata
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
