"""Issue 14: the under-age verdict tells the person the day they turn 18 — a birth date the
journal must not keep; it keeps the verdict with that date masked."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.privacy import DATE_MASK
from storage.models import Contact, Message
from tests.test_eligibility_wizard import LANGS, answer_all, started


@pytest.mark.parametrize("lang", LANGS)
async def test_verdict_naming_a_birthday_is_journaled_without_it(engine, db, lang):
    client = await started(engine, lang)
    await answer_all(client, citizen=True, birth="17.05.2010", region="almaty", employed=False,
                     studying="no", training=False, applied=False)
    said = {"kk": "2028 жылғы 17 мамыр", "ru": "17 мая 2028 года", "en": "17 May 2028"}[lang]
    assert said in client.texts[0]  # the person is told
    async with db.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.external_id == client.user_id))
        texts = list(await session.scalars(select(Message.text).where(Message.contact_id == contact.id)))
    journal = "\n".join(texts)
    assert said not in journal and "2028" not in journal and "2010" not in journal
    assert any(DATE_MASK in text for text in texts)
