"""Phone calls through Twilio Voice: signed webhooks in, TwiML out, SMS and call-backs through REST.

Every webhook's signature is checked as WhatsApp's are (bot.channels.twilio_common). The answers
are TwiML built with twilio's own `VoiceResponse`; what to say and do is decided by `voice.service.VoiceLine`.
As a delivery channel (`Channel.phone`), a message to a caller goes out as an SMS from the
line's number — the one delivery path (Messenger) sends callback confirmations through it.
"""
from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDict
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from bot.channels.base import numbered_options
from bot.channels.twilio_common import TwilioAccount
from core.i18n import Translator
from core.messages import Channel, Reply, SendOutcome
from voice.prompts import Utterance
from voice.service import VoiceLine
from voice.steps import Ask, Dial, Hangup, Record, Speak, Step

log = logging.getLogger(__name__)

BASE_PATH = "/webhooks/twilio/voice"
STATUS_PATH = BASE_PATH + "/status"
AUDIO_PATH = BASE_PATH + "/audio"
ACTIONS = ("language", "menu", "dial", "whisper", "voicemail", "transcription")
SMS_LIMIT = 1600
_AUDIO_NAME = re.compile(r"^[a-z_.]{1,80}\.(mp3|wav)$")


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _seconds(value) -> int | None:
    """A duration Twilio sent, or None when it sent none (or nonsense)."""
    seconds = _int(value, -1)
    return seconds if seconds >= 0 else None


def _about_a_call(handler):
    """`handler(request, form, call_sid)` for a signed webhook; a 400 without a CallSid."""
    async def checked(request: web.Request, form: MultiDict[str]) -> web.Response:
        sid = form.get("CallSid", "")
        if not sid:
            return web.Response(status=400, text="missing CallSid")
        return await handler(request, form, sid)
    return checked


