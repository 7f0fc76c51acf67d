"""The eligibility wizard as conversations: every verdict, typed answers, IIN re-asks,
back and cancel, resume after a restart, privacy of the journal and the contact."""
import asyncio
from datetime import date, datetime, timezone

import aiohttp
import pytest
from sqlalchemy import select

from core.messages import Channel
from core.privacy import mask_iins
from core.season import Calendar, today_in_programme_zone
from bot.engine import ConversationEngine
from core.iin import iin_hash
from storage.models import Consultation, Contact, Message
from tests.conftest import sqlite_url, translator, unique_user
from tests.eligibility.iin_vectors import make_iin
from fakes.season import confirmed_programme
from fakes.telegram_api import FakeTelegramAPI
from tests.support.app import running_bot
from tests.support.conversation import BotClient, contact_of, last_consultation
from tests.support.conversation import started as conversation_started

LANGS = ("kk", "ru", "en")
IIN_MALE_2001 = make_iin("010315", 5)  # born 15 March 2001, male
IIN_FEMALE_1995 = make_iin("950720", 4)  # born 20 July 1995, female


IN_THE_WINDOW = datetime(2026, 10, 15, 6, 0, tzinfo=timezone.utc)  # applications open (config/programme.yaml)
AFTER_THE_WINDOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)


# Bots started whole (HTTP, Telegram) read the real date.
OPEN_TODAY = Calendar.from_programme(confirmed_programme()).accepting(today_in_programme_zone())


@pytest.fixture
def engine(db, services):
    """The conversation engine on a day the season's applications are open."""
    return ConversationEngine(db, services, masker=mask_iins, clock=lambda: IN_THE_WINDOW)


def t(lang, key, **params):
    return translator().t(lang, key, **params)


def bad_checksum(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


async def started(engine, lang="ru", channel=Channel.webchat, user_id=None):
    """A user at the wizard's first question."""
    client = await conversation_started(engine, lang, channel=channel, user_id=user_id)
    await client.press("menu:eligibility")
    return client


async def answer_all(client, *, citizen=True, birth="15.03.2001", region="almaty", employed=False,
                     studying="no", training=False, documents="all", applied=False):
    """Press through the wizard from the citizenship question to the verdict."""
    yes_no = {True: "yes", False: "no"}
    await client.press(f"elig:citizen:{yes_no[citizen]}")
    await client.send(birth)
    await client.press(f"elig:region:{region}")
    await client.press(f"elig:employed:{yes_no[employed]}")
    await client.press(f"elig:studying:{studying}")
    await client.press(f"elig:training:{yes_no[training]}")
    if documents == "all":
        await client.press("elig:documents:all")
    else:
        for code in documents:
            await client.press(f"elig:documents:{code}")
        await client.press("elig:documents:done")
    await client.press(f"elig:applied:{yes_no[applied]}")


async def contact_and_consultation(db, user_id, channel="webchat"):
    return await contact_of(db, user_id, channel), await last_consultation(db, user_id, channel)


async def all_messages(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(Message).order_by(Message.id)))


# ---------------------------------------------------------------- every verdict, every language


@pytest.mark.parametrize("lang", LANGS)
async def test_eligible_with_buttons(engine, db, lang):
    client = await started(engine, lang)
    assert t(lang, "elig.intro") in client.texts
    assert t(lang, "elig.ask.citizen") in client.texts
    assert client.buttons == ["elig:citizen:yes", "elig:citizen:no", "elig:cancel"]
    await answer_all(client)
    assert client.texts[0] == t(lang, "elig.verdict.eligible")
    steps = client.texts[1]
    assert steps.startswith(t(lang, "elig.next.title"))
    assert "www.zhasproject.com" in steps
    assert t(lang, "elig.next.operator_help") in steps
    assert client.buttons == ["menu:operator", "elig:restart", "menu:main"]
    _contact, consultation = await contact_and_consultation(db, client.user_id)
    assert consultation.eligibility_verdict == "eligible"
    assert consultation.eligibility_failed == []
    assert consultation.outcome == "eligibility:eligible"
    assert consultation.region == "almaty"
    assert "eligibility" in consultation.topic_ids


