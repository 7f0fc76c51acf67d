"""deploy/: the systemd units pass `systemd-analyze verify`; the proxy example routes every
webhook path the bot serves."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    # The units name the production paths; point them at this checkout so that verify can
    # check that the command exists and is executable.
    zhasbot = Path(sys.executable).with_name("zhasbot")
    assert zhasbot.exists(), "the venv's zhasbot entry point"
    env_file = tmp_path / "zhasbot.env"
    env_file.write_text("DATABASE_URL=sqlite+aiosqlite:///data/zhasbot.db\n")
    units = []
    for unit in sorted(DEPLOY.glob("zhasbot*")):
        text = unit.read_text().replace("/opt/zhasbot/.venv/bin/zhasbot", str(zhasbot))
        text = text.replace("/etc/zhasbot/zhasbot.env", str(env_file))
        name = unit.name.replace("@.service", "@8081.service")
        (tmp_path / name).write_text(text)
        if "@.service" in unit.name:
            (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / name))
    assert len(units) >= 4
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output and "Failed" not in output, output


def test_proxy_example_routes_every_public_path():
    conf = (DEPLOY / "nginx.conf").read_text()
    for path in ("/webhooks/telegram", "/webhooks/twilio/", "/webhooks/rest/", "/console", "/api/",
                 "/healthz", "/readyz", "/metrics"):
        assert re.search(rf"location (= )?{re.escape(path)}", conf), path
    assert "ssl_certificate" in conf and "X-Forwarded-Proto" in conf
