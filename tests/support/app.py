"""Start the whole bot on loopback (HTTP_PORT=0) for tests that talk HTTP to it."""
from __future__ import annotations

from contextlib import asynccontextmanager

from bot.app import ZhasBot
from bot.settings import load_settings
from fakes.season import confirmed_programme_file


@asynccontextmanager
async def running_bot(database_url: str, *, with_faq: bool = False, **overrides):
    overrides.setdefault("http_port", 0)
    # A deployment that has confirmed its season's dates (the shipped file has not).
    overrides.setdefault("programme_file", confirmed_programme_file())
    settings = load_settings(_env_file=None, database_url=database_url, http_host="127.0.0.1", **overrides)
    app = ZhasBot.build(settings, with_faq=with_faq)
    await app.start()
    app.base_url = f"http://127.0.0.1:{app.bound_port}"
    try:
        yield app
    finally:
        await app.stop()


def free_port() -> int:
    """A free loopback port, for when the public URL must be known before start-up."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
