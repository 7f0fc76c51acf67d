"""Helpers shared by the benchmarks: the fake Bot API in its own process, RSS, percentiles."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_fake_telegram(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.telegram_api", "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise RuntimeError(f"fake Bot API did not start: {url!r}")
    return process, url


class _Connections(threading.local):
    def __init__(self) -> None:
        self.by_host: dict[str, http.client.HTTPConnection] = {}


_connections = _Connections()


def control(url: str, path: str, body=None, timeout: float = 60.0):
    """A request to the fake's control API, on a kept-alive connection: a paced driver
    opening a TCP connection per update spent more of the shared CPUs than the bot's
    own polling does, and that is noise in what is measured."""
    parts = urllib.parse.urlsplit(url)
    data = None if body is None else json.dumps(body).encode()
    for attempt in (1, 2):
        connection = _connections.by_host.get(parts.netloc)
        if connection is None:
            connection = _connections.by_host[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        try:
            connection.request("POST" if data is not None else "GET", parts.path + path, body=data,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.HTTPException):
            # The server closed an idle kept-alive connection: once more on a new one.
            connection.close()
            del _connections.by_host[parts.netloc]
            if attempt == 2:
                raise
            continue
        if response.status >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status} {payload[:200]!r}")
        return json.loads(payload)


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    return _status_mb(pid, "VmHWM:")


def rss_mb(pid: int) -> float:
    """VmRSS: the process's resident set size now."""
    return _status_mb(pid, "VmRSS:")


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def wait_for_line(process: subprocess.Popen, expected: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"process exited before printing {expected!r}")
        if expected in line:
            return
    raise TimeoutError(expected)


def env_with_root() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env
