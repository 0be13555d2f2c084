"""The factory's own settings, imported like the master data: defect reasons, who answers for
what, escalation ladders, shifts, group chats, and single values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class DefectReason(Base):
    __tablename__ = "defect_reason"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Responsibility(Base):
    """Who answers first for a kind of exception (equipment, material...) or for QC ('qc')."""

    __tablename__ = "responsibility"
    __table_args__ = (UniqueConstraint("kind", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))


class LadderStep(Base):
    """One rung of an escalation ladder: after `delay_seconds` from the fact, tell `target`.

    `ladder` names what is followed (exception_ack, exception_resolve, qc_waiting, task_overdue,
    task_not_started, shift_unreported); `match` and `severity` narrow it ('*' for any).
    Targets: responsible, reporter, assignee, role:<role>, group:<purpose>, person:<code>.
    """

    __tablename__ = "ladder_step"
    __table_args__ = (UniqueConstraint("ladder", "match", "severity", "step_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ladder: Mapped[str] = mapped_column(String(32))
    match: Mapped[str] = mapped_column(String(32), default="*")
    severity: Mapped[str] = mapped_column(String(16), default="*")
    step_no: Mapped[int] = mapped_column(Integer)
    delay_seconds: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(64))


class Shift(Base):
    """A shift in the factory calendar: a team ('*' for everyone), weekdays, local start/end.

    An end earlier than the start runs past midnight (22:00-06:00).
    """

    __tablename__ = "shift"
    __table_args__ = (UniqueConstraint("name", "team"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(64), default="*")
    weekdays: Mapped[str] = mapped_column(String(32), default="1-7")  # ISO: 1 = Monday
    start: Mapped[str] = mapped_column(String(5))  # HH:MM, factory time
    end: Mapped[str] = mapped_column(String(5))


class FactorySetting(Base):
    """Single values (qc_wait_minutes, rework_pay...): text, parsed by domain/factory_settings.py."""

    __tablename__ = "factory_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class GroupLink(Base):
    """A group chat linked for a purpose: exceptions, qc or management. Only these get posts."""

    __tablename__ = "group_link"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
