"""Dialogue stories: conversations written as data, run over the real engine on a channel.

A story file (`tests/dialogues/*.yaml`) holds `stories:`, each

    - story: the wizard answers a side question and repeats its question
      channels: [webchat, terminal]      # default: both
      language: ru                        # web chat session language (none: the bot decides)
      today: 2026-10-15                   # the engine's clock (default: 2026-10-15 06:00 UTC)
      applications: [[ZP-0042, "+77011234567", tech_rejected]]   # imported before the story
      steps:
        - user: "а мне 17 можно?"         # or `press: <button title or payload>`
          bot: ["от 18 до 35"]            # each must appear in what the bot answered
          buttons: ["menu:eligibility"]   # each must be offered (payload or title)
          not: ["Ответьте, пожалуйста"]   # none of these may appear
          silent: true                    # the bot says nothing (an operator has the chat)

Matching ignores case. The web chat driver speaks HTTP to the running bot (a session per
story, a button press sends its payload as the message, as the page does); the terminal
driver types into `zhasbot chat` (buttons are numbered: a press types the number).
"""
from __future__ import annotations

import asyncio
import io
import queue
import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path
from typing import Any

import yaml

# The stories are test data (tests/dialogues/*.yaml); the benchmark reads the same files.
STORIES_DIR = Path(__file__).resolve().parents[1] / "tests" / "dialogues"
CHANNELS = ("webchat", "terminal")
DEFAULT_TODAY = date(2026, 10, 15)


@dataclass
class Step:
    user: str | None = None
    press: str | None = None
    bot: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    silent: bool = False

    @property
    def said(self) -> str:
        return self.user if self.user is not None else f"[{self.press}]"


@dataclass
class Story:
    name: str
    source: str
    steps: list[Step]
    channels: tuple[str, ...] = CHANNELS
    language: str | None = None
    today: date = DEFAULT_TODAY
    applications: list[list[str]] = field(default_factory=list)

    def id_for(self, channel: str) -> str:
        return f"{Path(self.source).stem}: {self.name} [{channel}]"


@dataclass
class Turn:
    texts: list[str]
    buttons: list[tuple[str, str]]  # (title, payload)
    seconds: float

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Outcome:
    story: Story
    channel: str
    failures: list[str]
    turn_seconds: list[float]

    @property
    def passed(self) -> bool:
        return not self.failures


class StoryError(ValueError):
    pass


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    raise StoryError(f"{where}: expected a string or a list of strings")


def load_stories(directory: Path = STORIES_DIR) -> list[Story]:
    stories = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise StoryError(f"{path.name}: not valid YAML: {exc}") from None
        for index, item in enumerate(data.get("stories") or []):
            where = f"{path.name} story {index + 1}"
            if not isinstance(item, dict) or not item.get("story") or not item.get("steps"):
                raise StoryError(f"{where}: needs `story:` and `steps:`")
            steps = []
            for number, raw in enumerate(item["steps"], start=1):
                here = f"{where} step {number}"
                if not isinstance(raw, dict) or ("user" in raw) == ("press" in raw):
                    raise StoryError(f"{here}: exactly one of `user:` or `press:`")
                unknown = set(raw) - {"user", "press", "bot", "buttons", "not", "silent"}
                if unknown:
                    raise StoryError(f"{here}: unknown keys {sorted(unknown)}")
                steps.append(Step(user=None if raw.get("user") is None else str(raw["user"]),
                                  press=None if raw.get("press") is None else str(raw["press"]),
                                  bot=_strings(raw.get("bot"), here), buttons=_strings(raw.get("buttons"), here),
                                  absent=_strings(raw.get("not"), here), silent=bool(raw.get("silent"))))
            channels = tuple(item.get("channels") or CHANNELS)
            if not set(channels) <= set(CHANNELS):
                raise StoryError(f"{where}: channels must be among {CHANNELS}")
            today = item.get("today") or DEFAULT_TODAY
            stories.append(Story(name=str(item["story"]), source=str(path), steps=steps, channels=channels,
                                 language=item.get("language"),
                                 today=today if isinstance(today, date) else date.fromisoformat(str(today)),
                                 applications=item.get("applications") or []))
    return stories


