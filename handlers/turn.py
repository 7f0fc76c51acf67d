"""What a handler gets for one inbound message, and how it answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import default_zone, local_date
from core.i18n import Translator
from core.messages import Button, Inbound, Outbound
from core.payloads import Payload
from eligibility.rules import Rules
from feedback.surveys import SurveyCatalogue
from storage.models import Consultation, Contact
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork


@dataclass
class Services:
    """Everything handlers may use; built once in bot/app.py from the configuration read at start."""

    translator: Translator
    programme: dict[str, Any]  # programme.yaml (facts for answers)
    default_language: str = "kk"
    faq: Any = None  # faq.matcher.Matcher once the FAQ is loaded
    faq_topics_dir: Path | None = None  # FAQ_TOPICS_DIR: where topics and answers come from (None: shipped)
    call_centre: Any = None  # handoff.call_centre.CallCentre: working hours, SLAs (hand-off)
    surveys: SurveyCatalogue | None = None  # surveys.yaml; none configured when not given
    # HMAC key for iin_hash; bot/app.py passes settings.secret_key in production.
    secret_key: bytes = b"dev-only-key"
    # handlers.status.LinkLimits: failed application-linking tries allowed (None: the defaults).
    link_limits: Any = None
    zone: ZoneInfo = field(default_factory=default_zone)  # settings.zone (TIMEZONE)
    rules: Rules | None = None  # the season's eligibility rules; parsed from `programme` when not given

    def __post_init__(self) -> None:
        # Parsed here once, never per wizard step.
        if self.rules is None:
            self.rules = Rules.from_config(self.programme["eligibility"])
        if self.surveys is None:
            self.surveys = SurveyCatalogue()


@dataclass
class Turn:
    inbound: Inbound
    contact: Contact
    consultation: Consultation
    uow: UnitOfWork
    services: Services
    # The engine's clock for this message (UTC): every flow reads the time from here, so a
    # conversation test can pin it.
    now: datetime = field(default_factory=utcnow)
    replies: list[Outbound] = field(default_factory=list)
    # Text the router should answer after the current handler (see handlers.router.dispatch).
    follow_up: str | None = None

    @property
    def today(self) -> date:
        """The date in the programme's zone (settings.timezone)."""
        return local_date(self.now, self.services.zone)

    @property
    def lang(self) -> str:
        return self.contact.language or self.services.default_language

    def t(self, key: str, **params: object) -> str:
        return self.services.translator.t(self.lang, key, **params)

    def button(self, key: str, payload: Payload, **params: object) -> Button:
        """A button titled by a gettext key; its payload is built by its declared type."""
        return Button(self.t(key, **params), payload.pack())

    def say(self, text: str, buttons: list[Button] | None = None, *, request_contact: bool = False,
            journal_text: str | None = None) -> None:
        self.replies.append(Outbound(text=text, buttons=list(buttons or []), request_contact=request_contact,
                                     journal_text=journal_text))

    def say_key(self, key: str, buttons: list[Button] | None = None, **params: object) -> None:
        self.say(self.t(key, **params), buttons)

    # --- per-contact state (JSON on the contact row) ---------------------------------
    @property
    def state(self) -> dict[str, Any]:
        return self.contact.state or {}

    def on_screen(self, payload: Payload) -> bool:
        """Whether the last message sent offered this button (the engine keeps the payloads
        of the buttons it sent in the state, `buttons`)."""
        packed = payload.pack()
        return any(shown == packed for _title, shown in self.state.get("buttons") or [])

    def update_state(self, **changes: Any) -> None:
        """Merge `changes` into the contact's state; None removes a key.

        A new dict is assigned because a JSON column only notices reassignment.
        """
        state = dict(self.state)
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.contact.state = state

    def set_outcome(self, outcome: str) -> None:
        self.consultation.outcome = outcome

    def add_topic(self, topic: str) -> None:
        self.uow.consultations.add_topic(self.consultation, topic)
