"""Secrets never leave: the bot token, the webhook secret, the database password and every
issued token (board links, API and metrics tokens) appear in no log line, traceback, HTTP answer,
export or CLI message.

The main test runs the real bot as `gongdan run` (GONGDAN_LOG_LEVEL=DEBUG: everything PTB, httpx
and aiohttp would write) through a scenario that touches every path: polling, a board link asked
for in chat, failing Bot API calls, the board and the API with good, wrong, expired, revoked and
removed-holder tokens, /metrics, a person removed from the command line while the bot runs, an
export, an update that crashes its handler, webhook mode with a wrong secret, and a start with a
token Telegram rejects. Then it looks for every secret in everything the run produced.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

from bot.botapi_server import LocalBotApi
from bot.config import Settings
from bot.log_redaction import MASK, Redactor
from domain import access_tokens
from domain.db import make_engine, make_sessionmaker
from domain.models import utcnow
from tests import databases
from tests.e2e.balancer import free_port
from tests.e2e.conftest import seed
from tests.e2e.test_reliability import ROOT, wait_for

BOT_TOKEN = "7012345678:AAF-gongdanSecretToken_abcdefghij0123"
WEBHOOK_SECRET = "Gd-webhook-SECRET_0123456789"
DB_PASSWORD = "Pw-Secret-4567"
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": 1001},
          {"code": "W02", "skills": "SMT", "telegram_user_id": 1002},
          {"code": "M01", "role": "manager", "telegram_user_id": 3001})


# --- the filter on its own ------------------------------------------------------------------


def test_the_filter_masks_configured_secrets_and_secret_shapes():
    redactor = Redactor([BOT_TOKEN, WEBHOOK_SECRET, "p@ss/w0rd:x", "pw"])  # "pw": too short
    lines = {
        f"Set Bot API URL: http://127.0.0.1:8081/bot{BOT_TOKEN}": "/bot" + MASK,
        "GET http://x/bot123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/getMe": "/bot" + MASK,
        "a token 123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA alone": "a token " + MASK,
        "GET /board?token=abcDEF123_-x&lang=en 200": f"token={MASK}&lang=en",
        "GET /metrics?access_token=abc123": f"access_token={MASK}",
        "Authorization: Bearer Zm9vYmFyYmF6cXV4": f"Bearer {MASK}",
        "{'url': 'https://b.example/tg', 'secret_token': 'another-secret'}":
            f"'secret_token': '{MASK}'",
        "connect postgresql://gongdan:hunter2-x@db:5432/gongdan": f"gongdan:{MASK}@db",
        f"setWebhook {{'x': '{WEBHOOK_SECRET}'}}": f"{{'x': '{MASK}'}}",
        "libpq password=p%40ss%2Fw0rd%3Ax sslmode": f"password={MASK} sslmode",
        "pw stays, and http://host:8080/path stays": "pw stays, and http://host:8080/path",
    }
    for line, expected in lines.items():
        assert expected in redactor.redact(line), line


def test_a_record_its_arguments_and_its_traceback_are_masked():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor([BOT_TOKEN]))
    log = logging.getLogger("tests.secrets")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError(f"The token `{BOT_TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("calling %s failed", f"http://api/bot{BOT_TOKEN}/getMe",
                          stack_info=True)
        log.warning("%s %s", "too", "many", "arguments")  # a bad call still writes a line
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert BOT_TOKEN not in written and BOT_TOKEN.split(":")[1] not in written
    assert "calling http://api/bot[redacted]/getMe failed" in written
    assert "RuntimeError: The token `[redacted]` was rejected" in written
    assert "arguments" in written


def test_settings_print_without_their_secrets():
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "GONGDAN_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": f"postgresql://gongdan:{DB_PASSWORD}@db:5432/gongdan"})
    for shown in (repr(settings), str(settings), f"{[settings]}"):
        assert BOT_TOKEN not in shown and WEBHOOK_SECRET not in shown
        assert DB_PASSWORD not in shown
        assert "postgresql://gongdan:***@db:5432/gongdan" in shown and "token='***'" in shown
    assert settings.token == BOT_TOKEN  # only the printing changed


# --- the real bot -----------------------------------------------------------------------------


class Run:
    """Everything a scenario produced that a secret must not be in."""

    def __init__(self, tmp_path: Path, api: LocalBotApi, db: Path) -> None:
        self.tmp, self.api, self.db = tmp_path, api, db
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.texts: dict[str, str] = {}  # what was seen, by where it was seen
        self.secrets = {"bot token": BOT_TOKEN, "bot token's secret": BOT_TOKEN.split(":")[1],
                        "webhook secret": WEBHOOK_SECRET}
        self.database_url = databases.plain_url_for(db)
        if databases.on_postgres():  # trust authentication: any password connects
            self.database_url = make_url(self.database_url).set(
                password=DB_PASSWORD).render_as_string(hide_password=False)
            self.secrets["database password"] = DB_PASSWORD
        self.logs: list[Path] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                "TELEGRAM_API_BASE_URL": self.api.url or "", "DATABASE_URL": self.database_url,
                "GONGDAN_HTTP_PORT": str(self.port), "GONGDAN_LOG_LEVEL": "DEBUG",
                "GONGDAN_SEND_RATE": "2000", "GONGDAN_CHAT_RATE": "200",
                "GONGDAN_LANGUAGE": "zh", **extra}

    def start(self, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"bot-{len(self.logs)}.log"
        self.logs.append(log)
        return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=ROOT,
                                env=self.env(**extra), stdout=log.open("wb"),
                                stderr=subprocess.STDOUT)

    async def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 20)
        finally:
            process.kill()

    async def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", *args], cwd=self.tmp,
            env=self.env(), capture_output=True, text=True, timeout=90)
        self.texts[f"gongdan {' '.join(args)}"] = done.stdout + done.stderr
        return done

    async def get(self, http: aiohttp.ClientSession, path: str, **kw) -> tuple[int, str]:
        async with http.get(self.base + path, **kw) as response:
            text = await response.text()
        self.texts[f"GET {path} {kw.get('headers', '')}"] = text
        return response.status, text

    def leaks(self) -> list[str]:
        every = dict(self.texts) | {str(p): p.read_text(errors="replace") for p in self.logs}
        return [f"{name} in {where}" for name, secret in self.secrets.items()
                for where, text in every.items() if secret in text]


async def issue_tokens(db: Path) -> dict[str, str]:
    """One of each kind, good and spoiled, and W02's own API token."""
    engine = make_engine(databases.url_for(db))
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            now, board, api = utcnow(), access_tokens.BOARD, access_tokens.API
            made = {}
            for purpose in (board, api, "metrics"):
                made[purpose] = await access_tokens.issue(session, now=now, purpose=purpose)
                made[f"{purpose} expired"] = await access_tokens.issue(
                    session, now=now - timedelta(days=2), days=1, purpose=purpose)
                made[f"{purpose} revoked"] = revoked = await access_tokens.issue(
                    session, now=now, purpose=purpose)
                await access_tokens.revoke(session, revoked.id, now=now)
            from domain.registration import person_by_code

            made["api W02"] = await access_tokens.issue(
                session, now=now, purpose=api, holder=await person_by_code(session, "W02"))
    finally:
        await engine.dispose()
    return {name: issued.token for name, issued in made.items()}