def check(step: Step, turn: Turn) -> list[str]:
    """What in `turn` does not match `step` (empty: it matches)."""
    problems = []
    text = turn.text.casefold()
    offered = {value.casefold() for pair in turn.buttons for value in pair}
    if step.silent and turn.texts:
        problems.append(f"expected silence, got {turn.texts!r}")
    for needle in step.bot:
        if needle.casefold() not in text:
            problems.append(f"missing {needle!r} in {turn.texts!r}")
    for needle in step.absent:
        if needle.casefold() in text:
            problems.append(f"unexpected {needle!r} in {turn.texts!r}")
    for button in step.buttons:
        if button.casefold() not in offered:
            problems.append(f"no button {button!r} among {[p for _, p in turn.buttons]!r}")
    return problems


# ---------------------------------------------------------------- drivers


class WebChatDriver:
    """One web chat user over HTTP: a session, messages, button presses as payloads."""

    def __init__(self, http, language: str | None):
        self.http = http
        self.language = language
        self.sender = ""
        self.offered: list[tuple[str, str]] = []
        self._ids = 0

    async def open(self) -> None:
        body = {"language": self.language} if self.language else None
        async with self.http.post("/webhooks/rest/session", json=body) as response:
            response.raise_for_status()
            self.sender = (await response.json())["sender"]

    async def say(self, text: str) -> Turn:
        self._ids += 1
        started = time.perf_counter()
        async with self.http.post("/webhooks/rest/webhook", json={
                "sender": self.sender, "message": text, "message_id": f"m{self._ids}"}) as response:
            response.raise_for_status()
            replies = await response.json()
        seconds = time.perf_counter() - started
        buttons = [(b["title"], b["payload"]) for r in replies for b in r["buttons"]]
        if buttons:
            self.offered = [(b["title"], b["payload"]) for b in [r for r in replies if r["buttons"]][-1]["buttons"]]
        return Turn([r["text"] for r in replies], buttons, seconds)

    async def press(self, title_or_payload: str) -> Turn:
        for title, payload in self.offered:
            if title_or_payload.casefold() in (title.casefold(), payload.casefold()):
                return await self.say(payload)
        raise StoryError(f"no button {title_or_payload!r} to press among {self.offered!r}")

    async def close(self) -> None:
        pass


class _Keyboard:
    """stdin for `zhasbot chat`: readline blocks (in the executor) until a line is typed."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()

    def readline(self) -> str:
        return self.lines.get()


class _Screen(io.StringIO):
    """stdout for `zhasbot chat`: counts the prompts so a turn's end can be awaited."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts = 0
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.prompts += text.count("you> ")
        self.changed.set()
        return super().write(text)


class _RecordingEngine:
    """The real engine, remembering the replies of the last turn (their button payloads)."""

    def __init__(self, engine):
        self._engine = engine
        self.last: list = []

    def __getattr__(self, name):
        return getattr(self._engine, name)

    async def handle(self, inbound):
        self.last = await self._engine.handle(inbound)
        return self.last


