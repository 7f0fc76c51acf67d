import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_need_no_token(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///data/zhasbot.db"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert not settings.telegram_enabled and not settings.whatsapp_enabled
    assert settings.default_language == "kk"


def test_almaty_is_utc_plus_5():
    from datetime import datetime

    settings = load_settings(_env_file=None)
    assert settings.zone.utcoffset(datetime(2026, 1, 15)).total_seconds() == 5 * 3600


@pytest.mark.parametrize("overrides, named", [
    ({"http_port": "eighty"}, "HTTP_PORT"),
    ({"telegram_bot_token": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
    ({"timezone": "Asia/Nowhere"}, "TIMEZONE"),
    ({"database_url": "postgresql://localhost/test"}, "DATABASE_URL"),
    ({"default_language": "de"}, "DEFAULT_LANGUAGE"),
    ({"telegram_bot_token": "1:abc", "telegram_mode": "webhook"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"telegram_mode": "carrier-pigeon"}, "TELEGRAM_MODE"),
])
def test_bad_setting_names_the_setting(overrides, named):
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **overrides)
    assert named in str(error.value)


def test_twilio_credentials_turn_whatsapp_on():
    settings = load_settings(_env_file=None, twilio_account_sid="AC1", twilio_auth_token="s3cr3t-token",
                             twilio_whatsapp_from="+14155238886", public_base_url="https://bot.example.org")
    assert settings.whatsapp_enabled
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in str(settings.twilio_auth_token)


def test_bad_setting_stops_cli_without_traceback(tmp_path):
    env = {"HTTP_PORT": "not-a-port", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "HTTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr


PATH_SETTINGS = ("config_dir", "faq_topics_dir", "report_file", "surveys_file", "voice_file", "voice_prompts_dir",
                 "programme_file", "call_centre_file", "whatsapp_templates_file", "reminders_file", "outbox_sent_log")


def test_empty_paths_from_env_example_mean_not_set(monkeypatch):
    # `cp .env.example .env` leaves CONFIG_DIR=, REPORT_FILE= … empty: that is "not set", not
    # Path("") = the current directory (REPORT_FILE= made the report's plan file ".").
    for name in PATH_SETTINGS:
        monkeypatch.setenv(name.upper(), "")
    settings = load_settings(_env_file=None)
    assert {name: getattr(settings, name) for name in PATH_SETTINGS} == dict.fromkeys(PATH_SETTINGS)
