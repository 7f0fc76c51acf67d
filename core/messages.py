"""Channel-neutral message types: what every adapter translates to and from."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Channel(str, Enum):
    telegram = "telegram"
    whatsapp = "whatsapp"
    webchat = "webchat"
    terminal = "terminal"
    phone = "phone"


class ContentType(str, Enum):
    text = "text"
    button = "button"  # a pressed button: `payload` holds its data
    command = "command"
    contact = "contact"  # a shared phone number: `shared_phone`
    sticker = "sticker"
    photo = "photo"
    voice = "voice"
    audio = "audio"
    video = "video"
    document = "document"
    location = "location"
    other = "other"


MEDIA_TYPES = frozenset(
    {ContentType.sticker, ContentType.photo, ContentType.voice, ContentType.audio,
     ContentType.video, ContentType.document, ContentType.location, ContentType.other}
)

# Button payloads are short ASCII tokens like `menu:faq` or `faq:deadline`; Telegram's
# callback data limit (64 bytes) applies to all channels so a payload works everywhere.
PAYLOAD_PATTERN = re.compile(r"^[a-z_]+:[A-Za-z0-9_.:\-]*$")
MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES or not PAYLOAD_PATTERN.match(self.payload):
            raise ValueError(f"bad button payload {self.payload!r}")


@dataclass
class Inbound:
    channel: Channel
    user_id: str  # the channel's id of the person: Telegram user id, WhatsApp number, web chat sender
    text: str = ""
    content_type: ContentType = ContentType.text
    payload: str | None = None
    shared_phone: str | None = None
    language_hint: str | None = None  # e.g. Telegram's language_code
    display_name: str | None = None
    # Deduplication key of the delivery (Telegram update_id, Twilio MessageSid): the same
    # key arriving twice is journaled and answered once.
    event_id: str | None = None
    channel_message_id: str | None = None
    # Characters cut off because the text was longer than MAX_MESSAGE_LENGTH (0: none).
    truncated: int = 0


@dataclass(frozen=True)
class Template:
    """A pre-approved WhatsApp message (Twilio Content template) for use outside the
    24-hour session window: its ContentSid and the values of its {{1}}, {{2}} … variables."""

    content_sid: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Outbound:
    text: str
    buttons: list[Button] = field(default_factory=list)
    # Ask the user to share their phone number (Telegram's contact-request keyboard).
    request_contact: bool = False
    # WhatsApp only: send this template instead of free text (outside the 24-hour window).
    template: Template | None = None
    # What the journal keeps instead of `text`, when the text names something personal that
    # must not be stored (the day someone turns 18 gives away their birth date).
    journal_text: str | None = None


@dataclass
class Address:
    """Where proactive messages go: the stored channel and the channel's user id."""

    channel: Channel
    user_id: str


@dataclass
class Reply:
    """An outbound message already in the journal, waiting to be sent."""

    message_id: int
    contact_id: int
    address: Address
    outbound: Outbound
    lang: str


@dataclass
class SendResult:
    message_id: int
    channel_message_id: str | None
    status: str  # sent | delivered | unreachable (blocked the bot) | failed (bot/delivery/outcomes.py)
    error_code: str | None = None


@dataclass
class SendOutcome:
    """One delivery attempt, exactly as the channel answered: sent | rate_limited
    (retry_after) | forbidden (the user blocked the bot) | bad_request | window_closed
    (WhatsApp 63016) | server_error | network_error. bot/delivery/outcomes.py says what
    each means for the message."""

    kind: str
    channel_message_id: str | None = None
    retry_after: float | None = None
    error: str | None = None
