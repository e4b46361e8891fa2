"""Indic-aware normalisation and whole-word matching (shared/indic.py)."""
import unicodedata

from shared import indic


def test_python_word_regex_splits_bengali_words_but_tokens_keep_them_whole():
    assert indic.tokens("থানায় অভিযোগ নিচ্ছে না।") == ["থানায়", "অভিযোগ", "নিচ্ছে", "না"]
    assert indic.tokens("पुलिस थाने में FIR नहीं लिखी") == ["पुलिस", "थाने", "में", "fir", "नहीं", "लिखी"]


def test_thana_does_not_match_inside_basasthan_but_matches_its_inflections():
    thana = indic.phrase("থানা")
    assert not indic.find_phrase(indic.tokens("আমাদের পাকা বাসস্থান নেই"), thana)
    assert not indic.find_phrase(indic.tokens("বাসস্থানের সমস্যা"), thana)
    assert indic.find_phrase(indic.tokens("থানায় গিয়েছিলাম"), thana)
    assert indic.find_phrase(indic.tokens("থানার বড়বাবু"), thana)
    assert indic.find_phrase(indic.tokens("rastar obostha kharap"), indic.phrase("rasta"))
    assert not indic.find_phrase(indic.tokens("jolche transformer"), indic.phrase("jol"))  # short: exact only


def test_phrases_match_whole_words_in_order():
    words = indic.tokens("Amader para te current nei 3 din")
    assert indic.find_phrase(words, indic.phrase("current nei"))
    assert not indic.find_phrase(words, indic.phrase("nei current"))
    assert not indic.find_phrase(indic.tokens("currentnei"), indic.phrase("current nei"))


def test_nukta_letters_typed_composed_or_decomposed_are_the_same():
    composed, decomposed = "\u09df", "\u09af\u09bc"  # য় as one code point and as য + nukta
    assert indic.normalise(f"টিউবও{composed}েল") == indic.normalise(f"টিউবও{decomposed}েল")
    assert indic.tokens("\u095c") == indic.tokens("\u0921\u093c")  # Devanagari ड़


def test_joiners_khanda_ta_assamese_letters_and_digits():
    assert indic.normalise("জ্যোত্\u200dস্না") == indic.normalise("জ্যোৎস্না")
    assert indic.normalise("র\u200c্যাশন") == indic.normalise("র্যাশন")
    assert indic.normalise("ৰাস্তা") == indic.normalise("রাস্তা")
    assert indic.tokens("১০২ নম্বরে ফোন, १०२ पर, 102") == ["102", "নম্বরে", "ফোন", "102", "पर", "102"]
    assert indic.normalise("CURRENT") == "current"


def test_graphemes_keep_vowel_signs_and_conjuncts_with_their_letters():
    assert indic.graphemes("বাসস্থান") == ["বা", "স", "স্থা", "ন"]
    assert indic.graphemes("ক্ষতিপূরণ") == ["ক্ষ", "তি", "পূ", "র", "ণ"]
    assert all(unicodedata.category(gram.strip()[0])[0] != "M"
               for gram in indic.char_ngrams("টিউবওয়েল খারাপ") if gram.strip())


def test_transliteration_brings_scripts_together():
    assert indic.to_latin("কারেন্ট নেই") == "karent nei"
    assert indic.to_latin("बिजली") == "bijli"
    assert indic.to_latin("Current NEI") == "current nei"


def test_a_phrase_index_finds_every_label_in_one_pass():
    index = indic.PhraseIndex([("police", "থানা"), ("police", "fir"), ("water", "jol nei"), ("water", "নলকূপ"),
                               ("road", "rasta kharap")])
    assert index.find(indic.tokens("থানায় FIR নিচ্ছে না, jol nei")) == {"police": ["থানা", "fir"],
                                                                        "water": ["jol nei"]}
    assert index.find(indic.tokens("বাসস্থানের সমস্যা, jol ache")) == {}
    assert index.find(indic.tokens("rastar obostha, rasta kharap, নলকূপটি ভাঙা")) == {"road": ["rasta kharap"],
                                                                                     "water": ["নলকূপ"]}
    assert indic.stems("থানায়") == ["থানায়", "থানা"]


def test_mostly_indic_script_counts_bengali_and_devanagari_letters():
    assert indic.mostly_indic_script("স্কুলে যাওয়ার পথে উত্যক্ত করছে")
    assert indic.mostly_indic_script("बिजली बिल के नाम पर ठगी, OTP")
    assert not indic.mostly_indic_script("bijli bill ke naam par thagi")
    assert not indic.mostly_indic_script("Jai Johar pension আসছে না, ST old age pension")
    assert not indic.mostly_indic_script("") and not indic.mostly_indic_script("12345 ...")


def test_romanize_gives_devanagari_its_inherent_vowel_as_hindi_is_typed():
    # anyascii writes bare consonants (sd'k, nhr), which share nothing with "sadak", "nahar"
    assert indic.to_latin("सड़क नहर") == "sd'k nhr"
    assert indic.romanize("सड़क नहर") == "sadak nahar"
    assert indic.romanize("बिजली नहीं है") == "bijli nahin hai" == indic.romanize("bijli nahin hai")
    assert indic.romanize("सरकारी अस्पताल") == "sarkari aspatal"  # schwa silent between vowel and CV
    assert indic.romanize("मरम्मत") == "marammat"  # virama: a cluster, no vowel between
    assert indic.romanize("राशन कार्ड छात्रवृत्ति") == "rashan kard chhatravrtti"  # vowel signs, ch/sh as typed
    assert indic.romanize("मैं थाने गया।") == "main thane gaya,"  # anusvara; a danda as anyascii writes it


def test_romanize_normalises_before_it_transliterates():
    composed, decomposed = "\u095b\u092e\u0940\u0928", "\u091c\u093c\u092e\u0940\u0928"  # ज़मीन two ways
    assert indic.romanize(composed) == indic.romanize(decomposed) == "zamin"
    assert indic.romanize("पानी\u200d नहीं\u200c") == "pani nahin"  # ZWJ / ZWNJ
    assert indic.romanize("१२ दिन, ১২ দিন") == "12 din, 12 din"  # Devanagari and Bengali digits
    assert indic.romanize("\u09f0\u09be\u09b8\u09cd\u09a4\u09be") == indic.romanize("রাস্তা") == "rasta"  # Assamese ra
    assert indic.romanize("রাস্তা খারাপ, current nei") == indic.to_latin("রাস্তা খারাপ, current nei")
    assert indic.romanize("पानी नहीं, রাস্তা নেই, no water") == "pani nahin, rasta nei, no water"


def test_writing_style_tells_romanized_hindi_and_bengali_from_english():
    assert indic.writing_style("स्कूल में शिक्षक नहीं") == indic.INDIC
    assert indic.writing_style("স্কুলে শিক্ষক নেই") == indic.INDIC
    assert indic.writing_style("school me teacher nahi aata hai") == indic.ROMANIZED
    assert indic.writing_style("schoole teacher nei, kono class hoy na") == indic.ROMANIZED
    assert indic.writing_style("No teacher at the primary school for two months") == indic.ENGLISH
    assert indic.writing_style("") == indic.ENGLISH