@pytest.mark.parametrize("lang", LANGS)
async def test_after_the_window_the_verdict_promises_nothing_and_offers_the_next_season(db, services, lang):
    engine = ConversationEngine(db, services, masker=mask_iins, clock=lambda: AFTER_THE_WINDOW)
    client = await started(engine, lang)
    await answer_all(client)
    assert client.texts[0] == t(lang, "elig.verdict.eligible_closed")
    assert t(lang, "elig.verdict.eligible") not in client.text
    assert "22" in client.texts[1] and "season:notify" in client.buttons
    assert t(lang, "elig.next.deadline", closes="x").split("x")[0] not in client.text
    await client.press("season:notify")
    assert t(lang, "season.notify.done") in client.texts
    contact, _ = await contact_and_consultation(db, client.user_id)
    assert contact.next_season_optin_at == AFTER_THE_WINDOW


@pytest.mark.parametrize("lang", LANGS)
async def test_not_eligible_names_every_failed_criterion(engine, db, lang):
    client = await started(engine, lang)
    await answer_all(client, citizen=False, birth="17.05.2010", region="other", employed=True,
                     studying="full-time", training=True, applied=True)
    header, *reasons = client.texts[0].split("\n")
    assert header == t(lang, "elig.verdict.not_eligible")
    assert len(reasons) == 7 and all(line.startswith("• ") for line in reasons)
    text = client.texts[0]
    for key in ("elig.reason.not_citizen", "elig.reason.employed", "elig.reason.studying_full_time",
                "elig.reason.training", "elig.reason.applied_already"):
        assert t(lang, key) in text
    # The age reason names the real day the person turns 18 (17 May 2028), not a stand-in.
    assert {"kk": "2028 жылғы 17 мамыр", "ru": "17 мая 2028 года", "en": "17 May 2028"}[lang] in text
    # What the programme offers instead.
    assert t(lang, "elig.next.faq") in client.texts[1] and t(lang, "elig.next.operator") in client.texts[1]
    assert client.buttons[:2] == ["menu:faq", "menu:operator"]
    contact, consultation = await contact_and_consultation(db, client.user_id)
    assert consultation.eligibility_verdict == "not_eligible"
    assert consultation.eligibility_failed == ["duplicate", "citizenship", "age", "region", "employment",
                                               "education", "training"]
    assert consultation.outcome == "eligibility:not_eligible"
    assert consultation.region == "other"
    assert contact.age_band == "13-16"  # no birth year beside the IIN hash (issue 14)


@pytest.mark.parametrize("lang", LANGS)
async def test_needs_documents_lists_what_to_get(engine, db, lang):
    client = await started(engine, lang)
    await answer_all(client, region="mangystau", studying="no", documents=["id"])
    assert client.texts[0].split("\n")[0] == t(lang, "elig.verdict.needs_documents")
    missing = t(lang, "elig.doc.registration")
    assert missing in client.texts[0] and t(lang, "elig.doc.neet") in client.texts[0]
    first_step = client.texts[1].split("\n")[1]
    assert first_step.startswith("• ") and missing in first_step  # get the documents first
    _contact, consultation = await contact_and_consultation(db, client.user_id)
    assert consultation.eligibility_verdict == "needs_documents"
    assert consultation.eligibility_failed == ["documents"]
    assert consultation.outcome == "eligibility:needs_documents"
    assert consultation.region == "mangystau"


async def test_too_old_is_told_the_age_limit(engine):
    client = await started(engine, "en")
    await answer_all(client, birth="05.01.1990")
    assert "You turn 36 on or before 22 October 2026; the age limit is 35." in client.texts[0]


# ---------------------------------------------------------------- typed answers


