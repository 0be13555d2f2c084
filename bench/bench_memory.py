"""Memory of the bot process with 300 active users.

The bot runs as its own process (`gongdan run`) on a fresh SQLite file against the local Bot API
server, as in bench_reports. 300 workers, each with an invite, register all at once with
`/start <invite>`, then all at once live a short working day through the bot: report by typing
code and quantity, open `/tasks` and press a task and a quantity on its card, report by photo
(download + decode), look at `/me`, and undo the last report. Each waits for the bot's answer
before the next step, as a person does.

The figures are the kernel's for the bot process (/proc/<pid>/status): VmRSS (resident now) and
VmHWM (the peak resident size so far), idle after start, after one worker's day (every code path
loaded: decoders, the wage pages), after the 300 registered, and after their day. The growth per
active user is the peak after the 300 less the resident size after the one, over 300.

    .venv/bin/python -m bench.bench_memory [--users 300]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_reports import RECORDED, TOKEN, seed, start_bot
from bench.common import table
from bot.botapi_server import LocalBotApi, SimUser
from domain.db import make_engine, make_sessionmaker
from domain.models.base import utcnow
from domain.registration import issue_invite
from domain.rules import FactoryRules

USERS = 300
TARGET_MB = 512.0  # a small VM or a shared box: the bot should fit in half a gigabyte
TEXT_REPORTS, PHOTO_REPORTS = 3, 2
FIRST_USER = 100_000  # bench_reports.seed's workers are 100000, 100001...
WAIT = 120.0  # seconds a person waits for an answer while 300 others are busy too


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (the kernel counts kB)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if line.startswith(("VmRSS", "VmHWM")))
    return {name: int(value.split()[0]) / 1024 for name, value in fields.items()}


async def invites(db: Path, people: int) -> list[str]:
    """One invite per seeded worker (B0000, B0001...), in their order."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    async with make_sessionmaker(engine)() as session, session.begin():
        codes = [(await issue_invite(session, f"B{i:04d}", "worker", now=utcnow(),
                                     rules=FactoryRules())).code for i in range(people)]
    await engine.dispose()
    return codes


async def register(user: SimUser, invite: str) -> None:
    await user.command("/start", invite)
    await user.wait_message("注册成功", timeout=WAIT)
    await user.wait_message("/tasks", timeout=WAIT)  # the help that follows


async def workday(user: SimUser, photos: list[bytes]) -> int:
    """One worker's day through the bot; how many updates they sent."""
    for k in range(TEXT_REPORTS):
        await user.send_text(f"WO-00000{1 + k % 2} 1")
        await user.wait_message(RECORDED, timeout=WAIT)
    await user.command("/tasks")
    tasks = await user.wait_message("我的任务", timeout=WAIT)
    await user.press(tasks.buttons[0][0][1] or "", tasks)  # the first task's card
    card = await user.wait_message("请选择良品数量", timeout=WAIT)
    await user.press("10", card)
    await user.wait_message(RECORDED, timeout=WAIT)
    for k in range(PHOTO_REPORTS):
        await user.send_photo(photos[(user.id + k) % len(photos)], caption="1")
        last = await user.wait_message(RECORDED, timeout=WAIT)
    await user.command("/me")
    await user.wait_message("💰", timeout=WAIT)
    await user.press("撤销", last)
    await user.wait_edit(message=last, timeout=WAIT)  # the report, marked undone
    return TEXT_REPORTS + 3 + PHOTO_REPORTS + 2


async def settled(pid: int, seconds: float = 1.0) -> dict[str, float]:
    """The figures once the bot has had a moment to finish what it was doing."""
    await asyncio.sleep(seconds)
    return memory_mb(pid)


async def run(users: int = USERS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        photos = await seed(db, users + 1, work_orders=2, registered=False)
        codes = await invites(db, users + 1)
        async with LocalBotApi(TOKEN) as api:
            crowd = [api.user(FIRST_USER + i, f"工人{i}") for i in range(users + 1)]
            first, everyone = crowd[-1], crowd[:-1]
            bot = start_bot(api, db, GONGDAN_HTTP_PORT="0")  # any free port: the web server too
            try:
                while not api.stats["calls"]["getUpdates"]:
                    await asyncio.sleep(0.1)
                idle = await settled(bot.pid, 2.0)

                await register(first, codes[-1])
                await workday(first, photos)
                warm = await settled(bot.pid)

                started = time.perf_counter()
                await asyncio.gather(*(register(user, code) for user, code
                                       in zip(everyone, codes[:users], strict=True)))
                register_s = time.perf_counter() - started
                registered = await settled(bot.pid)

                started = time.perf_counter()
                sent = await asyncio.gather(*(workday(u, photos) for u in everyone))
                active_s = time.perf_counter() - started
                active = await settled(bot.pid)
            finally:
                bot.terminate()
                bot.wait(10)
    peak = active["VmHWM"]
    return {
        "users": users, "updates": sum(sent) + users, "register_s": register_s,
        "active_s": active_s,
        "phases": [
            {"what": "idle after start", **idle},
            {"what": "after one worker's day (every code path loaded)", **warm},
            {"what": f"after {users} workers registered", **registered},
            {"what": f"after the {users} workers' day", **active},
        ],
        "peak_mb": peak, "target_mb": TARGET_MB,
        "per_user_mb": (peak - warm["VmRSS"]) / users,
    }


def markdown(result: dict[str, Any]) -> str:
    users = result["users"]
    lines = table(("bot process", "resident MB (VmRSS)", "peak so far MB (VmHWM)"),
                  ((p["what"], f"{p['VmRSS']:.0f}", f"{p['VmHWM']:.0f}")
                   for p in result["phases"]))
    lines += [
        "",
        f"{users} workers registered with `/start <invite>` in {result['register_s']:.0f} s, "
        f"then all at once lived a short day ({TEXT_REPORTS} typed reports, `/tasks` with a "
        f"press on a task and on a quantity, {PHOTO_REPORTS} photo reports, `/me`, an undo; "
        f"each waiting for the answer): {result['updates']:,} updates in "
        f"{result['active_s']:.0f} s. Peak resident size {result['peak_mb']:.0f} MB "
        f"(target < {result['target_mb']:.0f} MB: {result['peak_mb'] / result['target_mb']:.2f}); "
        f"growth per active user {result['per_user_mb'] * 1024:.0f} kB "
        "(the peak after the crowd less the resident size after one worker's day, "
        f"over {users}).",
    ]
    return "\n".join(lines)


def main(users: int = USERS) -> dict[str, Any]:
    result = asyncio.run(run(users))
    print(markdown(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=USERS)
    main(parser.parse_args().users)
