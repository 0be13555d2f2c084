"""A line console for playing users by hand against a standalone LocalBotApi.

    <user_id> <text>            the user sends text ("/cmd arg" is sent as a command)
    <user_id> !press <button>   the user presses a button (text or callback_data)
    <user_id> !photo <path>     the user sends a photo file
    <user_id> !doc <path>       the user sends a file
    <user_id> !block / !unblock
    !users                      list users
The transcript of what everyone sees is printed as it happens.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from .server import LocalBotApi


async def run_console(server: LocalBotApi) -> None:
    server.on_event(lambda ev: print(ev, flush=True))
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:  # a daemon thread, so Ctrl-C never waits for it
        for raw in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, raw)

    threading.Thread(target=read_stdin, daemon=True, name="botapi-console").start()
    print(__doc__, flush=True)
    while True:
        line = await lines.get()
        line = line.strip()
        if not line:
            continue
        try:
            await _run_line(server, line)
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"!! {type(exc).__name__}: {exc}", flush=True)


async def _run_line(server: LocalBotApi, line: str) -> None:
    if line == "!users":
        for user in server.users.values():
            print(f"  {user.id} {user.name}", flush=True)
        return
    head, _, rest = line.partition(" ")
    user_id = int(head)
    user = server.users.get(user_id) or server.user(user_id, f"User{user_id}")
    if rest.startswith("!press "):
        await user.press(rest[len("!press "):].strip())
    elif rest.startswith("!photo "):
        await user.send_photo(Path(rest[len("!photo "):].strip()).read_bytes())
    elif rest.startswith("!doc "):
        path = Path(rest[len("!doc "):].strip())
        await user.send_document(path.read_bytes(), path.name)
    elif rest == "!block":
        user.block()
    elif rest == "!unblock":
        user.unblock()
    elif rest.startswith("/"):
        cmd, _, arg = rest.partition(" ")
        await user.command(cmd, arg or None)
    else:
        await user.send_text(rest)
