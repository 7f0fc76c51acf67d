"""Typed button payloads: `prefix:field:field`, built and parsed by one declared class.

The shape of aiogram's `CallbackData` (a pydantic model with a class-level prefix and
typed fields), kept here because handlers and feature packages never import aiogram,
and because a payload is the same on every channel: a Telegram callback, a WhatsApp
number the user types, a web chat button. Two differences from aiogram, both so that
payloads already on people's screens keep working:

* trailing optional fields that are None are left out (`complaint:complaint`, not
  `complaint:complaint:`), and a payload with fewer parts parses when the missing
  fields have defaults;
* several classes may share a prefix (`elig:back` and `elig:region:almaty`); the
  router tries them in the order the flows declare them.

Payloads that both the flows and the services build (the main menu, shown by the
operators' service after a resolution) are declared here; the rest live with their flow.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from core.messages import MAX_PAYLOAD_BYTES, PAYLOAD_PATTERN

SEPARATOR = ":"


class Payload(BaseModel):
    """Subclass with a prefix: `class Answer(Payload, prefix="elig"): step: Step; value: str`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    __prefix__: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        prefix = kwargs.pop("prefix", None)
        if not prefix or SEPARATOR in prefix:
            raise TypeError(f"{cls.__name__}: a payload class needs a prefix without {SEPARATOR!r}")
        cls.__prefix__ = prefix
        super().__init_subclass__(**kwargs)

    def pack(self) -> str:
        parts = [self.__prefix__]
        for name, value in self.model_dump(mode="python").items():
            encoded = _encode(value)
            if SEPARATOR in encoded:
                raise ValueError(f"{type(self).__name__}.{name}={encoded!r} contains {SEPARATOR!r}")
            parts.append(encoded)
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()  # trailing optional fields: the shorter string old keyboards carry
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_PAYLOAD_BYTES or not PAYLOAD_PATTERN.match(packed):
            raise ValueError(f"payload {packed!r} is not a valid button payload")
        return packed

    @classmethod
    def unpack(cls, value: str) -> Self:
        """The payload as this class, or ValueError (wrong prefix, arity or field type)."""
        prefix, *parts = value.split(SEPARATOR)
        if prefix != cls.__prefix__:
            raise ValueError(f"{value!r} is not a {cls.__name__} payload")
        fields = list(cls.model_fields.items())
        if len(parts) > len(fields):
            raise ValueError(f"{value!r} has more parts than {cls.__name__} has fields")
        data: dict[str, Any] = {}
        for (name, field), part in zip(fields, parts):
            if part == "" and not field.is_required():
                continue  # empty optional field: its default
            data[name] = part
        try:
            return cls(**data)
        except ValidationError as exc:
            raise ValueError(f"{value!r} is not a {cls.__name__} payload: {exc.errors()[0]['msg']}") from None

    @classmethod
    def parse(cls, value: str | None) -> Self | None:
        """`unpack`, or None for anything that is not this payload."""
        if not value or not value.startswith(cls.__prefix__ + SEPARATOR):
            return None
        # Classes sharing a prefix differ in arity: tell them apart before validating.
        parts = value.count(SEPARATOR)
        fields = cls.model_fields.values()
        if not sum(field.is_required() for field in fields) <= parts <= len(fields):
            return None
        try:
            return cls.unpack(value)
        except ValueError:
            return None


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, str)):
        return str(value)
    raise ValueError(f"{value!r} cannot be packed into a payload")


class MenuItem(StrEnum):
    main = "main"
    faq = "faq"
    eligibility = "eligibility"
    status = "status"
    operator = "operator"
    language = "language"


class MenuChoice(Payload, prefix="menu"):
    """`menu:<item>`: the main menu's items, and "back to the menu" everywhere."""

    item: MenuItem


class HandoffAction(Payload, prefix="handoff"):
    """`handoff:leave` (back to the bot while a ticket is open) and `handoff:reopen`
    ("not solved", under the operator's resolution message)."""

    action: Literal["leave", "reopen"]
