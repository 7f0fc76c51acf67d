"""The programme configuration file (programme.yaml): season facts and rules.

Each consumer parses the section it owns (`faq` reads `facts`, `eligibility` reads
`eligibility`); this module only reads the file (through core.config).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core.config import ConfigError, config_file, error_at, load_mapping


class ProgrammeConfigError(ConfigError):
    """The programme file is missing or malformed; the message names file, line and problem."""


def default_programme_file() -> Path:
    return config_file("programme.yaml")


def load_programme(path: str | Path | None = None) -> dict[str, Any]:
    """programme.yaml as a mapping with `facts` and `eligibility` (the shipped file by default)."""
    path = Path(path) if path else default_programme_file()
    data = load_mapping(path, error=ProgrammeConfigError)
    for section in ("facts", "eligibility"):
        if data.get(section) is None:
            data[section] = {}
        elif not isinstance(data[section], dict):
            raise error_at(path, data, section, f"{section}: expected a mapping", ProgrammeConfigError)
    return data