async def test_no_secret_in_anything_the_running_bot_writes(tmp_path):
    db = tmp_path / "secrets.db"
    await seed(db, people=PEOPLE)
    tokens = await issue_tokens(db)
    async with LocalBotApi(BOT_TOKEN) as api:
        run = Run(tmp_path, api, db)
        run.secrets |= {f"{name} token": token for name, token in tokens.items()}
        await polling(run, tokens)
        await webhook(run)
        await rejected_token(run)
    assert run.leaks() == []
    debug = "\n".join(p.read_text(errors="replace") for p in run.logs)
    # The paths ran, and the masking had work to do.
    for seen in ("DEBUG", "Calling Bot API endpoint `sendMessage`", "update ", "failed",
                 f"bot{MASK}", f"token={MASK}", "Traceback"):
        assert seen in debug, seen


async def polling(run: Run, tokens: dict[str, str]) -> None:
    api = run.api
    worker, removed = api.user(1001, "Li", started=True), api.user(1002, "Zhao", started=True)
    chief = api.user(3001, "Wang", started=True)
    bot = run.start()
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for_http(run, http)
            # A board link asked for in chat: the manager's, and a secret from now on.
            await chief.command("/board", "30 TV1")
            link = await chief.wait_message("token=", timeout=15)
            run.secrets["chat board link"] = re.search(r"token=([^&\s]+)", link.text)[1]
            # Reports, with the Bot API failing for a while.
            api.inject("sendMessage", 500, times=2)
            api.inject("getUpdates", 502, times=1)
            await worker.send_text("WO-000001 5")
            await worker.wait_message("已记录", timeout=15)
            api.inject("sendMessage", "timeout", times=1, delay=1)
            await worker.send_text("WO-000001 1")
            await worker.wait_message("已记录", timeout=30)
            # A handler that fails: the photo's download is forbidden (a traceback in the log).
            api.inject("getFile", 403, times=None, description="Forbidden: no access")
            await worker.send_photo(png())
            await wait_for(lambda: "Forbidden: no access" in run.logs[-1].read_text(), 15)
            api.clear_faults()
            await board(run, http, tokens)
            await rest_api(run, http, tokens, "api")
            await metrics(run, http, tokens)
            # W02 leaves: from the command line, while the bot runs.
            removal = await run.cli("person", "remove", "W02")
            assert removal.returncode == 0, removal.stderr
            status, _ = await run.get(http, "/api/v1/reports", headers=bearer(tokens["api W02"]))
            assert status == 401
            await removed.send_text("WO-000001 1")
            await removed.wait_message("还没有注册", timeout=15)
            # An export, a backup and the other CLI outputs.
            export = await run.cli("export", "-o", str(run.tmp / "export.xlsx"))
            assert export.returncode == 0, export.stderr
            with zipfile.ZipFile(run.tmp / "export.xlsx") as book:
                run.texts["export.xlsx"] = "".join(
                    book.read(name).decode(errors="replace") for name in book.namelist())
            for command in (("db", "upgrade"), ("status",), ("api-token", "--list"),
                            ("board-url", "--list"), ("person", "list", "--all")):
                assert (await run.cli(*command)).returncode == 0, command
    finally:
        await run.stop(bot)
    # What went to Telegram: the board link to the manager who asked for it, nothing else.
    run.texts["bot api requests"] = "\n".join(
        json.dumps(r.params, default=str) for r in api.requests
        if r.method != "setWebhook" and str(r.params.get("chat_id")) != str(chief.id))


