"""What one hostile input did to the bot: the answers it queued (by message key and language),
the refusals it audited, the updates that failed, and every domain table before and after.

The snapshot hashes the rows of every table but these, which move on any update by design:
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.i18n import render_text
from domain.models import AuditEvent, Base, InboxUpdate, OutboxMessage
from tests.hostile.shop import Shop

BOOKKEEPING = {
    "audit_event": "refusals are recorded here: that is what is checked",
    "inbox_update": "every update is stored, then marked processed",
    "processed_update": "the idempotency key of every applied update",
    "outbox_message": "the answers themselves (checked by key and language)",
    "outbox_chat_lease": "which bot process sends a chat's messages",
    "send_budget": "the bot-wide send-rate bucket",
    "bot_process": "the running process's heartbeat",
}
# Where a person is in a conversation. Excluded only for the cases whose answer is a question
# (a reading of `1,000` to pick), which moves the conversation on by design.
CONVERSATION = ("report_draft", "input_draft", "task_card_message")

# What a refusal recorded by the role check says to the person.
REASON_KEYS = {"role": "auth.forbidden", "unregistered": "auth.unregistered"}


@dataclass(frozen=True)
class Snapshot:
    hashes: dict[str, str]
    rows: dict[str, list[str]]

    def changed(self, after: Snapshot) -> dict[str, dict[str, list[str]]]:
        """Table → the rows that went and came, for every table whose hash differs."""
        out = {}
        for table, digest in self.hashes.items():
            if after.hashes.get(table) != digest:
                before_rows, after_rows = set(self.rows[table]), set(after.rows[table])
                out[table] = {"gone": sorted(before_rows - after_rows),
                              "new": sorted(after_rows - before_rows)}
        return out


async def snapshot(shop: Shop, moving: tuple[str, ...] = ()) -> Snapshot:
    hashes: dict[str, str] = {}
    rows: dict[str, list[str]] = {}
    async with shop.bot.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING or table.name in moving:
                continue
            result = await session.execute(select(table).order_by(*table.primary_key.columns))
            lines = [json.dumps(list(row), ensure_ascii=False, default=str) for row in result]
            rows[table.name] = lines
            hashes[table.name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return Snapshot(hashes, rows)


@dataclass(frozen=True)
class Mark:
    audit: int
    outbox: int
    update: int


async def mark(shop: Shop) -> Mark:
    async with shop.bot.sessions() as session:
        audit = await session.scalar(select(func.max(AuditEvent.id)))
        outbox = await session.scalar(select(func.max(OutboxMessage.id)))
        update = await session.scalar(select(func.max(InboxUpdate.update_id)))
    return Mark(audit or 0, outbox or 0, update or 0)


@dataclass(frozen=True)
class Reply:
    chat_id: int
    key: str
    params: dict[str, Any]
    lang: str
    method: str


@dataclass(frozen=True)
class Refusal:
    telegram_id: int | None
    action: str
    reason: str
    params: dict[str, Any]
    group: int | None

    @property
    def key(self) -> str:
        """The message key the person was told."""
        return REASON_KEYS.get(self.reason, self.reason)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    other_audit: list[str] = field(default_factory=list)

    def to(self, chat_id: int) -> list[Reply]:
        return [r for r in self.replies if r.chat_id == chat_id]


async def outcome(shop: Shop, since: Mark) -> Outcome:
    out = Outcome()
    async with shop.bot.sessions() as session:
        for row in (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.id > since.outbox).order_by(OutboxMessage.id))).all():
            if row.method in ("send", "edit"):
                payload = json.loads(row.payload)
                out.replies.append(Reply(row.chat_id, payload["key"], payload.get("params", {}),
                                         row.lang, row.method))
        for event in (await session.scalars(select(AuditEvent).where(
                AuditEvent.id > since.audit).order_by(AuditEvent.id))).all():
            detail = json.loads(event.detail or "{}")
            if event.action == "refused":
                # The role check keeps the role it wanted beside the reason, not in params.
                params = detail.get("params") or (
                    {"needed": detail["needed"]} if "needed" in detail else {})
                out.refusals.append(Refusal(event.actor_telegram_id, detail.get("action_name", ""),
                                            detail.get("reason", ""), params,
                                            detail.get("group_chat_id")))
            else:
                out.other_audit.append(event.action)
        for update in (await session.scalars(select(InboxUpdate).where(
                InboxUpdate.update_id > since.update))).all():
            if update.error or update.processed_at is None:
                out.failures.append(f"update {update.update_id}: {update.error or 'not processed'}")
    return out


def errors_logged(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]


def rendered(shop: Shop, key: str, lang: str, params: dict[str, Any]) -> str:
    return render_text(key, lang, params, shop.floor.settings.zone)
