"""Hand-off to a human: open a ticket, step aside while it is open, come back when asked.

Routes into a ticket: `/operator`, the `menu:operator` button (also offered after FAQ
misses and failed wizard steps), the FAQ's `human` intent (`escalate`), and the grievance
mechanism (`complaint:start` → complaint or suggestion → named or anonymous).

While a ticket is open the contact is in mode "human": the bot says nothing, the engine
journals every inbound message and the operator console shows it live. `/menu`, `/start`
or the "back to the bot" button (`handoff:leave`) end the hand-off:

* nobody has claimed or answered the ticket yet → it is withdrawn (resolved with a
  "withdrawn" note), so operators do not chase a user who no longer waits;
* an operator has claimed or answered it → it stays with the operator, whose answers
  still reach the user; only the bot speaks again in the meantime.

Asking for an operator again within `reopen_period` of a resolution (or pressing
"not solved" under the resolution message) reopens that ticket instead of a new one.
"""
from __future__ import annotations

from datetime import datetime

from handoff.call_centre import TICKET_KINDS, CallCentre, default_call_centre
from core.messages import Button, ContentType
from handlers.turn import Turn
from storage.tickets import Ticket
from storage.types import utcnow

WITHDRAWN = "withdrawn: the user went back to the bot before an operator answered"


def call_centre(turn: Turn) -> CallCentre:
    return getattr(turn.services, "call_centre", None) or default_call_centre()


def _now(turn: Turn) -> datetime:
    # The engine stamps the contact with the inbound's time (its clock) before dispatch.
    return turn.contact.last_inbound_at or utcnow()


def format_moment(translator, lang: str, moment: datetime, centre: CallCentre) -> str:
    local = moment.astimezone(centre.hours.zone)
    return translator.t(lang, "handoff.datetime", weekday=translator.t(lang, f"weekday.{local.weekday()}"),
                        date=local.strftime("%d.%m.%Y"), time=local.strftime("%H:%M"))


def expected_answer(translator, lang: str, now: datetime, due: datetime | None, centre: CallCentre) -> str:
    """When operators answer: the SLA due time, and when they are back if closed now."""
    due = due or centre.hours.add_working_time(now, centre.sla("question"))
    params = {"due": format_moment(translator, lang, due, centre)}
    if centre.hours.is_open(now):
        return translator.t(lang, "handoff.eta_open", **params)
    return translator.t(lang, "handoff.eta_closed", back=format_moment(
        translator, lang, centre.hours.next_opening(now), centre),
        opens=centre.hours.opens.strftime("%H:%M"), closes=centre.hours.closes.strftime("%H:%M"), **params)


def leave_button(turn: Turn) -> Button:
    return turn.button("handoff.leave", "handoff:leave")


def complaint_button(turn: Turn) -> Button:
    """For the FAQ's `complaint` topic: opens the grievance flow."""
    return turn.button("complaint.start_button", "complaint:start")


def _involve(turn: Turn, ticket: Ticket) -> None:
    turn.contact.mode = "human"
    turn.consultation.human_involved = True
    turn.set_outcome("handed_off")


async def escalate(turn: Turn, kind: str = "question", *, anonymous: bool = False) -> Ticket:
    """Open a ticket for the contact (or remind them of the open one) and step aside."""
    if kind not in TICKET_KINDS:
        raise ValueError(f"unknown ticket kind {kind!r}")
    tickets = turn.uow.tickets
    centre = call_centre(turn)
    now = _now(turn)

    active = await tickets.active_for(turn.contact.id)
    if active is not None:
        _involve(turn, active)
        turn.say_key("handoff.already_open", [leave_button(turn)], number=active.number)
        return active

    last = await tickets.last_resolved_for(turn.contact.id)
    if (last is not None and last.kind == kind and last.resolved_at is not None
            and now - last.resolved_at <= centre.reopen_period):
        return await _reopen(turn, last, now)

    ticket = tickets.add(Ticket(
        contact_id=turn.contact.id, consultation_id=turn.consultation.id, channel=turn.contact.channel,
        language=turn.lang, kind=kind, anonymous=anonymous, status="open", opened_at=now,
        sla_due_at=centre.hours.add_working_time(now, centre.sla(kind)), last_user_message_at=now,
        reopened_count=0,
    ))
    await turn.uow.flush()  # the ticket number is its id
    _involve(turn, ticket)
    text = "\n\n".join([
        turn.t(f"handoff.opened.{kind}", number=ticket.number),
        expected_answer(turn.services.translator, turn.lang, now, ticket.sla_due_at, centre),
        turn.t("handoff.describe" if kind == "question" else f"{kind}.describe"),
    ])
    turn.say(text, [leave_button(turn)])
    return ticket


