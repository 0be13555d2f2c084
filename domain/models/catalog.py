"""What the factory makes: products, their routings of operations, and bills of material."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, BigId, Money


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Routing(Base):
    """A product's ordered operations. One current routing per product; versions keep history."""

    __tablename__ = "routing"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    operations: Mapped[list[Operation]] = relationship(
        order_by="Operation.seq", back_populates="routing", lazy="selectin"
    )


class Operation(Base):
    __tablename__ = "operation"
    __table_args__ = (UniqueConstraint("routing_id", "seq"), UniqueConstraint("routing_id", "code"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    piece_rate: Mapped[Decimal] = mapped_column(Money)
    std_minutes: Mapped[Decimal] = mapped_column(Numeric(10, 3, asdecimal=True))
    qc_checkpoint: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sampling 抽检 at a checkpoint: "all", "every:N" (the 1st, N+1th... report of a task) or "P%".
    qc_sampling: Mapped[str] = mapped_column(String(16), default="all")
    workstation: Mapped[str | None] = mapped_column(String(64))
    routing: Mapped[Routing] = relationship(back_populates="operations")


class BomLine(Base):
    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("product_id", "material_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    material_code: Mapped[str] = mapped_column(String(64))
    material_name: Mapped[str] = mapped_column(String(200))
    qty_per_unit: Mapped[Decimal] = mapped_column(Numeric(14, 4, asdecimal=True))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    # The operation whose reports use it up (good + scrap); None: the first operation.
    operation_code: Mapped[str | None] = mapped_column(String(32))