async def test_typed_answers_in_russian(engine, db):
    client = await started(engine, "ru")
    for text in ("да", "15.03.2001", "Ақтау", "нет", "не учусь", "нет", "все есть", "нет"):
        await client.send(text)
    assert client.texts[0] == "Вы можете подать заявку!"
    _contact, consultation = await contact_and_consultation(db, client.user_id)
    assert consultation.region == "mangystau"


async def test_part_time_study_is_study_unless_the_programme_says_otherwise(engine, db):
    """NEET is "not in education" (the programme's report); whether extramural or evening study
    keeps the status is not in it, so the shipped rules count it as study."""
    client = await started(engine, "ru")
    for text in ("да", "15.03.2001", "Ақтау", "нет", "заочно", "нет", "все есть", "нет"):
        await client.send(text)
    assert client.texts[0].split("\n")[0] == t("ru", "elig.verdict.not_eligible")
    assert t("ru", "elig.reason.studying_part_time") in client.texts[0]


async def test_typed_answers_in_kazakh_with_an_iin(engine, db):
    client = await started(engine, "kk")
    for text in ("иә", IIN_FEMALE_1995, "Алматы", "жоқ", "оқымаймын", "жоқ", "бәрі бар", "жоқ"):
        await client.send(text)
    assert client.texts[0] == "Сіз өтінім бере аласыз!"
    contact, _ = await contact_and_consultation(db, client.user_id)
    assert (contact.age_band, contact.sex) == ("28-32", "female")


async def test_answers_typed_as_statements_the_way_people_write(engine, db):
    """"Are you working?" — "жумыссызбын окымаймын": a statement is an answer, not a side
    question that shows the NEET article and asks again."""
    client = await started(engine, "kk")
    for text in ("азаматымын", "12.05.2004", "актау", "жумыссызбын окымаймын", "окымаймын",
                 "курска бармаймын", "бари бар"):
        await client.send(text)
    assert t("kk", "elig.ask.applied") in client.text
    await client.send("али бермедим")
    assert client.texts[0] == "Сіз өтінім бере аласыз!"


async def test_statements_in_russian_and_english(engine):
    client = await started(engine, "ru")
    for text in ("гражданка РК", "15.03.2001", "Алматы", "нигде не работаю", "не учусь", "никаких курсов",
                 "все есть", "еще не подавала"):
        await client.send(text)
    assert client.texts[0] == "Вы можете подать заявку!"
    client = await started(engine, "en")
    for text in ("yes", "15 March 2001", "Almaty", "I'm working"):
        await client.send(text)
    assert t("en", "elig.ask.studying") in client.text
    await client.press("elig:studying:no")
    await client.press("elig:training:no")
    await client.send("all")
    await client.send("applied last year")  # says nothing about this season
    assert client.texts == [t("en", "elig.retry.yes_no")]


async def test_typed_answers_in_english_and_numbers(engine):
    client = await started(engine, "en")
    await client.send("yes")
    await client.send("15 March 2001")
    await client.send("Almaty")
    await client.send("no")
    await client.send("1")  # not studying
    await client.send("2")  # no training course
    await client.send("1, 2")  # ID card and address certificate
    assert t("en", "elig.ask.applied") in client.text
    await client.send("no")
    assert client.texts[0].split("\n")[0] == "You can apply once your documents are ready."
    assert t("en", "elig.doc.neet") in client.texts[0]
    assert t("en", "elig.doc.id") not in client.texts[0]


async def test_unclear_answers_are_asked_again(engine):
    client = await started(engine, "ru")
    await client.send("может быть")
    assert client.texts == [t("ru", "elig.retry.yes_no")]
    assert client.buttons == ["elig:citizen:yes", "elig:citizen:no", "elig:cancel"]
    await client.send("да")
    await client.send("вчера вечером")
    assert client.texts == [t("ru", "elig.retry.birth_date")]
    await client.send("01.01.2000")
    await client.send("Луна")
    assert client.texts == [t("ru", "elig.retry.region")]
    await client.press("elig:region:almaty")
    await client.press("elig:employed:no")
    await client.send("учусь")
    assert client.texts == [t("ru", "elig.retry.studying")]
    await client.press("elig:studying:no")
    await client.press("elig:training:no")
    await client.send("не знаю")
    assert client.texts == [t("ru", "elig.retry.documents")]


