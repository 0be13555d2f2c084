"""The dispatch heuristic 排产: list scheduling in earliest-due-date order. Pure: plain data in,
plain data out, no database, so it is tested on hand-computed timelines and benchmarked alone.

1. Order the tasks: priority class (0 = rush, then 1 most urgent ... 5), then the work order's
   due date, then the work order, then the operation sequence.
2. Take them one by one. The candidates are the person the supervisor pinned, else the task's
   current assignees (assigned work stays with its people), else every worker skilled in the
   operation. For each candidate, the task starts when all of these hold:
   - now, and the candidate has finished the work planned for them before (no gap filling);
   - its workstation is free: a workstation runs one task at a time;
   - the previous operation has its first piece done (partial flow 流转): its planned start plus
     one piece of its time, or at once when pieces are already waiting;
   and then takes `pieces left × standard time` of the candidate's working time (their shift
   calendar, nights and days off skipped). It cannot end before the previous operation's end
   plus one piece of its own: the last pieces arrive then.
3. The candidate who finishes it earliest gets it (ties: the earlier start, then the person's
   code). Nobody skilled: the task is listed as a problem, unplanned.

Lateness is how far a task's end passes its work order's due time (the end of the due date in
factory time). Nothing here is optimal: see docs/dispatch.md for what it does not do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.dispatch.capacity import Calendar, NoCapacity, instant


@dataclass(frozen=True)
class Job:
    """An open task to plan."""

    task_id: int
    work_order_id: int
    work_order: str  # its code: orders ties between work orders due the same day
    seq: int
    operation: str  # the operation code, which is also the skill it needs
    workstation: str | None
    quantity: int  # pieces still to make
    piece_seconds: float  # standard time of one piece
    priority: int
    due: datetime  # the work order's due time
    assignees: tuple[int, ...] = ()  # people holding it now: it stays with them
    pinned: int | None = None  # the person a supervisor chose in an edit
    previous: int | None = None  # the previous operation's task, while it is not done
    ready: bool = False  # pieces are already waiting: no need to wait for the previous start
    # The previous operation when it is open but planned outside this plan (another team's):
    # when its first pieces come and when it ends, as stored.
    upstream: tuple[datetime, datetime] | None = None

    @property
    def seconds(self) -> float:
        return self.quantity * self.piece_seconds


@dataclass(frozen=True)
class Worker:
    id: int
    code: str
    skills: frozenset[str]
    calendar: Calendar = field(compare=False)


@dataclass(frozen=True)
class Line:
    """One task of the suggestion: who, where, in which place of its queue, when."""

    task_id: int
    work_order_id: int
    person_id: int | None  # None: nobody can do it
    workstation: str | None
    group: str  # the queue it is shown in: its workstation, else its operation (skill)
    position: int  # 1, 2... in its group, by planned start
    quantity: int
    start: datetime | None
    end: datetime | None
    late_seconds: int  # how far the end passes the work order's due time
    pinned: bool = False


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]  # by group, then position

    def by_task(self) -> dict[int, Line]:
        return {line.task_id: line for line in self.lines}

    def finish(self) -> dict[int, datetime]:
        """Each work order's planned finish: the end of its last planned task."""
        found: dict[int, datetime] = {}
        for line in self.lines:
            if line.end is not None and (line.work_order_id not in found
                                         or line.end > found[line.work_order_id]):
                found[line.work_order_id] = line.end
        return found

    def lateness(self) -> dict[int, int]:
        """Each work order's lateness in seconds (0: on time), from its planned tasks."""
        late: dict[int, int] = defaultdict(int)
        for line in self.lines:
            late[line.work_order_id] = max(late[line.work_order_id], line.late_seconds)
        return dict(late)

    @property
    def problems(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.person_id is None)


def order_key(job: Job) -> tuple[int, datetime, str, int, int]:
    return job.priority, job.due, job.work_order, job.seq, job.task_id


