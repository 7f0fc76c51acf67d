"""Notification texts: every status in every language says what it means and what is next,
true to the programme's report (../shared/programme/programme-facts.md)."""
import re
from datetime import date

import pytest

from core.i18n import LANGUAGES
from core.programme import STAGES, ProgrammeConfigError, SeasonCalendar, load_programme
from notify.texts import reason_code, reason_text, reminder_text, status_text
from storage.applications import STATUSES
from tests.conftest import translator

SEASON = SeasonCalendar({**dict.fromkeys(STAGES), "technical_selection": (date(2026, 10, 28), date(2026, 10, 28)),
                         "draw": (date(2026, 10, 31), date(2026, 10, 31)),
                         "contracts": (date(2026, 11, 2), date(2026, 11, 13)),
                         "implementation": (date(2026, 11, 16), date(2026, 12, 25)),
                         "final_report": (date(2026, 12, 28), date(2026, 12, 28)),
                         "presentation": (date(2027, 1, 15), date(2027, 1, 15))},
                        draw_stream_url="https://facebook.com/zhasproject/live")
UNANNOUNCED = SeasonCalendar(dict.fromkeys(STAGES))


def text(status, lang, season=SEASON, reason=None):
    return status_text(translator(), lang, number="ZP-1", status=status, reason=reason, changed=True, season=season)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_status_has_a_full_text(status, lang):
    t = translator()
    for season in (SEASON, UNANNOUNCED, None):
        body = text(status, lang, season, reason="age")
        assert "ZP-1" in body and t.t(lang, f"notify.label.{status}") in body
        assert t.t(lang, f"notify.status.{status}") in body
        assert not re.search(r"\{\w+\}", body)
        assert len(body) < 1024  # fits a WhatsApp template variable and a Telegram message easily
    others = [text(status, other) for other in LANGUAGES if other != lang]
    assert text(status, lang) not in others


# Words that would contradict the programme: stage 2 is a public random draw (no jury, no
# scoring, no defence); grants are never paid to the grantee (the office pays suppliers);
# the final report is a creative report, not a spending report.
JURY = {"ru": ("комисси", "защита проекта", "оценивает"), "kk": ("комиссия", "қорғау қажет", "бағалайды"),
        "en": ("committee", "pitch is needed", "assesses")}
CASH = {"ru": ("перечислен", "чеки", "на что потрачены"), "kk": ("аударылды", "чектер", "неге жұмсалғанын"),
        "en": ("has been paid", "receipt", "what the money was spent on")}
DRAW = {"ru": ("рандомизац", "прямом эфире", "Facebook"), "kk": ("рандомизация", "тікелей эфир", "Facebook"),
        "en": ("draw", "live", "Facebook")}
