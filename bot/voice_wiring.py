"""Builds the phone line from settings: its menu and prompts read the FAQ's answers and the
season's facts (the same content the bot answers with) and notify's status texts."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from bot.settings import SettingsError
from core.i18n import MissingTranslation, Translator
from faq.content import ContentError, render_answer, render_fact
from faq.season import answer_facts
from handoff.call_centre import default_call_centre
from notify.texts import status_text
from storage.applications import Application
from storage.types import utcnow
from voice.config import Line, VoiceConfigError, load_voice_config, parse_operators
from voice.prompts import Prompts
from voice.service import VoiceLine

DEFAULT_PROMPTS_DIR = Path("data") / "voice-prompts"


def build_prompts(settings, translator: Translator, programme: dict[str, Any],
                  clock: Callable[[], datetime] = utcnow, call_centre=None) -> Prompts:
    call_centre = call_centre or default_call_centre()

    def facts_now() -> dict[str, Any]:
        # As the bot answers: the season's facts, today's window/draw/results sentences and
        # the call centre's hours ("open now / back at …") for this moment.
        return answer_facts(programme, clock(), call_centre, translator)

    def info_text(topic: str, lang: str) -> str:
        return render_answer(topic, lang, facts_now(), settings.faq_topics_dir)

    return Prompts(
        load_voice_config(settings.voice_path), translator, info_text=info_text,
        facts_text=lambda name, lang: render_fact(facts_now()[name], lang),
        recordings=settings.voice_prompts_dir or DEFAULT_PROMPTS_DIR,
    )


def build_line(settings) -> Line:
    return Line(number=settings.twilio_voice_number or "", operators=parse_operators(settings.voice_operators),
                ring_timeout=settings.voice_ring_timeout, dial_mode=settings.voice_dial_mode,
                recording=settings.voice_recording, confirmation=settings.voice_confirmation,
                prompts_dir=settings.voice_prompts_dir or DEFAULT_PROMPTS_DIR)


def build_voice_line(settings, db, services) -> VoiceLine:
    translator = services.translator
    try:
        clock = Clock()
        prompts = build_prompts(settings, translator, services.programme, clock, services.call_centre)
        line = build_line(settings)
        # Every prompt rendered once at start-up: an unknown FAQ topic or a missing text stops the
        # bot here, with its name, rather than in the middle of someone's call.
        list(prompts.catalogue())
    except (VoiceConfigError, ContentError, MissingTranslation) as exc:
        raise SettingsError(f"phone line — {exc}") from None

    def application_status(lang: str, application: Application) -> str:
        return status_text(translator, lang, number=application.number, status=application.status,
                           reason=application.reason, changed=False)

    voice = VoiceLine(db, config=prompts.config, line=line, prompts=prompts,
                      call_centre=services.call_centre, messenger=None, status_text=application_status,
                      default_language=settings.default_language)
    clock.line = voice  # prompts read the date from the line's clock (tests move it)
    return voice


class Clock:
    """The line's clock, once the line exists; the real time before."""

    line: VoiceLine | None = None

    def __call__(self) -> datetime:
        return self.line.clock() if self.line is not None else utcnow()
