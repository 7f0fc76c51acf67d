"""Masking of personal data (IINs, phone numbers, names) for logs and exports.

`mask_iins` lives with the IIN rules (core.iin) and is re-exported here.
"""
from __future__ import annotations

import re

from core.iin import mask_iins

__all__ = ["mask_iins", "mask_phone", "mask_phones", "mask_name", "mask_text"]

# Phone numbers: +7 701 234 56 78, 8 (701) 234-56-78, whatsapp:+77012345678, 77012345678.
_PHONE = re.compile(r"(?<![0-9])(\+?[0-9][0-9\-\s().]{8,16}[0-9])(?![0-9])")


def mask_phone(phone: str | None) -> str:
    """+77012345678 → +7701*****78: enough to tell numbers apart, not to dial one."""
    if not phone:
        return ""
    digits = re.sub(r"[^0-9]", "", phone)
    if len(digits) < 6:
        return "*" * len(digits)
    prefix = "+" if phone.strip().lstrip("whatsap:").startswith("+") else ""
    return prefix + digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_phones(text: str) -> str:
    def replace(match: re.Match) -> str:
        digits = re.sub(r"[^0-9]", "", match.group(1))
        return mask_phone(match.group(1)) if 10 <= len(digits) <= 13 else match.group(1)

    return _PHONE.sub(replace, text)


def mask_name(name: str | None) -> str:
    """Айгерим Садыкова → А***** С*******."""
    if not name:
        return ""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)


def mask_text(text: str) -> str:
    """Free text as it may leave the system: IINs first (12 digits), then phone numbers."""
    return mask_phones(mask_iins(text or ""))