class TerminalDriver:
    """One terminal user typing into `zhasbot chat` (bot.channels.terminal.chat)."""

    def __init__(self, engine, user_id: str, language: str | None = None):
        self.engine = _RecordingEngine(engine)
        self.user_id = user_id
        self.language = language
        self.keyboard = _Keyboard()
        self.screen = _Screen()
        self.task: asyncio.Task | None = None
        self.offered: list[tuple[str, str]] = []
        self.greeting: Turn | None = None

    async def _until_prompts(self, count: int) -> None:
        while self.screen.prompts < count:
            if self.task is not None and self.task.done():
                self.task.result()
                raise StoryError("the terminal chat ended")
            self.screen.changed.clear()
            try:
                await asyncio.wait_for(self.screen.changed.wait(), 10)
            except TimeoutError:
                raise StoryError("the terminal chat did not answer within 10 s") from None

    async def _turn(self, line: str | None) -> Turn:
        from bot.channels.terminal import chat

        mark, expected = self.screen.tell(), self.screen.prompts + 1
        started = time.perf_counter()
        if line is None:
            self.task = asyncio.create_task(chat(self.engine, user_id=self.user_id,
                                                 stdin=self.keyboard, stdout=self.screen))
        else:
            self.keyboard.lines.put(line + "\n")
        await self._until_prompts(expected)
        seconds = time.perf_counter() - started
        shown = self.screen.getvalue()[mark:].replace("you> ", "")
        texts = [part.strip() for part in shown.split("bot> ") if part.strip()]
        replies = self.engine.last
        buttons = [(b.title, b.payload) for r in replies for b in r.outbound.buttons]
        with_buttons = [r for r in replies if r.outbound.buttons]
        if with_buttons:
            self.offered = [(b.title, b.payload) for b in with_buttons[-1].outbound.buttons]
        return Turn(texts, buttons, seconds)

    async def open(self) -> None:
        if self.language:
            # As a web chat session does: the person's language is known before the first word.
            async with self.engine.db.unit_of_work() as uow:
                contact = await uow.contacts.get_or_create("terminal", self.user_id)
                contact.language = self.language
        # `zhasbot chat` greets by itself with /start: that turn is the story's first "/start".
        self.greeting = await self._turn(None)

    async def say(self, text: str) -> Turn:
        return await self._turn(text)

    async def press(self, title_or_payload: str) -> Turn:
        for number, (title, payload) in enumerate(self.offered, start=1):
            if title_or_payload.casefold() in (title.casefold(), payload.casefold()):
                return await self._turn(str(number))  # numbered options: the user types the number
        raise StoryError(f"no button {title_or_payload!r} to press among {self.offered!r}")

    async def close(self) -> None:
        self.keyboard.lines.put("")
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)


async def run_story(story: Story, channel: str, driver) -> Outcome:
    failures: list[str] = []
    seconds: list[float] = []
    try:
        await driver.open()
        steps = list(story.steps)
        if channel == "terminal" and steps and steps[0].user == "/start":
            first = steps.pop(0)
            failures += [f"step 1 {first.said!r}: {p}" for p in check(first, driver.greeting)]
        offset = len(story.steps) - len(steps)
        for number, step in enumerate(steps, start=offset + 1):
            turn = await (driver.say(step.user) if step.user is not None else driver.press(step.press))
            seconds.append(turn.seconds)
            failures += [f"step {number} {step.said!r}: {p}" for p in check(step, turn)]
            if failures:
                break
    except StoryError as exc:
        failures.append(str(exc))
    finally:
        await driver.close()
    return Outcome(story, channel, failures, seconds)


def clock_for(day: date):
    moment = datetime.combine(day, dtime(6, 0), tzinfo=timezone.utc)  # 11:00 in Almaty
    return lambda: moment


async def import_applications(db, rows: list[list[str]]) -> None:
    from storage.applications import Application

    async with db.unit_of_work() as uow:
        for number, phone, status in rows:
            if await uow.applications.get_by_number(number) is None:
                uow.session.add(Application(number=number, name="Story", phone=phone, region="almaty",
                                            status=status, reason=None))


class StoryBench:
    """A whole bot on loopback (HTTP on port 0, SQLite in `workdir`) to run stories against."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.app = None
        self.http = None
        self._users = 0

    async def __aenter__(self) -> "StoryBench":
        import aiohttp

        from bot.app import ZhasBot
        from bot.settings import load_settings
        from fakes.season import write_confirmed_programme

        settings = load_settings(
            _env_file=None, database_url=f"sqlite+aiosqlite:///{self.workdir / 'stories.db'}",
            http_host="127.0.0.1", http_port=0, notifications_enabled=False,
            programme_file=write_confirmed_programme(self.workdir),
            # Stories type fast; the limits have their own tests.
            webchat_messages_per_sender="10000/minute", webchat_messages_per_ip="100000/minute",
            webchat_sessions_per_ip="100000/hour", webchat_polls_per_sender="10000/minute")
        self.app = ZhasBot.build(settings)
        await self.app.start()
        self.http = aiohttp.ClientSession(f"http://127.0.0.1:{self.app.bound_port}")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.close()
        await self.app.stop()

    async def run(self, story: Story, channel: str) -> Outcome:
        self.app.engine.clock = clock_for(story.today)
        if story.applications:
            await import_applications(self.app.db, story.applications)
        self._users += 1
        if channel == "webchat":
            driver = WebChatDriver(self.http, story.language)
        else:
            driver = TerminalDriver(self.app.engine, f"story-{self._users}", story.language)
        return await run_story(story, channel, driver)
