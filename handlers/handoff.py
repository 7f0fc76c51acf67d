"""Hand-off to a human: open a ticket, step aside while it is open, come back when asked.

Routes into a ticket: `/operator`, the `menu:operator` button (also offered after FAQ
misses and failed wizard steps), the FAQ's `human` intent (`escalate`), and the grievance
mechanism (the complaint and appeal answers' `complaint:<kind>` buttons, or `complaint:start`
→ complaint or suggestion; then named or anonymous).

While a ticket is open the contact is in mode "human": the bot says nothing, the engine
journals every inbound message and the operator console shows it live. `/start`, `/menu`,
the menu button and a greeting — what someone coming back after the weekend sends — only
show where the request stands. Only the "back to the bot" button (`handoff:leave`) ends
the hand-off:

* nobody has claimed or answered the ticket yet → it is withdrawn (status `withdrawn`,
  never counted as resolved), so operators do not chase a user who no longer waits;
* an operator has claimed or answered it → it stays with the operator, whose answers
  still reach the user; only the bot speaks again in the meantime.

Asking for an operator again within `reopen_period` of a resolution (or pressing
"not solved" under the resolution message) reopens that ticket instead of a new one.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from handoff.call_centre import CallCentre, default_call_centre
from handoff.lifecycle import Opened, TicketLifecycle
from core.messages import Button, ContentType
from core.payloads import HandoffAction, MenuChoice, MenuItem, Payload
from handlers import interrupts
from handlers.routing import Flow, SkipHandler
from handlers.turn import Turn
from storage.models import ConversationMode
from storage.tickets import Ticket

BACK = MenuChoice(item=MenuItem.main)


class ComplaintStart(Payload, prefix="complaint"):
    """`complaint:start`: the grievance mechanism's first question (complaint or suggestion)."""

    action: Literal["start"]


class Grievance(Payload, prefix="complaint"):
    """`complaint:<kind>` asks named or anonymous; `complaint:<kind>:named|anon` files it."""

    kind: Literal["complaint", "suggestion"]
    identity: Literal["named", "anon"] | None = None


def in_human_mode(turn: Turn) -> bool:
    return turn.contact.mode == ConversationMode.human


# While an operator has the conversation the bot stays silent; listed before every flow
# but STOP/START and the wizard's own words (which never apply in this mode).
human_mode = Flow("handoff.human_mode", guard=in_human_mode)
# Asking for a person, the grievance mechanism, "not solved".
flow = Flow("handoff")


def call_centre(turn: Turn) -> CallCentre:
    return getattr(turn.services, "call_centre", None) or default_call_centre()


def _now(turn: Turn) -> datetime:
    return turn.now


def format_moment(translator, lang: str, moment: datetime, centre: CallCentre) -> str:
    local = moment.astimezone(centre.hours.zone)
    return translator.t(lang, "handoff.datetime", weekday=translator.t(lang, f"weekday.{local.weekday()}"),
                        date=local.strftime("%d.%m.%Y"), time=local.strftime("%H:%M"))


def expected_answer(translator, lang: str, now: datetime, due: datetime | None, centre: CallCentre) -> str:
    """When operators answer: the SLA due time (once the programme has confirmed the SLAs;
    until then no deadline is promised), and when they are back if closed now."""
    params = {}
    if centre.sla_confirmed:
        due = due or centre.hours.add_working_time(now, centre.sla("question"))
        params["due"] = format_moment(translator, lang, due, centre)
    if centre.hours.is_open(now):
        key = "handoff.eta_open" if centre.sla_confirmed else "handoff.eta_open_no_deadline"
        return translator.t(lang, key, **params)
    key = "handoff.eta_closed" if centre.sla_confirmed else "handoff.eta_closed_no_deadline"
    return translator.t(lang, key, back=format_moment(translator, lang, centre.hours.next_opening(now), centre),
                        opens=centre.hours.opens.strftime("%H:%M"), closes=centre.hours.closes.strftime("%H:%M"),
                        **params)


def leave_button(turn: Turn) -> Button:
    return turn.button("handoff.leave", HandoffAction(action="leave"))


def grievance_buttons(turn: Turn, kinds: tuple[str, ...] = ("complaint", "suggestion")) -> list[Button]:
    """For the FAQ's complaint and appeal answers, which explain the mechanism already: each
    button files that kind, one question (named or anonymous) before writing."""
    return [turn.button(f"{kind}.button", Grievance(kind=kind)) for kind in kinds]


def offered_grievances(turn: Turn) -> tuple[str, ...]:
    """The grievance kinds whose buttons the last message offered (the complaint or the
    appeal answer), read from the engine's record of the buttons on screen."""
    kinds: list[str] = []
    for _title, payload in turn.state.get("buttons") or []:
        data = Grievance.parse(payload)
        if data is not None and data.identity is None and data.kind not in kinds:
            kinds.append(data.kind)
    return tuple(kinds)


def offer_to_file(turn: Turn, kinds: tuple[str, ...]) -> None:
    """Text typed right after the complaint answer, instead of pressing its button, is
    usually the complaint itself: offer to register it rather than answer "not understood".
    The ticket's conversation shows the operator this message."""
    turn.add_topic("complaint")
    turn.say_key("complaint.file_typed", [*grievance_buttons(turn, kinds), turn.button("menu.back", BACK)])


def lifecycle(turn: Turn) -> TicketLifecycle:
    return TicketLifecycle(call_centre(turn))


