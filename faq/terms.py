"""A fixed list of terms (n-grams, words) numbered in order, looked up by their hashes.

The FAQ index numbers ~23,000 features and the classifier ~18,000 n-grams. As dictionaries
of strings they held ~5 MB of small objects in every bot process; as sorted 64-bit hashes
in flat arrays they take 12 bytes a term. Python's string hash is 64 bits wide (SipHash):
the chance that a question's n-gram has the hash of a different known term is ~1e-15, and
two known terms sharing one is checked when the list is built.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Iterable, Sequence

NOT_FOUND = -1


class Terms:
    def __init__(self, terms: Iterable[str]) -> None:
        hashes = [hash(term) for term in terms]
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self._hashes = array("q", [hashes[i] for i in order])
        self._numbers = array("i", order)
        if any(a == b for a, b in zip(self._hashes, self._hashes[1:])):
            raise ValueError("two terms share a hash (or a term is listed twice)")

    def __len__(self) -> int:
        return len(self._hashes)

    def numbers(self, terms: Sequence[str]) -> list[int]:
        """Each term's number in the list, or NOT_FOUND."""
        hashes, numbers, size = self._hashes, self._numbers, len(self._hashes)
        found: list[int] = []
        for wanted in map(hash, terms):
            at = bisect_left(hashes, wanted)
            found.append(numbers[at] if at < size and hashes[at] == wanted else NOT_FOUND)
        return found
