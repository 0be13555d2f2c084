"""The jobs PTB's JobQueue runs: the reminder sweep every few seconds, planning ahead hourly-ish,
the pinned live status of linked groups edited every few seconds (throttled per group).

The due times live in the database (domain/reminders.py), so the jobs hold no state: a restart
loses nothing, and the first sweep after it catches up on whatever fell due meanwhile (in order
of due time, stale steps folded into one message). Messages leave through the outbox; the sweep
wakes the sender so they go at once. With the database away a pass is skipped, not failed: what
was due stays due, and the next pass after the outage does it (the outage is logged once, by
domain.db.DatabaseHealth, not at every pass).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, JobQueue

from domain import live_status, material_shortage, reminders, summary_schedule, task_reminders
from domain.db import DatabaseHealth
from domain.models.base import utcnow
from domain.rules import FactoryRules

log = logging.getLogger(__name__)

# How often the next day's shift reminders are created and unfollowed tasks are picked up.
PLAN_SECONDS = 600.0
# A late run is still worth doing, and overlapping runs are pointless: one at a time, merged.
_JOB_KWARGS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class Clockwork:
    """What the jobs work with: the database, the factory's rules, and the outbox's doorbell."""

    sessions: async_sessionmaker[AsyncSession]
    rules: FactoryRules
    wake_sender: Callable[[], None]
    batch: int = 500
    health: DatabaseHealth = field(default_factory=DatabaseHealth)

    async def guarded(self, job: str, work: Callable[[], Awaitable[int | None]]) -> int | None:
        """One pass of a job; None when the database was away (other errors go on to PTB's
        error handler)."""
        try:
            done = await work()
        except Exception as error:
            if self.health.failed(error, job) is None:
                raise
            return None
        if done:  # it wrote something: an outage in progress is over
            self.health.written()
        return done

    async def sweep(self, now: datetime | None = None) -> int:
        """Fire everything due by now, batch after batch; how many reminders were handled."""
        now = now or utcnow()
        total = 0
        while True:
            handled = await reminders.sweep(self.sessions, now, self.rules, self.batch)
            total += handled
            if handled:
                self.wake_sender()
            if handled < self.batch:
                return total

    async def plan_ahead(self, now: datetime | None = None) -> None:
        async with self.sessions() as session, session.begin():
            await task_reminders.plan_ahead(session, now or utcnow(), self.rules)
            await material_shortage.plan_ahead(session, now or utcnow(), self.rules)
        async with self.sessions() as session, session.begin():  # the next daily summary
            await summary_schedule.plan_ahead(session, now or utcnow(), self.rules)
        self.wake_sender()

    async def edit_live_status(self, throttle: live_status.Throttle,
                               now: datetime | None = None) -> int:
        """Edit the pinned live status messages that are due; how many edits were queued.
        Each row in its own short transaction: a report waits on none but its own."""
        now = now or utcnow()
        async with self.sessions() as session:
            due = await live_status.due(session, now, throttle)
        edited = 0
        for item in due:
            async with self.sessions() as session, session.begin():
                edited += await live_status.refresh(session, item, now)
        if edited:
            self.wake_sender()
        return edited


def install(job_queue: JobQueue[Any], clockwork: Clockwork, *, sweep_seconds: float,
            plan_seconds: float = PLAN_SECONDS,
            live_status_seconds: float = live_status.Throttle.message_seconds) -> None:
    """The jobs run at once on start (the catch-up), then at their intervals. The live status
    is looked at four times per message interval (at most every 2 s), so an edit goes out
    soon after its interval ends."""
    job_queue.run_repeating(_sweep, interval=sweep_seconds, first=0, data=clockwork,
                            name="reminder-sweep", job_kwargs=_JOB_KWARGS)
    job_queue.run_repeating(_plan, interval=plan_seconds, first=0, data=clockwork,
                            name="plan-ahead", job_kwargs=_JOB_KWARGS)
    # An interval job added before the scheduler starts skips its first run (APScheduler puts
    # it one interval later): the planning pass also runs once now, so the catch-up is at once.
    job_queue.run_once(_plan, when=0, data=clockwork, name="plan-ahead-on-start",
                       job_kwargs=_JOB_KWARGS)
    throttle = live_status.Throttle(message_seconds=live_status_seconds)
    job_queue.run_repeating(_live_status, interval=min(2.0, live_status_seconds / 4), first=0,
                            data=(clockwork, throttle), name="live-status",
                            job_kwargs=_JOB_KWARGS)


async def _sweep(context: CallbackContext[Any, Any, Any, Any]) -> None:
    clockwork: Clockwork = context.job.data  # type: ignore[union-attr, assignment]
    handled = await clockwork.guarded("reminder sweep", clockwork.sweep)
    if handled:
        log.info("reminder sweep: %d handled", handled)


async def _plan(context: CallbackContext[Any, Any, Any, Any]) -> None:
    clockwork: Clockwork = context.job.data  # type: ignore[union-attr, assignment]
    await clockwork.guarded("planning job", clockwork.plan_ahead)


async def _live_status(context: CallbackContext[Any, Any, Any, Any]) -> None:
    clockwork, throttle = context.job.data  # type: ignore[union-attr, misc]
    await clockwork.guarded("live status job", lambda: clockwork.edit_live_status(throttle))
