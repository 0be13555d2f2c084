"""People of the factory and the invites that bind them to a Telegram account."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, Money, UTCDateTime, utcnow


class Role(enum.StrEnum):
    worker = "worker"
    qc = "qc"
    supervisor = "supervisor"
    manager = "manager"
    admin = "admin"


# What each role may do is decided by rank: a supervisor can do what a worker can, and more.
ROLE_RANK = {Role.worker: 0, Role.qc: 1, Role.supervisor: 2, Role.manager: 3, Role.admin: 4}


class WageMode(enum.StrEnum):
    piece = "piece"
    hourly = "hourly"
    mixed = "mixed"


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default=Role.worker)
    team: Mapped[str | None] = mapped_column(String(64))
    skills_text: Mapped[str] = mapped_column("skills", String(500), default="")
    wage_mode: Mapped[str] = mapped_column(String(8), default=WageMode.piece)
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    language: Mapped[str | None] = mapped_column(String(8))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def skills(self) -> frozenset[str]:
        return frozenset(s for s in self.skills_text.split(",") if s)

    def has_role(self, role: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]


class Invite(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
