"""The programme configuration file (config/programme.yaml): season facts and rules.

Each consumer parses the section it owns (`faq` reads `facts`, `eligibility` reads
`eligibility`); this module only finds and reads the file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_PROGRAMME_FILE = Path(__file__).resolve().parents[1] / "config" / "programme.yaml"


class ProgrammeConfigError(ValueError):
    """The programme file is missing or malformed; the message names file and problem."""


def load_programme(path: str | Path | None = None) -> dict[str, Any]:
    path = Path(path) if path else DEFAULT_PROGRAMME_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProgrammeConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ProgrammeConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProgrammeConfigError(f"{path}: expected a mapping at the top level")
    data.setdefault("facts", {})
    data.setdefault("eligibility", {})
    return data
