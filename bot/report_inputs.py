"""What reports need from the rest of the product, gathered in the shell (reports may not
import the FAQ or the surveys): survey tags for the grant indicators, the season's regions,
the words for topic and survey codes, and the programme's own phone numbers."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core.i18n import Translator
from core.programme import load_programme, own_phones
from faq.content import topics_in
from feedback.surveys import SurveyCatalogue, load_surveys
from reports.labels import Labels


def report_inputs(programme_file: str | Path | None = None,
                  surveys: SurveyCatalogue | None = None) -> dict[str, Any]:
    """Keyword arguments for reports.indicators.build_report."""
    surveys = surveys if surveys is not None else load_surveys()
    programme = load_programme(programme_file)
    return {"tagged": surveys.tagged(),
            "regions": tuple(programme.get("eligibility", {}).get("regions") or ())}


def report_labels(translator: Translator, lang: str, surveys: SurveyCatalogue | None = None,
                  topics_dir: str | Path | None = None) -> Labels:
    """The words for codes; topic titles from the topics the bot answers from (FAQ_TOPICS_DIR)."""
    surveys = surveys if surveys is not None else load_surveys()
    extra = {"topic": {topic.id: dict(topic.title) for topic in topics_in(topics_dir)},
             "survey": {survey.id: dict(survey.title) for survey in surveys.surveys.values()},
             # Survey answers' exports show questions and choices as the applicant read them.
             "question": {f"{survey.id}:{q.id}": dict(q.text) for survey in surveys.surveys.values()
                          for q in survey.questions},
             "choice": {f"{survey.id}:{q.id}:{c.id}": dict(c.text) for survey in surveys.surveys.values()
                        for q in survey.questions for c in q.choices}}
    return Labels(translator, lang, extra)


def export_inputs(translator: Translator, lang: str, programme_file: str | Path | None = None,
                  surveys: SurveyCatalogue | None = None, topics_dir: str | Path | None = None) -> dict[str, Any]:
    """Keyword arguments for reports.exports.export: the words, and the programme's own
    phone numbers (left readable in the bot's answers)."""
    return {"labels": report_labels(translator, lang, surveys, topics_dir),
            "keep_phones": own_phones(load_programme(programme_file))}
