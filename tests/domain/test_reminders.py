"""The reminder engine on a real SQLite file, with a test-only kind whose fact is a flag."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain import reminders
from domain.db import make_engine, make_sessionmaker
from domain.models import (
    EscalationStep,
    GroupLink,
    LadderStep,
    OutboxMessage,
    Person,
    Reminder,
    Shift,
)
from domain.notifications import Notice
from domain.reminders import Follow
from domain.rules import FactoryRules
from tests import builders, databases

RULES = FactoryRules(timezone="Asia/Shanghai", default_language="zh")
KIND = "test_fact"
# Monday 2026-03-02, 10:00 in Shanghai.
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
GROUP = -100777

GONE: set[str] = set()  # facts that are no longer true
ACTIONS: list[tuple[str, datetime]] = []  # on_due actions that ran


async def _holds(session, reminder):
    return reminder.fact_key not in GONE


async def _notice(session, reminder, step, caught_up):
    return Notice("test.step", {"fact": reminder.fact_key, "step": step, "caught_up": caught_up})


async def _recipients(session, reminder, target):
    if target != "reporter":
        return None
    return list((await session.scalars(select(Person).where(Person.code == "W01"))).all())


async def _team(session, reminder):
    return "A"


async def _close(session, reminder, now):
    ACTIONS.append((reminder.fact_key, now))


reminders.register(KIND, Follow(still_holds=_holds, notice=_notice, recipients=_recipients,
                                team=_team))
reminders.register("test_teamless", Follow(still_holds=_holds, notice=_notice))
reminders.register("test_close", Follow(still_holds=_holds, notice=_notice, on_due=_close))

# The default ladder of the test kind: nothing at once; match "now" starts at once.
LADDER = ((60, "reporter"), (120, "role:supervisor"), (180, "role:manager"),
          (240, "group:management"))
AT_ONCE = ((0, "reporter"), (60, "role:supervisor"))


@pytest.fixture(autouse=True)
def _reset():
    GONE.clear()
    ACTIONS.clear()


@pytest.fixture
async def people(session):
    worker = await builders.person(session, "W01", telegram_user_id=1001)
    worker.team = "A"
    worker.language = "en"
    sup_a = await builders.person(session, "S01", role="supervisor", telegram_user_id=2001)
    sup_a.team = "A"
    sup_b = await builders.person(session, "S02", role="supervisor", telegram_user_id=2002)
    sup_b.team = "B"
    await builders.person(session, "M01", role="manager", telegram_user_id=3001)
    await builders.person(session, "M02", role="manager")  # never registered: skipped
    session.add(GroupLink(chat_id=GROUP, purpose="management", title="管理群"))
    for ladder, match, steps in ((KIND, "*", LADDER), (KIND, "now", AT_ONCE),
                                 ("test_teamless", "*", ((0, "role:supervisor"),))):
        for n, (delay, target) in enumerate(steps):
            session.add(LadderStep(ladder=ladder, match=match, step_no=n, delay_seconds=delay,
                                   target=target))
    await session.commit()


async def follow(sessions, fact="fact:1", *, at=T0, now=None, kind=KIND, match="*", **extra):
    async with sessions() as session, session.begin():
        return await reminders.follow(session, kind=kind, fact_key=fact, entity="test",
                                      entity_id=1, started_at=at, now=now or at, rules=RULES,
                                      match=match, **extra)


async def sweep(sessions, after: float) -> int:
    return await reminders.sweep(sessions, T0 + timedelta(seconds=after), RULES)


async def outbox(sessions) -> list[tuple[int, dict]]:
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [(r.chat_id, json.loads(r.payload)) for r in rows]


def sent(messages) -> list[tuple[int, str, int, int]]:
    return [(chat, m["params"]["fact"], m["params"]["step"], m["params"]["caught_up"])
            for chat, m in messages]


async def the_reminder(sessions, fact="fact:1") -> Reminder:
    async with sessions() as session:
        return await session.scalar(select(Reminder).where(Reminder.fact_key == fact))


async def steps(sessions) -> list[tuple[int, str, str, bool]]:
    async with sessions() as session:
        rows = (await session.scalars(select(EscalationStep).order_by(EscalationStep.id))).all()
    return [(s.step_no, s.target, s.recipients, s.collapsed) for s in rows]


async def test_each_step_fires_at_its_time_once(sessions, people):
    await follow(sessions)
    assert await sweep(sessions, 59) == 0
    assert await outbox(sessions) == []

    for after in (60, 61, 119):  # the first step, then nothing new until the second
        await sweep(sessions, after)
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]

    await sweep(sessions, 120)
    await sweep(sessions, 180)
    await sweep(sessions, 240)
    await sweep(sessions, 10_000)
    messages = await outbox(sessions)
    assert sent(messages) == [(1001, "fact:1", 0, 0),
                              (2001, "fact:1", 1, 0),  # the team's supervisor only
                              (3001, "fact:1", 2, 0),  # M02 has no Telegram account
                              (GROUP, "fact:1", 3, 0)]
    # The group post names the people the earlier steps told.
    assert messages[-1][1]["mentions"] == [["工人W01", 1001], ["工人S01", 2001],
                                           ["工人M01", 3001]]
    async with sessions() as session:  # each in the reader's language, as notifications
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(r.lang, r.priority) for r in rows] == [("en", 5), ("zh", 5), ("zh", 5), ("zh", 5)]
    assert await steps(sessions) == [(0, "reporter", "1001", False),
                                     (1, "role:supervisor", "2001", False),
                                     (2, "role:manager", "3001", False),
                                     (3, "group:management", str(GROUP), False)]
    reminder = await the_reminder(sessions)
    assert (reminder.status, reminder.step) == ("done", 4)


async def test_a_step_due_at_once_fires_in_the_callers_transaction(sessions, people):
    reminder = await follow(sessions, match="now")
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]
    assert reminder.step == 1
    assert reminder.due_at == T0 + timedelta(seconds=60)


async def test_following_a_fact_twice_follows_it_once(sessions, people):
    first = await follow(sessions, match="now")
    again = await follow(sessions, match="now")
    assert again.id == first.id
    await sweep(sessions, 0)
    async with sessions() as session:
        assert len((await session.scalars(select(Reminder))).all()) == 1
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]


async def test_stop_halts_the_ladder(sessions, people):
    await follow(sessions)
    await sweep(sessions, 60)
    async with sessions() as session, session.begin():
        await reminders.stop(session, "fact:1", T0 + timedelta(seconds=90))
    await sweep(sessions, 10_000)
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]
    assert (await the_reminder(sessions)).status == "stopped"


async def test_a_fact_that_is_gone_stops_silently(sessions, people):
    await follow(sessions)
    await sweep(sessions, 60)
    GONE.add("fact:1")
    assert await sweep(sessions, 120) == 1
    await sweep(sessions, 10_000)
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]
    reminder = await the_reminder(sessions)
    assert (reminder.status, reminder.step) == ("stopped", 1)


async def test_downtime_collapses_due_steps_into_one_message(sessions, people):
    await follow(sessions)
    await sweep(sessions, 60)
    # Down from 61 s to an hour later: steps 1, 2 and 3 all fell due meanwhile.
    assert await sweep(sessions, 3600) == 1
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0), (GROUP, "fact:1", 3, 2)]
    assert await steps(sessions) == [(0, "reporter", "1001", False),
                                     (1, "role:supervisor", "", True),
                                     (2, "role:manager", "", True),
                                     (3, "group:management", str(GROUP), False)]
    assert (await the_reminder(sessions)).status == "done"


async def test_catch_up_goes_in_order_of_due_time(sessions, people):
    # Followed in one order, due in another; nothing swept until far later.
    for fact, start in (("fact:b", 20), ("fact:c", 40), ("fact:a", 0)):
        await follow(sessions, fact, at=T0 + timedelta(seconds=start), now=T0)
    await sweep(sessions, 100)  # only the first steps: a at 60, b at 80 (c at 100)
    assert sent(await outbox(sessions)) == [(1001, "fact:a", 0, 0), (1001, "fact:b", 0, 0),
                                            (1001, "fact:c", 0, 0)]


async def test_sweep_handles_at_most_its_limit_per_call(sessions, people):
    for n in range(5):
        await follow(sessions, f"fact:{n}")
    now = T0 + timedelta(seconds=60)
    assert await reminders.sweep(sessions, now, RULES, limit=2) == 2
    assert await reminders.sweep(sessions, now, RULES, limit=2) == 2
    assert await reminders.sweep(sessions, now, RULES, limit=2) == 1
    assert await reminders.sweep(sessions, now, RULES, limit=2) == 0
    assert len(await outbox(sessions)) == 5


async def test_two_sweeps_at_once_fire_each_step_once(sessions, people, tmp_path):
    for n in range(20):
        await follow(sessions, f"fact:{n}")
    # A second process: its own engine on the same database file.
    other = make_engine(databases.url_for(tmp_path / "gongdan.db"))
    try:
        others = make_sessionmaker(other)
        now = T0 + timedelta(seconds=130)  # steps 0 and 1 due: collapsed into step 1
        counts = await asyncio.gather(reminders.sweep(sessions, now, RULES),
                                      reminders.sweep(others, now, RULES))
    finally:
        await other.dispose()
    assert sum(counts) == 20
    messages = sent(await outbox(sessions))
    assert sorted(messages) == sorted((2001, f"fact:{n}", 1, 1) for n in range(20))
    assert len(await steps(sessions)) == 40


async def test_an_on_due_kind_runs_its_action_once(sessions, people):
    at = T0 + timedelta(minutes=240)
    await follow(sessions, "close:1", kind="test_close", due_at=at)
    await sweep(sessions, 60)
    assert ACTIONS == []
    await sweep(sessions, 240 * 60)
    await sweep(sessions, 500 * 60)
    assert ACTIONS == [("close:1", at)]
    assert (await the_reminder(sessions, "close:1")).status == "done"
    assert await outbox(sessions) == []


async def test_an_unknown_kind_waits_instead_of_blocking_the_sweep(sessions, people):
    async with sessions() as session, session.begin():
        session.add(Reminder(kind="gone_module", fact_key="x:1", entity="test", entity_id=1,
                             started_at=T0, due_at=T0))
    await follow(sessions)
    assert await sweep(sessions, 60) == 2
    unknown = await the_reminder(sessions, "x:1")
    assert (unknown.status, unknown.due_at) == ("active", T0 + timedelta(seconds=60)
                                                + reminders.RETRY_LATER)
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]


# --- shifts --------------------------------------------------------------------------------


@pytest.fixture
async def day_shift(session, people):
    """Team A works 08:00-17:00 Shanghai time, Monday to Friday."""
    session.add(Shift(name="白班", team="A", weekdays="1-5", start="08:00", end="17:00"))
    await session.commit()


EVENING = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai
NEXT_MORNING = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # Tuesday 08:00


async def test_a_step_waits_for_its_peoples_next_shift(sessions, day_shift):
    await follow(sessions, at=EVENING - timedelta(seconds=60), now=EVENING - timedelta(seconds=60))
    await reminders.sweep(sessions, EVENING, RULES)
    assert await outbox(sessions) == []
    reminder = await the_reminder(sessions)
    assert (reminder.step, reminder.due_at) == (0, NEXT_MORNING)

    await reminders.sweep(sessions, NEXT_MORNING - timedelta(seconds=1), RULES)
    assert await outbox(sessions) == []
    await reminders.sweep(sessions, NEXT_MORNING, RULES)
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]
    # The rest of the ladder keeps its delays after the step that waited.
    reminder = await the_reminder(sessions)
    assert reminder.due_at == NEXT_MORNING + timedelta(seconds=60)
    await reminders.sweep(sessions, NEXT_MORNING + timedelta(seconds=60), RULES)
    assert sent(await outbox(sessions))[-1] == (2001, "fact:1", 1, 0)


async def test_people_off_shift_are_left_out_when_others_are_on(sessions, day_shift):
    # S01 (team A) is off shift in the evening; S02 (team B: no shifts of its own, no '*'
    # shifts) is always on. The kind names no team, so both supervisors are the target.
    await follow(sessions, at=EVENING, kind="test_teamless")
    assert sent(await outbox(sessions)) == [(2002, "fact:1", 0, 0)]


async def test_groups_never_wait(sessions, day_shift):
    async with sessions() as session, session.begin():
        session.add(LadderStep(ladder=KIND, match="mixed", step_no=0, delay_seconds=0,
                               target="group:management"))
    await follow(sessions, at=EVENING, match="mixed")
    assert sent(await outbox(sessions)) == [(GROUP, "fact:1", 0, 0)]


async def test_no_calendar_means_always_on_shift(sessions, people):
    await follow(sessions, at=EVENING, now=EVENING, match="now")
    assert sent(await outbox(sessions)) == [(1001, "fact:1", 0, 0)]
