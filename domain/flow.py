"""How pieces move along a routing: the flow rule in one place."""

from __future__ import annotations

from domain.models import OperationTask


def arrived(task: OperationTask, previous: OperationTask | None) -> int:
    """Pieces that have reached this operation.

    The first operation receives the work order's planned quantity; a later one receives what the
    previous operation passed on: its accepted good pieces (scrap stays behind, and pieces waiting
    for QC do not move until they pass).
    """
    return task.planned_qty if previous is None else previous.good_qty


def processed(task: OperationTask) -> int:
    """Pieces this operation has dealt with: good (accepted or waiting for QC), scrap, and
    those out at rework (they come back as good or scrap through their rework task)."""
    return task.good_qty + task.pending_qc_qty + task.scrap_qty + task.rework_qty
