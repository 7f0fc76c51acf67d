"""Configuration: one loader whose errors say file and line, paths from settings (CONFIG_DIR),
everything read once at start — a bad file stops the bot before it serves anyone."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.configuration import load_configuration
from bot.settings import SettingsError, load_settings
from core.config import ConfigError, load_yaml, shipped_config_dir, shipped_locales_dir
from core.i18n import Translator
from eligibility.rules import Rules
from handoff.call_centre import CallCentreConfigError, load_call_centre
from tests.conftest import sqlite_url, unique_user
from tests.test_eligibility_wizard import answer_all, started


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    broken = tmp_path / "programme.yaml"
    broken.write_text("facts:\n  website: https://zhasproject.kz\n  phone: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_yaml(broken)
    assert str(raised.value).startswith(f"{broken}:4: not valid YAML")
    with pytest.raises(ConfigError, match=r"missing\.yaml: file not found"):
        load_yaml(tmp_path / "missing.yaml")


def test_a_wrong_value_is_reported_at_its_line(tmp_path):
    centre = tmp_path / "call_centre.yaml"
    centre.write_text("working_hours:\n  opens: \"09:00\"\n  weekdays: [mon, tue, funday]\n"
                      "sla_hours:\n  question: 4\n  complaint: -2\n", encoding="utf-8")
    with pytest.raises(CallCentreConfigError, match=rf"^{centre}:3: unknown weekday 'funday'"):
        load_call_centre(centre)
    centre.write_text(centre.read_text().replace("funday", "wed"), encoding="utf-8")
    with pytest.raises(CallCentreConfigError, match=rf"^{centre}:6: sla_hours.complaint"):
        load_call_centre(centre)
    centre.write_text(centre.read_text().replace("complaint: -2", "complaint: 8") + "sla_confirmed: yes please\n",
                      encoding="utf-8")
    with pytest.raises(CallCentreConfigError, match=rf"^{centre}:7: sla_confirmed must be true or false"):
        load_call_centre(centre)
    centre.write_text(centre.read_text().replace("yes please", "true"), encoding="utf-8")
    assert load_call_centre(centre).sla_confirmed


def test_eligibility_rule_error_points_at_the_key(tmp_path):
    programme = tmp_path / "programme.yaml"
    text = (shipped_config_dir() / "programme.yaml").read_text(encoding="utf-8")
    programme.write_text(text.replace("max_age: 35", "max_age: thirty-five"), encoding="utf-8")
    line = next(n for n, row in enumerate(programme.read_text().splitlines(), 1) if "thirty-five" in row)
    with pytest.raises(ConfigError, match=rf"^{programme}:{line}: eligibility.max_age"):
        load_configuration(load_settings(_env_file=None, programme_file=programme))


def test_config_dir_overrides_only_the_files_it_has(tmp_path):
    own = tmp_path / "deployment"
    own.mkdir()
    text = (shipped_config_dir() / "programme.yaml").read_text(encoding="utf-8")
    ours = re.sub(r"(?m)^  website: .*$", '  website: "example.kz"', text)
    assert ours != text
    (own / "programme.yaml").write_text(ours, encoding="utf-8")
    settings = load_settings(_env_file=None, config_dir=own)
    assert settings.programme_path == own / "programme.yaml"
    assert settings.call_centre_path == shipped_config_dir() / "call_centre.yaml"
    assert load_configuration(settings).programme["facts"]["website"] == "example.kz"
    # A file named on its own wins over the directory.
    assert load_settings(_env_file=None, config_dir=own,
                         programme_file=shipped_config_dir() / "programme.yaml").programme_path \
        == shipped_config_dir() / "programme.yaml"
    with pytest.raises(SettingsError, match="CONFIG_DIR"):
        load_settings(_env_file=None, config_dir=tmp_path / "nowhere")


def test_a_typo_in_report_yaml_stops_the_bot_at_start(tmp_path):
    report = tmp_path / "report.yaml"
    report.write_text("indicators:\n  - key: consultations\n    ru: Консультации\n    kk: Кеңестер\n"
                      "    metric: consultations.totl\n    plan: 200\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path), "HTTP_PORT": "0", "REPORT_FILE": str(report),
           "NOTIFICATIONS_ENABLED": "false"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"zhasbot: {report}:5: indicators[0]: unknown metric 'consultations.totl'" in result.stderr
    assert "Traceback" not in result.stderr


def test_catalogues_are_read_without_writing_mo_files(tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree(shipped_locales_dir(), locales, ignore=shutil.ignore_patterns("*.mo", "__*"))
    translator = Translator(locales)
    assert translator.t("ru", "menu.title") and translator.t("kk", "menu.title")
    assert not list(locales.rglob("*.mo"))
    # Nor beside the shipped catalogues (a checkout may hold .mo files an older version wrote).
    before = {path: path.stat().st_mtime_ns for path in Path(shipped_locales_dir()).rglob("*.mo")}
    Translator()
    assert {path: path.stat().st_mtime_ns for path in Path(shipped_locales_dir()).rglob("*.mo")} == before


async def test_eligibility_rules_are_parsed_once_not_per_wizard_step(engine, monkeypatch):
    calls = []
    parse = Rules.from_config.__func__

    def counted(cls, section):
        calls.append(1)
        return parse(cls, section)

    monkeypatch.setattr(Rules, "from_config", classmethod(counted))
    client = await started(engine, "ru", user_id=unique_user())
    await answer_all(client)
    assert "eligible" in client.text.lower() or client.texts
    assert calls == []
