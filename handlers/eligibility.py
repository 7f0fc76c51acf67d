"""The eligibility check: a step-by-step wizard that ends in a verdict with reasons.

Steps: citizenship → age (IIN or birth date) → region → employed → studying → training
course → documents at hand → applied already. Buttons carry `elig:<step>:<value>`; typed
answers go through eligibility.answers_parsing. Progress lives in the contact's state
(`flow`, `step`, `elig`), so the check resumes where it was after a restart.

Privacy: the IIN and the birth date are never kept. The birth step turns them into the
age on the rules' counting date, the birth year, the sex and a keyed IIN hash; for an age
outside the limits also the one date the verdict has to name (when the person turns old
enough / too old). The rules are then evaluated for a stand-in birth date of that age.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from core.messages import Button
from core.payloads import MenuChoice, MenuItem, Payload
from eligibility.answers_parsing import (
    parse_applied, parse_birth_date, parse_citizen, parse_employed, parse_region, parse_studying, parse_training,
    parse_yes_no,
)
from core.dates import format_years
from core.privacy import DATE_MASK
from core.iin import IinError, IinInfo, age_band, iin_hash, parse_iin
from eligibility.rules import DOCUMENTS, Answers, Reason, Rules, Verdict, age_on, anniversary, evaluate
from core.season import Calendar
from faq.normalize import fold_cyrillic
from handlers import interrupts
from eligibility.texts import render_text, accepting, next_steps, render_reason, render_step, verdict_header_key, window_phase
from handlers import menu
from handlers.season import SeasonNotify
from handlers.routing import Flow, fold
from handlers.turn import Turn
from storage.models import ConversationMode

FLOW = "eligibility"
REDACTED_BIRTH = "[IIN or birth date withheld]"
STEPS = ("citizen", "birth", "region", "employed", "studying", "training", "documents", "applied")
YES_NO_STEPS = frozenset({"citizen", "employed", "training", "applied"})
MAX_BIRTH_FAILURES = 3

_QUESTION_KEYS = {"birth": "elig.ask.iin"}
_REGION_BUTTONS = (("almaty", "elig.btn.almaty"), ("mangystau", "elig.btn.mangystau"),
                   ("other", "elig.btn.other_region"))
_STUDYING_BUTTONS = (("no", "elig.btn.not_studying"), ("part-time", "elig.btn.part_time"),
                     ("full-time", "elig.btn.full_time"))
_RETRY_KEYS = {"region": "elig.retry.region", "studying": "elig.retry.studying",
               "documents": "elig.retry.documents"}

_BACK_WORDS = frozenset({"назад", "вернуться", "артқа", "артка", "кері", "back", "go back", "previous"})
_CANCEL_WORDS = frozenset({"отмена", "отменить", "стоп", "выход", "болдырмау", "тоқтату", "токтату",
                           "тоқта", "шығу", "cancel", "stop", "exit", "quit"})
_DONE_WORDS = frozenset({"готово", "дальше", "далее", "дайын", "әрі қарай", "done", "next", "finish"})
_ALL_WORDS = frozenset({"все", "всё", "все есть", "всё есть", "есть все", "есть всё", "бәрі", "бәрі бар",
                        "барлығы", "барлығы бар", "all", "all of them", "i have all", "have all"})
# Kazakh typed on a Russian keyboard ("бари бар", "даиын") reads as the Kazakh word.
_DONE_FOLDED = frozenset(fold_cyrillic(word) for word in _DONE_WORDS)
_ALL_FOLDED = frozenset(fold_cyrillic(word) for word in _ALL_WORDS)

_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_DIGIT_RUN = re.compile(r"[0-9](?:[\s\-]?[0-9])*")
_DOC_NUMBERS = re.compile(r"[0-9]+(?:\s*[,;\s]\s*[0-9]+)*")


class Step(StrEnum):
    citizen = "citizen"
    birth = "birth"
    region = "region"
    employed = "employed"
    studying = "studying"
    training = "training"
    documents = "documents"
    applied = "applied"


class WizardNav(Payload, prefix="elig"):
    """`elig:back`, `elig:cancel`, `elig:restart`."""

    action: Literal["back", "cancel", "restart"]


class WizardAnswer(Payload, prefix="elig"):
    """`elig:<step>:<value>`: an answer button; what the value may be depends on the step."""

    step: Step
    value: str


def is_active(turn: Turn) -> bool:
    """Whether free text is an answer: the check runs and its question was shown last.

    After the person went elsewhere (/menu, another menu item) their text belongs to the
    FAQ again; the check stays saved and /check or the menu item resumes it. While an
    operator has the conversation, nothing is the wizard's.
    """
    if not _active(turn) or turn.contact.mode != ConversationMode.bot:
        return False
    shown = turn.state.get("buttons") or []
    return any(WizardNav.parse(payload) or WizardAnswer.parse(payload) for _title, payload in shown)


# The wizard's own words while its question is on screen. Listed in the router before the
# reminders' opt-out: "стоп" here cancels the check (and leaves the subscription alone).
answers = Flow("eligibility.answers", active=is_active)
# Starting, resuming and the wizard's buttons.
flow = Flow("eligibility")


# ---------------------------------------------------------------- entry points


@flow.command("check")
@flow.button(MenuChoice, item=MenuItem.eligibility)
async def start(turn: Turn, _data: MenuChoice | None = None) -> None:
    """Begin the check, or continue it where it stopped (menu, /check, FAQ intent)."""
    turn.add_topic("eligibility")
    if _active(turn):
        turn.say_key("elig.resume")
        _ask(turn, turn.state.get("step") or STEPS[0])
        return
    turn.update_state(flow=FLOW, step=STEPS[0], elig={})
    turn.say_key("elig.intro")
    _ask(turn, STEPS[0])


@flow.button(WizardNav)
async def on_nav(turn: Turn, data: WizardNav) -> None:
    if data.action == "restart":
        turn.update_state(flow=None, step=None, elig=None, redact_inbound=None)
        await start(turn)
    elif not _active(turn):
        # A keyboard from a check that has ended or was cancelled.
        await menu.show_menu(turn)
    elif data.action == "back":
        await _back(turn)
    else:
        await _cancel(turn)


@flow.button(WizardAnswer)
async def on_answer(turn: Turn, data: WizardAnswer) -> None:
    """A pressed answer button (or its number typed on WhatsApp)."""
    if not _active(turn):
        await menu.show_menu(turn)
        return
    step = turn.state.get("step")
    if data.step != step:
        # An older question's button: stay on the current question.
        _ask(turn, step)
    else:
        _answer_button(turn, step, data.value)


@answers.keywords(_BACK_WORDS)
async def on_back_word(turn: Turn) -> None:
    await _back(turn)


@answers.keywords(_CANCEL_WORDS)
async def on_cancel_word(turn: Turn) -> None:
    await _cancel(turn)


async def take_text(turn: Turn) -> None:
    """Typed text that answers the check while its question is off screen (the "I don't
    understand" message is shown instead): as if the question were still there."""
    word = fold(turn.inbound.text or "")
    if word in _BACK_WORDS:
        await _back(turn)
    elif word in _CANCEL_WORDS:
        await _cancel(turn)
    else:
        await on_text(turn)


@answers.text()
async def on_text(turn: Turn) -> None:
    """Free text while the check's question is on screen: an answer to it."""
    text = turn.inbound.text or ""
    step = turn.state.get("step")
    if step not in STEPS:
        turn.update_state(step=STEPS[0])
        _ask(turn, STEPS[0])
    elif step == "birth":
        await _answer_birth(turn, text)
    elif step == "documents":
        _answer_documents_text(turn, text)
    elif step in _TYPED_ANSWERS:
        parse, retry_key = _TYPED_ANSWERS[step]
        answer = parse(text)
        if answer is None:
            _retry(turn, step, retry_key)
        else:
            _record(turn, step, answer)


def accepts_text(turn: Turn, text: str) -> bool:
    """Whether typed text is an answer to the question on screen (or the wizard's own
    "back"/"cancel"), as opposed to a side question or a way out (handlers.side_questions)."""
    word = fold(text)
    if word in _BACK_WORDS or word in _CANCEL_WORDS:
        return True
    step = turn.state.get("step")
    if step == "birth":
        # A mistyped IIN is an answer (the wizard names the problem); words without a date are not.
        return _read_birth(text, turn.today)[2] != "elig.retry.birth_date"
    if step == "documents":
        return (word in _DONE_WORDS or word in _ALL_WORDS or bool(_DOC_NUMBERS.fullmatch(word))
                or parse_yes_no(text) is not None)
    if step in _TYPED_ANSWERS:
        return _TYPED_ANSWERS[step][0](text) is not None
    return True


async def answer_age_question(turn: Turn, text: str) -> None:
    """"а мне 17 можно?": the question asked is answered (the age range, and the named age
    against it), with a button to run the full check — the check does not start by itself."""
    rules = _rules(turn)
    announced = Calendar.from_programme(turn.services.programme).announced
    params = {"min_age": rules.min_age, "max_age": rules.max_age, "counted": _counting_day(turn, announced),
              "regions": rules.regions}
    age = interrupts.age_in(text)
    counted = params["counted"]
    on = counted if isinstance(counted, date) else turn.today
    if age is None:
        # "мой ИИН 040512…, можно?": the IIN's birth date gives the age (the journal keeps
        # the IIN masked, and nothing of it is stored here).
        born = interrupts.iin_birth_date(text)
        if born is not None:
            age = age_on(born, on)
    if age is None and (year := interrupts.birth_year_in(text)) is not None:
        key, values = _birth_year_answer(turn, year, on, rules, counted)
    else:
        key = "quick.age.range" if age is None else _age_key("quick.age", age, age, rules)
        values = {"age": age or "", "age_years": format_years(age, turn.lang) if age is not None else ""}
    turn.add_topic("eligibility")
    turn.set_outcome("answered")
    turn.say(render_text(key, {**params, **values}, turn.lang, turn.services.translator), [
        turn.button("quick.full_check_button", MenuChoice(item=MenuItem.eligibility)),
        turn.button("menu.back", MenuChoice(item=MenuItem.main)),
    ])


def _birth_year_answer(turn: Turn, year: int, on: date, rules, counted: date | str) -> tuple[str, dict]:
    """"2004 жылы туғанмын": one of two ages, by the birthday — on the counting day once it is
    announced, else now (as a stated age is read). Both in the range or both out settle it;
    between them the full check asks for the date."""
    younger, older = max(on.year - year - 1, 0), max(on.year - year, 0)
    key = _age_key("quick.year", younger, older, rules)
    when = (render_text("quick.year.on", {"counted": counted}, turn.lang, turn.services.translator)
            if isinstance(counted, date) else turn.t("quick.year.now"))
    return key, {"year": year, "when": when, "younger": younger, "older": older,
                 "older_years": format_years(older, turn.lang)}


def _age_key(prefix: str, younger: int, older: int, rules) -> str:
    """Fits, too young or too old for ages from `younger` to `older`; or, when the range
    takes one of them only, depends (on the birthday)."""
    if younger >= rules.min_age and older <= rules.max_age:
        return f"{prefix}.fits"
    if older < rules.min_age:
        return f"{prefix}.too_young"
    if younger > rules.max_age:
        return f"{prefix}.too_old"
    return f"{prefix}.depends"


def resumable(turn: Turn) -> bool:
    """A check was started and not finished or cancelled."""
    return _active(turn)


def repeat_question(turn: Turn) -> None:
    _ask(turn, turn.state.get("step") or STEPS[0])


def leave(turn: Turn) -> None:
    """Out of the check without a word (the caller says what happens next)."""
    turn.update_state(flow=None, step=None, elig=None, redact_inbound=None)
    turn.set_outcome("eligibility:cancelled")


# Typed answers of the button steps: how to read them, and the re-ask when that fails.
_TYPED_ANSWERS = {
    # Yes/no questions also read statements: "жұмыссызбын" answers "are you working?".
    "citizen": (parse_citizen, "elig.retry.yes_no"),
    "employed": (parse_employed, "elig.retry.yes_no"),
    "training": (parse_training, "elig.retry.yes_no"),
    "applied": (parse_applied, "elig.retry.yes_no"),
    "region": (parse_region, "elig.retry.region"),
    "studying": (parse_studying, "elig.retry.studying"),
}


# ---------------------------------------------------------------- state


def _active(turn: Turn) -> bool:
    return turn.state.get("flow") == FLOW


def _answers(turn: Turn) -> dict[str, Any]:
    return dict(turn.state.get("elig") or {})


def _save(turn: Turn, step: str, answers: dict[str, Any]) -> None:
    # What is typed at the birth step is an IIN or a birth date: the engine journals a
    # placeholder instead (state key `redact_inbound`), so neither is ever stored.
    turn.update_state(flow=FLOW, step=step, elig=answers,
                      redact_inbound=REDACTED_BIRTH if step == "birth" else None)


def _rules(turn: Turn) -> Rules:
    return turn.services.rules


def age_in_range(turn: Turn, age: int | None) -> bool:
    """The programme's age range holds `age`."""
    rules = _rules(turn)
    return age is not None and rules.min_age <= age <= rules.max_age


# ---------------------------------------------------------------- questions


def _nav_buttons(turn: Turn, step: str) -> list[Button]:
    # Every wizard message ends with these (Cancel at least): is_active relies on it.
    buttons = [turn.button("elig.btn.back", WizardNav(action="back"))] if step != STEPS[0] else []
    return buttons + [turn.button("elig.btn.cancel", WizardNav(action="cancel"))]


def _answer_buttons(turn: Turn, step: str) -> list[Button]:
    def answer(value: str) -> WizardAnswer:
        return WizardAnswer(step=step, value=value)

    if step in YES_NO_STEPS:
        return [turn.button("elig.btn.yes", answer("yes")), turn.button("elig.btn.no", answer("no"))]
    if step == "region":
        return [turn.button(key, answer(code)) for code, key in _REGION_BUTTONS]
    if step == "studying":
        return [turn.button(key, answer(code)) for code, key in _STUDYING_BUTTONS]
    if step == "documents":
        have = set(_answers(turn).get("documents") or ())
        buttons = [
            Button(f"{'✅' if code in have else '▫️'} {turn.t(f'elig.btn.doc.{code}')}", answer(code).pack())
            for code in DOCUMENTS
        ]
        return buttons + [turn.button("elig.btn.have_all", answer("all")),
                          turn.button("elig.btn.done", answer("done"))]
    return []


def _buttons(turn: Turn, step: str) -> list[Button]:
    return _answer_buttons(turn, step) + _nav_buttons(turn, step)


def _ask(turn: Turn, step: str) -> None:
    turn.say_key(_QUESTION_KEYS.get(step, f"elig.ask.{step}"), _buttons(turn, step))


def _retry(turn: Turn, step: str, key: str) -> None:
    turn.say_key(key, _buttons(turn, step))


# ---------------------------------------------------------------- moving through the steps


def _record(turn: Turn, step: str, value: Any) -> None:
    answers = _answers(turn)
    answers[step] = value
    if step == "region":
        turn.consultation.region = value
    _save(turn, step, answers)
    _advance(turn, step)


def _advance(turn: Turn, step: str) -> None:
    following = STEPS[STEPS.index(step) + 1:]
    if not following:
        _finish(turn)
        return
    _go_to(turn, following[0])


def _go_to(turn: Turn, step: str) -> None:
    answers = _answers(turn)
    if step == "birth":
        answers.pop("birth_failures", None)
    _save(turn, step, answers)
    _ask(turn, step)


async def _back(turn: Turn) -> None:
    step = turn.state.get("step")
    index = STEPS.index(step) if step in STEPS else 0
    if index == 0:
        await _cancel(turn)
        return
    _go_to(turn, STEPS[index - 1])


async def _cancel(turn: Turn) -> None:
    turn.update_state(flow=None, step=None, elig=None, redact_inbound=None)
    turn.set_outcome("eligibility:cancelled")
    turn.say_key("elig.cancelled")
    await menu.show_menu(turn)


def _answer_button(turn: Turn, step: str, value: str) -> None:
    if step in YES_NO_STEPS and value in ("yes", "no"):
        _record(turn, step, value == "yes")
    elif step == "region" and value in dict(_REGION_BUTTONS):
        _record(turn, step, value)
    elif step == "studying" and value in dict(_STUDYING_BUTTONS):
        _record(turn, step, value)
    elif step == "documents":
        _answer_documents_button(turn, value)
    else:
        _ask(turn, step)


# ---------------------------------------------------------------- age: IIN or birth date


def _iin_candidate(text: str) -> str | None:
    """What in the text was meant as an IIN, or None if it was no IIN attempt."""
    compact = _SEPARATORS.sub("", text)
    if compact and all(c in "0123456789" for c in compact):
        return compact  # only digits: an IIN of any length, so a short one gets "length"
    runs = [_SEPARATORS.sub("", run) for run in _DIGIT_RUN.findall(text)]
    longest = max(runs, key=len, default="")
    if len(longest) >= 9:
        return longest  # "мой ИИН 990315300123"
    if compact.isalnum() and sum(c in "0123456789" for c in compact) >= 9:
        return compact  # a letter among the digits (O for 0): parse_iin says "format"
    return None


def _read_birth(text: str, today: date) -> tuple[date | None, IinInfo | None, str | None]:
    """(birth date, IIN info, None) or (None, None, gettext key of the problem)."""
    born = parse_birth_date(text, today)
    if born is not None:
        return born, None, None
    candidate = _iin_candidate(text)
    if candidate is None:
        return None, None, "elig.retry.birth_date"
    try:
        info = parse_iin(candidate)
    except IinError as exc:
        return None, None, f"elig.iin_error.{exc.reason}"
    if info.birth_date > today:
        return None, None, "elig.iin_error.date"
    return info.birth_date, info, None


async def _answer_birth(turn: Turn, text: str) -> None:
    answers = _answers(turn)
    born, info, problem = _read_birth(text, turn.today)
    if problem is not None:
        failures = int(answers.get("birth_failures", 0)) + 1
        answers["birth_failures"] = failures
        _save(turn, "birth", answers)
        buttons = _nav_buttons(turn, "birth")
        message = turn.t(problem)
        if failures >= MAX_BIRTH_FAILURES:
            # Stuck on the IIN: offer the birth date instead, and a person.
            message = f"{message}\n\n{turn.t('elig.iin_error.too_many')}"
            buttons = [turn.button("elig.btn.operator", MenuChoice(item=MenuItem.operator))] + buttons
        turn.say(message, buttons)
        return
    assert born is not None
    for key in ("birth_failures", "sex", "iin_hash", "turns_on"):
        answers.pop(key, None)
    answers.update(_age_facts(born, _rules(turn)))
    if info is not None:
        answers["sex"] = info.sex
        # Deliberately slow (scrypt, core.iin): computed beside the event loop.
        answers["iin_hash"] = await asyncio.to_thread(iin_hash, info.iin, turn.services.secret_key)
    _save(turn, "birth", answers)
    _advance(turn, "birth")


def _age_facts(born: date, rules: Rules) -> dict[str, Any]:
    """What the verdict needs from a birth date, without the birth date itself."""
    age = age_on(born, rules.age_counted_on)
    facts: dict[str, Any] = {"age": age, "birth_year": born.year}
    if age < rules.min_age:
        facts["turns_on"] = anniversary(born, rules.min_age).isoformat()
    elif age > rules.max_age:
        facts["turns_on"] = anniversary(born, rules.max_age + 1).isoformat()
    return facts


# ---------------------------------------------------------------- documents (multi-select)


def _set_documents(turn: Turn, documents: set[str]) -> dict[str, Any]:
    answers = _answers(turn)
    answers["documents"] = [code for code in DOCUMENTS if code in documents]
    _save(turn, "documents", answers)
    return answers


def _answer_documents_button(turn: Turn, value: str) -> None:
    have = set(_answers(turn).get("documents") or ())
    if value == "done":
        _set_documents(turn, have)
        _advance(turn, "documents")
    elif value == "all":
        _set_documents(turn, set(DOCUMENTS))
        _advance(turn, "documents")
    elif value in DOCUMENTS:
        _set_documents(turn, have ^ {value})
        _ask(turn, "documents")  # the same question with the ticks updated
    else:
        _ask(turn, "documents")


def _answer_documents_text(turn: Turn, text: str) -> None:
    word = fold_cyrillic(fold(text))
    if word in _DONE_FOLDED:
        _answer_documents_button(turn, "done")
        return
    if word in _ALL_FOLDED:
        _answer_documents_button(turn, "all")
        return
    # "1, 3" on WhatsApp: the numbers of the documents the person has, all at once.
    if _DOC_NUMBERS.fullmatch(word):
        numbers = {int(n) for n in re.findall(r"[0-9]+", word)}
        if numbers and all(1 <= n <= len(DOCUMENTS) for n in numbers):
            _set_documents(turn, {DOCUMENTS[n - 1] for n in numbers})
            _advance(turn, "documents")
            return
    answer = parse_yes_no(text)
    if answer is True:
        _answer_documents_button(turn, "all")
    elif answer is False:
        _set_documents(turn, set())
        _advance(turn, "documents")
    else:
        _retry(turn, "documents", "elig.retry.documents")


# ---------------------------------------------------------------- the verdict


def _stand_in_birth_date(rules: Rules, age: int) -> date:
    # Someone whose birthday is the counting date is exactly `age` on it.
    return anniversary(rules.age_counted_on, -age)


def _with_real_dates(reason: Reason, answers: dict[str, Any]) -> Reason:
    """Put the real "turns 18 / turns 36 on" date into an age reason."""
    if reason.criterion != "age" or "turns_on" not in answers:
        return reason
    turns_on = date.fromisoformat(answers["turns_on"])
    params = dict(reason.params)
    for name in ("adult_date", "over_date"):
        if name in params:
            params[name] = turns_on
    return replace(reason, params=params)


def _counting_day(turn: Turn, announced: bool) -> date | str:
    """The day age is counted on (the application deadline) as users may hear it: its date
    once the programme has announced and confirmed the season's window, else its name."""
    if announced:
        return _rules(turn).age_counted_on
    return turn.t("elig.counting_day")


def _counted_on(reason: Reason, day: date | str) -> Reason:
    if reason.criterion != "age" or "date" not in reason.params:
        return reason
    return replace(reason, params={**reason.params, "date": day})


def _without_dates(reason: Reason) -> Reason:
    """The reason as the journal keeps it: the person's own dates replaced by a mask."""
    if reason.criterion != "age":
        return reason
    params = {name: DATE_MASK if name in ("adult_date", "over_date") else value
              for name, value in reason.params.items()}
    return replace(reason, params=params)


def _evaluate(rules: Rules, answers: dict[str, Any]) -> Verdict:
    verdict = evaluate(rules, Answers(
        citizen=bool(answers["citizen"]),
        birth_date=_stand_in_birth_date(rules, int(answers["age"])),
        region=answers["region"],
        employed=bool(answers["employed"]),
        studying=answers["studying"],
        training=bool(answers["training"]),
        documents=frozenset(answers.get("documents") or ()),
        applied_already=bool(answers["applied"]),
    ))
    return replace(verdict, reasons=[_with_real_dates(r, answers) for r in verdict.reasons])


def _finish(turn: Turn) -> None:
    answers = _answers(turn)
    missing = [step for step in STEPS if step != "birth" and step not in answers]
    if "age" not in answers:
        missing.insert(0, "birth")
    if missing:
        # State from an older version or edited by hand: ask what is missing.
        _go_to(turn, missing[0])
        return
    rules = _rules(turn)
    verdict = _evaluate(rules, answers)
    _store(turn, verdict, answers)
    # The derived personal data is on the contact now; the wizard's copy goes.
    turn.update_state(flow=None, step=None, elig=None, redact_inbound=None)
    _say_verdict(turn, rules, verdict)


def _store(turn: Turn, verdict: Verdict, answers: dict[str, Any]) -> None:
    consultation = turn.consultation
    consultation.eligibility_verdict = verdict.verdict
    consultation.eligibility_failed = verdict.criteria
    consultation.region = answers["region"]
    turn.set_outcome(f"eligibility:{verdict.verdict}")
    contact = turn.contact
    # The birth year is not kept: beside the IIN hash it would narrow the guesses (issue 14).
    contact.age_band = age_band(int(answers["age"]))
    # A check answered with a birth date keeps what an earlier IIN gave.
    if answers.get("sex"):
        contact.sex = answers["sex"]
    if answers.get("iin_hash"):
        contact.iin_hash = answers["iin_hash"]


def _say_verdict(turn: Turn, rules: Rules, verdict: Verdict) -> None:
    translator = turn.services.translator
    today = turn.today
    announced = Calendar.from_programme(turn.services.programme).announced
    phase = window_phase(rules, today, announced)
    header = [turn.t(verdict_header_key(verdict, phase))]
    counting_day = _counting_day(turn, announced)
    verdict = replace(verdict, reasons=[_counted_on(reason, counting_day) for reason in verdict.reasons])
    lines = header + [f"• {render_reason(reason, turn.lang, translator)}" for reason in verdict.reasons]
    # "18 вам исполнится 20 мая 2027" is a birth date: the journal keeps the verdict without it.
    journaled = header + [f"• {render_reason(_without_dates(reason), turn.lang, translator)}"
                          for reason in verdict.reasons]
    turn.say("\n".join(lines), journal_text="\n".join(journaled))

    website = str(turn.services.programme.get("facts", {}).get("website", ""))
    steps = next_steps(verdict, rules, website=website, today=today, announced=announced)
    lines = [turn.t("elig.next.title")]
    lines += [f"• {render_step(step, turn.lang, translator)}" for step in steps]
    buttons = []
    if verdict.verdict != "not_eligible" and not accepting(phase):
        buttons.append(turn.button("season.notify.button", SeasonNotify(action="notify")))
    if verdict.verdict == "not_eligible":
        buttons.append(turn.button("elig.btn.faq", MenuChoice(item=MenuItem.faq)))
    buttons += [turn.button("elig.btn.operator", MenuChoice(item=MenuItem.operator)),
                turn.button("elig.btn.restart", WizardNav(action="restart")),
                turn.button("menu.back", MenuChoice(item=MenuItem.main))]
    turn.say("\n".join(lines), buttons)
