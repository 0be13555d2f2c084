"""Removing a person through the real bot over real HTTP: a manager sends /remove CODE and
confirms; the person is told once, their supervisor hears what was left with nobody, and from
then on every message and button of theirs, an old card's included, is refused as from a
stranger (with an audit row) and changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from domain import access_tokens, assignment
from domain.models import AuditEvent, Person, TaskAssignee, WorkReport, utcnow
from tests import builders, databases
from tests.e2e.conftest import Floor, seed


async def one(floor: Floor, query):
    async with floor.bot.sessions() as session:
        return await session.scalar(query)


async def refusals(floor: Floor, telegram_id: int) -> list[dict]:
    async with floor.bot.sessions() as session:
        rows = (await session.scalars(select(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.actor_telegram_id == telegram_id)
            .order_by(AuditEvent.id))).all()
    return [json.loads(r.detail) for r in rows]


async def test_a_removed_worker_loses_the_bot_at_once(floor):
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, "M01", role="manager")
    li = await floor.register(1001, "W01", "Li")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    chief = await floor.register(3001, "M01", "Wang", role="manager")
    async with floor.bot.sessions() as session, session.begin():
        w01 = await session.scalar(select(Person).where(Person.code == "W01"))
        await assignment.assign(session, 1, [w01], actor=None, now=utcnow())
        own = await access_tokens.issue(session, now=utcnow(), purpose=access_tokens.API,
                                        holder=w01)
    await li.wait_message("新派工")
    await li.send_text("WO-000001")
    card = await li.wait_message(lambda m: bool(m.button_texts))  # a card with quantities

    await chief.command("/remove", "W01")
    confirm = await chief.wait_message("确认把")
    assert "1 个未完成任务" in confirm.text and "1 个本人的访问令牌" in confirm.text
    first = await chief.press("✅ 确认移出 W01", confirm)
    second = await chief.press("✅ 确认移出 W01", confirm)  # a double tap
    assert (await chief.wait_answer(first)).text == "已移出 W01"
    assert "已经移出" in (await chief.wait_answer(second)).text
    done = await chief.wait_edit(message=confirm)
    assert "已把 工人W01（W01）移出工厂" in done.text and "WO-000001 工序 10 贴片" in done.text
    told = await boss.wait_message("移出工厂")
    assert "无人负责：WO-000001 工序 10 贴片" in told.text
    farewell = await li.wait_message("移出工厂")
    assert "工人M01" in farewell.text  # who did it
    await floor.settle()
    assert sum("移出工厂" in (m.text or "") for m in li.messages) == 1  # told once
    menus = [json.loads(r.params["commands"]) for r in floor.api.requests
             if r.method == "setMyCommands" and '"chat_id": 1001' in str(r.params.get("scope"))
             .replace("'", '"')]
    assert [c["command"] for c in menus[-1]] == ["start", "lang", "help"]  # a stranger's menu

    # Their next message, and a button on the card they still see, are a stranger's.
    before = await refusals(floor, 1001)
    await li.send_text("WO-000001 10")
    assert "还没有注册" in (await li.wait_message("注册")).text
    pressed = await li.press("10", card)
    assert "还没有注册" in (await li.wait_answer(pressed)).text
    await floor.settle()
    after = await refusals(floor, 1001)
    assert [r["reason"] for r in after[len(before):]] == ["unregistered", "unregistered"]
    assert await one(floor, select(func.count()).select_from(WorkReport)) == 0
    assert await one(floor, select(func.count()).select_from(TaskAssignee)) == 0
    async with floor.bot.sessions() as session:
        assert await access_tokens.verify(session, own.token, now=utcnow(),
                                          purpose=access_tokens.API) is None

    # Cancel leaves the person be; a worker may not remove; nobody removes themselves.
    await chief.command("/remove", "W02")
    second = await chief.wait_message("W02")
    await chief.wait_answer(await chief.press("取消", second))
    assert "已取消" in (await chief.wait_edit(message=second)).text
    assert await one(floor, select(Person.active).where(Person.code == "W02"))
    await chief.command("/remove", "M01")
    assert "不能把自己移出" in (await chief.wait_message("不能")).text
    await boss.command("/remove", "W02")
    assert "没有权限" in (await boss.wait_message("权限")).text
    await chief.command("/remove")
    assert "用法" in (await chief.wait_message("用法")).text


def gongdan(db, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=db.parent, env=env,
                          capture_output=True, text=True, timeout=60)


async def test_the_command_line_lists_and_removes_people(tmp_path):
    db = tmp_path / "cli.db"
    await seed(db, people=({"code": "W01", "skills": "SMT", "telegram_user_id": 1001},
                           {"code": "M01", "role": "manager"}))
    listed = await asyncio.to_thread(gongdan, db, "person", "list")
    assert listed.stdout.splitlines() == ["M01\t工人M01\tmanager\t-\tactive\t-",
                                          "W01\t工人W01\tworker\t-\tactive\ttelegram"]
    removed = await asyncio.to_thread(gongdan, db, "person", "remove", "w01")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("工人W01 (W01) is removed from the factory")
    listed = await asyncio.to_thread(gongdan, db, "person", "list")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["M01"]
    everyone = await asyncio.to_thread(gongdan, db, "person", "list", "--all")
    assert "W01\t工人W01\tworker\t-\tremoved\t-" in everyone.stdout.splitlines()
    for code, message in (("W01", "has already been removed"),
                          ("M01", "is the last active manager"),
                          ("X9", "No person with code X9")):
        refused = await asyncio.to_thread(gongdan, db, "person", "remove", code)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
