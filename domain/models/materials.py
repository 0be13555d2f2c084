"""Materials 物料: what is in stock, and every movement of it (receipt, issue, return, use)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow

Quantity = Numeric(14, 4, asdecimal=True)


class Material(Base):
    __tablename__ = "material"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    # In the store, not yet issued to a work order. Kept by movements (receipt +, issue −, return +).
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))


class MovementKind(enum.StrEnum):
    receipt = "receipt"  # into the store (import, stock count)
    issue = "issue"  # 领料: store → work order
    return_ = "return"  # 退料: work order → store
    consume = "consume"  # used by reported pieces (good + scrap) on the work order


class MaterialMovement(Base):
    """Never edited: a correction is a movement the other way."""

    __tablename__ = "material_movement"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    qty: Mapped[Decimal] = mapped_column(Quantity)  # signed as the kind says: always positive
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("work_report.id"))
    # The update, import row or report that made it: applied once.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
