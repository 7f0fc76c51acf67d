"""The phone line's configuration: config/voice.yaml (menu, voices) plus the line's settings.

Errors name the file (or the setting) and the problem, so a bad deployment stops at start-up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import ConfigError, config_file, load_mapping
from core.i18n import LANGUAGES

ITEM_KINDS = ("info", "status", "operator")
KEYS = set("0123456789")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_IDENTITY = re.compile(r"^[A-Za-z0-9_.\-@]{1,64}$")


class VoiceConfigError(ConfigError):
    """The voice file or a voice setting is malformed; the message names which."""


@dataclass(frozen=True)
class MenuItem:
    key: str
    id: str
    kind: str
    topics: tuple[str, ...] = ()

    @property
    def prompt(self) -> str:
        return f"menu.{self.id}"


@dataclass(frozen=True)
class Voice:
    voice: str
    language: str


@dataclass(frozen=True)
class VoiceConfig:
    languages: dict[str, str]  # key → language
    menu: tuple[MenuItem, ...]
    voices: dict[str, Voice]
    kazakh_fallback: str = "ru"
    gather_timeout: int = 6
    menu_repeats: int = 2
    voicemail_max_seconds: int = 120
    voicemail_finish_key: str = "#"

    def item(self, key: str) -> MenuItem | None:
        return next((item for item in self.menu if item.key == key), None)

    @property
    def operator_item(self) -> MenuItem | None:
        return next((item for item in self.menu if item.kind == "operator"), None)


@dataclass(frozen=True)
class OperatorTarget:
    """Where an operator on duty is rung: a phone number or a Twilio Client identity."""

    name: str
    kind: str  # number | client
    address: str

    @property
    def label(self) -> str:
        return self.address if self.kind == "number" else f"client:{self.address}"


@dataclass(frozen=True)
class Line:
    """The line's settings (environment): number, who is rung, how, and what follows."""

    number: str
    operators: tuple[OperatorTarget, ...] = ()
    ring_timeout: int = 20
    dial_mode: str = "simultaneous"  # simultaneous | sequential
    recording: bool = True
    confirmation: str = "sms"  # sms | whatsapp | off
    prompts_dir: Path | None = None  # the Kazakh recordings, <prompt>.mp3 or .wav

    def operator_named(self, name: str) -> OperatorTarget | None:
        return next((target for target in self.operators if target.name == name), None)

    def who(self, dialled: str) -> str:
        """The operator's name for a dialled number or client (`client:anna`), else the address."""
        dialled = (dialled or "").strip()
        for target in self.operators:
            if dialled in (target.address, target.label):
                return target.name
        return dialled


def parse_operators(text: str | None) -> tuple[OperatorTarget, ...]:
    """`aigerim=+77011112233, daniyar=client:daniyar, +77015556677` → targets, in ringing order.

    A target without a name is named by its address. Raises VoiceConfigError naming the entry."""
    targets: list[OperatorTarget] = []
    for raw in (text or "").replace(";", ",").split(","):
        entry = raw.strip()
        if not entry:
            continue
        name, sep, address = entry.partition("=")
        if not sep:
            name, address = "", entry
        name, address = name.strip(), address.strip()
        if address.startswith("client:"):
            identity = address.removeprefix("client:")
            if not _IDENTITY.match(identity):
                raise VoiceConfigError(f"VOICE_OPERATORS: {entry!r}: a client identity is letters, digits, _.-@")
            targets.append(OperatorTarget(name or identity, "client", identity))
        else:
            number = re.sub(r"[\s()\-]", "", address)
            if not _E164.match(number):
                raise VoiceConfigError(f"VOICE_OPERATORS: {entry!r}: expected +<country><number> or client:<identity>")
            targets.append(OperatorTarget(name or number, "number", number))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise VoiceConfigError("VOICE_OPERATORS: every operator needs a different name")
    return tuple(targets)


def _int(data: dict[str, Any], name: str, default: int, low: int, high: int, path: Path) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise VoiceConfigError(f"{path}: {name} must be a whole number from {low} to {high}")
    return value


def parse_voice_config(data: dict[str, Any], path: Path) -> VoiceConfig:
    languages: dict[str, str] = {}
    for key, lang in (data.get("languages") or {}).items():
        key = str(key)
        if key not in KEYS or lang not in LANGUAGES:
            raise VoiceConfigError(f"{path}: languages: {key!r}: {lang!r} — a key 0–9 and kk, ru or en")
        languages[key] = lang
    if not languages:
        raise VoiceConfigError(f"{path}: languages: at least one language is needed")
    menu: list[MenuItem] = []
    for number, item in enumerate(data.get("menu") or [], start=1):
        if not isinstance(item, dict):
            raise VoiceConfigError(f"{path}: menu item {number} must be a mapping")
        key, item_id, kind = str(item.get("key", "")), str(item.get("id", "")), item.get("kind")
        where = f"{path}: menu item {number} ({item_id or '?'})"
        if key not in KEYS:
            raise VoiceConfigError(f"{where}: key must be one of 0–9")
        if not re.fullmatch(r"[a-z_]{1,32}", item_id):
            raise VoiceConfigError(f"{where}: id must be lower-case letters and _")
        if kind not in ITEM_KINDS:
            raise VoiceConfigError(f"{where}: kind must be one of {', '.join(ITEM_KINDS)}")
        topics = tuple(str(t) for t in item.get("topics") or ())
        if kind == "info" and not topics:
            raise VoiceConfigError(f"{where}: an info item names the FAQ topics it reads")
        if any(existing.key == key for existing in menu):
            raise VoiceConfigError(f"{where}: key {key} is used twice")
        menu.append(MenuItem(key, item_id, kind, topics))
    if not menu:
        raise VoiceConfigError(f"{path}: menu: at least one item is needed")
    voices: dict[str, Voice] = {}
    for lang, spec in (data.get("voices") or {}).items():
        if lang not in ("ru", "en") or not isinstance(spec, dict) or not spec.get("voice") or not spec.get("language"):
            raise VoiceConfigError(f"{path}: voices.{lang}: needs voice and language (ru and en only)")
        voices[lang] = Voice(str(spec["voice"]), str(spec["language"]))
    for lang in ("ru", "en"):
        if lang in languages.values() or lang == data.get("kazakh_fallback", "ru"):
            if lang not in voices:
                raise VoiceConfigError(f"{path}: voices.{lang} is missing")
    fallback = data.get("kazakh_fallback", "ru")
    if fallback not in voices:
        raise VoiceConfigError(f"{path}: kazakh_fallback must be a language with a voice (ru or en)")
    finish = str(data.get("voicemail_finish_key", "#"))
    if finish not in KEYS | {"#", "*"}:
        raise VoiceConfigError(f"{path}: voicemail_finish_key must be a key: 0–9, # or *")
    return VoiceConfig(
        languages=languages, menu=tuple(menu), voices=voices, kazakh_fallback=fallback,
        gather_timeout=_int(data, "gather_timeout_seconds", 6, 1, 60, path),
        menu_repeats=_int(data, "menu_repeats", 2, 0, 5, path),
        voicemail_max_seconds=_int(data, "voicemail_max_seconds", 120, 10, 3600, path),
        voicemail_finish_key=finish,
    )


def load_voice_config(path: str | Path | None = None) -> VoiceConfig:
    """voice.yaml (the shipped one by default) read and checked."""
    path = Path(path) if path else config_file("voice.yaml")
    return parse_voice_config(load_mapping(path, error=VoiceConfigError), path)