async def wait_for_http(run: Run, http: aiohttp.ClientSession) -> None:
    async def up() -> bool:
        try:
            return (await run.get(http, "/healthz"))[0] == 200
        except aiohttp.ClientError:
            return False

    for _ in range(300):
        if await up():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the bot's web server did not come up")


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (64, 48), 200).save(out, "PNG")
    return out.getvalue()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def board(run: Run, http: aiohttp.ClientSession, tokens: dict[str, str]) -> None:
    for token in (tokens["board"], run.secrets["chat board link"]):
        for path in ("/board", "/board/data"):
            status, text = await run.get(http, f"{path}?token={token}")
            assert status == 200 and token not in text
        async with http.get(f"{run.base}/board/events?token={token}") as stream:
            assert stream.status == 200
            run.texts[f"board events {token[:4]}"] = await asyncio.wait_for(_event(stream), 5)
    spoiled = ["", "wrong", tokens["board expired"], tokens["board revoked"], tokens["api"]]
    for token in spoiled:
        for path in ("/board", "/board/data", "/board/events"):
            status, text = await run.get(http, path + (f"?token={token}" if token else ""))
            assert status == 403, (path, token)
            assert "WO-000001" not in text


async def _event(stream: aiohttp.ClientResponse) -> str:
    """The stream up to its first snapshot."""
    seen = ""
    while "event: snapshot" not in seen or not seen.endswith("\n\n"):
        seen += (await stream.content.readline()).decode()
    return seen


