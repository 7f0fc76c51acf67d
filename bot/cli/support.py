"""What every `zhasbot` subcommand that touches the database shares."""
from __future__ import annotations

import argparse
import asyncio
from contextlib import contextmanager
from datetime import date
from typing import Awaitable, Callable, Iterator, TypeVar

T = TypeVar("T")


class CommandFailed(Exception):
    """A failure the person at the terminal can fix: `main()` prints it as one line on stderr
    and exits with status 2."""


@contextmanager
def failing_on(*errors: type[Exception], prefix: str = "error") -> Iterator[None]:
    """The command's own errors (`errors`), raised in the block, end it as CommandFailed:
    `prefix: the error` on stderr, exit status 2. The error classes are the caller's, imported
    inside its command, so that a group module stays light."""
    try:
        yield
    except errors as exc:
        raise CommandFailed(f"{prefix}: {exc}") from exc


def parse_date(text: str) -> date:
    """argparse type for YYYY-MM-DD arguments."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def with_database(work: Callable[..., Awaitable[T]]) -> T:
    """Open the configured database, bring its schema up to date, run `work(db, settings)`.

    Imports stay inside so a command that needs only the database never loads aiogram or
    twilio (they cost ~150 MB of memory).
    """
    from bot.settings import load_settings
    from storage.unit_of_work import Database

    settings = load_settings()

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await work(db, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())
