"""Issue 14: SECRET_KEY refused when public or short, generated 0600 when empty;
COOKIE_SECURE, TRUSTED_PROXIES; `cp .env.example .env` gives settings that load."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from bot.secret_key import secret_key
from bot.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("key", ["change-me-in-production", "CHANGE-ME", "short-but-random-Xq9"])
def test_public_or_short_secret_key_is_refused_naming_the_setting(key):
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, secret_key=key)
    assert "SECRET_KEY" in str(error.value)


def test_empty_secret_key_is_generated_once_into_the_data_directory(tmp_path):
    settings = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/db/zhasbot.db",
                             secret_key="")
    first = secret_key(settings)
    path = tmp_path / "db" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 48 and secret_key(settings) == first  # kept across restarts
    other = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/other/zhasbot.db")
    assert secret_key(other) != first  # no two installations share one


def test_a_set_secret_key_is_used_as_is():
    key = "k" * 40
    assert secret_key(load_settings(_env_file=None, secret_key=key)) == key.encode()


def test_env_example_copied_to_env_loads(tmp_path, monkeypatch):
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.secret_key is None and settings.public_base_url is None
    assert settings.retention_days is None and not settings.secure_cookies


def test_cookie_secure_and_trusted_proxies():
    assert load_settings(_env_file=None, public_base_url="https://bot.example.org").secure_cookies
    # Behind a TLS proxy the public URL may be unset: COOKIE_SECURE says so.
    assert load_settings(_env_file=None, cookie_secure=True).secure_cookies
    assert not load_settings(_env_file=None, public_base_url="https://x.org", cookie_secure=False).secure_cookies
    networks = load_settings(_env_file=None, trusted_proxies="10.0.0.0/8, 127.0.0.1").proxy_networks
    assert [str(n) for n in networks] == ["10.0.0.0/8", "127.0.0.1/32"]
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, trusted_proxies="10.0.0.0/8,proxy.local")
    assert "TRUSTED_PROXIES" in str(error.value)


def test_lock_file_pins_every_dependency_at_or_above_its_floor():
    import re
    import tomllib

    from packaging.requirements import Requirement
    from packaging.version import Version

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line):
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = Version(match.group(2))
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not in requirements.lock: run pip-compile (README)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, str(pins[name]))
