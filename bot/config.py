"""Settings from the environment (see the README for each variable)."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain import clock
from domain.db import default_url
from domain.rules import FactoryRules

TELEGRAM_API = "https://api.telegram.org"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def default_process_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_base_url: str = TELEGRAM_API
    file_base_url: str | None = None
    database_url: str = field(default_factory=default_url)
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    bot_username: str | None = None
    # Outbound pacing (Telegram: ~30 msg/s per bot, ~1/s per private chat, 20/min per group).
    send_rate: float = 30.0
    chat_rate: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    # How often the reminder sweep looks for due steps (seconds).
    sweep_seconds: float = 2.0
    # A pinned live status message is edited at most once per this many seconds (a group at
    # most once per half of it: within Telegram's 20 messages a minute per group).
    live_status_seconds: float = 10.0
    # The aiohttp server (shop-floor board): off unless a port is given (0: any free port).
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    # The address people open, when the server sits behind a proxy (links in /board).
    public_url: str | None = None
    # A fast clock for demos and tests (domain/clock.py): "2026-11-21T17:58:00+08:00@60".
    clock: str | None = None
    # Webhook mode (`gongdan run --webhook`): the public URL Telegram posts to (its path is the
    # route on our server), the secret it sends back in a header, how many requests at once.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    # This process among several on one database (its heartbeat row, its outbox leases).
    process_name: str = field(default_factory=default_process_name)
    # How often the process says it is alive; silent for 3 beats, it counts as gone.
    heartbeat_seconds: float = 5.0
    rules: FactoryRules = field(default_factory=FactoryRules)

    def __repr__(self) -> str:
        """Every field, the secrets masked: a settings object printed in a log or a traceback
        gives away neither the bot's token, the webhook's secret nor the database's password."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("token", "webhook_secret"):
            shown[name] = "***" if shown[name] else shown[name]
        shown["database_url"] = _without_password(self.database_url)
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bot_base_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/bot"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path

    def check_webhook(self) -> None:
        """Webhook mode needs a URL with a path of its own, a secret and the web server."""
        url = urlsplit(self.webhook_url or "")
        if url.scheme not in ("https", "http") or not url.hostname:
            raise SystemExit("webhook mode: set GONGDAN_WEBHOOK_URL to the public https URL "
                             "Telegram posts to, e.g. https://bot.example.com/telegram/updates")
        if url.path in ("", "/"):
            raise SystemExit("GONGDAN_WEBHOOK_URL needs a path of its own (the board and the API "
                             "share the server), e.g. https://bot.example.com/telegram/updates")
        if not self.webhook_secret:
            raise SystemExit("webhook mode: set GONGDAN_WEBHOOK_SECRET (1-256 characters of "
                             "A-Z a-z 0-9 _ -); Telegram sends it with every update")
        if not WEBHOOK_SECRET.fullmatch(self.webhook_secret):
            raise SystemExit("GONGDAN_WEBHOOK_SECRET may only hold 1-256 characters of "
                             "A-Z a-z 0-9 _ - (Telegram refuses others)")
        if self.http_port is None:
            raise SystemExit("webhook mode needs the web server: set GONGDAN_HTTP_PORT")

    @property
    def bot_file_url(self) -> str:
        return (self.file_base_url or self.api_base_url.rstrip("/") + "/file").rstrip("/") + "/bot"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        timezone = env.get("GONGDAN_TIMEZONE", "Asia/Shanghai")
        ZoneInfo(timezone)  # fail early on a typo
        language = env.get("GONGDAN_LANGUAGE", "zh")
        if language not in ("zh", "en"):
            raise SystemExit(f"GONGDAN_LANGUAGE must be zh or en, not {language!r}")
        rules = FactoryRules(
            tolerance_pct=Decimal(env.get("GONGDAN_TOLERANCE_PCT", "5")),
            undo_window=timedelta(minutes=float(env.get("GONGDAN_UNDO_MINUTES", "10"))),
            invite_ttl=timedelta(days=float(env.get("GONGDAN_INVITE_DAYS", "7"))),
            timezone=timezone,
            default_language=language,
        )
        clock_spec = env.get("GONGDAN_CLOCK") or None
        if clock_spec:
            try:
                clock.parse(clock_spec)
            except ValueError as error:
                raise SystemExit(f"GONGDAN_CLOCK: {error}") from None
        port = env.get("GONGDAN_HTTP_PORT", "8080").strip()
        if port and not port.isdigit():
            raise SystemExit(f"GONGDAN_HTTP_PORT must be a port number or empty, not {port!r}")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", TELEGRAM_API),
            file_base_url=env.get("TELEGRAM_FILE_BASE_URL") or None,
            database_url=env.get("DATABASE_URL") or default_url(),
            timezone=timezone,
            language=language,
            bot_username=env.get("GONGDAN_BOT_USERNAME") or None,
            send_rate=float(env.get("GONGDAN_SEND_RATE", "30")),
            chat_rate=float(env.get("GONGDAN_CHAT_RATE", "1")),
            sweep_seconds=_positive(env.get("GONGDAN_SWEEP_SECONDS", "2"),
                                    "GONGDAN_SWEEP_SECONDS"),
            live_status_seconds=_positive(env.get("GONGDAN_LIVE_STATUS_SECONDS", "10"),
                                          "GONGDAN_LIVE_STATUS_SECONDS"),
            http_host=env.get("GONGDAN_HTTP_HOST", "127.0.0.1"),
            http_port=int(port) if port else None,
            public_url=env.get("GONGDAN_PUBLIC_URL") or None,
            clock=clock_spec,
            webhook_url=env.get("GONGDAN_WEBHOOK_URL") or None,
            webhook_secret=env.get("GONGDAN_WEBHOOK_SECRET") or None,
            webhook_max_connections=_between(env.get("GONGDAN_WEBHOOK_MAX_CONNECTIONS", "40"),
                                             1, 100, "GONGDAN_WEBHOOK_MAX_CONNECTIONS"),
            process_name=(env.get("GONGDAN_PROCESS_NAME") or default_process_name())[:64],
            heartbeat_seconds=_positive(env.get("GONGDAN_HEARTBEAT_SECONDS", "5"),
                                        "GONGDAN_HEARTBEAT_SECONDS"),
            rules=rules,
        )


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not a database URL)"


def _positive(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise SystemExit(f"{name} must be a positive number of seconds, not {text!r}")
    return value


def _between(text: str, low: int, high: int, name: str) -> int:
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise SystemExit(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)
