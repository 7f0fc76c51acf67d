"""`zhasbot operators add|token|list`."""
import asyncio
import io

from bot.cli import main
from bot.console.accounts import Accounts
from storage.unit_of_work import Database
from tests.conftest import sqlite_url


def test_operators_add_token_list(tmp_path, monkeypatch, capsys):
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["operators", "add", "aida", "--role", "manager", "--password-stdin"]) == 0
    assert "operator aida (manager) added" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["operators", "add", "aida", "--password-stdin"]) == 2  # the name is taken
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["operators", "add", "bolat", "--password-stdin"]) == 2
    assert "at least 8" in capsys.readouterr().err
    assert main(["operators", "token", "aida"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40
    assert main(["operators", "token", "nobody"]) == 2
    assert main(["operators", "list"]) == 0
    assert "aida\tmanager\tactive" in capsys.readouterr().out

    async def check():
        db = Database(url)
        try:
            accounts = Accounts(db)
            assert (await accounts.by_token(token)).name == "aida"
            assert (await accounts.login("aida", "a-long-password")) is not None
        finally:
            await db.dispose()

    asyncio.run(check())
