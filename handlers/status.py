""""What is my application's status?": link an application (number + phone), then show it.

The phone proves the application is the user's: on Telegram it comes from the "share
contact" button (only the sender's own contact counts), on WhatsApp it is the sender's
number, on the web chat it is typed. Entry points: `start(turn)` (FAQ intent `my_status`,
menu button `menu:status`, command /status), buttons `status:*`, free text while active.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.messages import Channel, ContentType
from core.payloads import MenuChoice, MenuItem, Payload
from core.programme import SeasonCalendar
from faq.normalize import fold_cyrillic
from notify.phones import normalise_phone
from notify.texts import status_text
from handlers.routing import Flow
from handlers.turn import Turn
from storage.applications import Application, normalise_number

FLOW = "status"


@dataclass(frozen=True)
class LinkLimits:
    """Failed tries allowed within `window`: per application number and per phone across every
    sender and channel (rotating senders does not help a guesser), and per contact."""

    per_number: int = 5
    per_phone: int = 5
    per_contact: int = 3
    window: timedelta = timedelta(hours=1)


def _limits(turn: Turn) -> LinkLimits:
    return turn.services.link_limits or LinkLimits()


def _phone_hash(turn: Turn, phone: str | None) -> str | None:
    if not phone:
        return None
    return hmac.new(turn.services.secret_key, b"phone\0" + phone.encode(), hashlib.sha256).hexdigest()


class StatusAction(Payload, prefix="status"):
    """`status:link` (link another application); `status:share` is Telegram's share-contact
    key, which sends the contact itself, but a channel without it presses it as a button."""

    action: Literal["link", "share"]


def is_active(turn: Turn) -> bool:
    return turn.state.get("flow") == FLOW


flow = Flow("status", active=is_active)
BACK = MenuChoice(item=MenuItem.main)
SHARE = StatusAction(action="share")


@flow.command("status")
@flow.button(MenuChoice, item=MenuItem.status)
async def start(turn: Turn, _data: Payload | None = None) -> None:
    """Show the contact's linked applications, or start linking one."""
    turn.add_topic("my_status")
    linked = await turn.uow.applications.for_contact(turn.contact.id)
    if linked:
        _end(turn)
        show(turn, linked)
        return
    ask_number(turn)


def show(turn: Turn, applications: list[Application]) -> None:
    for index, application in enumerate(applications):
        buttons = None
        if index == len(applications) - 1:
            buttons = [turn.button("status.link_another", StatusAction(action="link")), turn.button("menu.back", BACK)]
        turn.say(status_text(turn.services.translator, turn.lang, number=application.number,
                             status=application.status, reason=application.reason, changed=False,
                             season=SeasonCalendar.from_programme(turn.services.programme)), buttons)
    turn.set_outcome("answered")


def ask_number(turn: Turn) -> None:
    turn.update_state(flow=FLOW, step="number", status=None)
    turn.say_key("status.ask_number", [turn.button("menu.back", BACK)])


@flow.button(StatusAction)
async def on_button(turn: Turn, data: StatusAction) -> None:
    if data.action == "link":
        turn.add_topic("my_status")
        ask_number(turn)
    else:
        await start(turn)


@flow.text()
async def on_text(turn: Turn) -> None:
    """The application number, then the phone (typed, or a shared Telegram contact)."""
    step = turn.state.get("step")
    if step == "phone":
        await _on_phone(turn)
    else:
        await _on_number(turn)


async def _on_number(turn: Turn) -> None:
    text = turn.inbound.text.strip()
    if lacks_number(text):
        turn.say_key("status.no_number", _help_buttons(turn))
        return
    number = normalise_number(text)
    if not number or len(number) > 32 or not any(ch.isdigit() for ch in number):
        turn.say_key("status.bad_number", _help_buttons(turn))
        return
    turn.update_state(step="phone", status={"number": number})
    contact = turn.contact
    channel = Channel(contact.channel)
    if channel == Channel.whatsapp or (channel == Channel.telegram and contact.phone):
        # The channel already vouches for this phone: WhatsApp's sender, a shared Telegram contact.
        await _verify(turn, contact.phone)
    else:
        _ask_phone(turn)


def _ask_phone(turn: Turn) -> None:
    if turn.contact.channel == Channel.telegram.value:
        turn.say(turn.t("status.ask_phone_telegram"), [turn.button("status.share_button", SHARE)],
                 request_contact=True)
    else:
        turn.say_key("status.ask_phone_typed", [turn.button("menu.back", BACK)])


