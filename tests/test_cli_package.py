"""The `zhasbot` command line: every group is registered explicitly and a broken one is loud."""
import subprocess
import sys

import pytest

from bot.cli import COMMAND_GROUPS, build_parser

GROUP_MODULES = ["bot.cli.serve", "bot.cli.db", "bot.cli.journal", "bot.cli.faq", "bot.cli.eligibility",
                 "bot.cli.operators", "bot.cli.contacts", "bot.cli.notify", "bot.cli.feedback",
                 "bot.cli.voice"]


def test_every_command_group_is_registered():
    assert [group.__name__ for group in COMMAND_GROUPS] == GROUP_MODULES
    commands = build_parser()._subparsers._group_actions[0].choices
    assert set(commands) == {"run", "chat", "db", "journal", "faq", "eligibility", "operators", "contacts",
                             "applications", "notifications", "report", "tickets", "csat", "surveys", "voice"}


@pytest.mark.parametrize("module", ["bot.cli.faq", "bot.cli.notify"])
def test_a_group_that_cannot_be_imported_stops_the_cli(module):
    # A `None` entry in sys.modules makes `import module` raise ImportError, as a broken import would.
    code = f"import sys; sys.modules[{module!r}] = None; from bot.cli import main; main(['--help'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and f"import of {module} halted" in result.stderr
    assert "usage: zhasbot" not in result.stdout
