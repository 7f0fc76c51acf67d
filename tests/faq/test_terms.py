"""Terms number a fixed list of strings in order and find them by hash."""
import pytest
from hypothesis import given, strategies as st

from faq.terms import NOT_FOUND, Terms


def test_numbers_in_list_order_and_unknown_terms():
    terms = Terms(["w:грант", " ка", "p:докум", "ция "])
    assert len(terms) == 4
    assert terms.numbers(["p:докум", "нет", "w:грант", "ция ", " ка", ""]) == [2, NOT_FOUND, 0, 3, 1, NOT_FOUND]
    assert terms.numbers([]) == []
    assert Terms([]).numbers(["x"]) == [NOT_FOUND]


def test_a_term_listed_twice_is_refused():
    with pytest.raises(ValueError):
        Terms(["a", "b", "a"])


@given(st.lists(st.text(max_size=6), unique=True), st.lists(st.text(max_size=6)))
def test_same_answers_as_a_dictionary(known, asked):
    index = {term: number for number, term in enumerate(known)}
    assert Terms(known).numbers(asked) == [index.get(term, NOT_FOUND) for term in asked]
