"""Task cards and report confirmations as notices with button intents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from domain.notifications import Button
from domain.reporting import TaskCard

COMMON_AMOUNTS = (5, 10, 20, 50, 100)


def card_params(card: TaskCard) -> dict[str, Any]:
    return asdict(card)


def quantity_buttons(card: TaskCard, draft_id: int) -> list[list[Button]]:
    """One tap for what is left, then common amounts below it, then scrap and cancel, and last
    a way to report a problem with this task (an exception 异常)."""
    rows: list[list[Button]] = []
    left = min(card.remaining, card.limit) if card.remaining else card.limit
    if left > 0:
        rows.append([Button("btn.all_left", f"q:{draft_id}:{left}", {"n": left})])
        amounts = [a for a in COMMON_AMOUNTS if a < left][-4:]
        if amounts:
            rows.append([Button("btn.qty", f"q:{draft_id}:{a}", {"n": a}) for a in amounts])
    rows.append([Button("btn.scrap", f"s:{draft_id}"), Button("btn.cancel", f"x:{draft_id}")])
    rows.append([Button("exception.btn_report", f"e:t:{card.task_id}")])
    return rows


def task_list_buttons(cards: list[TaskCard]) -> list[list[Button]]:
    return [
        [Button("btn.report_task", f"t:{c.task_id}",
                {"work_order": c.work_order, "operation": c.operation_name, "left": c.remaining})]
        for c in cards
    ]


def confirm_buttons(draft_id: int, good: int, scrap: int) -> list[list[Button]]:
    """A free-form report's confirmation card: Confirm carries the figures it shows."""
    return [[Button("ff.btn_confirm", f"ff:y:{draft_id}:{good}:{scrap}"),
             Button("ff.btn_change", f"ff:e:{draft_id}"),
             Button("btn.cancel", f"ff:n:{draft_id}")]]


def option_buttons(draft_id: int, options: tuple[tuple[int, int], ...]) -> list[list[Button]]:
    """A question about a typed report: one button per reading, then Cancel."""
    rows = [[Button("ff.btn_option", f"ff:p:{draft_id}:{good}:{scrap}",
                    {"good": good, "scrap": scrap})] for good, scrap in options]
    return [*rows, [Button("btn.cancel", f"ff:n:{draft_id}")]]