async def test_documents_are_ticked_and_unticked(engine):
    client = await started(engine, "en")
    await answer_all(client)  # one full run first, then again from "Check again"
    await client.press("elig:restart")
    await client.press("elig:citizen:yes")
    await client.send("01.01.2000")
    for payload in ("elig:region:almaty", "elig:employed:no", "elig:studying:no", "elig:training:no",
                    "elig:documents:neet"):
        await client.press(payload)
    titles = [b.title for r in client.last for b in r.outbound.buttons]
    assert titles[:3] == ["▫️ ID card", "▫️ Address certificate", "✅ NEET status document"]
    await client.press("elig:documents:neet")
    titles = [b.title for r in client.last for b in r.outbound.buttons]
    assert titles[2] == "▫️ NEET status document"
    await client.press("elig:documents:done")
    await client.press("elig:applied:no")
    assert client.texts[0].split("\n")[0] == t("en", "elig.verdict.needs_documents")


# ---------------------------------------------------------------- IIN


async def test_valid_iin_gives_the_age(engine, db):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send(f"мой ИИН {IIN_MALE_2001[:6]} {IIN_MALE_2001[6:]}")
    assert client.texts == [t("ru", "elig.ask.region")]
    state = (await contact_and_consultation(db, client.user_id))[0].state
    assert state["elig"]["age"] == 25 and state["elig"]["birth_year"] == 2001
    assert state["elig"]["sex"] == "male"
    assert state["elig"]["iin_hash"] == iin_hash(IIN_MALE_2001, b"dev-only-key")
    assert IIN_MALE_2001 not in str(state) and "2001-03-15" not in str(state)


@pytest.mark.parametrize("typed, key", [
    (bad_checksum(IIN_MALE_2001), "elig.iin_error.checksum"),
    ("991332300123", "elig.iin_error.date"),
    ("99031530012", "elig.iin_error.length"),
    ("9903153001234", "elig.iin_error.length"),
    ("99031530O123", "elig.iin_error.format"),
    ("990315700123", "elig.iin_error.century"),
])
async def test_bad_iin_is_asked_again_naming_the_problem(engine, typed, key):
    client = await started(engine, "en")
    await client.press("elig:citizen:yes")
    await client.send(typed)
    assert client.texts == [t("en", key)]
    assert client.buttons == ["elig:back", "elig:cancel"]
    await client.send(IIN_MALE_2001)
    assert client.texts == [t("en", "elig.ask.region")]


async def test_three_iin_failures_offer_the_birth_date_and_an_operator(engine):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send(bad_checksum(IIN_MALE_2001))
    await client.send("99031530012")
    assert "menu:operator" not in client.buttons
    await client.send("991332300123")
    assert t("ru", "elig.iin_error.date") in client.text
    assert t("ru", "elig.iin_error.too_many") in client.text
    assert client.buttons == ["menu:operator", "elig:back", "elig:cancel"]
    await client.send("15.03.2001")
    assert client.texts == [t("ru", "elig.ask.region")]
    # A success resets the count: going back, one more mistake is a plain re-ask.
    await client.press("elig:back")
    await client.send(bad_checksum(IIN_MALE_2001))
    assert client.buttons == ["elig:back", "elig:cancel"]


async def test_birth_date_answer_keeps_no_sex_or_hash(engine, db):
    client = await started(engine, "en")
    await answer_all(client, birth="15.03.2001")
    contact, _ = await contact_and_consultation(db, client.user_id)
    assert (contact.age_band, contact.sex, contact.iin_hash) == ("23-27", None, None)


# ---------------------------------------------------------------- back and cancel


