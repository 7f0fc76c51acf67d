"""What the line does next, as plain values; the channel adapter renders them as TwiML.

`action` names are the line's own webhooks (language, menu, dial, voicemail, …); the adapter
turns them into signed public URLs. `query` carries what the next request must know.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from voice.prompts import Utterance


@dataclass(frozen=True)
class Speak:
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class Ask:
    """Read `utterances` while waiting for one key; no key → the action is called without Digits."""

    utterances: tuple[Utterance, ...]
    action: str
    timeout: int
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DialTarget:
    kind: str  # number | client
    address: str


@dataclass(frozen=True)
class Dial:
    """Ring `targets` at once (one <Dial> rings every noun in it); the first to answer takes it."""

    targets: tuple[DialTarget, ...]
    action: str
    timeout: int
    caller_id: str | None
    language: str
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    utterances: tuple[Utterance, ...]
    action: str
    max_seconds: int
    finish_key: str
    transcribe: bool = True


@dataclass(frozen=True)
class Hangup:
    pass


Step = Speak | Ask | Dial | Record | Hangup
