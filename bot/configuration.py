"""Every configuration file, read once at start-up and checked before the bot serves anyone.

Paths come from the settings (`CONFIG_DIR`, each `*_FILE`, else the defaults shipped with the
package); every problem is a `core.config.ConfigError` naming the file and line, which
`zhasbot` prints as one line and exits with status 2. bot/app.py hands the result on:
handlers get theirs through `Services`, the console, sender and scheduler through the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings
from core.config import ConfigError, error_at, load_mapping
from core.programme import load_programme
from eligibility.rules import Rules, rules_from_programme
from feedback.surveys import SurveyCatalogue, load_surveys
from handoff.call_centre import CallCentre, load_call_centre
from notify.reminders import RemindersConfig, load_reminders
from reports.indicators import PlanRow, load_plan


@dataclass(frozen=True)
class Configuration:
    programme: dict[str, Any]  # programme.yaml: `facts` for answers, `eligibility` (parsed into rules)
    rules: Rules  # the season's eligibility rules, parsed once
    call_centre: CallCentre
    surveys: SurveyCatalogue
    reminders: RemindersConfig
    whatsapp_templates: dict[str, dict[str, str]]  # template key → {language: ContentSid}
    report_plan: list[PlanRow]


def load_templates(path: Path | None) -> dict[str, dict[str, str]]:
    """whatsapp_templates.yaml: template key → {language: ContentSid}; no file means none."""
    if path is None or not path.exists():
        return {}
    data = load_mapping(path)
    templates = {}
    for key, value in data.items():
        if value is not None and not isinstance(value, dict):
            raise error_at(path, data, key, f"{key}: expected language: ContentSid lines")
        templates[str(key)] = {str(lang): str(sid) for lang, sid in (value or {}).items() if sid}
    return templates


def load_configuration(settings: Settings) -> Configuration:
    """Read and check every configuration file once; ConfigError names the first problem."""
    programme = load_programme(settings.programme_path)
    return Configuration(
        programme=programme,
        rules=rules_from_programme(programme, settings.programme_path),
        call_centre=load_call_centre(settings.call_centre_path, settings.timezone),
        surveys=load_surveys(settings.surveys_path, settings.zone),
        reminders=load_reminders(settings.reminders_path, programme=programme),
        whatsapp_templates=load_templates(settings.whatsapp_templates_path),
        report_plan=load_plan(settings.report_path),
    )


__all__ = ["ConfigError", "Configuration", "load_configuration", "load_templates"]
