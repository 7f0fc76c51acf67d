"""FAQ in conversation: answers per language, folded and Latin Kazakh, honest fallback."""
import pytest

from core.messages import Channel
from bot.engine import ConversationEngine
from tests.conftest import make_services
from tests.support.conversation import BotClient, last_consultation, new_user, started

SERVICES = None


@pytest.fixture
def faq_engine(db):
    global SERVICES
    if SERVICES is None:
        SERVICES = make_services(with_faq=True)
    return ConversationEngine(db, SERVICES)


async def consultation_topics(db, user):
    consultation = await last_consultation(db, user)
    return consultation.topic_ids, consultation.outcome


@pytest.mark.parametrize("channel", [Channel.webchat, Channel.whatsapp, Channel.telegram])
@pytest.mark.parametrize("lang, question, expected_words", [
    ("ru", "Какие документы нужны для подачи заявки?", ["удостоверяющий", "документ"]),
    ("kk", "Өтінімге қандай құжаттар керек?", ["құжат"]),
    ("en", "Which documents do I need to apply?", ["identity"]),
])
async def test_question_in_each_language_gets_the_answer(faq_engine, db, channel, lang, question, expected_words):
    user = new_user(channel)
    client = await started(faq_engine, lang, channel=channel, user_id=user)
    await client.send(question)
    assert len(client.last) == 1
    text = client.text.lower()
    assert any(word in text for word in expected_words), text
    topics, outcome = await consultation_topics(db, user)
    assert topics == ["documents"] and outcome == "answered"


@pytest.mark.parametrize("question", [
    "отинимге кандай кужаттар керек",  # Kazakh typed on a Russian keyboard
    "otinimge qandai qujattar kerek",  # Kazakh in Latin letters
])
async def test_folded_and_latin_kazakh_are_understood(faq_engine, db, question):
    user = new_user()
    client = await started(faq_engine, "kk", user_id=user)
    await client.send(question)
    topics, _ = await consultation_topics(db, user)
    assert topics == ["documents"]
    assert "құжат" in client.text.lower()


async def test_answer_in_the_chosen_language_not_the_typed_one(faq_engine):
    client = await started(faq_engine, "kk")
    await client.send("How much money is the grant?")
    assert "теңге" in client.text and "tenge" not in client.text


async def test_out_of_scope_gets_fallback_and_never_a_topic(faq_engine, db):
    user = new_user()
    client = await started(faq_engine, "ru", user_id=user)
    await client.send("какая завтра погода в Актау?")
    assert "не понял" in client.text
    assert client.buttons[-2:] == ["menu:operator", "menu:main"]
    topics, outcome = await consultation_topics(db, user)
    assert topics == [] and outcome == "not_understood"


async def test_second_miss_puts_operator_first(faq_engine):
    client = await started(faq_engine, "en")
    await client.send("asdkjh qwe zzzz")
    assert client.buttons[0] != "menu:operator"
    await client.send("what's the dollar rate today")
    assert client.buttons[0] == "menu:operator"
    assert "operator" in client.text.lower()
    await client.send("How do I apply?")  # a hit resets the count
    await client.send("blorp florp")
    assert client.buttons[0] != "menu:operator"


async def test_fallback_offers_likely_topics_as_buttons(faq_engine):
    client = await started(faq_engine, "ru")
    await client.send("грант")
    # One word is too little to answer, but related topics are offered (or it answers).
    assert any(b.startswith("faq:") for b in client.buttons)


async def test_browsing_the_menu_by_group(faq_engine, db):
    client = await started(faq_engine, "ru", channel=Channel.whatsapp)
    await client.press("menu:faq")
    assert "faqgroup:applying" in client.buttons
    await client.press("faqgroup:applying")
    assert "faq:deadline" in client.buttons
    number = client.buttons.index("faq:deadline") + 1
    await client.send(str(number))  # WhatsApp: the number picks the option
    assert "2026" in client.text


async def test_greeting_and_thanks(faq_engine):
    client = await started(faq_engine, "ru")
    await client.send("привет")
    assert "menu:faq" in client.buttons
    await client.send("спасибо большое")
    assert "menu:faq" in client.buttons


async def test_the_words_of_a_first_message_come_before_the_apps_language(faq_engine):
    """Telegram's language_code is the app's: Russian words in an English app get Russian."""
    client = BotClient(faq_engine, user_id=new_user(), language_hint="en")
    await client.send("привет, сколько денег дают?")
    assert client.texts[0] == "Отвечаю по-русски. Сменить язык: /language"
    assert "1 000 000" in client.text and "тенге" in client.text
    client = BotClient(faq_engine, user_id=new_user(), language_hint="en")
    await client.send("ok")  # no clear words: the app's language
    assert "Отвечаю" not in " ".join(client.texts) and "menu:faq" in client.buttons


async def test_asking_for_another_language_mid_conversation_switches_it(faq_engine):
    client = await started(faq_engine, "ru", user_id=new_user())
    await client.send("а можно на казахском?")
    assert "lang:" not in " ".join(client.buttons)  # no picker: the words said which
    await client.send("грант канша")
    assert "теңге" in client.text