SUPPLIERS = {"ru": ("поставщик", "счета"), "kk": ("жеткізуші", "төлем шот"), "en": ("supplier", "invoice")}
NO_CASH = {"ru": "наличн", "kk": "қолма-қол", "en": "cash"}
NO_JURY = {"ru": "жюри", "kk": "қазылар алқасы", "en": "no jury"}
CONTEST = {"ru": "жалоба", "kk": "шағым", "en": "complaint"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_status_speaks_of_a_jury_cash_or_a_spending_report(lang):
    for status in STATUSES:
        body = text(status, lang).casefold()
        for word in JURY[lang] + CASH[lang]:
            assert word.casefold() not in body, (status, word)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_received_waits_for_technical_selection(lang):
    assert "28.10.2026" in text("received", lang)
    assert "www.zhasproject.com" in text("received", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tech_passed_is_a_public_random_draw_with_its_date_and_stream(lang):
    body = text("tech_passed", lang)
    assert all(word in body for word in DRAW[lang])
    assert NO_JURY[lang] in body
    assert "31.10.2026" in body and "https://facebook.com/zhasproject/live" in body
    unannounced = text("tech_passed", lang, UNANNOUNCED)
    assert translator().t(lang, "notify.when_unknown.tech_passed") in unannounced
    assert "http" not in unannounced and "Facebook" in unannounced  # the page, no invented link


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tech_rejected_says_how_to_contest(lang):
    body = text("tech_rejected", lang, reason="age")
    assert CONTEST[lang] in body.casefold() and "/operator" in body
    assert translator().t(lang, "complaint.button").lstrip("📝 ") in body  # the button the user will see
    assert translator().t(lang, "notify.reason.age") in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_winner_signs_on_ezsigner_with_a_digital_signature(lang):
    body = text("winner", lang)
    assert "ezsigner.kz" in body and ("ЭЦП" in body or "ЭЦҚ" in body)
    assert "02.11.2026–13.11.2026" in body


@pytest.mark.parametrize("status", ["contract_signed", "funded"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_grants_go_to_suppliers_against_invoices_never_to_the_grantee(status, lang):
    body = text(status, lang)
    assert all(word in body for word in SUPPLIERS[lang])
    assert NO_CASH[lang] in body.casefold()  # said plainly: no cash, no transfer to the grantee
    assert "16.11.2026–25.12.2026" in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_due_is_the_final_creative_report(lang):
    body = text("report_due", lang)
    assert "28.12.2026" in body
    words = {"ru": ("творческий отчёт", "фотографии"), "kk": ("шығармашылық есеп", "фотосуреттер"),
             "en": ("creative report", "photos")}[lang]
    assert all(word in body for word in words)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_selected_was_the_draw_not_a_judgement(lang):
    body = text("not_selected", lang)
    assert DRAW[lang][0] in body and "www.zhasproject.com" in body


def test_the_season_file_feeds_the_texts():
    programme = load_programme()
    season = SeasonCalendar.from_programme(programme)
    assert set(season.stages) == {*STAGES, "results"}
    assert season.planned("applications")[0] < season.planned("applications")[1]
    # Dates the programme has not confirmed are settings, not promises: not named to applicants.
    unconfirmed = SeasonCalendar.from_programme({**programme, "calendar": {**programme["calendar"],
                                                                           "draw": "2026-10-31", "confirmed": False}})
    body = text("tech_passed", "ru", unconfirmed)
    assert "31.10.2026" not in body and translator().t("ru", "notify.when_unknown.tech_passed") in body
    confirmed = SeasonCalendar.from_programme({**programme, "calendar": {**programme["calendar"],
                                                                         "draw": "2026-10-31", "confirmed": True}})
    assert "31.10.2026" in text("tech_passed", "ru", confirmed)
    with pytest.raises(ProgrammeConfigError, match="unknown stage"):
        SeasonCalendar.from_programme({"calendar": {"defence": "2026-11-01"}})
    with pytest.raises(ProgrammeConfigError, match="ends before"):
        SeasonCalendar.from_programme({"calendar": {"draw": ["2026-11-02", "2026-11-01"]}})


@pytest.mark.parametrize("reason, code", [("age", "age"), ("Возраст", "age"), ("прописка", "registration"),
                                          ("NEET documents", "neet_documents"), ("дубликат", "duplicate"),
                                          ("incomplete", "incomplete"), ("Не приложено резюме", None)])
def test_reasons_in_plain_words(reason, code):
    assert reason_code(reason) == code
    body = reason_text(translator(), "ru", reason)
    assert body == (translator().t("ru", f"notify.reason.{code}") if code else reason)


def test_rejection_reason_shown_only_for_rejections():
    t = translator()
    rejected = status_text(t, "kk", number="7", status="tech_rejected", reason="age", changed=False)
    assert "Себебі: жасыңыз" in rejected
    assert "Себебі" not in status_text(t, "kk", number="7", status="winner", reason="age", changed=False)
    free = status_text(t, "en", number="7", status="tech_rejected", reason="CV missing", changed=False)
    assert "Reason: CV missing" in free


def test_reminder_texts_carry_the_opt_out_hint():
    for lang in LANGUAGES:
        body = reminder_text(translator(), lang, "deadline", when=date(2026, 10, 22), days=3)
        assert "22.10.2026" in body and "STOP" in body
