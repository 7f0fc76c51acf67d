"""Builds IINs for tests with an independent implementation of the control digit."""
from __future__ import annotations

W1 = list(range(1, 12))
W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]


def _weighted(first11: str, weights: list[int]) -> int:
    return sum(int(d) * w for d, w in zip(first11, weights)) % 11


def control(first11: str) -> int | None:
    k = _weighted(first11, W1)
    if k == 10:
        k = _weighted(first11, W2)
    return None if k == 10 else k


def make_iin(yymmdd: str, century: int, serial: str = "0123") -> str:
    """A valid IIN; the serial is bumped until the number is issuable."""
    number = int(serial)
    while True:
        first11 = f"{yymmdd}{century}{number:04d}"
        k = control(first11)
        if k is not None:
            return first11 + str(k)
        number += 1


def find_first11(yymmdd: str, century: int, *, second_sequence: bool, unissued: bool) -> str:
    """First 11 digits whose first weighted sum is 10 and whose second one is / isn't 10."""
    for number in range(10000):
        first11 = f"{yymmdd}{century}{number:04d}"
        if _weighted(first11, W1) != 10:
            continue
        second_is_10 = _weighted(first11, W2) == 10
        if unissued and second_is_10 or second_sequence and not second_is_10:
            return first11
    raise AssertionError("no such serial")
