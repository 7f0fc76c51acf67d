"""What reports need from the rest of the product, gathered in the shell (reports may not
import the FAQ or the surveys): survey tags for the grant indicators, the season's regions,
and the words for topic and survey codes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core.i18n import Translator
from core.programme import load_programme
from faq.content import shipped_topics
from feedback.surveys import SurveyCatalogue, load_surveys
from reports.labels import Labels


def report_inputs(programme_file: str | Path | None = None,
                  surveys: SurveyCatalogue | None = None) -> dict[str, Any]:
    """Keyword arguments for reports.indicators.build_report."""
    surveys = surveys if surveys is not None else load_surveys()
    programme = load_programme(programme_file)
    return {"tagged": surveys.tagged(),
            "regions": tuple(programme.get("eligibility", {}).get("regions") or ())}


def report_labels(translator: Translator, lang: str, surveys: SurveyCatalogue | None = None) -> Labels:
    surveys = surveys if surveys is not None else load_surveys()
    extra = {"topic": {topic.id: dict(topic.title) for topic in shipped_topics()},
             "survey": {survey.id: dict(survey.title) for survey in surveys.surveys.values()}}
    return Labels(translator, lang, extra)
