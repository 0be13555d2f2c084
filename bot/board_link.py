"""Where people reach the bot's web server (for the board links of /board and the CLI)."""

from __future__ import annotations

import socket
from contextlib import suppress

from bot.config import Settings

ANY_ADDRESS = ("", "0.0.0.0", "::")


def board_base_url(settings: Settings, port: int | None) -> str | None:
    """GONGDAN_PUBLIC_URL when set (behind a proxy); else http://host:port of the server, with
    this machine's address when it listens on every interface. None when nothing is served."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if port is None:
        return None
    host = settings.http_host
    if host in ANY_ADDRESS:
        host = _this_machine()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _this_machine() -> str:
    """The address other machines on the network see (a UDP connect sends nothing)."""
    with suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    return socket.gethostname()
