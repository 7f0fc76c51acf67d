"""Typed settings from the environment and `.env` (see `.env.example` for each one)."""
from __future__ import annotations

import re
from enum import Enum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.clock import DEFAULT_TIMEZONE
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.config import config_file


# Example keys that were ever published with the code: never accepted.
KNOWN_SECRET_KEYS = frozenset({"change-me-in-production", "change-me", "changeme", "secret", "dev-only-key"})
MIN_SECRET_KEY_LENGTH = 32


class TelegramMode(str, Enum):
    polling = "polling"
    webhook = "webhook"


class SettingsError(Exception):
    """A setting is invalid; the message names it. Raised instead of a traceback."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/zhasbot.db"
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    public_base_url: AnyHttpUrl | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_api_server: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    telegram_mode: TelegramMode = TelegramMode.polling
    telegram_webhook_secret: SecretStr | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_base: AnyHttpUrl | None = None
    # Phone line (Twilio Voice, bot/channels/voice.py): on with the account, the token and this number.
    twilio_voice_number: str | None = None
    # Operators on duty, rung in this order: name=+77011234567 or name=client:identity, comma-separated.
    voice_operators: str | None = None
    voice_ring_timeout: int = Field(20, ge=5, le=120)
    voice_dial_mode: Literal["simultaneous", "sequential"] = "simultaneous"
    voice_recording: bool = True
    voice_confirmation: Literal["sms", "whatsapp", "off"] = "sms"
    voice_file: Path | None = None
    voice_prompts_dir: Path | None = None

    timezone: str = DEFAULT_TIMEZONE
    default_language: str = "kk"
    consultation_idle_minutes: int = Field(30, ge=1)
    # A deployment's own configuration directory: a file there (programme.yaml, report.yaml, …)
    # replaces the default of the same name shipped with the package (the checkout's config/).
    config_dir: Path | None = None
    # Each file can also be pointed at on its own; these win over CONFIG_DIR.
    programme_file: Path | None = None
    # Twilio Content templates for WhatsApp outside the 24-hour window (whatsapp_templates.yaml).
    whatsapp_templates_file: Path | None = None
    # Working hours, holidays, SLAs, canned answers of the call centre (call_centre.yaml).
    call_centre_file: Path | None = None
    report_file: Path | None = None  # the report's plan values (report.yaml)
    surveys_file: Path | None = None  # stage surveys (surveys.yaml)
    # FAQ topics (faq/topics by default); the console's "add to examples" edits these files.
    faq_topics_dir: Path | None = None
    # Notifications and reminders (notify/, bot/delivery/): the outbox sender's limits and the scheduler.
    notifications_enabled: bool = True
    telegram_notify_rate: float = Field(30.0, gt=0, le=1000)
    notify_per_chat_interval: float = Field(1.0, ge=0)
    twilio_rate_per_second: float = Field(10.0, gt=0)
    outbox_max_attempts: int = Field(6, ge=1)
    outbox_retry_base_seconds: float = Field(2.0, gt=0)  # 5xx/network: base·2^(attempt-1), ±20 %
    # The issue asks for "at most once": an unconfirmed send is failed and shown, not repeated.
    outbox_ambiguous_policy: Literal["resend", "fail"] = "fail"
    outbox_poll_seconds: float = Field(1.0, gt=0)
    # Local append-only log of confirmed sends, read after a crash (bot/delivery/sender.py).
    outbox_sent_log: Path | None = None
    reminders_enabled: bool = True
    reminders_file: Path | None = None
    scheduler_jobstore_url: str | None = None
    # Keys the slow hash of IINs (duplicate detection); change it and old hashes stop matching.
    # Empty: `zhasbot run` generates one into the data directory (bot/secret_key.py).
    secret_key: SecretStr | None = None
    # Web chat: what one sender / one IP may do (the `limits` notation, e.g. "20/minute").
    # Beyond it a message gets a polite "slow down" text, the other endpoints a 429.
    webchat_messages_per_sender: str = "20/minute"
    webchat_messages_per_ip: str = "120/minute"
    webchat_sessions_per_ip: str = "30/hour"
    webchat_polls_per_sender: str = "120/minute"
    # Linking an application (number + phone): failed tries allowed per application number
    # and per phone across all senders and channels, and per contact, within the window.
    status_link_failures_per_number: int = Field(5, ge=1)
    status_link_failures_per_phone: int = Field(5, ge=1)
    status_link_failures_per_contact: int = Field(3, ge=1)
    status_link_window_minutes: int = Field(60, ge=1)
    # Several workers: Telegram's 30/s and 1/s-per-chat limits counted in Redis by all of them
    # (redis://127.0.0.1:6379/0). Unset: the one leader process counts alone.
    redis_url: str | None = None
    redis_key_prefix: str = "zhasbot"
    # How often a worker that is not the leader tries the leader lock: a killed leader's
    # duties (outbox, reminders) move to another worker within about this time.
    leader_check_seconds: float = Field(5.0, gt=0, le=60)
    # Several workers on PostgreSQL: a long poll is woken by LISTEN/NOTIFY, and re-reads the
    # database this often in case a notification was lost (bot/wakeups.py).
    wakeup_fallback_seconds: float = Field(5.0, gt=0, le=60)
    log_level: str = "INFO"
    # json: one JSON object per log line (for a log shipper); text: human-readable lines.
    log_format: Literal["text", "json"] = "text"
    # When set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None

    @field_validator("webchat_messages_per_sender", "webchat_messages_per_ip", "webchat_sessions_per_ip",
                     "webchat_polls_per_sender")
    @classmethod
    def _rate(cls, value: str) -> str:
        from bot.channels.webchat_sessions import parse_rate

        try:
            parse_rate(value)
        except ValueError as exc:
            raise ValueError(f"must look like 20/minute or 30/hour ({exc})") from None
        return value

    @field_validator("config_dir")
    @classmethod
    def _config_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    # --- security and privacy (issue 14; README "Security and privacy") ---------------
    # Secure flag on console cookies. Empty: on when PUBLIC_BASE_URL is https. Set it to
    # true behind a TLS-terminating proxy whatever PUBLIC_BASE_URL says.
    cookie_secure: bool | None = None
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated IPs
    # or networks). Empty: the headers are ignored and the peer address is the client's.
    trusted_proxies: str = ""
    # Longer inbound texts are journaled cut to this many characters, with a note.
    max_message_length: int = Field(4096, ge=64, le=1_000_000)
    # Messages older than this many days are anonymised in the background. Empty/0: kept.
    retention_days: int | None = Field(None, ge=0)
    # Console logins: after LOGIN_FREE_FAILURES failures each further one doubles a delay
    # (up to LOGIN_MAX_DELAY_SECONDS); LOGIN_LOCK_FAILURES failures lock the account or the
    # address for LOGIN_LOCK_MINUTES.
    login_free_failures: int = Field(3, ge=1)
    login_max_delay_seconds: float = Field(30.0, ge=0)
    login_lock_failures: int = Field(10, ge=2)
    login_address_lock_failures: int = Field(30, ge=2)
    login_lock_minutes: float = Field(15.0, gt=0)
    # API tokens expire this many days after they were issued.
    api_token_days: int = Field(90, ge=1, le=3650)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        head, sep, tail = value.get_secret_value().partition(":")
        if not (sep and head.isdigit() and tail):
            raise ValueError("must look like 123456:ABC… (digits, a colon, then the secret)")
        return value

    @field_validator("twilio_account_sid", "twilio_whatsapp_from", "twilio_voice_number", "voice_operators")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        key = value.get_secret_value()
        if key.lower() in KNOWN_SECRET_KEYS:
            raise ValueError("is a published example value: set a random one (python -c 'import secrets; "
                             "print(secrets.token_urlsafe(48))') or leave it empty to have one generated")
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"is too short ({len(key)} characters): use at least {MIN_SECRET_KEY_LENGTH} "
                             "random characters, or leave it empty to have one generated")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part!r} is not an IP address or network") from exc
        return value

    # `cp .env.example .env` must start: an empty line there means "not set".
    @field_validator("public_base_url", "twilio_api_base", "programme_file", "whatsapp_templates_file",
                     "call_centre_file", "report_file", "surveys_file", "voice_file", "voice_prompts_dir",
                     "outbox_sent_log", "reminders_file", "scheduler_jobstore_url", "retention_days",
                     "cookie_secure", "secret_key", "faq_topics_dir", "config_dir", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        return value or None

    @field_validator("twilio_auth_token", "telegram_webhook_secret", "metrics_token")
    @classmethod
    def _empty_secret_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            raise ValueError("use postgresql+asyncpg://… (a bare postgresql:// means psycopg)")
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("kk", "ru", "en"):
            raise ValueError("must be kk, ru or en")
        return value

    @model_validator(mode="after")
    def _webhook_needs(self) -> "Settings":
        if self.telegram_enabled and self.telegram_mode == TelegramMode.webhook:
            if self.telegram_webhook_secret is None:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook")
            if self.public_base_url is None:
                raise ValueError("PUBLIC_BASE_URL is required when TELEGRAM_MODE=webhook")
        if self.whatsapp_enabled and self.public_base_url is None:
            raise ValueError("PUBLIC_BASE_URL is required for WhatsApp (Twilio signs the public URL)")
        if self.voice_enabled and self.public_base_url is None:
            raise ValueError("PUBLIC_BASE_URL is required for the phone line (Twilio signs the public URL)")
        if self.twilio_voice_number and not re.fullmatch(r"\+[1-9][0-9]{7,14}", self.twilio_voice_number):
            raise ValueError("TWILIO_VOICE_NUMBER must look like +77270000000")
        return self

    def config_path(self, name: str, explicit: Path | None = None) -> Path:
        """Where config file `name` is read: its own setting, else CONFIG_DIR, else the default."""
        return config_file(name, config_dir=self.config_dir, explicit=explicit)

    @property
    def programme_path(self) -> Path:
        return self.config_path("programme.yaml", self.programme_file)

    @property
    def call_centre_path(self) -> Path:
        return self.config_path("call_centre.yaml", self.call_centre_file)

    @property
    def reminders_path(self) -> Path:
        return self.config_path("reminders.yaml", self.reminders_file)

    @property
    def report_path(self) -> Path:
        return self.config_path("report.yaml", self.report_file)

    @property
    def surveys_path(self) -> Path:
        return self.config_path("surveys.yaml", self.surveys_file)

    @property
    def whatsapp_templates_path(self) -> Path:
        return self.config_path("whatsapp_templates.yaml", self.whatsapp_templates_file)

    @property
    def voice_path(self) -> Path:
        return self.config_path("voice.yaml", self.voice_file)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return str(self.public_base_url or "").startswith("https://")

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(part.strip(), strict=False)
                     for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def voice_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_voice_number)

    def public_url(self, path: str) -> str:
        base = str(self.public_base_url or f"http://{self.http_host}:{self.http_port}")
        return base.rstrip("/") + path


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env (overrides win); a bad value raises SettingsError naming it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid setting — " + "; ".join(problems)) from None