async def test_back_goes_one_question_back_at_several_steps(engine):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send("15.03.2001")
    await client.press("elig:back")
    assert client.texts == [t("ru", "elig.ask.iin")]
    await client.send("назад")
    assert client.texts == [t("ru", "elig.ask.citizen")]
    await client.press("elig:citizen:yes")
    await client.send("15.03.2001")
    for payload in ("elig:region:almaty", "elig:employed:no", "elig:studying:no", "elig:training:no"):
        await client.press(payload)
    assert t("ru", "elig.ask.documents") in client.text
    await client.press("Назад")  # the button's title
    assert client.texts == [t("ru", "elig.ask.training")]
    await client.press("elig:training:no")
    await client.press("elig:documents:all")
    await client.press("elig:back")
    assert t("ru", "elig.ask.documents") in client.text
    await client.press("elig:documents:done")  # the earlier "all" is still ticked
    await client.press("elig:applied:no")
    assert client.texts[0] == t("ru", "elig.verdict.eligible")


async def test_back_in_kazakh_and_english_words(engine):
    client = await started(engine, "kk")
    await client.press("elig:citizen:yes")
    await client.send("артқа")
    assert client.texts == [t("kk", "elig.ask.citizen")]
    client = await started(engine, "en")
    await client.press("elig:citizen:yes")
    await client.send("Back")
    assert client.texts == [t("en", "elig.ask.citizen")]


@pytest.mark.parametrize("lang, word", [("ru", "отмена"), ("kk", "болдырмау"), ("en", "cancel"), ("ru", "elig:cancel")])
async def test_cancel_ends_the_wizard_and_shows_the_menu(engine, db, lang, word):
    client = await started(engine, lang)
    await client.press("elig:citizen:yes")
    await client.send("15.03.2001")
    await client.press("elig:region:almaty")
    await client.send(word)
    assert client.texts[0] == t(lang, "elig.cancelled")
    assert "menu:eligibility" in client.buttons
    contact, consultation = await contact_and_consultation(db, client.user_id)
    assert "flow" not in contact.state and "elig" not in contact.state
    assert consultation.outcome == "eligibility:cancelled"
    assert consultation.eligibility_verdict is None
    # Free text afterwards is no longer taken as an answer.
    await client.send("да")
    assert t(lang, "elig.ask.iin") not in client.text


async def test_back_at_the_first_question_leaves_the_wizard(engine):
    client = await started(engine, "en")
    await client.send("back")
    assert client.texts[0] == t("en", "elig.cancelled")


async def test_old_buttons_do_not_jump_steps(engine):
    client = await started(engine, "en")
    await client.press("elig:citizen:yes")
    await client.send("01.01.2000")
    await client.send(payload="elig:citizen:no")  # a button of an earlier question
    assert client.texts == [t("en", "elig.ask.region")]
    await client.send(payload="elig:region:atlantis")
    assert client.texts == [t("en", "elig.ask.region")]
    await client.press("elig:cancel")
    await client.send(payload="elig:region:almaty")  # after the wizard ended
    assert client.buttons[0] == "menu:faq"


async def test_leaving_for_the_menu_frees_the_text_and_the_menu_resumes(engine):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send("/menu")
    await client.send("да")  # not an answer any more: the wizard is not on screen
    assert t("ru", "elig.ask.region") not in client.text and t("ru", "elig.retry.birth_date") not in client.text
    await client.send(payload="menu:eligibility")
    assert client.texts == [t("ru", "elig.resume"), t("ru", "elig.ask.iin")]
    await client.send("15.03.2001")
    assert client.texts == [t("ru", "elig.ask.region")]


# ---------------------------------------------------------------- restart and resume


