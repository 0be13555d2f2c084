"""What wages are computed from besides the reports: time clocked, and adjustments.

Both are facts, never edited in place: a clock entry is closed once (by its worker, by a
supervisor's fix, or by the shift calendar), an adjustment is reversed by another adjustment.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, Money, UTCDateTime, utcnow


class ClockSource(enum.StrEnum):
    chat = "chat"  # /clockout by the worker
    fix = "fix"  # a supervisor set the clock-out the worker forgot
    shift = "shift"  # closed at the end of the worker's shift (hours_source = shift)


class ClockEntry(Base):
    """One stretch of clocked time: /clockin → /clockout (or a fix)."""

    __tablename__ = "clock_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The person's id while the entry is open, NULL once closed: a unique column makes "one open
    # entry per person" a constraint on every engine (NULLs never collide).
    open_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    clock_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the entry was closed (the clock-out was recorded): the day its hours are booked on.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    close_source: Mapped[str | None] = mapped_column(String(8))
    fix_reason: Mapped[str | None] = mapped_column(String(200))
    # Frozen when closed, like a report's piece rate: a later rate change never rewrites wages.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    # Paid minutes (after the shift calendar clipped them, when hours come from shifts).
    paid_minutes: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WageAdjustment(Base):
    """A bonus (+) or deduction (-) with its reason: an audited entry, never an edit."""

    __tablename__ = "wage_adjustment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # An adjustment that cancels an earlier one points at it (each may be reversed once).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("wage_adjustment.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)


class AccessToken(Base):
    """A token for the shop-floor board's URL (and later the API): stored as a hash only."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # board
    label: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose own token it is (a board link a manager asked for in chat, `api-token --for`): it
    # stops working when they leave. None: the factory's (an ERP's outlives who issued it).
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