async def escalate(turn: Turn, kind: str = "question", *, anonymous: bool = False) -> Ticket:
    """Open a ticket for the contact (or remind them of the open one) and step aside."""
    now = _now(turn)
    opening = await lifecycle(turn).open(turn.uow, turn.contact, turn.consultation, kind=kind,
                                         anonymous=anonymous, language=turn.lang, now=now)
    turn.set_outcome("handed_off")
    ticket = opening.ticket
    if opening.how == Opened.already_open:
        turn.say_key("handoff.already_open", [leave_button(turn)], number=ticket.number)
    elif opening.how == Opened.reopened:
        _say_reopened(turn, ticket, now)
    else:
        turn.say("\n\n".join([
            turn.t(f"handoff.opened.{kind}", number=ticket.number),
            expected_answer(turn.services.translator, turn.lang, now, ticket.sla_due_at, call_centre(turn)),
            turn.t("handoff.describe" if kind == "question" else f"{kind}.describe"),
        ]), [leave_button(turn)])
    return ticket


def _say_reopened(turn: Turn, ticket: Ticket, now: datetime) -> None:
    turn.say("\n\n".join([
        turn.t("handoff.reopened", number=ticket.number),
        expected_answer(turn.services.translator, turn.lang, now, ticket.sla_due_at, call_centre(turn)),
        turn.t("handoff.describe"),
    ]), [leave_button(turn)])


async def _open_ticket(turn: Turn) -> Ticket:
    """The ticket the operator has; none (closed elsewhere) gives the bot the turn back."""
    ticket = await lifecycle(turn).active(turn.uow, turn.contact) if in_human_mode(turn) else None
    if ticket is None:
        raise SkipHandler
    return ticket


@human_mode.button(HandoffAction, action="leave")
async def leave_human_mode(turn: Turn, _data: Payload | None = None) -> None:
    await leave(turn, await _open_ticket(turn))


# Coming back to the chat (a reload, /start, the menu, "сәлем") must not lose the request.
@human_mode.command("menu", "start", "operator")
@human_mode.button(MenuChoice, item=MenuItem.main)
@human_mode.button(MenuChoice, item=MenuItem.operator)
async def remind_open(turn: Turn, _data: Payload | None = None) -> None:
    ticket = await _open_ticket(turn)
    turn.say_key("handoff.already_open", [leave_button(turn)], number=ticket.number)


def _is_greeting(turn: Turn) -> bool:
    """"сәлем", "hi", "добрый день": a short message the FAQ takes for a greeting."""
    matcher = turn.services.faq
    text = turn.inbound.text or ""
    if matcher is None or turn.inbound.content_type != ContentType.text or len(text.split()) > 3:
        return False
    return matcher.match(text).topic == "greeting"


@human_mode.any()
async def relay(turn: Turn) -> None:
    """Already journaled by the engine; the console shows it live. The bot is silent — but
    a greeting, or asking in words to get back to the bot («меню», «вернуться к боту»), is
    answered with where the request stands and the button that ends it (the operator sees it too)."""
    ticket = await _open_ticket(turn)
    lifecycle(turn).user_wrote(ticket, turn.consultation, _now(turn))
    if interrupts.asks_back_to_the_bot(turn.inbound.text or "") or _is_greeting(turn):
        turn.say_key("handoff.already_open", [leave_button(turn)], number=ticket.number)


async def leave(turn: Turn, ticket: Ticket) -> None:
    from handlers import menu

    if await lifecycle(turn).leave(turn.uow, ticket, turn.contact, _now(turn)):
        turn.say_key("handoff.withdrawn", number=ticket.number)
    else:
        turn.say_key("handoff.left_kept", number=ticket.number)
    await menu.show_menu(turn)


@flow.command("operator")
@flow.button(MenuChoice, item=MenuItem.operator)
async def ask_for_operator(turn: Turn, _data: MenuChoice | None = None) -> None:
    await escalate(turn)


@flow.button(HandoffAction, action="leave")
async def nothing_to_leave(turn: Turn, _data: HandoffAction) -> None:
    # Reached in bot mode only (human_mode takes it otherwise): there is nothing to leave.
    from handlers import menu

    await menu.show_menu(turn)


@flow.button(HandoffAction, action="reopen")
async def on_reopen(turn: Turn, _data: HandoffAction) -> None:
    await reopen_last(turn)


@flow.button(ComplaintStart)
async def complaint_intro(turn: Turn, _data: ComplaintStart) -> None:
    turn.add_topic("complaint")
    turn.say_key("complaint.intro", [
        turn.button("complaint.button", Grievance(kind="complaint")),
        turn.button("suggestion.button", Grievance(kind="suggestion")),
        turn.button("menu.back", BACK),
    ])


@flow.button(Grievance)
async def on_grievance(turn: Turn, data: Grievance) -> None:
    if data.identity is None:
        turn.say_key("complaint.ask_anonymous", [
            turn.button("complaint.named", Grievance(kind=data.kind, identity="named")),
            turn.button("complaint.anonymous", Grievance(kind=data.kind, identity="anon")),
            turn.button("menu.back", BACK),
        ])
    else:
        await escalate(turn, data.kind, anonymous=data.identity == "anon")


async def reopen_last(turn: Turn) -> None:
    """"Not solved": reopen the last ticket if it is recent, else ask for a person anew."""
    if await turn.uow.tickets.active_for(turn.contact.id) is None:
        now = _now(turn)
        ticket = await lifecycle(turn).reopen_last(turn.uow, turn.contact, turn.consultation, now)
        if ticket is not None:
            turn.set_outcome("handed_off")
            _say_reopened(turn, ticket, now)
            return
    await escalate(turn)