async def test_resumes_after_a_restart_at_the_same_step(db, services):
    user = unique_user()
    first = BotClient(ConversationEngine(db, services, masker=mask_iins, clock=lambda: IN_THE_WINDOW), user_id=user)
    await first.start("ru")
    await first.send("/check")
    await first.send("да")
    await first.send("15.03.2001")
    await first.press("elig:region:almaty")
    assert first.texts == [t("ru", "elig.ask.employed")]

    # A new engine on the same database: the process restarted.
    second = BotClient(ConversationEngine(db, services, masker=mask_iins, clock=lambda: IN_THE_WINDOW), user_id=user)
    await second.send("нет")
    assert second.texts == [t("ru", "elig.ask.studying")]
    await second.send("/check")  # the menu or /check continues rather than starting over
    assert second.texts == [t("ru", "elig.resume"), t("ru", "elig.ask.studying")]
    for text in ("1", "нет", "все есть", "нет"):
        await second.send(text)
    assert second.texts[0] == t("ru", "elig.verdict.eligible")


# ---------------------------------------------------------------- privacy


async def test_journal_never_holds_a_whole_iin(engine, db):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    wrong = bad_checksum(IIN_FEMALE_1995)
    await client.send(wrong)
    await client.send(f"ИИН {IIN_FEMALE_1995}")
    await answer_all_after_birth(client)
    texts = [m.text for m in await all_messages(db)]
    assert len(texts) > 20
    for iin in (IIN_FEMALE_1995, wrong):
        assert not any(iin in text for text in texts)
    # What was typed at the birth step is replaced by a placeholder, not merely masked.
    from handlers.eligibility import REDACTED_BIRTH

    assert sum(text == REDACTED_BIRTH for text in texts) == 2
    contact, consultation = await contact_and_consultation(db, client.user_id)
    assert consultation.eligibility_verdict == "eligible"
    for value in (str(contact.state), str(contact.__dict__), str(consultation.__dict__)):
        assert IIN_FEMALE_1995 not in value and "1995-07-20" not in value
    assert contact.iin_hash == iin_hash(IIN_FEMALE_1995, b"dev-only-key")
    assert (contact.age_band, contact.sex) == ("28-32", "female")


async def answer_all_after_birth(client):
    for payload in ("elig:region:almaty", "elig:employed:no", "elig:studying:no", "elig:training:no",
                    "elig:documents:all", "elig:applied:no"):
        await client.press(payload)


async def test_contact_keeps_derived_data_only(engine, db):
    client = await started(engine, "en")
    await client.press("elig:citizen:yes")
    await client.send(IIN_MALE_2001)
    await answer_all_after_birth(client)
    contact, _ = await contact_and_consultation(db, client.user_id)
    assert (contact.age_band, contact.sex) == ("23-27", "male")
    assert contact.iin_hash == iin_hash(IIN_MALE_2001, b"dev-only-key") and len(contact.iin_hash) == 64
    assert not any("birth_date" in column or column == "iin" for column in Contact.__table__.columns.keys())
    assert contact.state.get("elig") is None and contact.state.get("flow") is None


async def test_hash_uses_the_services_secret_key(db, services):
    services.secret_key = b"another-key"
    client = await started(ConversationEngine(db, services, masker=mask_iins), "en")
    await client.press("elig:citizen:yes")
    await client.send(IIN_MALE_2001)
    await answer_all_after_birth(client)
    contact, _ = await contact_and_consultation(db, client.user_id)
    assert contact.iin_hash == iin_hash(IIN_MALE_2001, b"another-key")


# ---------------------------------------------------------------- channels


async def test_whatsapp_by_typing_numbers(engine, db):
    user = "+77015550011"
    client = await started(engine, "kk", channel=Channel.whatsapp, user_id=user)
    for text in ("1", IIN_MALE_2001, "2", "2", "1", "2", "4", "2"):
        await client.send(text)
    assert client.texts[0] == t("kk", "elig.verdict.eligible")
    _contact, consultation = await contact_and_consultation(db, user, channel="whatsapp")
    assert consultation.region == "mangystau" and consultation.eligibility_verdict == "eligible"


