"""Typed button payloads: built and parsed by one class, and every payload an older
keyboard may still carry parses as the same class it always meant."""
from typing import Literal

import pytest

from core.payloads import MenuChoice, MenuItem, Payload
from feedback.payloads import CsatAnswer, SurveyAnswer
from handlers.eligibility import Step, WizardAnswer, WizardNav
from handlers.handoff import ComplaintStart, Grievance
from handlers.router import ROUTER


class Pair(Payload, prefix="pair"):
    first: str
    second: int | None = None


def test_pack_and_unpack_round_trip():
    assert Pair(first="a", second=3).pack() == "pair:a:3"
    assert Pair.unpack("pair:a:3") == Pair(first="a", second=3)
    # A trailing optional field left out packs to the shorter string, which parses back.
    assert Pair(first="a").pack() == "pair:a"
    assert Pair.unpack("pair:a") == Pair(first="a") == Pair.unpack("pair:a:")


@pytest.mark.parametrize("value", ["pairs:a", "pair", "pair:a:b", "pair:a:1:2", "menu:a"])
def test_what_is_not_the_payload_is_refused(value):
    with pytest.raises(ValueError):
        Pair.unpack(value)
    assert Pair.parse(value) is None


def test_values_that_cannot_be_a_payload_are_refused_when_built():
    with pytest.raises(ValueError):
        Pair(first="a:b").pack()  # the separator inside a value
    with pytest.raises(ValueError):
        Pair(first="x" * 70).pack()  # over Telegram's 64 bytes
    with pytest.raises(ValueError):
        Pair(first="шаг").pack()  # payloads are ASCII tokens on every channel
    with pytest.raises(TypeError):
        type("NoPrefix", (Payload,), {"__annotations__": {"a": str}})


def test_typed_fields():
    assert WizardAnswer.unpack("elig:region:almaty").step is Step.region
    assert WizardAnswer.parse("elig:height:tall") is None  # no such step
    assert CsatAnswer.unpack("csat:42:5") == CsatAnswer(consultation=42, answer=5)
    assert CsatAnswer.unpack("csat:42:skip").skipped
    assert CsatAnswer.parse("csat:abc:5") is None
    assert MenuChoice.unpack("menu:faq").item is MenuItem.faq
    assert MenuChoice.parse("menu:nowhere") is None


# Every payload a keyboard of this bot has carried, and the class that takes it now.
KNOWN_PAYLOADS = {
    "lang:kk": "LanguageChoice", "lang:ru": "LanguageChoice", "lang:en": "LanguageChoice",
    "menu:main": "MenuChoice", "menu:faq": "MenuChoice", "menu:eligibility": "MenuChoice",
    "menu:status": "MenuChoice", "menu:operator": "MenuChoice", "menu:language": "MenuChoice",
    "faq:deadline": "FaqTopic", "faqgroup:apply": "FaqGroup",
    "elig:back": "WizardNav", "elig:cancel": "WizardNav", "elig:restart": "WizardNav",
    "elig:citizen:yes": "WizardAnswer", "elig:region:mangystau": "WizardAnswer",
    "elig:studying:part-time": "WizardAnswer", "elig:documents:id_card": "WizardAnswer",
    "elig:documents:all": "WizardAnswer", "elig:documents:done": "WizardAnswer",
    "status:link": "StatusAction", "status:share": "StatusAction",
    "csat:17:4": "CsatAnswer", "csat:17:skip": "CsatAnswer",
    "survey:stage1:q_1:3": "SurveyAnswer", "survey:stage1:q_2:skip": "SurveyAnswer",
    "handoff:leave": "HandoffAction", "handoff:reopen": "HandoffAction",
    "complaint:start": "ComplaintStart", "complaint:complaint": "Grievance",
    "complaint:suggestion:anon": "Grievance", "complaint:complaint:named": "Grievance",
}


@pytest.mark.parametrize("payload,expected", sorted(KNOWN_PAYLOADS.items()))
def test_old_keyboards_still_route(payload, expected):
    payload_type = ROUTER.payload_type(payload)
    assert payload_type is not None and payload_type.__name__ == expected
    # And the class builds exactly the string that is on people's screens.
    assert payload_type.unpack(payload).pack() == payload


def test_shared_prefixes_do_not_overlap():
    assert WizardNav.parse("elig:region:almaty") is None and WizardAnswer.parse("elig:back") is None
    assert ComplaintStart.parse("complaint:complaint") is None and Grievance.parse("complaint:start") is None
    assert SurveyAnswer.parse("survey:a:b") is None


def test_literal_fields_are_checked():
    class Choice(Payload, prefix="choice"):
        pick: Literal["a", "b"]

    assert Choice.parse("choice:a") == Choice(pick="a")
    assert Choice.parse("choice:c") is None
