"""Kazakhstan IIN (individual identification number): parsing, finding, masking, hashing.

An IIN is 12 digits: YYMMDD, a century/sex digit, four serial digits and a control digit.
Only ASCII digits count: `[0-9]` is matched explicitly because `str.isdigit()` and `\\d`
also accept Arabic-Indic, full-width and other Unicode digits.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "IinError",
    "IinInfo",
    "REASONS",
    "age_band",
    "control_digit",
    "find_iins",
    "iin_hash",
    "mask_iins",
    "parse_iin",
]

REASONS = frozenset({"format", "length", "date", "century", "checksum", "unissued"})

_WEIGHTS_FIRST = tuple(range(1, 12))
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# 7th digit → first year of the century; odd digits are male, even female.
_CENTURY_START = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}

_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_IIN = re.compile(r"[0-9]{12}")
# Twelve ASCII digits, optionally split by single spaces or dashes ("990101 300 123"),
# not glued to further digits on either side (so longer numbers are left alone).
_CANDIDATE = re.compile(r"(?<![0-9])(?<![0-9][ -])[0-9](?:[ -]?[0-9]){11}(?![ -]?[0-9])")


class IinError(ValueError):
    """The text is not a valid IIN; `.reason` is one of `REASONS`."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class IinInfo:
    iin: str
    birth_date: date
    sex: str  # "male" | "female"
    century_digit: int

    @property
    def century(self) -> int:
        """First year of the birth century: 1800, 1900 or 2000."""
        return _CENTURY_START[self.century_digit]


def control_digit(first11: str) -> int | None:
    """The control digit for 11 ASCII digits, or None when no IIN is issued with them."""
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        value = sum(d * w for d, w in zip(digits, weights)) % 11
        if value != 10:
            return value
    return None


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", text)


def parse_iin(text: str) -> IinInfo:
    """Parse an IIN typed by a person (spaces and dashes are ignored).

    Raises IinError with reason "format", "length", "century", "date", "unissued"
    or "checksum", checked in that order.
    """
    iin = _normalise(text or "")
    if not _ASCII_DIGITS.fullmatch(iin):
        raise IinError("format", "an IIN consists of ASCII digits 0-9 only")
    if not _IIN.fullmatch(iin):
        raise IinError("length", f"an IIN has 12 digits, got {len(iin)}")
    century_digit = int(iin[6])
    if century_digit not in _CENTURY_START:
        raise IinError("century", f"7th digit must be 1-6, got {century_digit}")
    year = _CENTURY_START[century_digit] + int(iin[0:2])
    try:
        birth_date = date(year, int(iin[2:4]), int(iin[4:6]))
    except ValueError as exc:
        raise IinError("date", f"digits 1-6 are not a real date: {exc}") from None
    expected = control_digit(iin[:11])
    if expected is None:
        raise IinError("unissued", "both weight sequences give 10: no such IIN is issued")
    if expected != int(iin[11]):
        raise IinError("checksum", "control digit does not match")
    return IinInfo(
        iin=iin,
        birth_date=birth_date,
        sex="male" if century_digit % 2 else "female",
        century_digit=century_digit,
    )


def find_iins(text: str) -> list[str]:
    """Valid IINs in free text (normalised to 12 digits), in order of appearance."""
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        try:
            found.append(parse_iin(match.group()).iin)
        except IinError:
            continue
    return found


def mask_iins(text: str) -> str:
    """Mask every 12-digit number in any common form that could be an IIN, keeping the last
    2 digits. Deliberately generous: the checksum and the 7th digit are not checked, only
    that the first six digits could be a YYMMDD date. One implementation: core.privacy's."""
    from core.privacy import mask_iins as mask

    return mask(text)


# scrypt, keyed: N=2**14, r=8, p=1 costs 16 MiB and ~50 ms of one core per IIN. A plain
# HMAC beside a birth year and sex fell to enumerating ~3.65 million candidates in seconds;
# this one cannot be tried at all without the SECRET_KEY (the salt comes from it), and with
# it each guess costs 50 ms and 16 MiB: the ~25 million IINs of one age band and sex (all
# that is stored beside the hash) take some 350 CPU-hours. Changing these parameters makes
# old hashes stop matching, like changing the key.
IIN_SCRYPT_N, IIN_SCRYPT_R, IIN_SCRYPT_P = 2 ** 14, 8, 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def iin_hash(iin: str, key: bytes) -> str:
    """Keyed, deliberately slow hash (scrypt) of the normalised IIN, as 64 hex digits: finds
    repeated applicants without storing the IIN or anything that can be reversed cheaply."""
    if not key:
        raise ValueError("iin_hash needs a non-empty secret key")
    normalised = _normalise(iin)
    salt = hmac.new(key, b"zhasbot/iin-hash/v2", hashlib.sha256).digest()
    return hashlib.scrypt(normalised.encode("utf-8"), salt=salt, n=IIN_SCRYPT_N, r=IIN_SCRYPT_R,
                          p=IIN_SCRYPT_P, maxmem=_SCRYPT_MAXMEM, dklen=32).hex()


def age_band(age: int) -> str:
    """The grant operator's age band for statistics (report form, l. 820–848):
    13-16, 17-22, 23-27, 28-32, 33-45, 46-58, 59+ (under-13 below the form)."""
    for band, upper in (("under-13", 12), ("13-16", 16), ("17-22", 22), ("23-27", 27), ("28-32", 32),
                        ("33-45", 45), ("46-58", 58)):
        if age <= upper:
            return band
    return "59+"