async def _on_phone(turn: Turn) -> None:
    inbound = turn.inbound
    if turn.contact.channel == Channel.telegram.value:
        if inbound.content_type == ContentType.contact and inbound.shared_phone:
            await _verify(turn, inbound.shared_phone)
        elif inbound.content_type == ContentType.contact:
            turn.say(turn.t("status.own_contact"), [turn.button("status.share_button", SHARE)],
                     request_contact=True)
        else:
            _ask_phone(turn)
        return
    phone = normalise_phone(inbound.shared_phone or inbound.text)
    if phone is None:
        turn.say_key("status.bad_phone", _help_buttons(turn))
        return
    await _verify(turn, phone)


async def _blocked(turn: Turn, now: datetime, number: str, phone_hash: str | None) -> bool:
    limits = _limits(turn)
    by_number, by_phone, by_contact = await turn.uow.link_failures.counts_since(
        now - limits.window, number=number, phone_hash=phone_hash, contact_id=turn.contact.id)
    return by_number >= limits.per_number or by_phone >= limits.per_phone or by_contact >= limits.per_contact


def _help_buttons(turn: Turn) -> list:
    """After a number or phone that did not work: someone who does not remember theirs needs
    a person, not the same question again."""
    return [turn.button("menu.operator", MenuChoice(item=MenuItem.operator)), turn.button("menu.back", BACK)]


def _refuse(turn: Turn) -> None:
    _end(turn)
    turn.say_key("status.too_many", _help_buttons(turn))
    turn.set_outcome("not_understood")


async def _verify(turn: Turn, raw_phone: str | None) -> None:
    now = turn.now
    number = (turn.state.get("status") or {}).get("number", "")
    phone = normalise_phone(raw_phone)
    phone_hash = _phone_hash(turn, phone)
    if await _blocked(turn, now, number, phone_hash):
        _refuse(turn)
        return
    application = await turn.uow.applications.get_by_number(number) if number else None
    if application is None or phone is None or application.phone != phone:
        turn.uow.link_failures.record(number=number, phone_hash=phone_hash, contact_id=turn.contact.id, at=now)
        await turn.uow.flush()  # the engine's session does not autoflush; the next count must see it
        if await _blocked(turn, now, number, phone_hash):
            _refuse(turn)
            return
        turn.update_state(step="number", status=None)
        key = "status.not_found_whatsapp" if turn.contact.channel == Channel.whatsapp.value else "status.not_found"
        turn.say_key(key, _help_buttons(turn))
        return
    turn.contact.phone = phone
    await turn.uow.applications.link(application, turn.contact.id, now=now)
    _end(turn)
    turn.say_key("status.linked", number=application.number)
    show(turn, await turn.uow.applications.for_contact(turn.contact.id))


# "нет номера", "номерым жок", "забыла номер": the person cannot give what is asked, so the
# flow says who can help instead of answering a side question and asking the same again.
_NO_NUMBER = tuple(fold_cyrillic(phrase) for phrase in (
    "нет номера", "номера нет", "номер не знаю", "не знаю номер", "не помню", "забыл", "потерял",
    "где взять номер", "где найти номер", "где посмотреть номер", "какой номер", "нет заявки",
    "номерым жоқ", "нөмірім жоқ", "нөмір жоқ", "номер жоқ", "нөмірді білмеймін", "номерді білмеймін",
    "есімде жоқ", "ұмыттым", "жоғалттым", "нөмірді қайдан", "номерді қайдан", "нөмірім қайда",
    "nomerim joq", "nomerim jok", "nomer joq", "nomer jok", "umyttym",
    "don't have", "dont have", "do not have", "no number", "forgot", "lost", "don't know", "dont know",
    "don't remember", "dont remember", "where do i find", "where can i find", "what number",
))


def lacks_number(text: str) -> bool:
    """"Нет номера", "ұмыттым", "I lost it": no application number to give (a text with a
    digit in it is a number tried, "ZP-0042, не помню точно")."""
    if any(ch.isdigit() for ch in text):
        return False
    folded = fold_cyrillic(" ".join(text.casefold().replace("’", "'").split()))
    return any(phrase in folded for phrase in _NO_NUMBER)


def accepts_text(turn: Turn, text: str) -> bool:
    """Whether typed text is what linking waits for: something like an application number,
    then a phone (a shared contact on Telegram), as opposed to a side question or a way out."""
    if turn.state.get("step") == "phone":
        if turn.contact.channel == Channel.telegram.value:
            return turn.inbound.content_type == ContentType.contact
        return normalise_phone(turn.inbound.shared_phone or text) is not None
    if lacks_number(text):
        return True
    number = normalise_number(text)
    return bool(number) and len(number) <= 32 and any(ch.isdigit() for ch in number)


def repeat_question(turn: Turn) -> None:
    if turn.state.get("step") == "phone":
        _ask_phone(turn)
    else:
        turn.say_key("status.ask_number", [turn.button("menu.back", BACK)])


def leave(turn: Turn) -> None:
    _end(turn)


def _end(turn: Turn) -> None:
    if is_active(turn):
        turn.update_state(flow=None, step=None, status=None)
