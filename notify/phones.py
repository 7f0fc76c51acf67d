"""Kazakhstan phone numbers in one shape: +7XXXXXXXXXX."""
from __future__ import annotations

import re

_ALLOWED = re.compile(r"^[\d\s()+\-.]+$")


def normalise_phone(text: object) -> str | None:
    """"8 701 123 45 67", "+7 (701) 123-45-67", "7011234567" → "+77011234567"; None if not a
    Kazakhstan number (+7 6xx/7xx, ten digits after the country code)."""
    if text is None:
        return None
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = str(text).strip()
    if not raw or not _ALLOWED.match(raw) or raw.count("+") > 1 or ("+" in raw and not raw.startswith("+")):
        return None
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 10 and not raw.startswith("+"):
        digits = "7" + digits
    elif len(digits) == 11 and digits[0] == "8" and not raw.startswith("+"):
        digits = "7" + digits[1:]
    if len(digits) != 11 or digits[0] != "7" or digits[1] not in "67":
        return None
    return "+" + digits
