"""Flows declare what they handle; the router's order decides between them.

The mechanism with small flows of its own, then the bot's own precedence list, then the
conflict that motivated it: "стоп" inside the eligibility wizard cancels the wizard,
while outside any flow it still unsubscribes from reminders."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.messages import Channel, ContentType, Inbound
from core.payloads import MenuChoice, Payload
from handlers import eligibility, optout
from handlers.router import ROUTER
from handlers.routing import Flow, Router, SkipHandler
from storage.models import Contact
from tests.conftest import unique_user
from tests.support.conversation import BotClient


class Pick(Payload, prefix="pick"):
    value: int


def fake_turn(text="", *, content_type=ContentType.text, payload=None, **state):
    inbound = Inbound(channel=Channel.webchat, user_id="u", text=text, content_type=content_type, payload=payload)
    return SimpleNamespace(inbound=inbound, state=state, heard=[])


def recorder(name):
    async def handler(turn, *args):
        turn.heard.append((name, *args))
    handler.__name__ = name
    return handler


async def test_conflicting_keywords_go_to_the_flow_listed_first():
    wizard = Flow("wizard", active=lambda turn: turn.state.get("wizard", False))
    wizard.keywords(["стоп", "cancel"])(recorder("wizard.cancel"))
    wizard.text()(recorder("wizard.answer"))
    opt_out = Flow("optout")
    opt_out.keywords(["STOP", "стоп"])(recorder("optout.stop"))
    faq = Flow("faq")
    faq.text()(recorder("faq"))

    router = Router(wizard, opt_out, faq)
    for text, active, expected in [("Стоп!", True, "wizard.cancel"), ("стоп", False, "optout.stop"),
                                   ("STOP", False, "optout.stop"),
                                   # awaited text is the active flow's, whatever it says
                                   ("stop", True, "wizard.answer"), ("хочу грант", True, "wizard.answer"),
                                   ("хочу грант", False, "faq")]:
        turn = fake_turn(text, wizard=active)
        await router.dispatch(turn)
        assert turn.heard == [(expected,)], (text, active)

    # The same flows in the other order: the opt-out wins, as the list says.
    turn = fake_turn("стоп", wizard=True)
    await Router(opt_out, wizard, faq).dispatch(turn)
    assert turn.heard == [("optout.stop",)]


async def test_kinds_of_message_never_compete():
    flow = Flow("all")
    flow.text()(recorder("text"))
    flow.command("go")(recorder("go"))
    flow.command()(recorder("any command"))
    flow.button(Pick, value=2)(recorder("pick two"))
    flow.button(Pick)(recorder("pick"))
    flow.button()(recorder("any button"))
    flow.media()(recorder("media"))
    router = Router(flow)

    cases = [
        (fake_turn("/go@ZhasBot now", content_type=ContentType.command), ("go",)),
        (fake_turn("/went", content_type=ContentType.command), ("any command",)),
        (fake_turn("", content_type=ContentType.button, payload="pick:2"), ("pick two", Pick(value=2))),
        (fake_turn("", content_type=ContentType.button, payload="pick:3"), ("pick", Pick(value=3))),
        (fake_turn("", content_type=ContentType.button, payload="pick:x"), ("any button", "pick:x")),
        (fake_turn("caption", content_type=ContentType.photo, payload="pick:2"), ("media",)),
        (fake_turn("hello"), ("text",)),
        (fake_turn("", content_type=ContentType.contact), ("text",)),  # a shared phone is awaited text
    ]
    for turn, expected in cases:
        await router.dispatch(turn)
        assert turn.heard == [expected]


async def test_a_guard_skips_the_flow_and_skip_handler_falls_through():
    gate = Flow("gate", guard=lambda turn: turn.state.get("closed", False))
    gate.any()(recorder("gate"))
    declines = Flow("declines")

    @declines.text()
    async def not_mine(turn):
        turn.heard.append(("looked",))
        raise SkipHandler

    rest = Flow("rest")
    rest.text()(recorder("rest"))
    router = Router(gate, declines, rest)

    turn = fake_turn("hi", closed=True)
    await router.dispatch(turn)
    assert turn.heard == [("gate",)]
    turn = fake_turn("hi")
    await router.dispatch(turn)
    assert turn.heard == [("looked",), ("rest",)]


def test_a_flow_is_listed_once():
    flow = Flow("x")
    with pytest.raises(ValueError):
        Router(flow, flow)


def test_the_bots_precedence():
    names = [flow.name for flow in ROUTER.flows]
    # Ways out and side questions of a flow waiting for text come first (never with an
    # operator); the wizard's own words come before STOP; STOP before the operator's silence
    # and the language question; the menu takes whatever nobody declared, so it is last.
    assert names[:5] == ["side_questions", "eligibility.answers", "optout", "handoff.human_mode", "language"]
    assert names[-2:] == ["faq", "menu"]
    last = ROUTER.flows[-1].routes[-2:]
    assert [(r.kind, r.names, r.payload) for r in last] == [("command", None, None), ("button", None, None)]
    # Every button route is typed except the menu's catch-all.
    assert [r for r in ROUTER.routes if r.kind == "button" and r.payload is None] == [last[-1]]


def test_each_menu_item_belongs_to_one_flow_outside_the_operators_mode():
    owners = {}
    for flow in ROUTER.flows:
        if flow.guard is not None:
            continue
        for route in flow.routes:
            if route.payload is MenuChoice:
                item = dict(route.equals)["item"]
                assert item not in owners, f"{item} declared by {owners.get(item)} and {flow.name}"
                owners[item] = flow.name
    assert set(owners) == {"main", "faq", "eligibility", "status", "operator", "language"}


# ---------------------------------------------------------------- the conflict, as conversations


async def opted_out(engine, user_id) -> bool:
    async with engine.db.sessions() as session:
        return (await session.scalar(select(Contact).where(Contact.external_id == user_id))).opted_out


@pytest.mark.parametrize("lang,word", [("ru", "стоп"), ("en", "Stop"), ("kk", "тоқтату"), ("kk", "Токтату!")])
async def test_stop_inside_the_wizard_cancels_the_wizard(engine, lang, word):
    client = BotClient(engine, user_id=unique_user())
    await client.start(lang)
    await client.press("menu:eligibility")
    await client.press("elig:citizen:yes")  # now on the birth-date question
    await client.send(word)
    assert client.text.startswith(engine.services.translator.t(lang, "elig.cancelled"))
    assert "menu:eligibility" in client.buttons  # back at the menu
    assert not await opted_out(engine, client.user_id)

    # Outside any flow the same word unsubscribes from reminders, as before.
    await client.send(word)
    assert engine.services.translator.t(lang, "notify.optout.done") in client.text
    assert await opted_out(engine, client.user_id)


async def test_stop_after_leaving_the_wizard_unsubscribes(engine):
    client = BotClient(engine, user_id=unique_user())
    await client.start("ru")
    await client.press("menu:eligibility")
    await client.send("/menu")  # the check stays saved, its question is no longer on screen
    await client.send("стоп")
    assert await opted_out(engine, client.user_id)
    await client.send("/check")
    assert "elig:citizen:yes" in client.buttons  # resumed where it stopped


async def test_stop_while_linking_an_application_unsubscribes(engine):
    # Status linking has no word of its own for "stop": the opt-out keeps it.
    client = BotClient(engine, user_id=unique_user())
    await client.start("ru")
    await client.send("/status")
    await client.send("стоп")
    assert await opted_out(engine, client.user_id)


async def test_every_offered_button_is_built_by_a_declared_type(engine):
    """Walk the flows as a user would; each button they show parses as a declared type."""
    offered = set()
    client = BotClient(engine, user_id=unique_user())

    async def step(coro):
        await coro
        offered.update(client.buttons)

    await step(client.send("/start"))
    await step(client.press("lang:ru"))
    await step(client.press("menu:faq"))
    group = next(p for p in client.buttons if p.startswith("faqgroup:"))
    await step(client.press(group))
    await step(client.press(next(p for p in client.buttons if p.startswith("faq:"))))
    await step(client.send("/check"))
    for press in ("elig:citizen:yes",):
        await step(client.press(press))
    await step(client.send("15.03.2001"))
    for press in ("elig:region:almaty", "elig:employed:no", "elig:studying:no", "elig:training:no"):
        await step(client.press(press))
    await step(client.press("elig:documents:all"))
    await step(client.press("elig:applied:no"))
    await step(client.send("/status"))
    await step(client.send("/language"))
    await step(client.press("lang:ru"))
    await step(client.send(payload="complaint:start"))
    await step(client.press("complaint:complaint"))
    await step(client.press("complaint:complaint:anon"))
    await step(client.press("handoff:leave"))

    assert len(offered) > 25
    untyped = sorted(p for p in offered if ROUTER.payload_type(p) is None)
    assert untyped == []
