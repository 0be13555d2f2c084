"""Orders become work orders; work orders become one task per operation; workers report on tasks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, BigId, Money, UTCDateTime, utcnow

if TYPE_CHECKING:
    from domain.models.catalog import Operation, Product


class WorkOrderStatus(enum.StrEnum):
    draft = "draft"
    released = "released"
    in_progress = "in_progress"
    done = "done"
    closed = "closed"
    on_hold = "on_hold"
    cancelled = "cancelled"


OPEN_WORK_ORDER = (
    WorkOrderStatus.draft,
    WorkOrderStatus.released,
    WorkOrderStatus.in_progress,
    WorkOrderStatus.on_hold,
)
REPORTABLE_WORK_ORDER = (WorkOrderStatus.released, WorkOrderStatus.in_progress)


class TaskStatus(enum.StrEnum):
    waiting = "waiting"
    ready = "ready"
    in_progress = "in_progress"
    done = "done"
    blocked = "blocked"


class ReportStatus(enum.StrEnum):
    accepted = "accepted"
    pending_qc = "pending_qc"
    rejected = "rejected"
    voided = "voided"


class ReportSource(enum.StrEnum):
    photo = "photo-scan"
    typed = "typed"
    button = "button"


class Order(Base):
    __tablename__ = "customer_order"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    # The ERP's own id for it (REST API: create/update are idempotent by it).
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    customer: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkOrder(Base):
    __tablename__ = "work_order"
    __table_args__ = (UniqueConstraint("order_id", "product_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(16), default=WorkOrderStatus.draft, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tasks: Mapped[list[OperationTask]] = relationship(
        order_by="OperationTask.seq", back_populates="work_order"
    )
    product: Mapped[Product] = relationship()


class OperationTask(Base):
    __tablename__ = "operation_task"
    __table_args__ = (UniqueConstraint("work_order_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    seq: Mapped[int] = mapped_column(Integer)
    planned_qty: Mapped[int] = mapped_column(Integer)
    good_qty: Mapped[int] = mapped_column(Integer, default=0)
    scrap_qty: Mapped[int] = mapped_column(Integer, default=0)
    pending_qc_qty: Mapped[int] = mapped_column(Integer, default=0)
    # Pieces an inspection sent to rework and not yet back (passed or scrapped).
    rework_qty: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.waiting)
    # Bumped by every change of the quantities: writers update WHERE version = the one they read.
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by planning; the reminders follow them.
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Open for claiming 抢单: a worker skilled in the operation (of `claim_team` if set) takes
    # it with one tap; the first tap wins (domain/assignment.py).
    open_for_claim: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=false())
    claim_team: Mapped[str | None] = mapped_column(String(64))
    # Set when the first pieces reached it and its people were told (partial flow 流转).
    ready_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship(back_populates="tasks")
    operation: Mapped[Operation] = relationship()


class AssignedHow(enum.StrEnum):
    assigned = "assigned"  # by a supervisor, in chat or the workbook
    claimed = "claimed"  # 认领: the worker took an open task
    dispatched = "dispatched"  # an accepted dispatch suggestion


class TaskAssignee(Base):
    __tablename__ = "task_assignee"

    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True,
                                           index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    how: Mapped[str] = mapped_column(String(16), default=AssignedHow.assigned,
                                     server_default=AssignedHow.assigned.value)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class WorkReport(Base):
    """One report of work. Never edited: a correction voids it and adds a new one."""

    __tablename__ = "work_report"
    # Partial: almost every report has no rework task, so an index holding the NULLs made the
    # planner pick it for `rework_task_id IS NULL` and walk every report (seconds on a year of
    # history) instead of the time range; without them it serves only rework lookups.
    __table_args__ = (Index("ix_work_report_rework_task_id", "rework_task_id",
                            sqlite_where=text("rework_task_id IS NOT NULL"),
                            postgresql_where=text("rework_task_id IS NOT NULL")),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    good_qty: Mapped[int] = mapped_column(Integer)
    scrap_qty: Mapped[int] = mapped_column(Integer, default=0)
    scrap_reason: Mapped[str | None] = mapped_column(String(100))
    minutes: Mapped[int | None] = mapped_column(Integer)
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.accepted)
    # Good pieces that count (for flow and wages): all of them when accepted at once, what QC
    # passed when inspected, 0 while pending or when voided.
    accepted_qty: Mapped[int] = mapped_column(Integer, default=0)
    # Set when this report is work on a rework task (the task_id is still the original task).
    rework_task_id: Mapped[int | None] = mapped_column(ForeignKey("rework_task.id"))
    # Frozen at the time of the report: a later rate change never rewrites past wages.
    piece_rate: Mapped[Decimal] = mapped_column(Money)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the worker opened the card (scan or typed code): the work this report is about
    # started then; reporting timeliness measures from its shift.
    work_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its pieces became payable: at once, or when QC passed some. Wages book them that day.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Indexed: a void is booked on its own day, so wages look voids up by when they happened.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("work_report.id"))


class DraftStatus(enum.StrEnum):
    open = "open"
    used = "used"
    cancelled = "cancelled"
    superseded = "superseded"


class DraftStage(enum.StrEnum):
    quantity = "quantity"
    scrap_reason = "scrap_reason"
    confirm = "confirm"  # a free-form report parsed, waiting for the worker's confirmation


class ReportDraft(Base):
    """A task card shown to a worker, waiting for the quantity.

    The card's buttons point at the draft, and a draft is used once (conditional update), so a
    double tap or a redelivered callback can never record the same work twice.
    """

    __tablename__ = "report_draft"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    rework_task_id: Mapped[int | None] = mapped_column(ForeignKey("rework_task.id"))
    status: Mapped[str] = mapped_column(String(16), default=DraftStatus.open)
    stage: Mapped[str] = mapped_column(String(16), default=DraftStage.quantity)
    good_qty: Mapped[int | None] = mapped_column(Integer)
    scrap_qty: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(100))  # a parsed scrap reason to confirm
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
