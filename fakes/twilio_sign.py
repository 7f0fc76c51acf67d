"""Sign Twilio webhook requests exactly as Twilio does, for webhook tests.

    sig = signed_post_params("https://bot.example.com/twilio/whatsapp", params, auth_token)
    await client.post("/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": sig})

``url`` must be the public URL the bot validates against (scheme, host, path and query), which
is not necessarily the loopback URL the test client posts to.
"""

from __future__ import annotations

import secrets
from typing import Mapping

from twilio.request_validator import RequestValidator

__all__ = ["signed_post_params", "inbound_whatsapp_params"]


def signed_post_params(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """The X-Twilio-Signature value for a form POST of ``params`` to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))


def inbound_whatsapp_params(
    from_: str,
    body: str = "",
    *,
    to: str = "whatsapp:+14155238886",
    account_sid: str = "AC" + "0" * 32,
    profile_name: str = "Test User",
    button_payload: str | None = None,
    button_text: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    media: list[tuple[str, str]] | None = None,
) -> dict[str, str]:
    """Form fields of an inbound WhatsApp message webhook as Twilio sends them.

    ``from_`` is "whatsapp:+7…"; ``media`` is a list of (url, content_type)."""
    sid = "SM" + secrets.token_hex(16)
    params = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media or ())),
        "ProfileName": profile_name,
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": from_.removeprefix("whatsapp:").lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }
    if button_payload is not None:
        params["MessageType"] = "button"
        params["ButtonPayload"] = button_payload
        params["ButtonText"] = button_text or body
    if latitude is not None and longitude is not None:
        params["MessageType"] = "location"
        params["Latitude"] = str(latitude)
        params["Longitude"] = str(longitude)
    for i, (url, ctype) in enumerate(media or ()):
        params["MessageType"] = ctype.split("/")[0]
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = ctype
    return params