async def test_web_chat_over_http(tmp_path):
    async with running_bot(sqlite_url(tmp_path)) as app:
        async with aiohttp.ClientSession(app.base_url) as http:
            async with http.post("/webhooks/rest/session") as response:
                sender = (await response.json())["sender"]

            async def post(message):
                async with http.post("/webhooks/rest/webhook",
                                     json={"sender": sender, "message": message}) as response:
                    assert response.status == 200
                    return await response.json()

            await post("/start")
            await post("lang:en")
            replies = await post("menu:eligibility")
            assert [b["payload"] for b in replies[-1]["buttons"]][:2] == ["elig:citizen:yes", "elig:citizen:no"]
            for message in ("Yes", "15.03.2001", "elig:region:almaty", "no", "Not studying", "no",
                            "elig:documents:all", "no"):
                replies = await post(message)
            # The running bot reads today's date: the header follows the season's calendar.
            assert replies[0]["text"] == ("You can apply!" if OPEN_TODAY else "You meet the programme's criteria.")
            assert "elig:restart" in [b["payload"] for b in replies[-1]["buttons"]]


async def wait_for_text(fake, chat_id, needle, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for sent in fake.sent_to(chat_id):
            if needle in (sent.text or ""):
                return sent
        await asyncio.sleep(0.02)
    raise AssertionError(f"{needle!r} not sent to {chat_id}: {[s.text for s in fake.sent_to(chat_id)]}")


def inline_payloads(sent):
    markup = sent.reply_markup or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


@pytest.fixture
async def fake_telegram():
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def telegram_bot(fake_telegram, tmp_path):
    async with running_bot(sqlite_url(tmp_path), telegram_bot_token="123456:TEST-token",
                           telegram_api_server=fake_telegram.base_url) as app:
        yield app


async def test_telegram_adapter_runs_the_wizard(telegram_bot, fake_telegram):
    fake, chat = fake_telegram, 4242
    fake.push_text(chat, "/start")
    await fake.wait_sent_to(chat, 1)
    fake.push_callback(chat, "lang:ru")
    await wait_for_text(fake, chat, t("ru", "menu.title"))
    fake.push_text(chat, "/check")
    question = await wait_for_text(fake, chat, t("ru", "elig.ask.citizen"))
    assert inline_payloads(question) == ["elig:citizen:yes", "elig:citizen:no", "elig:cancel"]
    steps = [
        ("callback", "elig:citizen:yes", "elig.ask.iin"),
        ("text", IIN_MALE_2001, "elig.ask.region"),
        ("callback", "elig:region:mangystau", "elig.ask.employed"),
        ("text", "нет", "elig.ask.studying"),
        ("callback", "elig:studying:no", "elig.ask.training"),
        ("callback", "elig:training:no", "elig.ask.documents"),
        ("callback", "elig:documents:all", "elig.ask.applied"),
        ("callback", "elig:applied:no", "elig.verdict.eligible" if OPEN_TODAY else "elig.verdict.eligible_closed"),
    ]
    for kind, value, expected in steps:
        if kind == "callback":
            fake.push_callback(chat, value)
        else:
            fake.push_text(chat, value)
        await wait_for_text(fake, chat, t("ru", expected))
    verdict_steps = await wait_for_text(fake, chat, t("ru", "elig.next.title"))
    assert inline_payloads(verdict_steps) == ([] if OPEN_TODAY else ["season:notify"]) + [
        "menu:operator", "elig:restart", "menu:main"]
    async with telegram_bot.db.sessions() as session:
        texts = list(await session.scalars(select(Message.text).where(Message.channel == "telegram")))
        consultation = await session.scalar(select(Consultation).where(Consultation.channel == "telegram"))
    assert not any(IIN_MALE_2001 in text for text in texts)
    assert consultation.eligibility_verdict == "eligible"


# ---------------------------------------------------------------- migration


async def test_migration_0002_downgrades_and_upgrades(db):
    from alembic import command
    from sqlalchemy import inspect

    from storage.database import alembic_config, current_revision, upgrade_schema

    config = alembic_config()

    def downgrade(sync_connection):
        config.attributes["connection"] = sync_connection
        command.downgrade(config, "0001")

    def columns(sync_connection):
        inspector = inspect(sync_connection)
        return ({c["name"] for c in inspector.get_columns("contacts")},
                {c["name"] for c in inspector.get_columns("consultations")})

    added_contacts = {"birth_year", "age_band", "sex", "iin_hash"}
    added_consultations = {"eligibility_verdict", "eligibility_failed"}
    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)
        contacts, consultations = await connection.run_sync(columns)
    assert not contacts & added_contacts and not consultations & added_consultations
    await upgrade_schema(db.engine, "0002")
    assert await current_revision(db.engine) == "0002"
    async with db.engine.connect() as connection:
        contacts, consultations = await connection.run_sync(columns)
    assert added_contacts <= contacts and added_consultations <= consultations
    await upgrade_schema(db.engine)  # back to head for the fixture's teardown