@pytest.mark.parametrize("typed", ["ру", "русский", "на русском пж"])
async def test_a_language_typed_at_the_picker_answers_the_kept_message(faq_engine, typed):
    # As pressing the button does: the message that waited for the choice is answered.
    client = BotClient(faq_engine, user_id=new_user())
    await client.send("прив")
    assert "lang:ru" in client.buttons
    await client.send(typed)
    assert client.texts[0] == "Хорошо, говорим по-русски."
    assert len(client.texts) > 1 and "menu:faq" in client.buttons  # "прив", answered


async def test_a_question_kept_at_the_picker_is_answered_after_a_typed_choice(faq_engine):
    client = BotClient(faq_engine, user_id=new_user())
    await client.send("грант")  # one word: the bot cannot tell the language, and asks
    assert "lang:ru" in client.buttons
    await client.send("орысша")
    assert client.texts[0] == "Хорошо, говорим по-русски." and len(client.texts) > 1


async def optin(db, user):
    from sqlalchemy import select

    from storage.models import Contact

    async with db.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.external_id == user))
        return contact.next_season_optin_at


async def test_open_day_without_a_schedule_offers_to_tell_the_user(faq_engine, db):
    user = new_user()
    client = await started(faq_engine, "kk", user_id=user)
    await client.send("ашық есік күні қашан болады")
    assert "әлі жарияланған жоқ" in client.text and "2023 жылы кездесулер өтті" in client.text
    assert client.buttons[0] == "season:notify"
    await client.press("season:notify")
    assert "Келесі конкурс жарияланғанда" in client.text
    assert await optin(db, user) is not None


async def test_appeal_leads_into_the_complaint_flow(faq_engine, db):
    user = new_user()
    client = await started(faq_engine, "ru", user_id=user)
    await client.send("как обжаловать решение технического отбора")
    topics, _ = await consultation_topics(db, user)
    assert topics == ["appeal"]
    assert client.buttons[0] == "complaint:complaint"  # files a complaint: named or anonymous next


@pytest.mark.parametrize("lang, typed", [("ru", "хочу пожаловаться"), ("kk", "шағымданғым келеді"),
                                         ("en", "i want to complain")])
async def test_a_complaint_is_two_presses_from_writing_it(faq_engine, lang, typed):
    """The complaint answer explains the mechanism; its buttons file a complaint or a
    suggestion at once: named or anonymous, then the person writes."""
    client = await started(faq_engine, lang, user_id=new_user())
    await client.send(typed)
    assert client.buttons[:2] == ["complaint:complaint", "complaint:suggestion"]
    await client.press("complaint:complaint")
    assert "complaint:complaint:anon" in client.buttons
    await client.press("complaint:complaint:anon")
    from tests.conftest import translator

    assert translator().t(lang, "complaint.describe") in client.text  # now they write it


@pytest.mark.parametrize("lang, typed, complaint", [
    ("ru", "хочу пожаловаться", "оператор не ответил мне 3 дня, это вообще нормально??"),
    ("ru", "хочу пожаловаться", "оператор хамил"),
    ("kk", "шағымданғым келеді", "операторларыныз 3 кун жауап бермей жатыр"),
    ("en", "i want to complain", "nobody answered my calls for three days, not ok"),
])
async def test_a_complaint_typed_instead_of_pressing_the_button_is_offered_for_filing(faq_engine, db, lang,
                                                                                      typed, complaint):
    """After the complaint answer people often just type the complaint: it is offered for
    filing (the ticket's conversation shows it), not answered "not understood" nor kept as
    a miss of the FAQ."""
    from tests.conftest import translator

    user = new_user()
    client = await started(faq_engine, lang, user_id=user)
    await client.send(typed)
    await client.send(complaint)
    assert client.text == translator().t(lang, "complaint.file_typed")
    assert client.buttons == ["complaint:complaint", "complaint:suggestion", "menu:main"]
    assert await faq_misses(db) == [] or all(miss.text != complaint for miss in await faq_misses(db))
    await client.press("complaint:complaint")
    await client.press("complaint:complaint:named")
    assert translator().t(lang, "complaint.describe") in client.text
    topics, outcome = await consultation_topics(db, user)
    assert outcome == "handed_off" and "complaint" in topics


async def test_a_bare_word_after_the_complaint_answer_keeps_its_meaning(faq_engine):
    """"оператор" asks for an operator, "не то" disowns the answer: not a complaint's text."""
    client = await started(faq_engine, "ru", user_id=new_user())
    await client.send("хочу пожаловаться")
    await client.send("не то")
    assert "menu:operator" in client.buttons and "complaint:complaint" not in client.buttons
    await client.send("хочу пожаловаться")
    await client.send("оператор")
    assert "handoff:leave" in client.buttons  # a ticket is open: the bot steps aside


