"""Exceptions 异常 (andon): anything that stops or threatens work, followed until closed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class ExceptionKind(enum.StrEnum):
    equipment = "equipment"
    material = "material"
    quality = "quality"
    safety = "safety"
    other = "other"


class ExceptionStatus(enum.StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"
    closed = "closed"


class Severity(enum.StrEnum):
    normal = "normal"
    high = "high"  # the line stopped, or people are at risk


class FloorException(Base):
    __tablename__ = "floor_exception"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16), default=Severity.normal)
    status: Mapped[str] = mapped_column(String(16), default=ExceptionStatus.open, index=True)
    line_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("operation_task.id"))
    workstation: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    # None: raised by the system (a material shortage found at a planned start).
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: closed by time
    # While the line is stopped: since when (downtime accrues into downtime_seconds on resolve).
    stopped_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downtime_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # The group post, edited as the exception moves on.
    group_outbox_ids: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class ExceptionBlock(Base):
    """A task a line-stop blocked, and the status it had, until the exception is resolved."""

    __tablename__ = "exception_block"

    exception_id: Mapped[int] = mapped_column(ForeignKey("floor_exception.id"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), primary_key=True,
                                         index=True)
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
