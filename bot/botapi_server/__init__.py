"""A local Telegram Bot API server for the demo, the end-to-end tests and the benchmarks.

``LocalBotApi`` speaks real HTTP like api.telegram.org (point python-telegram-bot at it with
``base_url=server.base_url, base_file_url=server.base_file_url``) and keeps the state of a
small simulated Telegram whose people (``SimUser``) and groups (``SimGroup``) are driven
in-process by tests, the demo and the benchmarks::

    async with LocalBotApi(bot_username="gongdan_demo_bot") as api:
        app = (Application.builder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())
        li = api.user(1001, "李", "雷")
        ...start the app polling...
        await li.command("/start")
        reply = await li.wait_message()          # SimMessage: .text .buttons .photo_bytes
        cid = await li.press("确认")              # inline button by text or callback_data
        assert (await li.wait_answer(cid)).text == "已确认"

After setWebhook the updates are POSTed to the bot instead (webhook.py: the secret header,
retries with backoff, max_connections, one chat at a time; http:// only to loopback), and
``duplicate_webhook_deliveries(every=N)`` makes it deliver some twice.

Standalone: ``python -m bot.botapi_server --port 8081 --token TOKEN [--console]``.
"""

from .errors import ApiError
from .media import FileRec
from .models import CallbackAnswer, ChatState, SimEvent, SimMessage
from .ratelimit import RateLimits
from .server import DEFAULT_TOKEN, Fault, LocalBotApi, RequestRecord, serve_forever
from .sim import SimGroup, SimTimeout, SimUser

__all__ = [
    "DEFAULT_TOKEN", "ApiError", "CallbackAnswer", "ChatState", "Fault", "FileRec",
    "LocalBotApi", "RateLimits", "RequestRecord", "SimEvent", "SimGroup", "SimMessage",
    "SimTimeout", "SimUser", "serve_forever",
]
