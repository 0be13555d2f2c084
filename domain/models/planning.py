"""Planning on the floor: task cards people hold, plan changes and who acknowledged them,
dispatch suggestions, and the pinned live status of each linked group."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class TaskCardMessage(Base):
    """A message that shows a task (a scanned card, an assignment, a claim offer...).

    It records the work order's version it showed; when the plan changes (a new version), every
    older card still on someone's screen is edited to say it is outdated (domain/task_cards.py).
    """

    __tablename__ = "task_card_message"
    __table_args__ = (Index("ix_task_card_live", "work_order_id", "outdated_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"))
    # What the card is: "card" (a report card with quantity buttons), "assigned", "claim",
    # "ready" (first pieces arrived)... so an outdated card can say what it was.
    purpose: Mapped[str] = mapped_column(String(16), default="card")
    version: Mapped[int] = mapped_column(Integer)  # the work order's version it showed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outdated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChangeKind(enum.StrEnum):
    rush = "rush"
    quantity = "quantity"
    due_date = "due_date"
    hold = "hold"
    resume = "resume"
    cancel = "cancel"
    replan = "replan"  # an accepted dispatch suggestion moved assignments or planned times
    priority = "priority"


class PlanChange(Base):
    """One change of the plan, as the people it touches are told about it."""

    __tablename__ = "plan_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    # What changed, as plain JSON (old and new values...), for the audit and the messages.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The update (or import) that made it: a redelivery finds it and changes nothing twice.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeNotice(Base):
    """The one message a person got about a change, and whether they acknowledged it."""

    __tablename__ = "change_notice"
    __table_args__ = (UniqueConstraint("change_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("plan_change.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DispatchStatus(enum.StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    discarded = "discarded"
    superseded = "superseded"


class DispatchPlan(Base):
    """A dispatch suggestion 排产建议 shown to a supervisor, to accept or edit in chat."""

    __tablename__ = "dispatch_plan"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=DispatchStatus.proposed)
    # Whose work it plans: a team, or None for the whole floor.
    team: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every edit: buttons carry it, so a tap on an older view of the plan is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)


class DispatchLine(Base):
    """One task in a suggestion: who, where, in which order, when."""

    __tablename__ = "dispatch_line"
    __table_args__ = (UniqueConstraint("plan_id", "task_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plan.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("operation_task.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: nobody fits
    workstation: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)  # the sequence on its workstation/skill
    quantity: Mapped[int] = mapped_column(Integer)  # pieces still to make
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_seconds: Mapped[int] = mapped_column(Integer, default=0)
    pinned: Mapped[bool] = mapped_column(default=False)  # the supervisor chose this person


class LiveStatus(Base):
    """One pinned message per line/team in a linked group, edited in place as work is reported.

    `dirty_at` marks that the floor changed since the last edit; a throttled job edits dirty
    messages at most once per interval per group (Telegram's group limits), and skips the edit
    when the text did not change (`digest`).
    """

    __tablename__ = "live_status"
    __table_args__ = (UniqueConstraint("chat_id", "team"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    team: Mapped[str] = mapped_column(String(64), default="")  # "" is the whole floor
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    digest: Mapped[str | None] = mapped_column(String(64))
    dirty_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
