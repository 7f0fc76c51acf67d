"""`zhasbot run` on a fresh directory: no token, SQLite under ./data, web chat on loopback."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.support.app import free_port


def test_zhasbot_run_serves_web_chat_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "HTTP_PORT": str(port)}
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VOICE_NUMBER"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("database:"):
                break
        output = "".join(lines)
        assert f"web chat:  on  — http://127.0.0.1:{port}/" in output, output
        assert "telegram:  off" in output and "whatsapp:  off" in output
        assert "phone:     off — set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VOICE_NUMBER" in output
        request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/session", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            sender = json.loads(response.read())["sender"]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook", method="POST",
            data=json.dumps({"sender": sender, "message": "/start"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            replies = json.loads(response.read())
        assert replies and replies[0]["buttons"]
        assert (tmp_path / "data" / "zhasbot.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