async def _reopen(turn: Turn, ticket: Ticket, now: datetime) -> Ticket:
    centre = call_centre(turn)
    ticket.status = "assigned" if ticket.assignee_id else "open"
    ticket.reopened_count = (ticket.reopened_count or 0) + 1
    ticket.reopened_at = now
    ticket.resolved_at = None
    # The question needs an answer again: a fresh SLA clock and first-reply time.
    ticket.first_reply_at = None
    ticket.sla_due_at = centre.hours.add_working_time(now, centre.sla(ticket.kind))
    ticket.last_user_message_at = now
    _involve(turn, ticket)
    await turn.uow.flush()  # the engine's session does not autoflush; later queries must see it
    text = "\n\n".join([
        turn.t("handoff.reopened", number=ticket.number),
        expected_answer(turn.services.translator, turn.lang, now, ticket.sla_due_at, centre),
        turn.t("handoff.describe"),
    ])
    turn.say(text, [leave_button(turn)])
    return ticket


async def while_human(turn: Turn) -> bool:
    """A message while an operator has the conversation; False if the bot should answer it."""
    tickets = turn.uow.tickets
    ticket = await tickets.active_for(turn.contact.id)
    if ticket is None:
        turn.contact.mode = "bot"  # the ticket was closed elsewhere: the bot is back
        return False
    inbound = turn.inbound
    payload = inbound.payload or ""
    command = ""
    if inbound.content_type == ContentType.command:
        command = inbound.text.lstrip("/").split(maxsplit=1)[0].split("@", 1)[0].lower() if inbound.text.strip("/ ") else ""
    if payload in ("handoff:leave", "menu:main") or command in ("menu", "start"):
        await leave(turn, ticket)
        return True
    if payload == "menu:operator" or command == "operator":
        turn.say_key("handoff.already_open", [leave_button(turn)], number=ticket.number)
        return True
    # Relayed: already journaled by the engine; the console shows it live. The bot is silent.
    ticket.last_user_message_at = _now(turn)
    turn.consultation.human_involved = True
    return True


async def leave(turn: Turn, ticket: Ticket) -> None:
    from handlers import menu

    turn.contact.mode = "bot"
    if ticket.status == "open" and ticket.assignee_id is None and ticket.first_reply_at is None:
        ticket.status = "resolved"
        ticket.resolved_at = _now(turn)
        ticket.resolution = WITHDRAWN
        await turn.uow.flush()  # the engine's session does not autoflush
        turn.say_key("handoff.withdrawn", number=ticket.number)
    else:
        turn.say_key("handoff.left_kept", number=ticket.number)
    await menu.show_menu(turn)


async def on_button(turn: Turn, payload: str) -> None:
    """`handoff:*` and `complaint:*` buttons."""
    from handlers import menu

    kind, _, value = payload.partition(":")
    if kind == "handoff":
        if value == "reopen":
            await reopen_last(turn)
        elif value == "leave":
            # Only reached in bot mode (while_human handles it in human mode): nothing to leave.
            await menu.show_menu(turn)
        else:
            await escalate(turn)
        return
    # complaint:start | complaint:<kind> | complaint:<kind>:named|anon
    parts = value.split(":")
    if parts[0] in ("complaint", "suggestion") and len(parts) == 2 and parts[1] in ("named", "anon"):
        await escalate(turn, parts[0], anonymous=parts[1] == "anon")
    elif parts[0] in ("complaint", "suggestion") and len(parts) == 1:
        turn.say_key("complaint.ask_anonymous", [
            turn.button("complaint.named", f"complaint:{parts[0]}:named"),
            turn.button("complaint.anonymous", f"complaint:{parts[0]}:anon"),
            turn.button("menu.back", "menu:main"),
        ])
    else:
        turn.add_topic("complaint")
        turn.say_key("complaint.intro", [
            turn.button("complaint.button", "complaint:complaint"),
            turn.button("suggestion.button", "complaint:suggestion"),
            turn.button("menu.back", "menu:main"),
        ])


async def reopen_last(turn: Turn) -> None:
    tickets = turn.uow.tickets
    if await tickets.active_for(turn.contact.id) is not None:
        await escalate(turn)
        return
    last = await tickets.last_resolved_for(turn.contact.id)
    now = _now(turn)
    if last is not None and last.resolved_at is not None and now - last.resolved_at <= call_centre(turn).reopen_period:
        await _reopen(turn, last, now)
    else:
        await escalate(turn)
