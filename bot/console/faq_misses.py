"""/console/faq/misses: what people asked that the FAQ could not answer, for managers.

Misses (declined questions, disowned answers) grouped by similarity with counts and the
closest topic; a manager adds a group's question to a topic's examples. The topic file
changes on disk only when the content still validates (faq.editing), the change and the
misses it covers are recorded in one transaction with an audit entry, and the running
bot's matcher is rebuilt in the background to learn it.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from aiohttp import web

from bot.console.routes import FORM, OPERATOR, Console
from core.privacy import mask_text
from faq.content import DEFAULT_TOPICS_DIR, LANGS, topics_in
from faq.editing import EditError, add_example, topic_choices
from faq.misses import day_bounds, missed_groups
from faq.season import answer_facts, unconfirmed_facts
from storage.tickets import Audit
from storage.types import utcnow

log = logging.getLogger(__name__)
SHOWN_GROUPS = 50


def _dates(source, today: date) -> tuple[date, date] | None:
    """The period asked for; by default the last 30 days up to `today`."""
    try:
        start = date.fromisoformat(str(source.get("from") or (today - timedelta(days=30)).isoformat()))
        end = date.fromisoformat(str(source.get("to") or today.isoformat()))
    except ValueError:
        return None
    # Whole local days are turned into UTC bounds: years at the ends of the calendar overflow.
    if not (2000 <= start.year and end.year <= 2100):
        return None
    return (start, end) if start <= end and end - start <= timedelta(days=3660) else None


class FaqMissesPage(Console):
    def __init__(self, bot):
        super().__init__(handoff=bot.handoff, accounts=bot.accounts, translator=bot.services.translator,
                         secure_cookies=str(bot.settings.public_base_url or "").startswith("https://"))
        self.bot = bot
        self.db = bot.db
        self.zone = bot.settings.zone
        self.topics_dir = bot.settings.faq_topics_dir or DEFAULT_TOPICS_DIR
        self._rebuild: asyncio.Task | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/console/faq/misses", self.page_misses),
                web.post("/console/faq/misses/add", self.add)]

    async def _render(self, request: web.Request, dates: tuple[date, date], *, status: int = 200,
                      error: str | None = None, issues: list[str] | None = None) -> web.Response:
        async with self.db.unit_of_work() as uow:
            groups = await missed_groups(uow, *day_bounds(*dates, self.zone))
        lang = self.lang(request)
        # The out-of-scope class has no title of its own (titles are training examples).
        declined = self.translator.t(lang, "faqmiss.out_of_scope")
        titles = {topic.id: topic.title_for(lang) if topic.answerable else declined
                  for topic in topics_in(self.topics_dir)}
        return self.render(
            request, "faq_misses.html", status=status, groups=groups[:SHOWN_GROUPS], total=len(groups),
            topics=topic_choices(self.topics_dir), topic_title=lambda code: titles.get(code, code),
            langs=LANGS, mask=mask_text,
            date_from=dates[0].isoformat(), date_to=dates[1].isoformat(),
            notice=request.query.get("added"), error=error, issues=issues or [])

    @Console.page(role="manager")
    async def page_misses(self, request: web.Request) -> web.Response:
        dates = _dates(request.query, self.today())
        if dates is None:
            return self.render(request, "error.html", status=400, message_key="report.error.dates")
        return await self._render(request, dates)

    @Console.page(role="manager")
    async def add(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        operator = request[OPERATOR]
        dates = _dates({"from": form.get("date_from"), "to": form.get("date_to")}, self.today())
        topic, lang = str(form.get("topic", "")), str(form.get("lang", ""))
        text = " ".join(str(form.get("text", "")).split())
        try:
            ids = [int(i) for i in str(form.get("ids", "")).split(",") if i.strip()]
        except ValueError:
            ids = None
        if dates is None or ids is None:
            return self.render(request, "error.html", status=400, message_key="report.error.dates")
        programme = self.bot.services.programme
        facts = answer_facts(programme, call_centre=self.bot.services.call_centre,
                             translator=self.bot.services.translator)
        try:
            async with self.db.unit_of_work() as uow:
                path = await asyncio.to_thread(
                    add_example, topic, lang, text, facts=facts, unconfirmed=unconfirmed_facts(programme),
                    directory=self.topics_dir)
                covered = await uow.faq_misses.mark_added(ids, topic, utcnow())
                Audit(uow.session).record(
                    actor=operator.name, operator_id=operator.id, action="faq_example_added",
                    target=f"topic:{topic}"[:64],
                    details={"lang": lang, "text": mask_text(text), "file": path.name, "misses": covered})
        except EditError as exc:
            return await self._render(request, dates, status=422, error=str(exc),
                                      issues=[str(issue) for issue in exc.issues])
        self._relearn()
        query = f"from={dates[0]}&to={dates[1]}&added={topic}"
        raise self.redirect(f"/console/faq/misses?{query}")

    def _relearn(self) -> None:
        """Rebuild the matcher (and its classifier) from the changed files, off the event loop."""
        if self.bot.services.faq is None:
            return

        async def rebuild() -> None:
            from faq.index_file import load_matcher

            try:
                self.bot.services.faq = await asyncio.to_thread(load_matcher, self.topics_dir, reload=True)
                log.info("FAQ matcher rebuilt after an example was added")
            except Exception:  # noqa: BLE001 - the old matcher keeps answering
                log.exception("FAQ matcher rebuild failed; the previous one stays in use")

        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.get_running_loop().create_task(rebuild())
            self.bot.faq_relearning = self._rebuild  # awaited by tests and on shutdown


def faq_misses_routes(bot) -> list[web.RouteDef]:
    return FaqMissesPage(bot).routes()
