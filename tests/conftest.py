import os
import uuid
from pathlib import Path

import pytest

from fakes.season import confirmed_programme
from fakes.workers import reset_postgres  # noqa: F401 - the tests import it from here

from core.i18n import Translator
from core.privacy import mask_personal
from bot.engine import ConversationEngine
from handlers.turn import Services
from storage.unit_of_work import Database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
_TRANSLATOR = None


def translator() -> Translator:
    global _TRANSLATOR
    if _TRANSLATOR is None:
        _TRANSLATOR = Translator(default_language="kk")
    return _TRANSLATOR


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'zhasbot.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path):
    """An empty journal database's URL: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set
    (row locks, JSON, booleans)."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL path: set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")
        await reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return sqlite_url(tmp_path)


@pytest.fixture
async def db(database_url):
    """The journal database, migrated."""
    database = Database(database_url)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path):
    database = Database(sqlite_url(tmp_path))
    await database.upgrade()
    yield database
    await database.dispose()


def make_services(with_faq: bool = False) -> Services:
    faq = None
    if with_faq:
        from bot.app import load_faq

        faq = load_faq()
    return Services(translator=translator(), programme=confirmed_programme(), default_language="kk", faq=faq)


@pytest.fixture
def services():
    return make_services()


@pytest.fixture
def engine(db, services):
    return ConversationEngine(db, services, masker=mask_personal)


def unique_user() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
def conversation(engine):
    """Start a conversation with the `engine` fixture's bot:

        client = await conversation("kk", channel=Channel.whatsapp)   # menu shown, language chosen
    """
    from tests.support.conversation import started

    async def start(lang: str = "ru", **kwargs):
        return await started(engine, lang, **kwargs)

    return start
