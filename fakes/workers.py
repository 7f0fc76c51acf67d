"""Several `zhasbot run` workers as separate processes on one database (tests and bench/scale.py).

Not a fake itself: the real bot, started the way a deployment starts it, next to the fakes
that tests and benchmarks share."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp


ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "workers-test-secret-key-of-32-chars-or-more"  # every worker signs web-chat sender ids with the same key
WEBHOOK_SECRET = "workers-webhook-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen
    workdir: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        path = self.workdir / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """kill -9: no clean-up at all, as a crashed host."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(root: Path, name: str, database_url: str, *, telegram_api: str | None = None,
                 **settings: str) -> Worker:
    """One worker in its own directory (its own sent log, as on its own host), in webhook mode
    for Telegram when a (fake) Bot API is given."""
    workdir = root / name
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port),
           "SECRET_KEY": SECRET_KEY, "REMINDERS_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if telegram_api:
        env.update({"TELEGRAM_BOT_TOKEN": "123456:WORKERS", "TELEGRAM_API_SERVER": telegram_api,
                    "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    # The proxy's public address (Telegram wants HTTPS); the fake never calls it.
                    "PUBLIC_BASE_URL": "https://bot.example.org"})
    env.update({key.upper(): str(value) for key, value in settings.items()})
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL, stderr=open(workdir / "worker.log", "ab"))
    return Worker(name, port, process, workdir)


async def wait_ready(worker: Worker, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            if worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.name} exited:\n{worker.log[-3000:]}")
            try:
                async with http.get(worker.base_url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"worker {worker.name} not up:\n{worker.log[-3000:]}")
            await asyncio.sleep(0.1)


async def start_workers(root: Path, count: int, database_url: str, **kwargs) -> list[Worker]:
    """Started one after another, so the first one is the leader."""
    workers = []
    try:
        for i in range(count):
            worker = start_worker(root, f"w{i + 1}", database_url, **kwargs)
            workers.append(worker)
            await wait_ready(worker)
    except BaseException:
        stop_workers(workers)
        raise
    return workers


def stop_workers(workers: list[Worker]) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()


async def reset_postgres(url: str) -> None:
    """Empty a PostgreSQL test database (its public schema dropped and made again)."""
    from sqlalchemy import text

    from storage.unit_of_work import Database

    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await db.dispose()

