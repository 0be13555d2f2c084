"""Texts of work-order changes, acknowledgements and outdated task cards, in zh and en."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # domain/task_cards.py: an older card edited when the plan changed.
    "card.outdated": {
        "zh": "⚠️ 此卡片已过期：工单 {work_order} 的计划已变更。请点下方按钮查看最新卡片，不要按旧卡片干活。",
        "en": "⚠️ This card is outdated: the plan of work order {work_order} changed. Tap below "
              "for the current card; do not work from this one.",
    },
    "btn.current_card": {"zh": "查看最新卡片", "en": "Current card"},
}
LABELS: dict[str, dict[str, dict[str, str]]] = {}
