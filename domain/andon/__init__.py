"""Exceptions 异常 (andon): anything that stops or threatens work, reported from the floor and
followed until the reporter confirms the fix.

- subject:    what an exception concerns (work order, task, workstation)
- lifecycle:  report → acknowledge → resolve → close / reopen, each once (the use cases)
- line_stop:  blocking the affected tasks while the line stands, and the downtime
- posts:      how it is shown (group posts edited as it moves on, reminders)
- following / ladder: its facts on the reminders engine (escalation, autoclose)
"""

from domain.andon import ladder  # noqa: F401  (registers the reminder kinds)
from domain.andon.lifecycle import (
    KINDS,
    Reported,
    Resolved,
    acknowledge,
    add_note,
    check_comment,
    confirm_fixed,
    reject_fix,
    report,
    resolve,
    responsible_people,
)
from domain.andon.posts import exception_code
from domain.andon.subject import Subject

__all__ = [
    "KINDS", "Reported", "Resolved", "Subject", "acknowledge", "add_note", "check_comment",
    "confirm_fixed", "exception_code", "reject_fix", "report", "resolve", "responsible_people",
]