async def rest_api(run: Run, http: aiohttp.ClientSession, tokens: dict[str, str],
                   kind: str) -> None:
    status, text = await run.get(http, "/api/v1/reports", headers=bearer(tokens[kind]))
    assert status == 200 and '"data"' in text
    for token in ("wrong", tokens[f"{kind} expired"], tokens[f"{kind} revoked"],
                  tokens["board"]):
        status, text = await run.get(http, "/api/v1/reports", headers=bearer(token))
        assert status == 401 and '"unauthorized"' in text
    status, _ = await run.get(http, "/api/v1/reports")
    assert status == 401


async def metrics(run: Run, http: aiohttp.ClientSession, tokens: dict[str, str]) -> None:
    status, text = await run.get(http, "/metrics")
    assert status == 200 and "gongdan_sent_total" in text
    proxied = {"X-Forwarded-For": "203.0.113.9"}  # as if from outside: a token is needed
    assert (await run.get(http, "/metrics", headers=proxied))[0] == 401
    assert (await run.get(http, "/metrics", headers=proxied | bearer(tokens["metrics"])))[0] \
        == 200
    for token in ("wrong", tokens["metrics expired"], tokens["metrics revoked"]):
        assert (await run.get(http, f"/metrics?token={token}", headers=proxied))[0] == 401


async def webhook(run: Run) -> None:
    """Webhook mode: a wrong or missing secret is refused without naming it; an update that
    fails its handler leaves a masked traceback."""
    url = f"{run.base}/telegram/updates"
    bot = run.start("--webhook", GONGDAN_WEBHOOK_URL=url, GONGDAN_WEBHOOK_SECRET=WEBHOOK_SECRET)
    try:
        await wait_for(lambda: run.api.webhook.get("url") == url, timeout=30)
        async with aiohttp.ClientSession() as http:
            update = json.dumps({"update_id": 990001, "message": {
                "message_id": 1, "date": 0, "text": "WO-000001 50",
                "chat": {"id": 1001, "type": "private"},
                "from": {"id": 1001, "is_bot": False, "first_name": "Forger"}}})
            for secret in ("wrong-secret", None, WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x"):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with http.post(url, data=update, headers=headers) as response:
                    run.texts[f"webhook {secret}"] = await response.text()
                    assert response.status == 401
        user = run.api.user(1001, "Li", started=True)
        user.drain()
        await user.send_text("WO-000001 1")  # delivered by the Bot API server, with the secret
        await user.wait_message("已记录", timeout=15)
        assert await asyncio.to_thread(databases.fetch, run.db,
                                       "select max(good_qty) from work_report") == [(5,)]
    finally:
        await run.stop(bot)


async def rejected_token(run: Run) -> None:
    """Telegram says the token is not valid: PTB's error quotes it; the terminal must not. The
    process says what is wrong and exits by itself."""
    run.api.inject("getMe", 401, times=None, description="Unauthorized")
    bot = run.start()
    try:
        assert await asyncio.to_thread(bot.wait, 60) == 1
        assert "Telegram 拒绝了 TELEGRAM_BOT_TOKEN" in run.logs[-1].read_text()
    finally:
        bot.kill()
        run.api.clear_faults()


async def test_command_line_errors_do_not_show_the_database_password(tmp_path):
    """A database that is away, or a URL that does not parse: the error names neither the
    password nor the token."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "GONGDAN_HTTP_PORT": ""}
    urls = [f"postgresql://gongdan:{DB_PASSWORD}@127.0.0.1:1/gongdan",  # nobody listens
            f"postgresql://gongdan:{DB_PASSWORD}@db:notaport/gongdan"]
    for url in urls:
        for command in (["status"], ["db", "upgrade"], ["person", "list"]):
            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "bot", *command], cwd=tmp_path,
                env=env | {"DATABASE_URL": url}, capture_output=True, text=True, timeout=60)
            assert done.returncode != 0, (command, url)
            written = done.stdout + done.stderr
            assert written.strip(), (command, url)  # it says something...
            assert DB_PASSWORD not in written and BOT_TOKEN not in written, written  # ...safely
