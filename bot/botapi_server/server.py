"""LocalBotApi: a Telegram Bot API server on loopback, speaking real HTTP, with the
state of a small simulated Telegram (see sim.py for the people in it)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import methods_chat, methods_msg  # noqa: F401 - register the methods
from .errors import ApiError
from .faults import FILE_DOWNLOAD, Fault, FaultInjector, FloodError, RequestRecord
from .media import MAX_UPLOAD, FileRec
from .methods_common import METHODS
from .models import CallbackRec, ChatState, SimEvent
from .params import Params, read_params
from .ratelimit import RateLimiter, RateLimits
from .updates import UpdateQueue
from .webhook import WebhookDeliverer

if TYPE_CHECKING:
    from .sim import SimGroup, SimUser

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAGongdanLocalTestToken_0123456789ab"

def _new_stats() -> dict[str, Any]:
    return {"calls": Counter(), "count_429": 0, "count_429_injected": 0,
            "count_429_by_scope": Counter(), "errors": Counter(), "injected": 0,
            "updates_pushed": 0, "updates_delivered": 0, "updates_redelivered": 0,
            "updates_confirmed": 0, "messages_sent": 0, "polls_stalled": 0,
            "webhook_errors": 0, "updates_duplicated": 0}


class LocalBotApi(FaultInjector):
    """A local Telegram Bot API server. See the package docstring for the full API."""

    def __init__(
        self,
        token: str | Iterable[str] = DEFAULT_TOKEN,
        *,
        bot_username: str = "gongdan_demo_bot",
        bot_first_name: str = "Gongdan",
        bot_id: int | None = None,
        rate_limits: bool | RateLimits | None = False,
        first_update_id: int = 1,
        callback_query_ttl: float | None = None,
        photo_max_side: int = 1280,
        privacy_mode: bool = True,
        request_log_size: int = 10_000,
        webhook_timeout: float = 10.0,
        webhook_retry_seconds: float = 0.2,
        webhook_retry_max: float = 5.0,
    ):
        self.tokens = [token] if isinstance(token, str) else list(token)
        self.token = self.tokens[0]
        prefix = self.token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.rate_limits = rate_limits
        self.callback_query_ttl = callback_query_ttl
        self.photo_max_side = photo_max_side
        self.privacy_mode = privacy_mode
        self.updates = UpdateQueue(self, first_update_id)
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, SimGroup] = {}
        self.files: dict[str, FileRec] = {}
        self.files_by_path: dict[str, FileRec] = {}
        self.photo_sets: dict[str, list[FileRec]] = {}
        self.callbacks: dict[str, CallbackRec] = {}
        self.commands_store: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        # Webhook delivery: how long a POST may take, then the first retry's delay (doubling
        # up to the max). Telegram's own are longer; tests want seconds.
        self.webhook_timeout = webhook_timeout
        self.webhook_retry = (webhook_retry_seconds, webhook_retry_max)
        self.deliverer: WebhookDeliverer | None = None
        self._duplicated: set[int] = set()
        self.bot_settings: dict[str, Any] = {}
        self.stats: dict[str, Any] = _new_stats()
        self.requests: deque[RequestRecord] = deque(maxlen=request_log_size)
        self.faults: list[Fault] = []
        self._listeners: list[Callable[[SimEvent], Any]] = []
        self._bg: set[asyncio.Task] = set()
        self._seq = 0
        self._limiter: RateLimiter | None = None
        self._limiter_conf: Any = None
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url: str | None = None
        self.clock: Callable[[], float] = time.time

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        real_port = self._runner.addresses[-1][1]
        self.url = f"http://{host}:{real_port}"
        return self.url

    async def stop(self) -> None:
        self._closing.set()
        self.updates.wake()
        await self.stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for task in list(self._bg):
            task.cancel()

    async def __aenter__(self) -> LocalBotApi:
        if self.url is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Value for PTB's base_url (``f"{url}/bot"``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ webhook
    async def start_webhook(self, url: str, secret_token: str | None,
                            max_connections: int) -> None:
        """Deliver updates to ``url`` from now on (setWebhook); replaces an earlier target."""
        await self.stop_webhook()
        self.webhook = {"url": url, "secret_token": secret_token,
                        "max_connections": max_connections}
        retry, retry_max = self.webhook_retry
        self.deliverer = WebhookDeliverer(self, url, secret_token, max_connections,
                                          self.webhook_timeout, retry, retry_max)
        self.deliverer.start()

    async def stop_webhook(self) -> None:
        """No more deliveries (deleteWebhook); what was not accepted stays queued."""
        self.webhook = {"url": ""}
        deliverer, self.deliverer = self.deliverer, None
        if deliverer is not None:
            await deliverer.stop()

    # ------------------------------------------------------------------ helpers
    def now(self) -> int:
        return int(self.clock())

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def chat(self, chat_id: int) -> ChatState:
        return self.chats[chat_id]

    def emit(self, event: SimEvent) -> None:
        for cb in list(self._listeners):
            try:
                res = cb(event)
                if inspect.isawaitable(res):
                    task = asyncio.ensure_future(res)
                    self._bg.add(task)
                    task.add_done_callback(self._bg.discard)
            except Exception:  # noqa: BLE001 - a transcript printer must not break the API
                log.exception("event listener failed")

    def on_event(self, callback: Callable[[SimEvent], Any]) -> Callable[[], None]:
        """Call ``callback(SimEvent)`` (sync or async) for every user action and every bot
        message/edit/delete/answer/chat action. Returns an unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def reset_stats(self) -> None:
        self.stats = _new_stats()
        self.requests.clear()

    def get_commands(self, scope: dict[str, Any] | None = None,
                     language_code: str = "") -> list[tuple[str, str]]:
        """Commands stored by setMyCommands for exactly this scope + language_code."""
        key = (_scope_key(scope), language_code or "")
        return [(c["command"], c["description"]) for c in self.commands_store.get(key, [])]

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    # --- updates (delegating to the queue)
    def push_update(self, update: dict[str, Any]) -> int | None:
        """Queue a raw update; ``update_id`` is assigned if missing. Returns the id, or
        None when the bot's allowed_updates exclude this kind (Telegram drops it)."""
        return self.updates.push(update)

    def redeliver(self, update_id: int) -> bool:
        """Deliver an already-confirmed update again with the same update_id (as Telegram
        occasionally does). It goes out first on the next getUpdates, whatever its offset."""
        return self.updates.redeliver(update_id)

    def pending_updates(self) -> list[dict[str, Any]]:
        return self.updates.pending()

    def stall_polling(self, after_batches: int = 0) -> None:
        """Make getUpdates hang (without confirming anything) until resume_polling() or
        stop(): at once, or after ``after_batches`` more non-empty batches were delivered.
        With after_batches=1: the bot receives the next updates, and its following
        getUpdates, which would confirm them, hangs - kill the bot then, and the updates
        are redelivered to the next bot."""
        self.updates.stall(after_batches)

    def resume_polling(self) -> None:
        self.updates.resume()

    async def wait_delivered(self, update_id: int | None = None, timeout: float = 5.0) -> None:
        """Wait until ``update_id`` (default: the last pushed) was handed out by getUpdates."""
        await self.updates.wait_delivered(update_id, timeout)

    async def wait_confirmed(self, update_id: int | None = None, timeout: float = 5.0) -> None:
        """Wait until the bot confirmed ``update_id`` (default: every update pushed so far)."""
        await self.updates.wait_confirmed(update_id, timeout)

    def _rate_check(self, method: str, params: Params) -> None:
        conf = self.rate_limits
        if not conf:
            return
        if self._limiter is None or self._limiter_conf is not conf:
            self._limiter = RateLimiter(conf if isinstance(conf, RateLimits) else RateLimits())
            self._limiter_conf = conf
        if method not in self._limiter.limits.methods:
            return
        try:
            chat_id = params.chat_id(required=False)
        except ApiError:
            chat_id = None
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        hit = self._limiter.check(chat.id if chat else None, chat.type if chat else None)
        if hit:
            scope, retry_after = hit
            self.stats["count_429_by_scope"][scope] += 1
            raise FloodError(retry_after, "bot" if scope == "global" else "chat")

    # ------------------------------------------------------------------ HTTP
    def _error_response(self, err: ApiError) -> web.Response:
        return web.json_response(err.payload(), status=err.code)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        if request.match_info["token"] not in self.tokens:
            return self._error_response(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        entry = METHODS.get(name.lower())
        canonical = entry[0] if entry else name
        self.stats["calls"][canonical] += 1
        if entry is None:
            return self._error_response(ApiError(404, "Not Found: method not found"))
        record = RequestRecord(time.time(), canonical, {}, 200)
        try:
            params = await read_params(request)
            record.params = params.loggable()
            fault = self._take_fault(canonical, params)
            if fault is not None:
                record.injected = True
                self.stats["injected"] += 1
                result = await self._apply_fault(fault, entry[1], params)
            else:
                self._rate_check(canonical, params)
                result = entry[1](self, params)
                if inspect.isawaitable(result):
                    result = await result
        except ApiError as err:
            record.status, record.description = err.code, err.description
            if isinstance(err, FloodError):  # kept to check the bot waited as long as told
                record.retry_after, record.window = err.retry_after, err.window
            self.stats["errors"][(canonical, err.code)] += 1
            if err.code == 429:
                self.stats["count_429"] += 1
                if record.injected:
                    self.stats["count_429_injected"] += 1
            return self._error_response(err)
        except web.HTTPRequestEntityTooLarge:
            record.status = 413
            return self._error_response(ApiError(413, "Request Entity Too Large"))
        finally:
            record.duration = time.monotonic() - started
            self.requests.append(record)
        return web.json_response({"ok": True, "result": result},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.tokens:
            return self._error_response(ApiError(401, "Unauthorized"))
        rec = self.files_by_path.get(request.match_info["path"])
        self.stats["calls"]["<download>"] += 1
        fault = self._take_fault(FILE_DOWNLOAD)
        if fault is not None:  # the file server failing, or not answering
            self.stats["injected"] += 1
            try:
                await self._apply_fault(fault, lambda _server, _params: None, Params({}))
            except ApiError as err:
                self.stats["errors"][(FILE_DOWNLOAD, err.code)] += 1
                return self._error_response(err)
        if rec is None:
            return self._error_response(ApiError(404, "Not Found"))
        return web.Response(body=rec.data, content_type=rec.mime_type or "application/octet-stream")

    # ------------------------------------------------------------------ simulation
    def user(self, user_id: int, first_name: str, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "zh",
             *, started: bool = False) -> SimUser:
        from .sim import SimUser

        if user_id in self.users:
            return self.users[user_id]
        sim = SimUser(self, user_id, first_name, last_name, username, language_code)
        sim.chat.started = started
        self.users[user_id] = sim
        return sim

    def group(self, chat_id: int, title: str, type: str = "supergroup",
              members: Iterable[SimUser] = (), *, bot_status: str = "administrator") -> SimGroup:
        from .sim import SimGroup

        if chat_id in self.groups:
            return self.groups[chat_id]
        grp = SimGroup(self, chat_id, title, type, bot_status=bot_status)
        for member in members:
            grp.add_member(member)
        self.groups[chat_id] = grp
        return grp

    def block_chat(self, chat_id: int, notify: bool = True) -> None:
        """The user blocks the bot (private chat; sends then get 403 "bot was blocked by
        the user"), or the bot is removed from a group (403 "bot was kicked ...")."""
        from .sim import set_blocked

        set_blocked(self, chat_id, True, notify)

    def unblock_chat(self, chat_id: int, notify: bool = True) -> None:
        from .sim import set_blocked

        set_blocked(self, chat_id, False, notify)

    def migrate_group(self, chat_id: int, new_chat_id: int, notify: bool = True) -> SimGroup:
        """Upgrade a group to a supergroup with a new id. Calls on the old id then get 400
        with ``parameters.migrate_to_chat_id``. Returns the new SimGroup."""
        from .sim import migrate

        return migrate(self, chat_id, new_chat_id, notify)


def _scope_key(scope: dict[str, Any] | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


async def serve_forever(port: int = 8081, host: str = "127.0.0.1",
                        token: str | Iterable[str] = DEFAULT_TOKEN, *, console: bool = False,
                        duplicate_every: int = 0, **kwargs: Any) -> None:
    """Run a LocalBotApi until cancelled (``python -m bot.botapi_server``). ``kwargs`` go to
    LocalBotApi; with console=True user actions are read from stdin (see console.py)."""
    server = LocalBotApi(token, **kwargs)
    server.duplicate_webhook_deliveries(duplicate_every)
    url = await server.start(host, port)
    print(f"Local Telegram Bot API at {url}\n"
          f"  token(s): {', '.join(server.tokens)}\n"
          f"  PTB: Application.builder().token(TOKEN).base_url('{server.base_url}')"
          f".base_file_url('{server.base_file_url}')", flush=True)
    try:
        if console:
            from .console import run_console

            await run_console(server)
        else:
            await asyncio.Event().wait()
    finally:
        await server.stop()
