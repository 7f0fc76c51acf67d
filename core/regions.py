"""The programme's regions as managers and call-centre staff write them in a spreadsheet.

The codes the season runs in are `eligibility.regions` in config/programme.yaml; a call
whose region nobody learned is `unknown` (stored as no region).
"""
from __future__ import annotations

from typing import Any, Mapping

from core.spreadsheet import fold

UNKNOWN = "unknown"

ALIASES = {
    "almaty": ("almaty", "алматы", "г алматы", "город алматы", "алматы қаласы", "алматы қ"),
    "mangystau": ("mangystau", "mangistau", "мангистау", "мангистауская область", "мангистауская обл",
                  "маңғыстау", "маңғыстау облысы", "актау", "ақтау"),
    UNKNOWN: ("unknown", "не известно", "неизвестно", "не указан", "не указано", "нет данных", "белгісіз"),
}
_TO_CODE = {alias: code for code, aliases in ALIASES.items() for alias in aliases}


def region_code(text: Any) -> str | None:
    """"г. Алматы", "Мангистауская обл." → their codes; None for a name nobody listed."""
    return _TO_CODE.get(fold(text))


def programme_regions(programme: Mapping[str, Any]) -> tuple[str, ...]:
    """The season's regions (programme.yaml `eligibility.regions`)."""
    return tuple((programme.get("eligibility") or {}).get("regions") or ())
