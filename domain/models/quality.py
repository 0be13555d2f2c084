"""Quality: inspections of reports at QC checkpoints, and the rework they send back."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class InspectionStatus(enum.StrEnum):
    pending = "pending"
    passed = "passed"  # every piece passed
    failed = "failed"  # some pieces went to rework or scrap (the split says how many)
    voided = "voided"  # the worker undid the report before anyone decided


class QCInspection(Base):
    """A report's pieces waiting for (or decided by) an inspector. Decided once, never edited."""

    __tablename__ = "qc_inspection"
    # KPIs and summaries read the inspections decided in a period (status IN passed/failed and a
    # decided_at range): without it the status index alone walks every inspection ever made.
    __table_args__ = (Index("ix_qc_inspection_status_decided_at", "status", "decided_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("work_report.id"), unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), index=True)
    # Set when the report being inspected was rework: its pieces go back to that rework task.
    rework_task_id: Mapped[int | None] = mapped_column(ForeignKey("rework_task.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=InspectionStatus.pending, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    pass_qty: Mapped[int] = mapped_column(Integer, default=0)
    rework_qty: Mapped[int] = mapped_column(Integer, default=0)
    scrap_qty: Mapped[int] = mapped_column(Integer, default=0)
    defect_reason: Mapped[str | None] = mapped_column(String(100))
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # The outbox rows that showed it to inspectors: edited to show the decision.
    notice_outbox_ids: Mapped[str] = mapped_column(String(500), default="")


class ReworkStatus(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"


class ReworkTask(Base):
    """Pieces an inspection sent back, to be reworked on the same operation and inspected again."""

    __tablename__ = "rework_task"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # RW-000001, printed like WO codes
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    # The inspection that sent the pieces back (no foreign key: inspection -> report -> rework
    # task -> inspection would be a cycle).
    inspection_id: Mapped[int] = mapped_column(BigInteger, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    good_qty: Mapped[int] = mapped_column(Integer, default=0)  # passed the re-inspection
    scrap_qty: Mapped[int] = mapped_column(Integer, default=0)
    pending_qc_qty: Mapped[int] = mapped_column(Integer, default=0)
    # Re-inspected and sent back again: those pieces live on in a newer rework task.
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ReworkStatus.open, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    caused_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    defect_reason: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
