"""The operator console: server-rendered pages under /console and the JSON API under /api."""
from __future__ import annotations

from aiohttp import web


def console_routes(bot) -> list[web.RouteDef]:
    """Routes of the console and the API for a built ZhasBot (bot/app.py `web_app`)."""
    from bot.console.api import Api
    from bot.console.routes import Console
    from bot.report_inputs import export_inputs
    from reports.journal import export_journal

    secure = bot.settings.secure_cookies
    desk = None
    if bot.voice is not None:
        from core.messages import Channel
        from voice.desk import CallDesk

        channel = bot.channels[Channel.phone]
        desk = CallDesk(bot.voice, place_call=lambda operator_phone, applicant, call_id: channel.place_callback(
            operator_phone=operator_phone, applicant=applicant, call_id=call_id))
    translator = bot.services.translator

    def journal(*args, lang: str, **kwargs):
        # Headings in the manager's language; the programme's own numbers left readable.
        return export_journal(*args, **kwargs, **export_inputs(translator, lang, bot.settings.programme_file,
                                                               bot.services.surveys, bot.settings.faq_topics_dir))

    console = Console(handoff=bot.handoff, accounts=bot.accounts, translator=translator,
                      secure_cookies=secure, export_journal=journal, desk=desk,
                      topics=_call_topics(bot.settings.faq_topics_dir), wakeups=bot.wakeups)
    return console.routes() + Api(bot.handoff, bot.accounts).routes()


def _call_topics(directory) -> list:
    """The FAQ topics an operator may note for a phone call (answerable ones), by title."""
    from faq.content import topics_in

    return [topic for topic in topics_in(directory) if topic.answerable and topic.kind != "intent"]

