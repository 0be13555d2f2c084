"""A local Telegram Bot API server for the demo, the end-to-end tests and the benchmarks.

``LocalBotApi`` speaks real HTTP like api.telegram.org (point python-telegram-bot at it with
``base_url=server.base_url, base_file_url=server.base_file_url``) and keeps the state of a
small simulated Telegram whose people (``SimUser``) and groups (``SimGroup``) are driven
in-process by tests, the demo and the benchmarks.
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
