import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("kk", "ru", "en")
PACKAGE = ROOT / "eligibility"


def catalogue(lang):
    path = ROOT / "locales" / lang / "LC_MESSAGES" / "eligibility.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=lang)


def messages(lang) -> dict[str, str]:
    return {m.id: m.string for m in catalogue(lang) if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_same_keys_in_every_language():
    keys = {lang: set(messages(lang)) for lang in LANGS}
    assert keys["kk"] == keys["ru"] == keys["en"]
    assert all(key.startswith("elig.") for key in keys["en"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang):
    empty = [key for key, text in messages(lang).items() if not text.strip()]
    assert empty == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_same_placeholders_as_english(lang):
    english = messages("en")
    for key, text in messages(lang).items():
        assert placeholders(text) == placeholders(english[key]), key


def test_keys_used_in_code_exist():
    """Every literal "elig.…" id in the package, plus the ids built from codes, is in the catalogue."""
    known = set(messages("en"))
    used = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"elig\.[a-z_.]*[a-z]", node.value):
                    used.add(node.value)
    from eligibility.rules import DOCUMENTS, REGIONS

    used |= {f"elig.doc.{code}" for code in DOCUMENTS}
    used |= {f"elig.region_in.{code}" for code in REGIONS}
    used |= {f"elig.iin_error.{reason}" for reason in
             ("format", "length", "date", "century", "checksum", "unissued")}
    used |= {f"elig.verdict.{v}" for v in ("eligible", "not_eligible", "needs_documents")}
    used |= {"elig.reason.studying_part_time", "elig.reason.studying_full_time"}
    assert used and used <= known, sorted(used - known)


def test_package_stays_channel_neutral():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"aiogram", "twilio", "sqlalchemy"}, path
