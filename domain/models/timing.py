"""Durable time: reminders and escalation ladders as rows with due times, swept periodically."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class ReminderStatus(enum.StrEnum):
    active = "active"
    done = "done"  # the ladder ran out
    stopped = "stopped"  # the fact is gone: someone acted


class Reminder(Base):
    """One fact being followed (an unacknowledged exception, a late task...) up its ladder.

    `fact_key` is unique: a fact is followed once, so it never fires twice. The sweep picks rows
    with `status = active AND due_at <= now`, fires the step, and moves `step`/`due_at` on in the
    same transaction as the messages it queues.
    """

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_due", "status", "due_at"),
                      Index("ix_reminder_entity", "entity", "entity_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    fact_key: Mapped[str] = mapped_column(String(120), unique=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    # Which ladder applies: e.g. the exception's kind and severity ('*' matches any).
    match: Mapped[str] = mapped_column(String(32), default="*")
    severity: Mapped[str] = mapped_column(String(16), default="*")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)  # step delays count from here
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[int] = mapped_column(Integer, default=0)  # the next step to fire
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.active)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EscalationStep(Base):
    """A step that fired: who was told, when, and whether it was caught up after downtime."""

    __tablename__ = "escalation_step"
    __table_args__ = (Index("ix_escalation_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminder.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    step_no: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text, default="")  # chat ids, comma separated
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Fired late together with later steps (the bot was down): folded into one message.
    collapsed: Mapped[bool] = mapped_column(Boolean, default=False)
