"""Notification texts: every status in every language says what it means and what is next."""
import re

import pytest

from core.i18n import LANGUAGES
from notify.texts import reason_code, reason_text, reminder_text, status_text
from storage.applications import STATUSES
from tests.conftest import translator


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_status_has_a_full_text(status, lang):
    t = translator()
    text = status_text(t, lang, number="ZP-1", status=status, reason="age", changed=True)
    assert "ZP-1" in text and t.t(lang, f"notify.label.{status}") in text
    assert t.t(lang, f"notify.status.{status}") in text
    assert not re.search(r"\{\w+\}", text)
    assert len(text) < 1024  # fits a WhatsApp template variable and a Telegram message easily
    others = [status_text(t, other, number="ZP-1", status=status, reason=None, changed=True)
              for other in LANGUAGES if other != lang]
    assert text not in others


@pytest.mark.parametrize("reason, code", [("age", "age"), ("Возраст", "age"), ("прописка", "registration"),
                                          ("NEET documents", "neet_documents"), ("дубликат", "duplicate"),
                                          ("incomplete", "incomplete"), ("Не приложено резюме", None)])
def test_reasons_in_plain_words(reason, code):
    assert reason_code(reason) == code
    text = reason_text(translator(), "ru", reason)
    assert text == (translator().t("ru", f"notify.reason.{code}") if code else reason)


def test_rejection_reason_shown_only_for_rejections():
    t = translator()
    rejected = status_text(t, "kk", number="7", status="tech_rejected", reason="age", changed=False)
    assert "Себебі: жасыңыз" in rejected
    assert "Себебі" not in status_text(t, "kk", number="7", status="winner", reason="age", changed=False)
    free = status_text(t, "en", number="7", status="tech_rejected", reason="CV missing", changed=False)
    assert "Reason: CV missing" in free


def test_reminder_texts_carry_the_opt_out_hint():
    from datetime import date

    for lang in LANGUAGES:
        text = reminder_text(translator(), lang, "deadline", when=date(2026, 10, 22), days=3)
        assert "22.10.2026" in text and "STOP" in text
