"""FAQ_TOPICS_DIR: a deployment's own topics are what the bot matches, answers and lists."""
import shutil

import yaml

from faq.content import DEFAULT_TOPICS_DIR, reload_topics
from bot.report_inputs import report_labels
from tests.conftest import sqlite_url, translator
from tests.support.app import running_bot
from tests.support.conversation import started


async def test_answers_and_menus_come_from_the_configured_topics(tmp_path):
    topics = tmp_path / "topics"
    shutil.copytree(DEFAULT_TOPICS_DIR, topics)
    path = topics / "grant.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    amount = next(t for t in data["topics"] if t["id"] == "grant_amount")
    amount["answer"]["ru"] = "Ответ этой площадки о сумме гранта."
    data["topics"].append({
        "id": "parking", "kind": "topic", "group": amount["group"],
        "title": {"kk": "Көлік тұрағы", "ru": "Парковка у офиса", "en": "Parking"},
        "answer": {"kk": "Тұрақ бар.", "ru": "У офиса есть парковка.", "en": "There is parking."},
        "examples": {"kk": ["көлік қоятын жер бар ма"], "ru": ["есть ли парковка у офиса", "где поставить машину"],
                     "en": ["is there parking at the office"]},
    })
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        async with running_bot(sqlite_url(tmp_path), with_faq=True, notifications_enabled=False,
                               faq_topics_dir=topics) as app:
            user = await started(app.engine, "ru")
            await user.send("сколько денег дают")
            assert "Ответ этой площадки о сумме гранта." in user.text
            await user.send("есть ли парковка у офиса?")
            assert "У офиса есть парковка." in user.text
            await user.send(payload="menu:faq")
            await user.press(f"faqgroup:{amount['group']}")
            assert "faq:parking" in user.buttons
        # Exports and reports name the deployment's topics by their titles too.
        labels = report_labels(translator(), "ru", topics_dir=topics)
        assert labels("topic", "parking") == "Парковка у офиса"
    finally:
        reload_topics()  # other tests read the shipped topics
