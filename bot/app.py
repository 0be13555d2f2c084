"""Composition root: the PTB Application, our inbox receiver (long polling, or the webhook
route) and processor, the outbox sender, and the JobQueue's time-driven jobs (reminder sweep,
planning ahead)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommandScopeAllGroupChats, BotCommandScopeDefault
from telegram.ext import Application

import bot.attachments_all  # noqa: F401  (registers the file builders)
from bot import metrics
from bot.barcode import decode_image
from bot.board_link import board_base_url
from bot.config import Settings
from bot.doorbell import Doorbell
from bot.i18n import render_text
from bot.inbox import OutageNotices, Processor, Receiver, on_error, store_updates
from bot.processes import Heartbeat, release_webhook, set_webhook
from bot.render import commands_for, group_commands
from bot.sender import OutboxSender
from bot.telegram_out import Floodgate
from bot.telegram_start import optional, when_answered
from bot.web import WebServer
from bot.webhook_sender import WebhookSender
from domain import clock
from domain.db import DatabaseHealth, make_engine, make_sessionmaker
from domain.factory_settings import factory_tag
from domain.migrate import upgrade
from handlers.telegram import routes
from handlers.telegram.scope import Services
from handlers.web.services import WebServices
from scheduler.jobs import Clockwork, install

log = logging.getLogger(__name__)


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    if not settings.token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set (try `gongdan demo`, which needs none)")
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_file_url)
        .updater(None)  # we poll ourselves, storing each update before confirming it
        .rate_limiter(Floodgate())  # a 429's retry_after holds every call (bot/telegram_out.py)
        .build()
    )
    routes.register(application)
    application.add_error_handler(on_error)
    return application


class OutageLog(logging.Filter):
    """Keeps an outage to the lines DatabaseHealth writes, for loops that log each failed pass
    themselves: the heartbeat and the webhook sender (a traceback every few seconds), and
    APScheduler, which warns at every run skipped because the last still waits for the
    database. Their database errors go to the health instead (which logs the outage once)."""

    LOGGERS = {"bot.processes": "heartbeat", "bot.webhook_sender": "webhook sender",
               "apscheduler.scheduler": "scheduler"}

    def __init__(self, health: DatabaseHealth) -> None:
        super().__init__()
        self.health = health

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        where = self.LOGGERS.get(record.name, record.name)
        if error is not None and self.health.failed(error, where) is not None:
            return False
        return not (self.health.down and "maximum number of running instances" in record.msg)

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)


class GongdanBot:
    """The running bot: receive → inbox → process → outbox → send, each its own task; the
    Application runs only its JobQueue (we feed it updates ourselves). With `webhook=True`
    Telegram posts updates to our web server instead of us polling for them."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None,
                 poll_timeout: int = 25, webhook: bool = False) -> None:
        if webhook:
            settings.check_webhook()
        self.settings = settings
        self.webhook = webhook
        clock.set_clock(settings.clock)
        self.engine = engine or make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine, settings.rules)
        # One view of the database's health for every loop: an outage is logged once.
        self.health = DatabaseHealth(count=metrics.count)
        self.outage_log = OutageLog(self.health)
        self.application = build_application(settings)
        self.sender = OutboxSender(self.application.bot, self.sessions, settings,
                                   health=self.health)
        self.webhook_sender = WebhookSender(self.sessions, settings)
        self.web_services = WebServices(self.sessions, settings.rules,
                                        render=partial(render_text, zone=settings.zone),
                                        counters=lambda: dict(metrics.COUNTS))
        self.processor = Processor(self.application, self.sessions, self._committed,
                                   default_lang=settings.language, health=self.health,
                                   zone=settings.zone)
        self.outage_notices = OutageNotices(self.application.bot, self.health,
                                            default_lang=settings.language)
        self.receiver = None if webhook else Receiver(
            self.application, self.sessions, self.processor.wake, poll_timeout=poll_timeout,
            health=self.health, notices=self.outage_notices)
        if webhook:
            self.web_services.receive = self._receive
            self.web_services.webhook_path = settings.webhook_path
            self.web_services.webhook_secret = settings.webhook_secret
        self.heartbeat = Heartbeat(self.sessions, settings.process_name,
                                   "webhook" if webhook else "polling", settings.heartbeat_seconds)
        self.web_services.live_window = self.heartbeat.live_window
        # Other processes' senders hold leases on some chats: ring them when messages are due.
        self.doorbell = (Doorbell(settings.database_url, self.sender.wake)
                         if self.sender.shared else None)
        self.clockwork = Clockwork(self.sessions, settings.rules, self._outbox_changed,
                                   health=self.health)
        self.tasks: list[asyncio.Task[None]] = []
        self.web = (WebServer(self.web_services, settings.http_host, settings.http_port)
                    if settings.http_port is not None else None)

    async def _receive(self, raws: list[dict[str, Any]]) -> None:
        """A webhook request: into the inbox (committed when this returns), then processed.
        With the database away Telegram is answered 503 and delivers the update again."""
        try:
            await store_updates(self.sessions, raws)
        except Exception as error:
            if self.health.failed(error, "webhook") is None:
                raise
            self.outage_notices.tell(raws)
            raise web.HTTPServiceUnavailable(text="database unavailable, try again later\n",
                                             headers={"Retry-After": "5"}) from error
        self.health.written()
        self.processor.wake()

    def _outbox_changed(self) -> None:
        self.sender.wake()
        if self.doorbell is not None:
            self.doorbell.ring()

    def _committed(self) -> None:
        """An update's effects are in the database: send its messages, refresh live pages."""
        self._outbox_changed()
        self.webhook_sender.wake()
        self.web_services.pulse.notify()

    async def start(self) -> None:
        await upgrade(self.engine)
        async with self.sessions() as session, session.begin():
            await factory_tag(session)  # drawn before any card is printed or checked
        # A restart during a Telegram outage comes up once Telegram answers (bot/telegram_start.py).
        await when_answered(self.application.bot.initialize, "getMe")
        await self.application.initialize()
        me = self.application.bot.bot
        self.application.bot_data["services"] = Services(
            rules=self.settings.rules, decode_image=decode_image,
            bot_username=self.settings.bot_username or me.username)
        if self.doorbell is not None:
            await self.doorbell.start()
        await self.heartbeat.beat(starting=True)  # before setWebhook: see bot/processes.py
        if not self.webhook:
            await when_answered(self.application.bot.delete_webhook, "deleteWebhook")
        await self._command_menus()
        self.outage_log.install()
        # The JobQueue starts with the Application: the first sweep catches up at once.
        install(self.application.job_queue, self.clockwork,
                sweep_seconds=self.settings.sweep_seconds,
                live_status_seconds=self.settings.live_status_seconds)
        await self.application.start()
        if self.web is not None:
            await self.web.start()
        # /board links point at the server (its port is known once it listens).
        self.application.bot_data["services"].board_url = board_base_url(
            self.settings, self.web.port if self.web is not None else None)
        loop = asyncio.get_running_loop()
        # The processor first finishes what the inbox holds from before a crash.
        self.tasks = [loop.create_task(self.sender.run(), name="outbox-sender"),
                      loop.create_task(self.webhook_sender.run(), name="webhook-sender"),
                      loop.create_task(self.processor.run(), name="inbox-processor"),
                      loop.create_task(self.heartbeat.run(), name="heartbeat")]
        if self.receiver is not None:
            self.tasks.append(loop.create_task(self.receiver.run(), name="receiver"))
        else:  # the route is listening: Telegram may post now
            await when_answered(lambda: set_webhook(self.application.bot, self.settings),
                                "setWebhook")
        log.info("Gongdan bot @%s is running (%s, process %s)", me.username,
                 "webhook" if self.webhook else "polling", self.settings.process_name)

    async def _command_menus(self) -> None:
        """What everyone (and every group) sees behind the / button, in each language."""
        for lang in ("zh", "en"):
            for commands, scope, whose in (
                    (commands_for(None, lang), BotCommandScopeDefault(), "everyone"),
                    (group_commands(lang), BotCommandScopeAllGroupChats(), "groups")):
                await optional(partial(self.application.bot.set_my_commands, commands,
                                       scope=scope, language_code=lang),
                               f"setMyCommands ({whose}, {lang})")

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
        # The heartbeat first: a beat after leave() would write this process's row back.
        beating = [task for task in self.tasks if task.get_name() == "heartbeat"]
        for task in beating:
            task.cancel()
        if beating:
            await asyncio.wait(beating, timeout=10)
        try:
            if self.application.running and self.webhook:
                await release_webhook(self.application.bot, self.heartbeat, self.settings)
            elif self.application.running:
                await self.heartbeat.leave()
        except Exception:  # the database is away: our row ages out, the webhook stays set
            log.exception("could not sign this process off")
        if self.application.running:
            await self.application.stop()  # waits for a sweep in progress to commit
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            # asyncio.wait neither raises the tasks' CancelledError nor swallows our own.
            await asyncio.wait(self.tasks, timeout=10)
        with suppress(Exception):  # sends under way finish; its chats go to the others
            await self.sender.stop()
        if self.doorbell is not None:
            await self.doorbell.stop()
        await self.application.shutdown()
        self.outage_log.remove()
        await self.engine.dispose()

    async def run_forever(self) -> None:
        try:  # a start that fails half way (Telegram refuses the token) still stops what it began
            await self.start()
            await asyncio.gather(*self.tasks)
        finally:
            await self.stop()