@dataclass
class _Slot:
    start: float
    first: float  # its first piece is done
    end: float


def plan(jobs: Iterable[Job], workers: Sequence[Worker], now: datetime) -> Plan:
    """The suggestion for these tasks and people, from `now` on."""
    at = now.timestamp()
    ordered = sorted(jobs, key=order_key)
    by_id = {w.id: w for w in workers}
    skilled: dict[str, list[Worker]] = defaultdict(list)
    for worker in sorted(workers, key=lambda w: (w.code, w.id)):
        for skill in worker.skills:
            skilled[skill].append(worker)
    free: dict[int, float] = {}  # a person's planned work ends
    station_free: dict[str, float] = {}
    slots: dict[int, _Slot] = {}
    chosen: dict[int, tuple[Worker, _Slot] | None] = {}

    for job in ordered:
        flow_start, flow_end = _flow(job, slots, at)
        best: tuple[tuple[float, float, str], Worker, _Slot] | None = None
        for worker in _candidates(job, by_id, skilled):
            earliest = max(at, free.get(worker.id, at), flow_start,
                           station_free.get(job.workstation, at) if job.workstation else at)
            try:
                start, end = worker.calendar.work(earliest, job.seconds)
                if flow_end is not None:
                    end = max(end, worker.calendar.work(flow_end, job.piece_seconds)[1])
                first = worker.calendar.work(start, min(job.piece_seconds, job.seconds))[1]
            except NoCapacity:
                continue
            rank = (end, start, worker.code)
            if best is None or rank < best[0]:
                best = (rank, worker, _Slot(start, first, end))
        if best is None:
            chosen[job.task_id] = None
            continue
        _, worker, slot = best
        chosen[job.task_id] = (worker, slot)
        slots[job.task_id] = slot
        free[worker.id] = slot.end
        if job.workstation:
            station_free[job.workstation] = slot.end
    return Plan(_lines(ordered, chosen))


def _candidates(job: Job, by_id: dict[int, Worker],
                skilled: dict[str, list[Worker]]) -> list[Worker]:
    if job.pinned is not None:
        return [by_id[job.pinned]] if job.pinned in by_id else []
    holding = [by_id[p] for p in job.assignees if p in by_id]
    return holding or skilled.get(job.operation, [])


def _flow(job: Job, slots: dict[int, _Slot], at: float) -> tuple[float, float | None]:
    """(earliest start, the previous operation's end) that partial flow allows."""
    previous = slots.get(job.previous) if job.previous is not None else None
    if previous is not None:
        first, end = previous.first, previous.end
    elif job.upstream is not None:
        first, end = job.upstream[0].timestamp(), job.upstream[1].timestamp()
    else:
        return at, None
    return (at if job.ready else first), end


def _lines(ordered: list[Job], chosen: dict[int, tuple[Worker, _Slot] | None]) -> tuple[Line, ...]:
    groups: dict[str, list[Line]] = defaultdict(list)
    for job in ordered:
        made = chosen[job.task_id]
        group = job.workstation or job.operation
        if made is None:
            line = Line(job.task_id, job.work_order_id, None, job.workstation, group, 0,
                        job.quantity, None, None, 0, job.pinned is not None)
        else:
            worker, slot = made
            start, end = instant(slot.start), instant(slot.end)
            late = max(0, round((end - job.due).total_seconds()))
            line = Line(job.task_id, job.work_order_id, worker.id, job.workstation, group, 0,
                        job.quantity, start, end, late, job.pinned is not None)
        groups[group].append(line)
    lines: list[Line] = []
    for group in sorted(groups):
        # Stable: equal starts keep the planning order; unplanned tasks close the queue.
        queue = sorted(groups[group], key=lambda x: (x.start is None,
                                                     x.start.timestamp() if x.start else 0.0))
        lines += [replace(line, position=n) for n, line in enumerate(queue, start=1)]
    return tuple(lines)
