"""What a person's next typed text or photo answers, for flows that take several messages
(a QC split, an exception report). Reporting work keeps its own ReportDraft."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class InputStatus(enum.StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class InputDraft(Base):
    __tablename__ = "input_draft"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # qc_decision | exception | ...
    ref_id: Mapped[int | None] = mapped_column(Integer)  # the inspection, exception... it is about
    stage: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what was answered so far
    status: Mapped[str] = mapped_column(String(16), default=InputStatus.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
