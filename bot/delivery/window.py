"""WhatsApp's 24-hour rule and the choice of template, decided in one place.

Like Chatwoot's MessageWindowService: inside 24 hours of the user's last message the bot may
write freely; outside it only a pre-approved Content template may go out (Twilio answers
63016 otherwise). Templates are configured per key and language in whatsapp_templates.yaml
(`template key → {language: ContentSid}`, read by bot/configuration.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.delivery import WHATSAPP_WINDOW, whatsapp_window_open
from core.messages import Channel, Template

@dataclass(frozen=True)
class WindowDecision:
    """free: send the text as it is; template: send `template`; refused: nothing may go out."""

    kind: str  # free | template | refused
    template: Template | None = None
    reason: str | None = None
    closes_at: datetime | None = None


class MessageWindow:
    def __init__(self, templates: dict[str, dict[str, str]] | None = None, *, default_language: str = "kk"):
        self.templates = templates or {}
        self.default_language = default_language

    def template_for(self, key: str | None, lang: str) -> str | None:
        if not key:
            return None
        sids = self.templates.get(key, {})
        return sids.get(lang) or sids.get(self.default_language)

    def decide(self, channel: str, last_inbound_at: datetime | None, now: datetime, *, text: str,
               lang: str, template_key: str | None = None, template_variables: dict[str, str] | None = None,
               window_closed_seen: bool = False) -> WindowDecision:
        """`window_closed_seen`: WhatsApp already refused free text (63016) for this message,
        whatever our own clock says."""
        if channel != Channel.whatsapp.value:
            return WindowDecision("free")
        closes_at = last_inbound_at + WHATSAPP_WINDOW if last_inbound_at else None
        if not window_closed_seen and whatsapp_window_open(last_inbound_at, now):
            return WindowDecision("free", closes_at=closes_at)
        sid = self.template_for(template_key, lang)
        if sid is None:
            return WindowDecision("refused", reason="whatsapp_window_closed", closes_at=closes_at)
        return WindowDecision("template", Template(sid, dict(template_variables or {"1": text})),
                              closes_at=closes_at)
