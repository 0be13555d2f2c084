"""An exception nobody acknowledges, its ladder in seconds, and the bot killed with SIGKILL in the
middle of it: after the restart every step arrives in the right chat exactly once, in order.

The bot runs as its own process (`python -m bot run`) against the local Bot API server; the
worker reports the exception through it, step by step, like on the floor.
"""

from __future__ import annotations

import signal
from pathlib import Path

from sqlalchemy import select

from bot.botapi_server import LocalBotApi
from domain.db import make_engine, make_sessionmaker
from domain.models import GroupLink, LadderStep, Person, Responsibility
from tests import databases
from tests.e2e.conftest import seed
from tests.e2e.test_reliability import wait_for
from tests.e2e.test_reminders_restart import fired_steps, outbox_drained, query, start_bot

WORKER, SUPERVISOR, MANAGER, MECHANIC, GROUP = 7101, 7102, 7103, 7104, -100710
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": WORKER},
          {"code": "S01", "role": "supervisor", "telegram_user_id": SUPERVISOR},
          {"code": "M01", "role": "manager", "telegram_user_id": MANAGER},
          {"code": "T01", "telegram_user_id": MECHANIC})
LADDER = ((0, "responsible"), (5, "role:supervisor"), (10, "role:manager"),
          (15, "group:exceptions"))
WAITING = "无人响应"  # the zh text of an exception_ack reminder


async def seed_floor(db: Path) -> None:
    await seed(db, people=PEOPLE)
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session, session.begin():
        mechanic = await session.scalar(select(Person).where(Person.code == "T01"))
        session.add(Responsibility(kind="equipment", person_id=mechanic.id))
        session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="车间异常群"))
        for n, (delay, target) in enumerate(LADDER):
            session.add(LadderStep(ladder="exception_ack", step_no=n, delay_seconds=delay,
                                   target=target))
    await engine.dispose()


def ladder_finished(db: Path) -> bool:
    done = query(db, "select count(*) from reminder where fact_key = 'exception_ack:1' "
                     "and status = 'done'")[0][0]
    return done == 1 and outbox_drained(db)


async def report_equipment_problem(api: LocalBotApi) -> None:
    worker = api.users[WORKER]
    await worker.command("/exception")
    await worker.wait_message("是哪一类问题", timeout=30)
    await worker.press("设备")
    await worker.wait_edit("涉及哪个工单", timeout=10)
    await worker.press("工单 WO-000001")
    await worker.wait_edit("生产线停了吗", timeout=10)
    await worker.press("没有停线")
    await worker.wait_edit("提交", timeout=10)
    await worker.press("提交")
    await worker.wait_edit("已上报异常 EX-000001", timeout=10)


async def test_kill_9_mid_ladder_every_step_once_in_the_right_chat(api, tmp_path):
    db = tmp_path / "andon.db"
    await seed_floor(db)
    people = {uid: api.user(uid, name, started=True) for uid, name in (
        (WORKER, "Li"), (SUPERVISOR, "Ma"), (MANAGER, "Qian"), (MECHANIC, "Zhao"))}
    group = api.group(GROUP, "车间异常群", members=people.values())
    sends: list[int] = []
    api.on_event(lambda e: sends.append(e.chat_id)
                 if e.kind == "send" and "EX-000001" in e.text and e.chat_id != WORKER
                 else None)

    bot = start_bot(api, db)
    try:
        await report_equipment_problem(api)
        await people[SUPERVISOR].wait_message(WAITING, timeout=30)
        await wait_for(lambda: outbox_drained(db), timeout=10)
        bot.send_signal(signal.SIGKILL)  # between the supervisor's step and the manager's
        bot.wait(10)
        assert fired_steps(db) == [(0, "responsible", 0), (1, "role:supervisor", 0)]

        bot = start_bot(api, db)
        await group.wait_message(WAITING, timeout=30)
        await wait_for(lambda: ladder_finished(db), timeout=10)

        # Then the manager acknowledges in the group: the post changes, the ladder is over.
        post = group.messages[0]
        await group.press(people[MANAGER], "👀 响应", post)
        await group.wait_edit("处理中", message=post, timeout=10)
    finally:
        bot.kill()
        bot.wait(10)

    # The post at once, the mechanic at once, then supervisor, manager, group.
    assert sorted(sends[:2]) == sorted([GROUP, MECHANIC])
    assert sends[2:] == [SUPERVISOR, MANAGER, GROUP]
    for uid in (SUPERVISOR, MANAGER, MECHANIC):
        assert sum("EX-000001" in (m.text or "") for m in people[uid].messages) == 1, uid
    assert [WAITING in (m.text or "") for m in group.messages] == [False, True]
    assert fired_steps(db) == [(n, target, 0) for n, (_, target) in enumerate(LADDER)]
    assert query(db, "select status from floor_exception") == [("acknowledged",)]
