"""The inbox of raw updates, the record of what was applied, and the outbox of messages to send."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, BigId, UTCDateTime, utcnow


class InboxUpdate(Base):
    """A raw Telegram update, stored before it is confirmed to Telegram."""

    __tablename__ = "inbox_update"
    __table_args__ = (Index("ix_inbox_pending", "processed_at", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class ProcessedUpdate(Base):
    """Idempotency keys of applied effects, committed in the same transaction as the effects."""

    __tablename__ = "processed_update"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up: permanent error or the chat is unreachable


class Priority(enum.IntEnum):
    """Lower is sent first: answers to a person before broadcasts and summaries."""

    reply = 0
    notify = 5
    broadcast = 9


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # send | edit | answer: what to do with the rendered notification (see bot/render.py).
    method: Mapped[str] = mapped_column(String(16), default="send")
    payload: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(Integer, default=Priority.reply)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class ChatState(Base):
    """What the bot knows of a Telegram chat: unreachable (blocked us) or migrated."""

    __tablename__ = "chat_state"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    migrated_to: Mapped[int | None] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Every state change (and every refusal worth knowing) with its actor and time."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(Text)


class OutboxChatLease(Base):
    """Which bot process sends a chat's messages (several processes on PostgreSQL).

    One process at a time per chat keeps the chat's order and its 1 msg/s pace; a lease that
    runs out (its process died) is taken over by another.
    """

    __tablename__ = "outbox_chat_lease"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class SendBudget(Base):
    """Telegram's bot-wide 30 msg/s, shared by every process: one token bucket in a row."""

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)  # epoch seconds of the last refill


class BotProcess(Base):
    """A running bot process, seen by its heartbeat: the last one to stop removes the webhook."""

    __tablename__ = "bot_process"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # polling | webhook
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
