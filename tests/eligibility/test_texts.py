from datetime import date

import pytest

from core.i18n import Translator
from eligibility.rules import Reason, evaluate
from eligibility.texts import (format_day, next_steps, next_steps_keys, render_reason, render_step,
                              verdict_header_key, window_phase)
from tests.eligibility.conftest import answers


@pytest.fixture(scope="module")
def translator():
    return Translator()


def test_dates_per_language():
    day = date(2026, 10, 22)
    assert format_day(day, "en") == "22 October 2026"
    assert format_day(day, "ru") == "22 октября 2026 года"
    assert format_day(day, "kk") == "2026 жылғы 22 қазан"


def test_too_old_message(rules, translator):
    reason = evaluate(rules, answers(birth_date=date(1990, 10, 22))).reasons[0]
    assert render_reason(reason, "en", translator) == (
        "You turn 36 on or before 22 October 2026; the age limit is 35."
    )
    ru = render_reason(reason, "ru", translator)
    assert "22 октября 2026 года" in ru and "36" in ru and "35" in ru
    kk = render_reason(reason, "kk", translator)
    assert "2026 жылғы 22 қазан" in kk and "36 жас" in kk


def test_too_young_message(rules, translator):
    reason = evaluate(rules, answers(birth_date=date(2009, 3, 3))).reasons[0]
    en = render_reason(reason, "en", translator)
    assert en.startswith("You will be only 17 on 22 October 2026")
    assert "3 March 2027" in en
    assert "3 марта 2027 года" in render_reason(reason, "ru", translator)
    assert "2027 жылғы 3 наурыз" in render_reason(reason, "kk", translator)


def test_documents_named_in_plain_words(rules, translator):
    reason = evaluate(rules, answers(documents=frozenset({"id"}))).reasons[0]
    en = render_reason(reason, "en", translator)
    assert en == (
        "You still need: an address certificate (proof of registration) and a document "
        "proving NEET status (that you are not working or studying)."
    )
    assert " и " in render_reason(reason, "ru", translator)
    assert " және " in render_reason(reason, "kk", translator)


def test_regions_named(rules, translator):
    reason = evaluate(rules, answers(region="other")).reasons[0]
    assert render_reason(reason, "en", translator) == (
        "You need to be registered in Almaty city or in Mangystau region."
    )
    assert "Алматы қаласында немесе Маңғыстау облысында" in render_reason(reason, "kk", translator)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_every_reason_renders_without_placeholders_left(rules, translator, lang):
    from eligibility.rules import Answers

    verdict = evaluate(rules, Answers(
        citizen=False, birth_date=date(1980, 1, 1), region="other", employed=True,
        studying="full-time", training=True, documents=frozenset(), applied_already=True,
    ))
    reasons = verdict.reasons + evaluate(rules, answers(birth_date=date(2010, 1, 1))).reasons
    reasons.append(Reason("education", "elig.reason.studying_part_time"))
    for reason in reasons:
        text = render_reason(reason, lang, translator)
        assert text and "{" not in text and "elig." not in text


def test_next_steps_eligible_in_window(rules, translator):
    verdict = evaluate(rules, answers())
    steps = next_steps(verdict, rules, website="www.zhasproject.com", today=date(2026, 10, 10))
    assert [s.key for s in steps] == [
        "elig.next.apply_online", "elig.next.deadline", "elig.next.documents",
        "elig.next.operator_help",
    ]
    texts = [render_step(s, "en", translator) for s in steps]
    assert "www.zhasproject.com" in texts[0]
    assert "22 October 2026" in texts[1]


@pytest.mark.parametrize(
    ("today", "key"),
    [(date(2026, 10, 8), "elig.next.window_opens"), (date(2026, 10, 9), "elig.next.deadline"),
     (date(2026, 10, 22), "elig.next.deadline"), (date(2026, 10, 23), "elig.next.window_closed_notify")],
)
def test_next_steps_follow_the_window(rules, today, key):
    verdict = evaluate(rules, answers())
    keys = next_steps_keys(verdict, rules, today=today)
    assert key in keys
    # Out of the window nothing says "apply now", and the verdict does not say "you can apply".
    closed = key.endswith("closed_notify")
    assert ("elig.next.apply_online" in keys) is not closed
    phase = window_phase(rules, today)
    assert verdict_header_key(verdict, phase) == ("elig.verdict.eligible_closed" if closed else "elig.verdict.eligible")


def test_next_season_not_announced(rules, translator):
    verdict = evaluate(rules, answers())
    steps = next_steps(verdict, rules, website="www.zhasproject.com", today=date(2026, 10, 10), announced=False)
    keys = [s.key for s in steps]
    assert "elig.next.not_announced" in keys and "elig.next.apply_online" not in keys
    text = render_step(steps[keys.index("elig.next.not_announced")], "ru", translator)
    assert "ещё не объявлен" in text and "сообщим" in text


def test_next_steps_needs_documents(rules, translator):
    verdict = evaluate(rules, answers(documents=frozenset({"id", "neet"})))
    steps = next_steps(verdict, rules, website="w", today=date(2026, 10, 10))
    assert steps[0].key == "elig.next.get_documents"
    assert steps[0].params == {"documents": ("registration",)}
    assert render_step(steps[0], "en", translator) == (
        "First get these documents ready: an address certificate (proof of registration)."
    )


def test_next_steps_not_eligible(rules):
    verdict = evaluate(rules, answers(citizen=False))
    assert next_steps_keys(verdict, rules, date(2026, 10, 10)) == ["elig.next.faq", "elig.next.operator"]


def test_needs_documents_names_the_documents_once(rules):
    # Found by hand: with no document at hand the verdict listed all three twice in its steps.
    verdict = evaluate(rules, answers(documents=frozenset()))
    keys = next_steps_keys(verdict, rules, today=date(2026, 10, 10))
    assert keys.count("elig.next.get_documents") == 1 and "elig.next.documents" not in keys