@pytest.mark.parametrize("lang, typed, asking", [
    ("ru", "как пожаловаться?", "хочу поговорить с оператором"),
    ("ru", "хочу пожаловаться", "соедините с живым человеком пж"),
    ("kk", "шағым қалай беремін", "операторга жазгым келед"),
    ("kk", "шағымданғым келеді", "adammen soilesgim keledi"),
    ("en", "i want to complain", "can i talk to a person"),
])
async def test_asking_for_an_operator_after_the_complaint_answer_puts_them_through(faq_engine, lang, typed,
                                                                                  asking):
    """Not the complaint's text: the request it says, so an operator takes the conversation."""
    client = await started(faq_engine, lang, user_id=new_user())
    await client.send(typed)
    assert "complaint:complaint" in client.buttons
    await client.send(asking)
    assert "handoff:leave" in client.buttons and "T-0" in client.text


async def test_only_right_after_the_complaint_answer(faq_engine):
    """A question after the complaint answer is answered; an unclear text without the
    complaint answer on screen is the usual "not understood"."""
    from tests.conftest import translator

    client = await started(faq_engine, "ru", user_id=new_user())
    await client.send("хочу пожаловаться")
    await client.send("сколько денег дают")
    assert "1 000 000" in client.text
    await client.send("оператор не ответил мне 3 дня, это вообще нормально??")
    assert client.text != translator().t("ru", "complaint.file_typed")
    assert "complaint:complaint" not in client.buttons


@pytest.mark.parametrize("lang, question", [("ru", "мой иин {iin} могу участвовать?"),
                                            ("kk", "менің ЖСН {iin} қатыса аламын ба"),
                                            ("en", "my iin is {iin}, can i apply?")])
async def test_an_iin_in_a_question_answers_with_its_age(faq_engine, lang, question):
    """The IIN's birth date gives the age; the full check is one button away."""
    from datetime import date

    from eligibility.rules import age_on
    from tests.conftest import translator
    from tests.eligibility.iin_vectors import make_iin

    client = await started(faq_engine, lang, user_id=new_user())
    await client.send(question.format(iin=make_iin("040512", 5)))
    age = age_on(date(2004, 5, 12), date.today())
    assert str(age) in client.text
    assert client.text.startswith({"ru": f"{age} ", "kk": f"{age} жас", "en": f"{age} is fine"}[lang])
    assert "menu:eligibility" in client.buttons
    await client.send(question.format(iin=make_iin("850101", 3)))  # born in 1985: too old
    assert client.text.startswith(translator().t(lang, "quick.age.too_old").split("{")[0])


@pytest.mark.parametrize("age, words", [(19, "19 лет"), (21, "21 год"), (22, "22 года"), (34, "34 года"),
                                        (35, "35 лет")])
async def test_russian_ages_take_the_right_word(faq_engine, age, words):
    client = await started(faq_engine, "ru", user_id=new_user())
    await client.send(f"мне {age} можно участвовать?")
    assert client.text.startswith(f"{words} — по возрасту подходит")


async def faq_misses(db):
    from sqlalchemy import select

    from storage.faq_misses import FaqMiss

    async with db.sessions() as session:
        return list(await session.scalars(select(FaqMiss).order_by(FaqMiss.id)))


async def test_declined_question_is_kept_with_its_language(faq_engine, db):
    user = new_user()
    client = await started(faq_engine, "ru", user_id=user)
    await client.send("ипотека для молодых семей какие условия")
    await client.send("бүгін ауа райы қандай болады")
    rows = [m for m in await faq_misses(db) if m.text in ("ипотека для молодых семей какие условия",
                                                          "бүгін ауа райы қандай болады")]
    assert [(m.kind, m.language, m.channel) for m in rows] == [("declined", "ru", "webchat"),
                                                              ("declined", "kk", "webchat")]
    assert rows[0].contact_id is not None and rows[0].consultation_id is not None


@pytest.mark.parametrize("disown", ["не то", "button"])
async def test_disowned_answer_keeps_the_question(faq_engine, db, disown):
    user = new_user()
    client = await started(faq_engine, "ru", user_id=user)
    question = f"скажите номер колл центра {user[-4:]}"
    await client.send(question)
    topics, _ = await consultation_topics(db, user)
    assert topics == ["contacts"]
    assert "faqmiss:contacts" in client.buttons
    if disown == "button":
        await client.press("faqmiss:contacts")
    else:
        await client.send(disown)
    assert "оператору" in client.text and "menu:operator" in client.buttons
    rows = [m for m in await faq_misses(db) if m.text == question]
    assert [(m.kind, m.topic, m.language) for m in rows] == [("disowned", "contacts", "ru")]
    # Saying it again records nothing more: the question was already kept.
    await client.send("не то")
    assert len([m for m in await faq_misses(db) if m.text == question]) == 1


async def test_menu_answers_have_no_disown_button(faq_engine, db):
    client = await started(faq_engine, "en")
    await client.press("menu:faq")
    await client.press("faqgroup:programme")
    await client.press("faq:fee")
    assert not any(b.startswith("faqmiss:") for b in client.buttons)