class VoiceChannel:
    channel = Channel.phone

    def __init__(self, *, account_sid: str, auth_token: str, line: VoiceLine, translator: Translator,
                 public_url, api_base: str | None = None):
        self.twilio = TwilioAccount(account_sid=account_sid, auth_token=auth_token, public_url=public_url,
                                    api_base=api_base)
        self.line = line
        self.translator = translator
        self.public_url = public_url  # callable: path → the URL Twilio calls
        self.client: Client | None = None

    @property
    def number(self) -> str:
        return self.line.line.number

    async def start(self) -> None:
        self.client = await self.twilio.start()

    async def stop(self) -> None:
        await self.line.drain()
        await self.twilio.close()

    def routes(self) -> list[web.RouteDef]:
        signed = self.twilio.signed
        routes = [web.post(BASE_PATH, signed(_about_a_call(self.incoming))),
                  web.post(STATUS_PATH, signed(self.status)), web.get(AUDIO_PATH + "/{name}", self.audio)]
        handlers = {"language": _about_a_call(self.language), "menu": _about_a_call(self.menu),
                    "dial": _about_a_call(self.dial), "whisper": self.whisper,
                    "voicemail": _about_a_call(self.voicemail), "transcription": self.transcription}
        routes += [web.post(f"{BASE_PATH}/{action}", signed(handlers[action])) for action in ACTIONS]
        return routes

    # --- plumbing ----------------------------------------------------------------------
    def url(self, action: str, query: dict[str, str] | None = None) -> str:
        path = f"{BASE_PATH}/{action}" + (f"?{urlencode(query)}" if query else "")
        return self.public_url(path)

    def _utter(self, parent, utterance: Utterance) -> None:
        if utterance.audio:
            parent.play(self.public_url(f"{AUDIO_PATH}/{utterance.audio}"))
        else:
            parent.say(utterance.text, voice=utterance.voice.voice, language=utterance.voice.language)

    def twiml(self, steps: list[Step], call_sid: str = "") -> web.Response:
        response = VoiceResponse()
        for step in steps:
            if isinstance(step, Speak):
                for utterance in step.utterances:
                    self._utter(response, utterance)
            elif isinstance(step, Ask):
                gather = response.gather(input="dtmf", num_digits=1, timeout=step.timeout, method="POST",
                                         action=self.url(step.action, step.query), action_on_empty_result=True)
                for utterance in step.utterances:
                    self._utter(gather, utterance)
            elif isinstance(step, Dial):
                dial = response.dial(action=self.url(step.action, step.query), method="POST", timeout=step.timeout,
                                     caller_id=step.caller_id, answer_on_bridge=True)
                whisper = self.url("whisper", {"parent": call_sid, "lang": step.language})
                for target in step.targets:
                    if target.kind == "number":
                        dial.number(target.address, url=whisper, method="POST")
                    else:
                        client = dial.client(url=whisper, method="POST")
                        client.identity(target.address)
                        # Twilio Client apps show custom parameters: who calls and in which language.
                        client.parameter(name="language", value=step.language)
                        if step.caller_id:
                            client.parameter(name="caller", value=step.caller_id)
            elif isinstance(step, Record):
                for utterance in step.utterances:
                    self._utter(response, utterance)
                record = {"action": self.url(step.action), "method": "POST", "max_length": step.max_seconds,
                          "finish_on_key": step.finish_key, "play_beep": True}
                if step.transcribe:
                    record.update(transcribe=True, transcribe_callback=self.url("transcription"))
                response.record(**record)
            elif isinstance(step, Hangup):
                response.hangup()
        return web.Response(text=str(response), content_type="application/xml")

    # --- webhooks ----------------------------------------------------------------------
    async def incoming(self, request: web.Request, form: MultiDict[str], sid: str) -> web.Response:
        return self.twiml(await self.line.incoming(sid, form.get("From", "")), sid)

    async def language(self, request: web.Request, form: MultiDict[str], sid: str) -> web.Response:
        steps = await self.line.choose_language(sid, form.get("Digits", ""), _int(request.query.get("attempt")))
        return self.twiml(steps, sid)

    async def menu(self, request: web.Request, form: MultiDict[str], sid: str) -> web.Response:
        return self.twiml(await self.line.menu(sid, form.get("Digits", ""), _int(request.query.get("attempt"))), sid)

    async def dial(self, request: web.Request, form: MultiDict[str], sid: str) -> web.Response:
        steps = await self.line.dial_result(sid, form.get("DialCallStatus", "") or "failed",
                                            _seconds(form.get("DialCallDuration")), _int(request.query.get("attempt")))
        return self.twiml(steps, sid)

    async def whisper(self, request: web.Request, form: MultiDict[str]) -> web.Response:
        parent = request.query.get("parent") or form.get("ParentCallSid", "")
        if not parent:
            return web.Response(status=400, text="missing the parent call")
        lang, _caller = await self.line.operator_answered(parent, form.get("To", ""))
        return self.twiml(self.line.whisper(lang))

    async def voicemail(self, request: web.Request, form: MultiDict[str], sid: str) -> web.Response:
        steps = await self.line.voicemail(sid, recording_url=form.get("RecordingUrl", ""),
                                          recording_sid=form.get("RecordingSid"),
                                          seconds=_seconds(form.get("RecordingDuration")))
        return self.twiml(steps, sid)

    async def transcription(self, request: web.Request, form: MultiDict[str]) -> web.Response:
        await self.line.transcription(form.get("CallSid", ""), form.get("TranscriptionText", ""),
                                      form.get("TranscriptionStatus", ""))
        return web.Response(status=204)

    async def status(self, request: web.Request, form: MultiDict[str]) -> web.Response:
        sid, status = form.get("CallSid", ""), (form.get("CallStatus") or "").lower()
        if not sid or not status:
            return web.Response(status=400, text="missing CallSid or CallStatus")
        try:
            await self.line.status(sid, status, caller=form.get("From", ""),
                                   duration=_seconds(form.get("CallDuration")))
        except ValueError:
            return web.Response(status=400, text="unknown CallStatus")
        return web.Response(status=204)

    async def audio(self, request: web.Request) -> web.StreamResponse:
        """The deployment's Kazakh recordings, for <Play>."""
        name = request.match_info["name"]
        folder: Path | None = self.line.prompts.recordings
        if folder is None or not _AUDIO_NAME.match(name) or not (folder / name).is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(folder / name)

    # --- out: SMS to callers, and call-backs -------------------------------------------
    async def send_once(self, reply: Reply) -> SendOutcome:
        """One SMS from the line's number to the caller (the text; buttons as numbered lines)."""
        assert self.client is not None, "VoiceChannel.start() was not awaited"
        to = reply.address.user_id
        if not to.startswith("+"):
            return SendOutcome("bad_request", error="no_number")
        body = numbered_options(reply.outbound, self.translator.t(reply.lang, "buttons.numbered_hint"))
        try:
            message = await self.client.messages.create_async(from_=self.number, to=to, body=body[:SMS_LIMIT])
        except TwilioRestException as exc:
            error = str(exc.code or exc.status)
            if exc.status == 429:
                return SendOutcome("rate_limited", retry_after=1.0, error=error)
            return SendOutcome("server_error" if exc.status >= 500 else "bad_request", error=error)
        except (OSError, asyncio.TimeoutError) as exc:
            return SendOutcome("network_error", error=type(exc).__name__)
        return SendOutcome("sent", channel_message_id=message.sid)

    async def place_callback(self, *, operator_phone: str, applicant: str, call_id: int,
                             operator_lang: str = "ru") -> str:
        """Ring the operator's phone; when they answer, Twilio dials the applicant from the line's
        number. Returns the operator leg's CallSid; its status callbacks journal the call back."""
        assert self.client is not None, "VoiceChannel.start() was not awaited"
        config = self.line.config
        lang = operator_lang if operator_lang in config.voices else config.kazakh_fallback
        voice = config.voices[lang]
        response = VoiceResponse()
        response.say(self.translator.t(lang, "voice.callback_connecting"), voice=voice.voice, language=voice.language)
        dial = response.dial(caller_id=self.number, timeout=self.line.line.ring_timeout, method="POST",
                             action=self.url("dial", {"callback": str(call_id)}))
        dial.number(applicant)
        call = await self.client.calls.create_async(
            to=operator_phone, from_=self.number, twiml=str(response),
            status_callback=self.public_url(STATUS_PATH), status_callback_method="POST",
            status_callback_event=["initiated", "ringing", "answered", "completed"])
        return call.sid
