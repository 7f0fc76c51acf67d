"""What the caller hears: every prompt per language, spoken or played.

Russian and English prompts are text for Twilio's <Say>. Kazakh prompts are recordings the
deployment provides (`<prompt>.mp3` or `.wav` in the prompts folder) for <Play>; a Kazakh
prompt without a recording — and every prompt whose words change per call (a ticket number,
an application's status) — is spoken in the fallback language (Russian) instead: never silence.

Words come from gettext (`locales/*/LC_MESSAGES/voice.po`, keys `voice.<prompt>`); information
items are the FAQ's answers filled with the season's facts, passed in as `info_text`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from core.i18n import Translator
from voice.config import Voice, VoiceConfig

RECORDING_SUFFIXES = (".mp3", ".wav")
LANGUAGE_NAMES = {"kk": "қазақша", "ru": "русский", "en": "English"}
# Prompts whose words are fixed for the season: the ones a Kazakh recording can exist for.
FIXED_PROMPTS = ("greeting", "menu.intro", "menu.repeat", "invalid", "no_input", "connecting",
                 "closed", "busy", "voicemail", "voicemail_thanks", "status.none", "goodbye")
# Emoji, pictographs and dingbats read badly (or as their names) by text-to-speech.
_UNSPEAKABLE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D\u2022\u25AA-\u25FF]")

InfoText = Callable[[str, str], str]  # (FAQ topic id, language) → the answer with facts filled


def speakable(text: str) -> str:
    """Text as a voice should read it: no emoji or bullets, lines as sentences."""
    text = _UNSPEAKABLE.sub("", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    sentences = []
    for line in lines:
        if not line:
            continue
        sentences.append(line if line[-1] in ".!?:;," else line + ".")
    return " ".join(sentences)


@dataclass(frozen=True)
class Utterance:
    """One prompt as the caller hears it: a recording (`audio`, a file name) or `text` to say."""

    prompt: str
    lang: str  # the language actually heard
    text: str
    voice: Voice | None = None
    audio: str | None = None


@dataclass(frozen=True)
class PromptEntry:
    """One line of `zhasbot voice validate`."""

    prompt: str
    lang: str
    text: str
    recording: str | None  # kk: the file found, else None
    fixed: bool  # a recording can exist for it

    @property
    def missing_recording(self) -> bool:
        return self.lang == "kk" and self.fixed and self.recording is None


class Prompts:
    def __init__(self, config: VoiceConfig, translator: Translator, *, info_text: InfoText,
                 facts_text: Callable[[str, str], str], recordings: Path | None = None):
        self.config = config
        self.translator = translator
        self.info_text = info_text
        self.facts_text = facts_text  # (fact name, language) → the fact as text
        self.recordings = recordings

    # --- words -------------------------------------------------------------------------
    def text(self, prompt: str, lang: str, **params: object) -> str:
        """The words of `prompt` in `lang` (config and season values filled, call values from params)."""
        if prompt.startswith("info."):
            item = next(i for i in self.config.menu if i.prompt == "menu." + prompt.removeprefix("info."))
            return speakable(" ".join(self.info_text(topic, lang) for topic in item.topics))
        values: dict[str, object] = {}
        if prompt.startswith("language."):
            target = prompt.removeprefix("language.")
            values["digit"] = next(k for k, language in self.config.languages.items() if language == target)
        if prompt.startswith("menu.") and prompt not in ("menu.intro", "menu.repeat"):
            item = next(i for i in self.config.menu if i.prompt == prompt)
            values["digit"] = item.key
        if prompt == "closed":
            values["working_hours"] = self.facts_text("working_hours", lang)
        if prompt == "status.none":
            operator = self.config.operator_item
            values["operator_key"] = operator.key if operator else ""
            prompt = "status.none" if operator else "status.none_no_operator"
        values.update(params)
        return speakable(self.translator.t(lang, f"voice.{prompt}", **values))

    def recording(self, prompt: str) -> str | None:
        """The Kazakh recording's file name for `prompt`, if the deployment provided one."""
        if self.recordings is None:
            return None
        for suffix in RECORDING_SUFFIXES:
            if (self.recordings / f"{prompt}{suffix}").is_file():
                return f"{prompt}{suffix}"
        return None

    def is_fixed(self, prompt: str) -> bool:
        return (prompt in FIXED_PROMPTS or prompt.startswith(("language.", "info."))
                or (prompt.startswith("menu.") and any(i.prompt == prompt for i in self.config.menu)))

    # --- what is heard -----------------------------------------------------------------
    def utter(self, prompt: str, lang: str, **params: object) -> Utterance:
        """`prompt` in `lang`; Kazakh is played from its recording or spoken in the fallback."""
        if lang == "kk":
            audio = self.recording(prompt) if self.is_fixed(prompt) and not params else None
            if audio is not None:
                return Utterance(prompt, "kk", self.text(prompt, "kk"), audio=audio)
            lang = self.config.kazakh_fallback
        return Utterance(prompt, lang, self.text(prompt, lang, **params), voice=self.config.voices[lang])

    def spoken(self, text: str, lang: str, prompt: str) -> Utterance:
        """Words made for this call (a status): spoken, in the fallback language for Kazakh."""
        if lang == "kk":
            lang = self.config.kazakh_fallback
        return Utterance(prompt, lang, speakable(text), voice=self.config.voices[lang])

    # --- the catalogue -----------------------------------------------------------------
    def prompt_names(self) -> list[str]:
        names = ["greeting"] + [f"language.{lang}" for lang in self.config.languages.values()]
        names += ["menu.intro"] + [item.prompt for item in self.config.menu] + ["menu.repeat"]
        names += [f"info.{item.id}" for item in self.config.menu if item.kind == "info"]
        names += [p for p in FIXED_PROMPTS if p not in names]
        return names

    def catalogue(self) -> Iterator[PromptEntry]:
        """Every prompt in every language the line offers, with the Kazakh recordings found."""
        for lang in self.config.languages.values():
            for prompt in self.prompt_names():
                if prompt.startswith("language.") and prompt != f"language.{lang}":
                    continue  # each language's option is heard in that language only
                yield PromptEntry(prompt, lang, self.text(prompt, lang),
                                  self.recording(prompt) if lang == "kk" else None, self.is_fixed(prompt))
