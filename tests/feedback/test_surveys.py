"""Stage surveys: configuration, audience, one per person, the flow in each language with
partial answers kept."""
import pytest
from sqlalchemy import select

from feedback.surveys import SurveyConfigError, parse_surveys
from storage.applications import Application, ApplicationLink
from storage.models import Contact
from storage.types import utcnow
from tests.feedback.conftest import (ALMATY, SURVEYS, SurveyAnswer, SurveyResponse, client, deliver_outbox, outbox,
                                     rows)
from tests.support.conversation import started

TEXTS = {"kk": ("Оңай ма?", "Қайдан?", "Ұсыныс?", "рахмет"), "ru": ("Легко?", "Откуда?", "Предложения?", "Спасибо"),
         "en": ("Easy?", "Where from?", "Ideas?", "Thank you")}


async def make_winner(db, contact_user: str, number: str) -> None:
    now = utcnow()
    async with db.unit_of_work() as uow:
        contact = await uow.session.scalar(select(Contact).where(Contact.external_id == contact_user))
        application = Application(number=number, name="A", phone="+77010000000", region="almaty", status="winner",
                                  status_changed_at=now, created_at=now, updated_at=now)
        uow.session.add(application)
        await uow.flush()
        uow.session.add(ApplicationLink(application_id=application.id, contact_id=contact.id, linked_at=now))


def test_config_checks():
    catalogue = parse_surveys(SURVEYS, ALMATY)
    survey = catalogue.get("s1")
    assert [q.kind for q in survey.questions] == ["scale", "choice", "text"]
    broken = {"surveys": [{**SURVEYS["surveys"][0], "questions": [
        {"id": "q" * 24, "type": "choice", "text": "x", "choices": [{"id": "c" * 24, "text": "y"}]}],
        "id": "s" * 24}]}
    with pytest.raises(SurveyConfigError, match="64 bytes"):
        parse_surveys(broken, ALMATY)
    with pytest.raises(SurveyConfigError, match="no text in"):
        parse_surveys({**SURVEYS, "surveys": [{**SURVEYS["surveys"][0], "title": {"ru": "только"}}]}, ALMATY)
    assert catalogue.tagged()["contest"] == [("s1", "ease")] and catalogue.tagged()["grm"] == []

    def with_question(**changes):
        question = {**SURVEYS["surveys"][0]["questions"][0], **changes}
        return {**SURVEYS, "surveys": [{**SURVEYS["surveys"][0], "questions": [question]}]}

    with pytest.raises(SurveyConfigError, match="names its scale"):
        parse_surveys(with_question(scale=None), ALMATY)
    # "Насколько вы довольны?" answered on an ease scale: the labels would not fit the question.
    with pytest.raises(SurveyConfigError, match="does not ask about what scale 'ease'"):
        parse_surveys(with_question(text={"kk": "Ризасыз ба?", "ru": "Довольны?", "en": "Satisfied?"}), ALMATY)
    with pytest.raises(SurveyConfigError, match="tags are"):
        parse_surveys(with_question(tags=["jury"]), ALMATY)


