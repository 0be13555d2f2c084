"""The dispatch heuristic on hand-computed timelines (factory time Asia/Shanghai, UTC+8).

Unless a test says otherwise, people work 08:00-17:00 Monday to Friday and planning starts on
Monday 2026-11-23 at 08:00.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.dispatch.capacity import DEFAULT_SHIFT, Calendar
from domain.dispatch.heuristic import Job, Worker, plan
from domain.shifts import ShiftSpec

ZONE = ZoneInfo("Asia/Shanghai")
DAY = ShiftSpec(1, "白班", "*", frozenset({1, 2, 3, 4, 5}), time(8), time(17))
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=ZONE)
DUE = datetime(2026, 11, 28, 0, 0, tzinfo=ZONE)  # the end of Friday 11-27


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A factory-time instant in the week of 2026-11-23, as the plan gives it (UTC)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=ZONE).astimezone(UTC)


def worker(pid: int, code: str, *skills: str, shift: ShiftSpec = DAY) -> Worker:
    return Worker(pid, code, frozenset(skills), Calendar([shift], ZONE, NOW))


def job(task_id: int, minutes: float, *, wo: int | None = None, seq: int = 10,
        operation: str = "SMT", pieces: int = 60, due: datetime = DUE, priority: int = 3,
        **more) -> Job:
    """A task of `pieces` pieces taking `minutes` in all."""
    wo = task_id if wo is None else wo
    return Job(task_id=task_id, work_order_id=wo, work_order=f"WO-{wo:06d}", seq=seq,
               operation=operation, workstation=more.pop("workstation", None), quantity=pieces,
               piece_seconds=minutes * 60 / pieces, priority=priority, due=due, **more)


def timeline(result) -> dict[int, tuple[int | None, datetime | None, datetime | None]]:
    return {x.task_id: (x.person_id, x.start, x.end) for x in result.lines}


def test_two_workers_take_tasks_in_due_order_each_to_whoever_finishes_first():
    people = [worker(1, "W01", "SMT"), worker(2, "W02", "SMT")]
    jobs = [job(3, 180, due=DUE + timedelta(days=2)), job(1, 120, due=DUE - timedelta(days=2)),
            job(2, 60, due=DUE - timedelta(days=1))]
    result = plan(jobs, people, NOW)
    # 1 (due first): both free at 08:00 and done at 10:00, the tie goes to W01.
    # 2: W02 08:00-09:00. 3: W02 09:00-12:00 beats W01 10:00-13:00.
    assert timeline(result) == {1: (1, at(23, 8), at(23, 10)), 2: (2, at(23, 8), at(23, 9)),
                                3: (2, at(23, 9), at(23, 12))}
    assert [(x.task_id, x.group, x.position) for x in result.lines] == [
        (1, "SMT", 1), (2, "SMT", 2), (3, "SMT", 3)]
    assert all(x.late_seconds == 0 for x in result.lines)


def test_work_follows_the_shift_calendar_across_nights_and_the_weekend():
    people = [worker(1, "W01", "SMT")]
    # 10 h on Monday: 9 h that day, the last hour on Tuesday morning.
    result = plan([job(1, 600, due=datetime(2026, 11, 23, 0, 0, tzinfo=ZONE))], people, NOW)
    (line,) = result.lines
    assert (line.start, line.end) == (at(23, 8), at(24, 9))
    # Due at the end of Sunday 11-22 (Monday 00:00): 1 day 9 hours late.
    assert line.late_seconds == 33 * 3600

    # Starting Friday 16:00, 3 h: 1 h on Friday, 2 h on Monday.
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=ZONE)
    late_worker = Worker(1, "W01", frozenset({"SMT"}), Calendar([DAY], ZONE, friday))
    (line,) = plan([job(1, 180)], [late_worker], friday).lines
    assert (line.start, line.end) == (at(27, 16), at(30, 10))
    assert line.late_seconds == (2 * 24 + 10) * 3600  # due Saturday 00:00


def test_a_workstation_runs_one_task_at_a_time():
    people = [worker(1, "W01", "SMT"), worker(2, "W02", "SMT")]
    jobs = [job(1, 120, workstation="SMT-1", due=DUE - timedelta(days=1)),
            job(2, 60, workstation="SMT-1"), job(3, 60, workstation="SMT-2")]
    result = plan(jobs, people, NOW)
    # 2 waits for the line SMT-1 although W02 is free (W01 and W02 both end it at 11:00: the
    # tie goes to W01); 3 runs on SMT-2 at once.
    assert timeline(result) == {1: (1, at(23, 8), at(23, 10)), 2: (1, at(23, 10), at(23, 11)),
                                3: (2, at(23, 8), at(23, 9))}
    assert [(x.task_id, x.group, x.position) for x in result.lines] == [
        (1, "SMT-1", 1), (2, "SMT-1", 2), (3, "SMT-2", 1)]


def test_partial_flow_starts_after_the_first_piece_and_ends_after_the_last():
    people = [worker(1, "W01", "SMT"), worker(2, "W02", "THT")]
    first = job(1, 50, wo=7, seq=10, operation="SMT", pieces=100, ready=True)
    # Faster than SMT: held back at the end by SMT's last piece, plus one piece of its own.
    fast = job(2, 20, wo=7, seq=20, operation="THT", pieces=100, previous=1)
    result = plan([fast, first], people, NOW)
    assert timeline(result) == {1: (1, at(23, 8), at(23, 8, 50)),
                                2: (2, at(23, 8, 0, 30), at(23, 8, 50, 12))}

    # Slower than SMT: starts after SMT's first piece (30 s) and runs its 100 minutes.
    slow = job(2, 100, wo=7, seq=20, operation="THT", pieces=100, previous=1)
    assert timeline(plan([first, slow], people, NOW))[2] == (2, at(23, 8, 0, 30),
                                                            at(23, 9, 40, 30))

    # Pieces already waiting: no need to wait for SMT's first piece.
    waiting = job(2, 100, wo=7, seq=20, operation="THT", pieces=100, previous=1, ready=True)
    assert timeline(plan([first, waiting], people, NOW))[2] == (2, at(23, 8), at(23, 9, 40))


def test_a_previous_operation_planned_elsewhere_holds_it_by_its_stored_times():
    # Another team's SMT is planned 08:30 (first piece) to 10:00: THT (20 min) starts at 08:30
    # and ends one piece (12 s) after SMT's end.
    tht = job(2, 20, wo=7, seq=20, operation="THT", pieces=100, previous=1,
              upstream=(at(23, 8, 30), at(23, 10)))
    assert timeline(plan([tht], [worker(2, "W02", "THT")], NOW)) == {
        2: (2, at(23, 8, 30), at(23, 10, 0, 12))}


def test_a_rush_jumps_the_queue_and_makes_the_others_late():
    people = [worker(1, "W01", "SMT")]
    monday = datetime(2026, 11, 24, 0, 0, tzinfo=ZONE)  # the end of Monday
    normal = job(1, 420, due=monday)
    rush = job(2, 180, due=DUE, priority=0)
    assert timeline(plan([normal], people, NOW)) == {1: (1, at(23, 8), at(23, 15))}
    result = plan([normal, rush], people, NOW)
    # The rush first (08:00-11:00), then the 7 h task: 11:00-17:00 and Tuesday 08:00-09:00.
    assert timeline(result) == {2: (1, at(23, 8), at(23, 11)), 1: (1, at(23, 11), at(24, 9))}
    assert result.by_task()[1].late_seconds == 9 * 3600
    assert result.lateness() == {1: 9 * 3600, 2: 0}
    assert result.finish() == {1: at(24, 9), 2: at(23, 11)}


def test_nobody_skilled_is_a_problem_line_and_closes_its_queue():
    people = [worker(1, "W01", "SMT")]
    jobs = [job(1, 60, operation="TEST"), job(2, 60, operation="TEST", due=DUE + timedelta(1)),
            job(3, 60)]
    result = plan(jobs, people, NOW)
    assert [(x.task_id, x.person_id, x.start, x.group, x.position) for x in result.lines] == [
        (3, 1, at(23, 8), "SMT", 1), (1, None, None, "TEST", 1), (2, None, None, "TEST", 2)]
    assert [x.task_id for x in result.problems] == [1, 2]


def test_held_tasks_stay_with_their_people_unless_pinned():
    people = [worker(1, "W01", "SMT"), worker(2, "W02", "SMT")]
    jobs = [job(1, 120, due=DUE - timedelta(days=1)), job(2, 60, assignees=(1,))]
    # W02 would finish 2 at 09:00; it stays with W01, after W01's task 1.
    assert timeline(plan(jobs, people, NOW)) == {1: (1, at(23, 8), at(23, 10)),
                                                 2: (1, at(23, 10), at(23, 11))}
    pinned = [jobs[0], job(2, 60, assignees=(1,), pinned=2)]
    result = plan(pinned, people, NOW)
    assert timeline(result)[2] == (2, at(23, 8), at(23, 9))
    assert result.by_task()[2].pinned and not result.by_task()[1].pinned


def test_same_input_same_plan_whatever_the_order():
    rng = random.Random(5)
    people = [worker(n, f"W{n:02d}", *rng.sample(["SMT", "THT", "TEST"], 2)) for n in range(1, 7)]
    jobs = []
    for wo in range(1, 31):
        due = DUE + timedelta(days=rng.randint(-3, 3))
        for n, op in enumerate(("SMT", "THT", "TEST")):
            jobs.append(job(wo * 10 + n, rng.randint(10, 300), wo=wo, seq=(n + 1) * 10,
                            operation=op, due=due, priority=rng.choice([1, 3, 3, 5]),
                            previous=wo * 10 + n - 1 if n else None, ready=n == 0,
                            workstation=rng.choice([None, "L1", "L2"])))
    first = plan(jobs, people, NOW)
    shuffled = jobs[:]
    rng.shuffle(shuffled)
    again = plan(shuffled, list(reversed(people)), NOW)
    assert first == again
    assert len(first.lines) == 90 and not first.problems


def test_the_default_calendar_is_monday_to_saturday_eight_to_five():
    saturday = datetime(2026, 11, 28, 16, 0, tzinfo=ZONE)
    calendar = Calendar([], ZONE, saturday)
    assert calendar.shifts == (DEFAULT_SHIFT,)
    start, end = calendar.work(saturday.timestamp(), 2 * 3600)
    # One hour on Saturday, none on Sunday, one on Monday.
    assert (start, end) == (saturday.timestamp(), at(30, 9).timestamp())
