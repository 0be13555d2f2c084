"""Composition root: the PTB Application, our inbox receiver and processor, the outbox sender,
and the JobQueue's time-driven jobs (reminder sweep, planning ahead)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommandScopeAllGroupChats, BotCommandScopeDefault
from telegram.ext import Application

import bot.attachments_all  # noqa: F401  (registers the file builders)
from bot.barcode import decode_image
from bot.board_link import board_base_url
from bot.config import Settings
from bot.inbox import Processor, Receiver
from bot.render import commands_for, group_commands
from bot.sender import OutboxSender
from bot.web import WebServer
from domain import clock
from domain.db import make_engine, make_sessionmaker
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
        .build()
    )
    routes.register(application)
    return application


class GongdanBot:
    """The running bot: receive → inbox → process → outbox → send, each its own task; the
    Application runs only its JobQueue (we feed it updates ourselves)."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None,
                 poll_timeout: int = 25) -> None:
        self.settings = settings
        clock.set_clock(settings.clock)
        self.engine = engine or make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine, settings.rules)
        self.application = build_application(settings)
        self.sender = OutboxSender(self.application.bot, self.sessions, settings)
        self.web_services = WebServices(self.sessions, settings.rules)
        self.processor = Processor(self.application, self.sessions, self._committed,
                                   default_lang=settings.language)
        self.receiver = Receiver(self.application, self.sessions, self.processor.wake,
                                 poll_timeout=poll_timeout)
        self.clockwork = Clockwork(self.sessions, settings.rules, self.sender.wake)
        self.tasks: list[asyncio.Task[None]] = []
        self.web = (WebServer(self.web_services, settings.http_host, settings.http_port)
                    if settings.http_port is not None else None)

    def _committed(self) -> None:
        """An update's effects are in the database: send its messages, refresh live pages."""
        self.sender.wake()
        self.web_services.pulse.notify()

    async def start(self) -> None:
        await upgrade(self.engine)
        await self.application.initialize()
        me = self.application.bot.bot
        self.application.bot_data["services"] = Services(
            rules=self.settings.rules, decode_image=decode_image,
            bot_username=self.settings.bot_username or me.username)
        await self.application.bot.delete_webhook()
        for lang in ("zh", "en"):
            await self.application.bot.set_my_commands(
                commands_for(None, lang), scope=BotCommandScopeDefault(), language_code=lang)
            await self.application.bot.set_my_commands(
                group_commands(lang), scope=BotCommandScopeAllGroupChats(), language_code=lang)
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
                      loop.create_task(self.processor.run(), name="inbox-processor"),
                      loop.create_task(self.receiver.run(), name="receiver")]
        log.info("Gongdan bot @%s is running", me.username)

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self.application.running:
            await self.application.stop()  # waits for a sweep in progress to commit
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            # asyncio.wait neither raises the tasks' CancelledError nor swallows our own.
            await asyncio.wait(self.tasks, timeout=10)
        with suppress(Exception):
            await self.sender.flush()
        await self.application.shutdown()
        await self.engine.dispose()

    async def run_forever(self) -> None:
        await self.start()
        try:
            await asyncio.gather(*self.tasks)
        finally:
            await self.stop()