def test_the_season_has_the_reports_three_polls_with_fitting_scales():
    """«Онлайн опросы участников» ≥ 3: after applying, after the results, after implementation;
    every report tag is measured by some question, on a scale whose labels fit it."""
    from feedback.polls import survey_question
    from feedback.surveys import load_surveys
    from tests.conftest import translator

    catalogue = load_surveys()
    assert {"after_applying", "after_results", "after_implementation"} <= set(catalogue.surveys)
    tagged = catalogue.tagged()
    assert all(tagged[tag] for tag in ("grm", "contest", "mentoring", "rules-understanding"))
    fitting = {"grm": "satisfaction", "contest": "satisfaction", "mentoring": "satisfaction",
               "rules-understanding": "understanding"}
    for tag, pairs in tagged.items():
        for survey_id, question_id in pairs:
            question = catalogue.get(survey_id).question(question_id)
            assert question.scale.id == fitting[tag], (survey_id, question_id)
            for lang in ("kk", "ru", "en"):
                _text, buttons = survey_question(translator(), lang, catalogue.get(survey_id), question)
                assert [b.title for b in buttons[:5]] == [question.scale.labels[s][lang] for s in range(1, 6)]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_survey_flow_in_each_language(env, feedback, lang):
    user = await started(env.engine, lang, user_id=f"s-{lang}")
    await make_winner(env.db, f"s-{lang}", f"ZP-{lang}")
    optout = await started(env.engine, lang, user_id=f"gone-{lang}")
    await make_winner(env.db, f"gone-{lang}", f"ZP-x{lang}")
    await optout.send("stop")
    sent = await feedback.send_survey(feedback.surveys.get("s1"))
    assert (sent.audience, sent.queued) == (1, 1)  # the opted-out contact is not in the audience
    [row] = await outbox(env.db, "survey")
    q1, q2, q3, thanks = TEXTS[lang]
    assert q1 in row.text and row.buttons[0][1] == "survey:s1:ease:1" and row.language == lang
    # Again: nobody gets it twice.
    assert (await feedback.send_survey(feedback.surveys.get("s1"))).queued == 0

    await deliver_outbox(env)
    await user.send("5")  # a number typed presses the 5th option of the question sent
    assert q2 in user.text and "survey:s1:src:friends" in user.buttons
    await user.press("survey:s1:src:friends")
    assert q3 in user.text
    await user.send("Больше менторов")
    assert thanks in user.text
    [response] = await rows(env.db, SurveyResponse)
    answers = {a.question_id: (a.score, a.value) for a in await rows(env.db, SurveyAnswer)}
    assert answers == {"ease": (5, "5"), "src": (None, "friends"), "idea": (None, "Больше менторов")}
    assert response.completed_at is not None and response.language == lang


async def test_partial_answers_are_kept_and_text_is_not_taken_later(env, feedback):
    user = await started(env.engine, "ru", user_id="partial")
    await make_winner(env.db, "partial", "ZP-P1")
    await feedback.send_survey(feedback.surveys.get("s1"))
    await user.send(payload="survey:s1:ease:2")
    await user.send("/menu")  # walks away half-way
    await user.send("когда итоги?")
    answers = await rows(env.db, SurveyAnswer)
    assert [(a.question_id, a.score) for a in answers] == [("ease", 2)]
    [response] = await rows(env.db, SurveyResponse)
    assert response.started_at is not None and response.completed_at is None
    # Skipping the rest later completes it without inventing answers.
    await user.send(payload="survey:s1:src:skip")
    await user.send(payload="survey:s1:idea:skip")
    assert len(await rows(env.db, SurveyAnswer)) == 1
    assert (await rows(env.db, SurveyResponse))[0].completed_at is not None


async def test_eligibility_audience_and_strangers(env, feedback):
    checked, stranger = client(env, "checked"), client(env, "stranger")
    await checked.start("kk")
    await stranger.start("kk")
    async with env.db.unit_of_work() as uow:
        contact = await uow.session.scalar(select(Contact).where(Contact.external_id == "checked"))
        consultation = await uow.consultations.current(contact.id)
        consultation.eligibility_verdict = "eligible"
    sent = await feedback.send_survey(feedback.surveys.get("s1"))
    assert sent.queued == 1
    await stranger.send(payload="survey:s1:ease:5")
    assert await rows(env.db, SurveyAnswer) == []


async def test_send_at_sends_once(env, feedback):
    from dataclasses import replace
    from datetime import timedelta

    user = await started(env.engine, "ru", user_id="timed")
    await make_winner(env.db, "timed", "ZP-T1")
    survey = replace(feedback.surveys.get("s1"), send_at=env.clock.now + timedelta(hours=1))
    feedback.surveys.surveys["s1"] = survey
    assert await feedback.send_due_surveys() == []
    env.clock.now += timedelta(hours=2)
    assert [s.queued for s in await feedback.send_due_surveys()] == [1]
    assert await feedback.send_due_surveys() == []
