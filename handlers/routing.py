"""Flows declare what they handle; a router tries them in precedence order.

The shape of aiogram's routers: a `Flow` collects routes (commands, typed button
payloads, whole-message keywords, "text while the flow awaits it", media, anything);
the `Router` lists flows and the first route that matches, in flow order and then in
declaration order, takes the message. A conflict between two flows — "стоп" is the
wizard's cancel word and the reminders' opt-out word — is decided by that order only.

A handler that finds on a closer look that the message is not its own raises
`SkipHandler` (aiogram's name) and the router goes on with the next route.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.messages import MEDIA_TYPES, ContentType, Inbound
from core.payloads import Payload
from handlers.turn import Turn

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]
Predicate = Callable[[Turn], bool]


class SkipHandler(Exception):
    """Raised by a handler that does not take this message after all."""


class Kind(StrEnum):
    command = "command"
    button = "button"
    media = "media"
    text = "text"  # typed text, and a shared Telegram contact: what a flow may be awaiting


def fold(text: str) -> str:
    """A whole message as keywords compare it: case, ё, edge punctuation and spacing ignored."""
    return " ".join(text.casefold().replace("ё", "е").strip(" .!?,;)").split())


def command_name(text: str) -> str:
    """`/Start@ZhasBot deep-link` → `start`."""
    if not text.strip("/ "):
        return ""
    return text.lstrip("/").split(maxsplit=1)[0].split("@", 1)[0].lower()


@dataclass
class Message:
    """One inbound message as the routes see it; payloads are parsed once per class."""

    kind: Kind
    command: str = ""
    payload: str = ""
    prefix: str = ""  # of the payload: only the classes with this prefix try to parse it
    words: str = ""
    _parsed: dict[type[Payload], Payload | None] = field(default_factory=dict)

    @classmethod
    def of(cls, inbound: Inbound) -> Message:
        # Commands interrupt anything; a photo with a caption is still a photo.
        if inbound.content_type == ContentType.command:
            return cls(Kind.command, command=command_name(inbound.text or ""))
        if inbound.content_type in MEDIA_TYPES:
            return cls(Kind.media)
        if inbound.payload:
            return cls(Kind.button, payload=inbound.payload, prefix=inbound.payload.partition(":")[0])
        return cls(Kind.text, words=fold(inbound.text or ""))

    def data(self, payload_type: type[Payload]) -> Payload | None:
        if payload_type not in self._parsed:
            self._parsed[payload_type] = payload_type.parse(self.payload)
        return self._parsed[payload_type]


# The kinds of message each kind of route can take: the router only offers those.
ROUTE_KINDS = {"command": (Kind.command,), "button": (Kind.button,), "keyword": (Kind.text,),
               "text": (Kind.text,), "media": (Kind.media,), "any": tuple(Kind)}


@dataclass(frozen=True)
class Route:
    flow: str
    kind: str  # command | button | keyword | text | media | any
    handler: Handler
    names: frozenset[str] | None = None  # commands or keywords; None: any command
    payload: type[Payload] | None = None  # None: any button
    equals: tuple[tuple[str, Any], ...] = ()
    when: Predicate | None = None

    def match(self, message: Message, turn: Turn) -> tuple[Any, ...] | None:
        """The handler's arguments after `turn` if this route takes the message, else None."""
        args = self._match(message)
        if args is None or (self.when is not None and not self.when(turn)):
            return None
        return args

    def _match(self, message: Message) -> tuple[Any, ...] | None:
        # The router offers each route only the kinds of message in ROUTE_KINDS.
        if self.kind == "button":
            if self.payload is None:
                return (message.payload,)
            if message.prefix != self.payload.__prefix__:
                return None
            data = message.data(self.payload)
            if data is None or any(getattr(data, name) != value for name, value in self.equals):
                return None
            return (data,)
        if self.kind == "command":
            return () if self.names is None or message.command in self.names else None
        if self.kind == "keyword":
            return () if message.words in (self.names or ()) else None
        return ()

    def describe(self) -> str:
        if self.kind == "command":
            what = "/" + " /".join(sorted(self.names)) if self.names else "any command"
        elif self.kind == "button":
            what = "any button" if self.payload is None else f"{self.payload.__prefix__}:… ({self.payload.__name__})"
            what += "".join(f" {name}={getattr(value, 'value', value)}" for name, value in self.equals)
        elif self.kind == "keyword":
            what = "keywords " + ", ".join(sorted(self.names or ()))
        else:
            what = self.kind
        return f"{self.flow}: {what}" + (f" when {self.when.__name__}" if self.when else "")