def test_counting_date_of_the_season_is_what_the_ages_assume():
    # Ages asserted above (25 for 15.03.2001, 31 for 20.07.1995) count on this date.
    from core.programme import load_programme

    assert load_programme()["eligibility"]["age_counted_on"] == date(2026, 10, 22)


async def test_journal_never_holds_a_typed_birth_date(engine, db):
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send("15.03.2001")
    await answer_all_after_birth(client)
    texts = [m.text for m in await all_messages(db)]
    assert not any("15.03.2001" in text for text in texts)
    assert "elig:region:almaty" not in texts  # buttons are journaled as payloads, not redacted


@pytest.mark.parametrize("utc_moment,accepted", [
    ((2026, 3, 14, 19, 30), True),   # 00:30 on 15 March in Almaty: the 15th is today
    ((2026, 3, 14, 18, 30), False),  # 23:30 on 14 March in Almaty: the 15th is tomorrow
])
async def test_the_turn_carries_the_engines_clock_in_the_programme_zone(db, services, utc_moment, accepted):
    """Conversations read the date from the engine's clock in settings.timezone: a test pins
    it, and a birth date of "today" is accepted only once it is today in Almaty."""
    from datetime import datetime, timezone

    pinned = datetime(*utc_moment, tzinfo=timezone.utc)
    engine = ConversationEngine(db, services, masker=mask_iins, clock=lambda: pinned)
    client = await started(engine, "ru")
    await client.press("elig:citizen:yes")
    await client.send("15.03.2026")
    assert any(p.startswith("elig:region:") for p in client.buttons) is accepted


async def test_kazakh_typed_on_a_russian_keyboard_at_the_documents_step(engine, db):
    # Found by hand: "бари бар" (бәрі бар without Kazakh letters) was asked again.
    client = await started(engine, "kk")
    for text in ("иа", "15.03.2001", "актау", "жок", "жок", "жок", "бари бар", "жок"):
        await client.send(text)
    assert client.texts[0] == "Сіз өтінім бере аласыз!"


@pytest.mark.parametrize("lang, phrase", [("ru", "На последний день приёма заявок вам будет уже не меньше 36"),
                                          ("kk", "өтінім қабылдаудың соңғы күніне қарай"),
                                          ("en", "on or before the last day of applications")])
async def test_before_the_season_is_confirmed_age_is_counted_on_the_deadline_not_a_date(db, lang, phrase):
    """The shipped config/programme.yaml has not confirmed the season (calendar.confirmed:
    false): the verdict and the quick age answer name the counting day, not its planned date."""
    from dataclasses import replace as changed

    from core.programme import load_programme
    from tests.conftest import make_services

    services = changed(make_services(with_faq=True), programme=load_programme())
    assert not Calendar.from_programme(services.programme).announced
    engine = ConversationEngine(db, services, masker=mask_iins, clock=lambda: IN_THE_WINDOW)
    client = await started(engine, lang)
    await answer_all(client, birth="05.01.1990")
    assert phrase in client.text and "2026" not in client.text
    quick = await conversation_started(engine, lang)
    await quick.send({"ru": "мне 17 можно?", "kk": "17 жаста болама", "en": "can i apply at 17"}[lang])
    assert t(lang, "elig.counting_day") in quick.text and "2026" not in quick.text
