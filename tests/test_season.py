"""Season-aware answers: the calendar's phase for a date, and FAQ answers in the right tense."""
from datetime import date, datetime, timezone

import pytest

from bot.engine import ConversationEngine
from core.privacy import mask_iins
from core.season import Calendar, sentences
from fakes.season import confirmed_programme
from tests.conftest import make_services, translator
from tests.support.conversation import BotClient

PROGRAMME = confirmed_programme()


@pytest.mark.parametrize(("today", "phase"), [
    (date(2026, 10, 8), "before"), (date(2026, 10, 9), "open"), (date(2026, 10, 22), "open"),
    (date(2026, 10, 23), "closed"), (date(2026, 11, 29), "closed"),
])
def test_phase_follows_the_window(today, phase):
    assert Calendar.from_programme(PROGRAMME).phase(today) == phase


def test_not_announced_when_the_programme_says_so_or_has_no_window():
    assert Calendar.from_programme({**PROGRAMME, "calendar": {"announced": False}}).phase(date(2026, 10, 10)) \
        == "not_announced"
    assert Calendar.from_programme({"eligibility": {}}).phase(date(2026, 10, 10)) == "not_announced"


def test_sentences_speak_in_the_tense_of_the_day():
    calendar = Calendar.from_programme(PROGRAMME)
    during = sentences(calendar, date(2026, 10, 15), "ru", translator(), "www.zhasproject.com")
    after = sentences(calendar, date(2026, 11, 29), "ru", translator(), "www.zhasproject.com")
    assert "Не откладывайте" in during["season_window"] and "22 октября 2026 года" in during["season_window"]
    assert "закрылся 22 октября 2026 года" in after["season_window"] and "Не откладывайте" not in after["season_window"]
    assert during["season_draw"] == "Жеребьёвка пройдёт 31 октября 2026 года."
    assert after["season_draw"] == "Жеребьёвка этого сезона прошла 31 октября 2026 года."
    unknown = sentences(Calendar.from_programme({**PROGRAMME, "calendar": {"announced": True}}),
                        date(2026, 10, 15), "en", translator(), "www.zhasproject.com")
    assert unknown["season_draw"] == "The date of the draw will be announced on www.zhasproject.com."


@pytest.mark.parametrize(("moment", "expected", "absent"), [
    (datetime(2026, 10, 15, 6, tzinfo=timezone.utc), "Не откладывайте", "закрылся"),
    (datetime(2026, 11, 29, 6, tzinfo=timezone.utc), "закрылся 22 октября", "Не откладывайте"),
])
async def test_the_deadline_answer_on_a_given_day(sqlite_db, moment, expected, absent):
    engine = ConversationEngine(sqlite_db, make_services(with_faq=True), masker=mask_iins, clock=lambda: moment)
    client = BotClient(engine, user_id="season")
    await client.start("ru")
    await client.press("menu:faq")
    await client.send(payload="faq:deadline")
    assert expected in client.text and absent not in client.text
