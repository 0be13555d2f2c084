"""What the storage fault tests share: the bot as its own process (`gongdan run`), workers
reporting in rounds (typed, and every third round a photo of the card), and the checks that
nothing was lost, applied twice, given up, or confirmed to the Bot API before it was stored."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.botapi_server import LocalBotApi, SimUser
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.db import make_engine, make_sessionmaker
from tests import databases
from tests.e2e.conftest import TOKEN, seed

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
FIRST_USER = 8000
QUANTITY = 100_000  # room for every round: no report is refused for quantity
RECORDED = re.compile(r"已记录：WO-000001 \S+ 良品 (\d+)")
INTERNAL_ERROR = "出了点问题"  # the notice of an update given up (bot/catalog.py errors.internal)
OUTAGE_NOTICE = "系统暂时无法保存"  # "arrived, will be handled" (errors.storage_away)


def start_bot(api: LocalBotApi, database_url: str, log: Path, *args: str,
              **env: str) -> subprocess.Popen[bytes]:
    """`gongdan run [args]` against the local Bot API; its log goes to a file (a pipe nobody
    reads would fill up and stop the bot mid-outage)."""
    full = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
            "DATABASE_URL": database_url, "GONGDAN_SEND_RATE": "2000",
            "GONGDAN_CHAT_RATE": "200", "GONGDAN_HTTP_PORT": "", **env}  # no web server
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=ROOT, env=full,
                                stdout=out, stderr=out)


def webhook_env(port: int) -> dict[str, str]:
    """What `gongdan run --webhook` needs: Telegram (the local server) posts to our port."""
    return {"GONGDAN_HTTP_PORT": str(port), "GONGDAN_WEBHOOK_SECRET": "Gd_storage-faults_0",
            "GONGDAN_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/updates"}


def stop(bot: subprocess.Popen[bytes]) -> None:
    bot.kill()
    bot.wait(10)


async def seed_floor(db: Path) -> bytes:
    """WO-000001 and WORKERS workers with Telegram accounts; a phone photo of its card."""
    await seed(db, quantity=QUANTITY, people=tuple(
        {"code": f"W{i:02d}", "skills": "SMT", "telegram_user_id": FIRST_USER + i}
        for i in range(WORKERS)))
    engine = make_engine(databases.url_for(db))
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            (card,) = await cards_for(session, ["WO-000001"], None)
    finally:
        await engine.dispose()
    return phone_photo(render_card(card), seed=3, difficulty="easy")


@dataclass
class Stream:
    """Round n: every worker reports n good pieces, so each reply names its report."""

    api: LocalBotApi
    photo: bytes
    users: list[SimUser] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users = [self.api.user(FIRST_USER + i, f"Worker{i}", started=True)
                      for i in range(WORKERS)]

    async def send(self, n: int) -> None:
        self.rounds.append(n)
        for user in self.users:
            if n % 3 == 0:
                await user.send_photo(self.photo, caption=str(n))
            else:
                await user.send_text(f"WO-000001 {n}")

    async def send_spread(self, rounds: Iterable[int], seconds: float) -> None:
        """Rounds spread over `seconds`, as people keep working."""
        rounds = list(rounds)
        for n in rounds:
            await self.send(n)
            await asyncio.sleep(seconds / len(rounds))

    @property
    def good_total(self) -> int:
        return WORKERS * sum(self.rounds)

    @property
    def reports(self) -> int:
        return WORKERS * len(self.rounds)

    def missing_replies(self) -> dict[int, list[int]]:
        """Per worker, the rounds whose report the bot has not confirmed to them yet."""
        missing = {}
        for user in self.users:
            got = {int(m[1]) for message in user.messages
                   if (m := RECORDED.search(message.text or message.caption or ""))}
            if lost := sorted(set(self.rounds) - got):
                missing[user.id] = lost
        return missing

    def outage_notices(self) -> dict[int, int]:
        """Per worker, how often the bot said it cannot save now but will handle the message."""
        return {user.id: sum(OUTAGE_NOTICE in (m.text or "") for m in user.messages)
                for user in self.users}

    def internal_errors(self) -> list[str]:
        return [message.text or "" for user in self.users for message in user.messages
                if INTERNAL_ERROR in (message.text or "")]

    async def all_replied(self, timeout: float) -> None:
        await wait_for(lambda: not self.missing_replies(), timeout,
                       lambda: f"replies missing (worker: rounds): {self.missing_replies()}")


class ConfirmWatch:
    """Looks, the moment the Bot API forgets updates (a getUpdates whose offset confirms
    them, or a 2xx answer to the webhook), whether the bot's inbox holds them; `unstored`
    lists those it did not."""

    def __init__(self, api: LocalBotApi, stored: Callable[[list[int]], Awaitable[set[int]]]):
        self.api = api
        self.stored = stored
        self.confirmed: set[int] = set()
        self.unstored: set[int] = set()
        self.checks: list[asyncio.Task[None]] = []
        queue = api.updates
        confirm = queue._confirm

        def watched(offset: int) -> None:
            ids = [u["update_id"] for u in queue.queue if 0 < offset and u["update_id"] < offset]
            if ids:
                self.confirmed.update(ids)
                self.checks.append(asyncio.get_running_loop().create_task(self._check(ids)))
            confirm(offset)

        ack = queue.ack

        def acked(update_id: int) -> None:
            self.confirmed.add(update_id)
            self.checks.append(asyncio.get_running_loop().create_task(self._check([update_id])))
            ack(update_id)

        queue._confirm = watched  # type: ignore[method-assign]
        queue.ack = acked  # type: ignore[method-assign]

    async def _check(self, ids: list[int]) -> None:
        self.unstored.update(set(ids) - await self.stored(ids))

    async def settled(self) -> set[int]:
        await asyncio.gather(*self.checks)
        return self.unstored


def sqlite_inbox(db: Path) -> Callable[[list[int]], Awaitable[set[int]]]:
    """Which of these updates the SQLite inbox holds, read at once from this process (a
    reader in WAL mode waits for no writer, not even one holding an exclusive lock)."""
    async def stored(ids: list[int]) -> set[int]:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            marks = ",".join("?" * len(ids))
            return {row[0] for row in conn.execute(
                f"select update_id from inbox_update where update_id in ({marks})", ids)}
    return stored


def pending_ids(api: LocalBotApi) -> set[int]:
    return {u["update_id"] for u in api.pending_updates()}


def log_lines(log: Path, text: str) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if text in line]


async def wait_for(condition: Callable[[], bool], timeout: float,
                   why: Callable[[], str] = lambda: "condition not reached") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(why())
        await asyncio.sleep(0.05)


def inbox_failures(db: Path) -> list[tuple[int, int, str | None]]:
    """Updates with a failed attempt recorded (update id, attempts, error)."""
    return [tuple(row) for row in databases.fetch(  # type: ignore[misc]
        db, "select update_id, attempts, error from inbox_update "
            "where attempts > 0 or error is not null")]


def applied(db: Path) -> tuple[int, int, int]:
    """Work reports, distinct idempotency keys, good pieces on the first operation."""
    reports = databases.fetch(db, "select count(*), count(distinct idempotency_key) "
                                  "from work_report")[0]
    good = databases.fetch(db, "select good_qty from operation_task where seq = 10")[0][0]
    return int(reports[0]), int(reports[1]), int(good)


def unprocessed(db: Path) -> int:
    return int(databases.fetch(db, "select count(*) from inbox_update "
                                   "where processed_at is null")[0][0])
