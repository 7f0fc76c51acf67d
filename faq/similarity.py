"""How alike two strings are, for snapping typos to the known words.

The measure is rapidfuzz's `fuzz.ratio` (normalised Indel similarity: twice the longest
common subsequence over the two lengths, 0–100), and `WordList.closest` is its
`process.extractOne` (the first choice with the highest ratio at or above the cutoff);
tests/faq/test_similarity.py checks both against rapidfuzz. rapidfuzz itself costs a
process 2.7 MB (its package imports all its C++ scorers): the matcher, in every bot
process, snaps typos with this module; only the managers' report of unanswered questions
(faq/misses.py) imports rapidfuzz, when it is asked for.

The common subsequence is counted bit-parallel (Hyyrö 2004): one bit per letter of one
string, a few integer operations per letter of the other. `WordList` lays a few hundred
words side by side in one integer, so a typo is compared with all of them in one pass
(~17 µs, as fast as rapidfuzz called from Python).
"""
from __future__ import annotations

from typing import Sequence


def _score(common: int, total: int) -> float:
    # As rapidfuzz rounds it: 100 × (1 − the Indel distance / the lengths' sum).
    if not total:
        return 100.0  # two empty strings
    return (1.0 - (total - 2 * common) / total) * 100


def _letter_masks(text: str, at: int = 0, masks: dict[str, int] | None = None) -> dict[str, int]:
    # Bit at+i of a letter's mask is set where `text` has that letter at position i.
    masks = {} if masks is None else masks
    for i, letter in enumerate(text):
        masks[letter] = masks.get(letter, 0) | (1 << (at + i))
    return masks


def _unmatched(masks: dict[str, int], letters: int, other: str) -> int:
    """The bit-parallel pass: `letters` has a bit for each letter of the masked text(s);
    the bits left set are the letters no common subsequence with `other` uses. Each run of
    bits (one text) is followed by a clear bit, which stops a carry out of it."""
    v = letters
    get = masks.get
    for letter in other:
        m = get(letter)
        if m is not None:
            u = v & m
            v = ((v + u) | (v - u)) & letters
    return v


def ratio(a: str, b: str) -> float:
    common = len(a) - _unmatched(_letter_masks(a), (1 << len(a)) - 1, b).bit_count()
    return _score(common, len(a) + len(b))


class WordList:
    """Words to find the closest of, all compared at once.

    Each word shorter than FIELD letters gets a 16-bit field of one integer (its letters,
    then clear bits); the words are laid out by length, so that after the pass the fields'
    bit counts (summed in all fields at once, "SWAR") give every word's common subsequence
    and each length's best is one `max` over bytes. Longer words, rare, are compared one by one.
    """

    FIELD = 16

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        short = sorted((len(word), index) for index, word in enumerate(self.words) if len(word) < self.FIELD)
        self._long = [index for index, word in enumerate(self.words) if len(word) >= self.FIELD]
        self._slots = [index for _, index in short]  # slot → the word's index in `words`
        self._lengths: list[tuple[int, int, int]] = []  # (length, first slot, end slot)
        for slot, (length, _) in enumerate(short):
            if self._lengths and self._lengths[-1][0] == length:
                self._lengths[-1] = (length, self._lengths[-1][1], slot + 1)
            else:
                self._lengths.append((length, slot, slot + 1))
        self._masks: dict[str, int] = {}
        self._letters = 0
        for slot, index in enumerate(self._slots):
            word = self.words[index]
            _letter_masks(word, slot * self.FIELD, self._masks)
            self._letters |= ((1 << len(word)) - 1) << (slot * self.FIELD)
        size = 2 * len(self._slots)  # bytes
        self._pairs, self._nibbles, self._halves, self._low_bytes = (
            int.from_bytes(pattern * (size // len(pattern)), "little")
            for pattern in (b"\x55", b"\x33", b"\x0f", b"\xff\x00"))

    def closest(self, query: str, cutoff: float) -> tuple[str, float, int] | None:
        """(word, ratio, index) of the first word most like `query` with a ratio of at least
        `cutoff`, or None: what rapidfuzz's `process.extractOne(query, words,
        scorer=fuzz.ratio, score_cutoff=cutoff)` gives."""
        best: tuple[float, int] | None = None  # (ratio, index)

        def consider(score: float, index: int) -> None:
            nonlocal best
            if score >= cutoff and (best is None or score > best[0] or (score == best[0] and index < best[1])):
                best = (score, index)

        if self._slots:
            common = self._common_lengths(query)
            for length, start, end in self._lengths:
                total = len(query) + length
                if _score(min(len(query), length), total) < cutoff:
                    continue  # too short or too long to reach the cutoff
                most = max(common[start:end])
                consider(_score(most, total), self._slots[common.index(most, start, end)])
        for index in self._long:
            consider(ratio(query, self.words[index]), index)
        return None if best is None else (self.words[best[1]], best[0], best[1])

    def _common_lengths(self, query: str) -> bytes:
        # Per slot, the common subsequence's length: the set bits of `matched` in its field.
        matched = ~_unmatched(self._masks, self._letters, query) & self._letters
        counts = (matched & self._pairs) + ((matched >> 1) & self._pairs)
        counts = (counts & self._nibbles) + ((counts >> 2) & self._nibbles)
        counts = (counts & self._halves) + ((counts >> 4) & self._halves)
        counts = (counts & self._low_bytes) + ((counts >> 8) & self._low_bytes)
        return counts.to_bytes(2 * len(self._slots), "little")[0::2]
