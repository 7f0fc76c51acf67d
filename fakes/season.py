"""A season whose dates the programme has confirmed, for tests and stories that speak in the
tense of those dates.

The shipped config/programme.yaml holds the season's dates as settings the programme has not
confirmed (`calendar.confirmed: false`): users are then told no date. Conversations about the
window, the draw or the verdict's next steps need a deployment that has confirmed them.
"""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

_UNCONFIRMED = "\n  confirmed: false\n"


def confirmed_programme() -> dict[str, Any]:
    """The shipped programme with `calendar.confirmed: true`."""
    from core.programme import load_programme

    programme = load_programme()
    return {**programme, "calendar": {**(programme.get("calendar") or {}), "confirmed": True}}


def write_confirmed_programme(directory: str | Path) -> Path:
    """The shipped programme.yaml with its season confirmed, written into `directory`."""
    from core.programme import default_programme_file

    text = default_programme_file().read_text(encoding="utf-8")
    if _UNCONFIRMED not in text:
        raise AssertionError("config/programme.yaml: expected `calendar:` to hold `  confirmed: false`")
    path = Path(directory) / "programme.yaml"
    path.write_text(text.replace(_UNCONFIRMED, "\n  confirmed: true\n", 1), encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def confirmed_programme_file() -> Path:
    """One such file for the whole test process (for settings' PROGRAMME_FILE)."""
    return write_confirmed_programme(tempfile.mkdtemp(prefix="zhasbot-season-"))
