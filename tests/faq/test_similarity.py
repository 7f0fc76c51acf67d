"""faq.similarity against rapidfuzz, whose measure and search it reproduces."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from faq.similarity import WordList, ratio

# Few letters, so that common subsequences are long and ties frequent; words of every length
# around the 16-letter field, and the empty one.
words = st.text(alphabet="абвқәeнkqa", max_size=20)


@settings(max_examples=3000, deadline=None)
@given(words, words)
def test_ratio_is_rapidfuzz_ratio(a, b):
    assert ratio(a, b) == fuzz.ratio(a, b)


@settings(max_examples=2000, deadline=None)
@given(words, st.lists(words, max_size=40), st.sampled_from([0, 50, 80, 100]))
def test_closest_word_is_extract_one(query, choices, cutoff):
    expected = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    assert WordList(choices).closest(query, cutoff) == (tuple(expected) if expected is not None else None)


def test_a_typo_finds_its_word_and_ties_go_to_the_first():
    words = WordList(["дом", "документы", "документ", "дорога"])
    assert words.closest("докуметы", 80) == ("документы", ratio("докуметы", "документы"), 1)
    assert WordList(["аба", "баа", "аба"]).closest("ааб", 50)[2] == 0
    assert words.closest("zzzz", 80) is None and WordList([]).closest("x", 0) is None
    long_word = "жауапкершілігімен"  # 17 letters: past the 16-letter field
    assert WordList(["жауап", long_word]).closest("жауапкершилигимен", 80)[0] == long_word
