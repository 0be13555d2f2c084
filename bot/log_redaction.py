"""No secret reaches a log line or a traceback on the terminal.

The places that would print one are fixed where they are (the settings' repr, the board's
responses); this is the net under all of them, for what libraries write: PTB logs the Bot API's
URL (`…/bot<token>`) and every call's parameters at DEBUG (the webhook's `secret_token`, the
text of a board link), httpx logs each request's URL, PTB's InvalidToken quotes the token, and
SQLAlchemy's errors quote the statement's parameters and sometimes the database URL.

`install` puts one filter on every handler of the root logger. It rewrites each record as it
will be written (message with its arguments, the exception's traceback, the stack) with every
configured secret replaced, and with anything shaped like a secret replaced too: a bot token
after `bot`, `token=…` in a query string, a bearer token, a password in a URL. Uncaught
exceptions (the interpreter's own traceback on stderr) and warnings go through it as well.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MASK = "[redacted]"
# Shorter configured values are left alone: masking "pw" everywhere would garble every line.
SHORTEST = 6
PATTERNS = (
    # a bot token in a Bot API URL: https://api.telegram.org/bot123456:ABC…/getMe
    (re.compile(r"(bot)\d{3,}:[A-Za-z0-9_-]{5,}"), rf"\g<1>{MASK}"),
    # a bot token anywhere else (Telegram's shape: digits, a colon, 35 characters)
    (re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}"), MASK),
    # a token in a query string or a form: the board's link, /metrics?token=
    (re.compile(r"(?i)((?:\b|_)token=)[^&\s'\"<>]+"), rf"\g<1>{MASK}"),
    # Authorization: Bearer …
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\g<1>{MASK}"),
    # the webhook's secret as PTB logs setWebhook's parameters, or as a header
    (re.compile(r"(?i)((?:secret_token|x-telegram-bot-api-secret-token)['\"]?\s*[:=]\s*['\"]?)"
                r"[^'\"\s,}]+"), rf"\g<1>{MASK}"),
    # a password in a URL: postgresql://user:password@host/db
    (re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)[^@\s'\"/]+@"), rf"\g<1>{MASK}@"),
)


def secrets_of(settings: Any) -> list[str]:
    """The configured secrets: the bot token, the webhook secret, the database's password."""
    found = [settings.token, settings.webhook_secret, _password(settings.database_url)]
    return [s for s in found if s]


def _password(url: str) -> str | None:
    try:
        return make_url(url).password  # type: ignore[return-value]
    except (ArgumentError, ValueError):
        return None


class Redactor(logging.Filter):
    """Replaces secrets in every record it sees (and lets every record through)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        variants = {v for s in secrets if len(s) >= SHORTEST
                    for v in (s, quote(s, safe=""), quote(s))}
        # Longest first: a secret that contains another is masked whole.
        self.secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: show both, masked
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # The text stands in for the exception: no formatter may render it again unmasked.
            record.exc_text, record.exc_info = self.redact(record.exc_text), None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: Iterable[str]) -> Redactor:
    """Mask secrets in whatever the root logger's handlers write, in uncaught exceptions'
    tracebacks and in warnings, from now on."""
    redactor = Redactor(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    logging.captureWarnings(True)

    def excepthook(kind: type[BaseException], value: BaseException,
                   tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redactor.redact(text))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(redactor.redact(f"Exception in thread {name}:\n{text}"))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return redactor
