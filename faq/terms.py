"""A fixed list of terms (n-grams, words) numbered in order, looked up by their hashes.

The FAQ index numbers ~23,000 features and the classifier ~18,000 n-grams. As dictionaries
of strings they held ~5 MB of small objects in every bot process; as sorted 64-bit hashes
they take 8 bytes a term. Python's string hash is 64 bits wide (SipHash): the chance that
a question's n-gram has the hash of a different known term is ~1e-15, and two known terms
sharing one is checked when the list is built.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

NOT_FOUND = -1


class Terms:
    def __init__(self, terms: Iterable[str]) -> None:
        hashes = np.fromiter(map(hash, terms), dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._numbers = order.astype(np.int32)
        if len(self._hashes) > 1 and not np.all(self._hashes[1:] != self._hashes[:-1]):
            raise ValueError("two terms share a hash (or a term is listed twice)")

    def __len__(self) -> int:
        return len(self._hashes)

    def numbers(self, terms: Sequence[str]) -> list[int]:
        """Each term's number in the list, or NOT_FOUND."""
        if not terms or not len(self._hashes):
            return [NOT_FOUND] * len(terms)
        wanted = np.fromiter(map(hash, terms), dtype=np.int64, count=len(terms))
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        return np.where(self._hashes[at] == wanted, self._numbers[at], NOT_FOUND).tolist()