class Flow:
    """What one conversation flow handles. Routes are tried in the order declared.

    `guard`: the whole flow is skipped unless it holds. `active`: whether the flow runs
    (its question is on screen); keyword and text routes default to it, which is how a
    flow says "I await text while I run".
    """

    def __init__(self, name: str, *, guard: Predicate | None = None, active: Predicate | None = None):
        self.name = name
        self.guard = guard
        self.active = active
        self.routes: list[Route] = []

    def __repr__(self) -> str:
        return f"Flow({self.name!r})"

    def _add(self, kind: str, **route: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(self.name, kind, handler, **route))
            return handler
        return register

    def command(self, *names: str, when: Predicate | None = None) -> Callable[[Handler], Handler]:
        """`/name` (any command when no name is given); the handler gets the turn."""
        return self._add("command", names=frozenset(names) or None, when=when)

    def button(self, payload: type[Payload] | None = None, *, when: Predicate | None = None,
               **equals: Any) -> Callable[[Handler], Handler]:
        """A pressed button whose payload parses as `payload` (and whose fields equal
        `equals`); the handler gets the turn and the parsed payload. Without a class: any
        button, and the handler gets the raw payload string."""
        return self._add("button", payload=payload, equals=tuple(equals.items()), when=when)

    def keywords(self, words: Iterable[str], *, when: Predicate | None = None) -> Callable[[Handler], Handler]:
        """A text that is one of `words` as a whole (compared after `fold`)."""
        return self._add("keyword", names=frozenset(fold(word) for word in words), when=when or self.active)

    def text(self, *, when: Predicate | None = None) -> Callable[[Handler], Handler]:
        """Text (or a shared contact) while the flow awaits it."""
        return self._add("text", when=when or self.active)

    def media(self, *, when: Predicate | None = None) -> Callable[[Handler], Handler]:
        return self._add("media", when=when)

    def any(self, *, when: Predicate | None = None) -> Callable[[Handler], Handler]:
        """Every message (a gate: no language yet, an operator has the conversation)."""
        return self._add("any", when=when)


class Router:
    """Flows in precedence order: the first route that takes a message answers it."""

    def __init__(self, *flows: Flow):
        names = [flow.name for flow in flows]
        if len(set(names)) != len(names):
            raise ValueError(f"a flow is listed twice: {names}")
        self.flows = flows
        # Precedence order kept, but each kind of message only meets the routes that can take it.
        self._candidates: dict[Kind, list[tuple[Flow, Route]]] = {
            kind: [(flow, route) for flow in flows for route in flow.routes if kind in ROUTE_KINDS[route.kind]]
            for kind in Kind}

    async def dispatch(self, turn: Turn) -> Route | None:
        message = Message.of(turn.inbound)
        for flow, route in self._candidates[message.kind]:
            # The guard is asked again for each route: a skipped handler may have changed it.
            if flow.guard is not None and not flow.guard(turn):
                continue
            args = route.match(message, turn)
            if args is None:
                continue
            try:
                await route.handler(turn, *args)
            except SkipHandler:
                continue
            return route
        log.warning("no flow took a %s message", message.kind.value)
        return None

    @property
    def routes(self) -> list[Route]:
        return [route for flow in self.flows for route in flow.routes]

    def payload_type(self, payload: str) -> type[Payload] | None:
        """The declared class that parses `payload` first in precedence order, if any."""
        for route in self.routes:
            if route.kind == "button" and route.payload is not None and route.payload.parse(payload):
                return route.payload
        return None

    def describe(self) -> list[str]:
        return [route.describe() for route in self.routes]
