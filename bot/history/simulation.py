"""The factory played day by day: work orders, reports, QC, rework, exceptions, clocks, pay."""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.history.factory import Calendar, Factory, yuan
from bot.history.records import (
    BLOCKED,
    CLOCK_FORGOT_MINUTES,
    CUSTOMERS,
    DAY_SHIFT,
    DEFECT_REASONS,
    DEFECT_WEIGHTS,
    DONE,
    EXCEPTION_KINDS,
    IN_PROGRESS,
    NIGHT_SHIFT,
    READY,
    REWORK_PAY,
    SOURCES,
    UNDO_SECONDS,
    WAITING,
    AdjustmentRec,
    ClockRec,
    ExceptionRec,
    HistoryParams,
    InspectionRec,
    PersonRec,
    ProductRec,
    ReportRec,
    ReworkRec,
    TaskRec,
    WorkOrderRec,
)
from bot.history.storage import Writer, id_of, inspection_row, money, report_row, ts
from domain.payload import rework_code

# --- the simulation --------------------------------------------------------------------------

# Event kinds, in the order they are handled when they fall on the same second.
SLOT, DECIDE, VOID, EXC_REPORT, EXC_ACK, EXC_RESOLVE, EXC_CLOSE = range(7)


class Simulation:
    def __init__(self, params: HistoryParams, writer: Writer, keep: bool) -> None:
        self.params = params
        self.rng = random.Random(params.seed)
        self.calendar = Calendar(params)
        self.factory = Factory(params, self.rng)
        self.writer = writer
        self.keep = keep
        self.as_of = self.calendar.midnights[params.days]
        self.events: list[tuple[int, int, int, Any]] = []
        self.sequence = 0
        self.work_orders: list[WorkOrderRec] = []
        # Per operation code, the tasks that can take a report now, oldest first.
        self.ready: dict[str, dict[TaskRec, None]] = defaultdict(dict)
        self.unsettled: dict[int, ReportRec] = {}
        self.pending_inspections: dict[int, InspectionRec] = {}
        self.kept_reports: list[ReportRec] = []
        self.kept_inspections: list[InspectionRec] = []
        self.rework_tasks: list[ReworkRec] = []
        self.exceptions: list[ExceptionRec] = []
        self.clock_entries: list[ClockRec] = []
        self.adjustments: list[AdjustmentRec] = []
        self.ids: dict[str, int] = defaultdict(int)
        self.slot_seconds = (9.5 * 3600) / params.slots_per_shift
        self.first_ops: dict[str, list[ProductRec]] = defaultdict(list)
        for product in self.factory.products:
            self.first_ops[product.operations[0].code].append(product)
        # Work in progress is capped per first operation (CONWIP): new work orders start only
        # when earlier ones finished, so the floor neither runs dry nor piles up.
        self.open_cap = {code: 4 * len(products) + 1 for code, products in self.first_ops.items()}
        self.open_count: dict[str, int] = defaultdict(int)
        self.handlers: dict[int, Callable[[int, Any], None]] = {
            SLOT: self._slot, DECIDE: self._decide, VOID: self._void,
            EXC_REPORT: self._exception_reported, EXC_ACK: self._exception_acknowledged,
            EXC_RESOLVE: self._exception_resolved, EXC_CLOSE: self._exception_closed}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def push(self, at: int, kind: int, payload: Any) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (at, kind, self.sequence, payload))

    # --- the main loop -----------------------------------------------------------------------

    def run(self) -> None:
        for index in range(self.params.days):
            if self.calendar.workday(index):
                self._plan_day(index)
            horizon = min(self.calendar.midnights[index + 1], self.as_of)
            events = self.events
            while events and events[0][0] < horizon:
                at, kind, _, payload = heapq.heappop(events)
                self.handlers[kind](at, payload)
            if self.calendar.days[index + 1].day == 1:
                self._month_end_bonuses(index)

    def _plan_day(self, index: int) -> None:
        rng, calendar = self.rng, self.calendar
        day_start, day_end = calendar.shift(index, DAY_SHIFT)
        night_start, night_end = calendar.shift(index, NIGHT_SHIFT)
        present: list[tuple[PersonRec, int, int]] = []
        for person in self.factory.people:
            start, end = (night_start, night_end) if person.night else (day_start, day_end)
            if rng.random() < 0.03:
                continue  # absent today
            present.append((person, start, end))
            if person.role == "worker":
                self._plan_slots(person, start, end)
            if person.wage_mode in ("hourly", "mixed"):
                self._clock(person, start, end)
            if rng.random() < 0.002:
                self._adjust(person, start, end, bonus=False)
        workers = [p for p in present if p[0].role == "worker"]
        for _ in range(self._poisson(max(0.8, len(workers) / 120))):
            person, start, end = rng.choice(workers)
            self.push(rng.randrange(start, end), EXC_REPORT, person)

    def _poisson(self, mean: float) -> int:
        count, total = 0, self.rng.expovariate(1.0)
        while total < mean:
            count += 1
            total += self.rng.expovariate(1.0)
        return count

    def _plan_slots(self, person: PersonRec, start: int, end: int) -> None:
        rng = self.rng
        slots = self.params.slots_per_shift + rng.randint(-3, 3)
        step = (end - start) / slots
        for n in range(slots):
            opened = int(start + n * step + rng.uniform(0, step * 0.6))
            reported = opened + rng.randint(30, 240)
            # Entered after the shift: now and then the last job, and the afternoon's work of
            # the people who report everything at the end.
            late = (end - opened < 3 * 3600 and rng.random() < 0.5 if person.sloppy
                    else end - opened < 3600 and rng.random() < 0.1)
            if late:
                reported = end + rng.randint(5 * 60, 150 * 60)
            self.push(reported, SLOT, (person, opened))

    # --- work orders -------------------------------------------------------------------------

    def _release(self, product: ProductRec, at: int) -> WorkOrderRec:
        rng = self.rng
        number = self.next_id("work_order")
        wo = WorkOrderRec(id=number, code=f"WO-{number:06d}", product=product,
                          quantity=rng.randrange(200, 3001, 50),
                          created_at=at - rng.randint(3600, 2 * 86400), released_at=at,
                          priority=rng.choices((1, 2, 3, 4, 5), (5, 15, 50, 20, 10))[0],
                          customer=rng.choice(CUSTOMERS))
        previous = None
        for op in product.operations:
            task = TaskRec(self.next_id("operation_task"), wo, op, previous)
            wo.tasks.append(task)
            previous = task
        self._touch(wo.tasks[0])
        self.work_orders.append(wo)
        return wo

    def _pick(self, person: PersonRec, at: int) -> TaskRec | None:
        for code in person.skills:
            ready = self.ready[code]
            if ready:
                return next(iter(ready))
        for code in person.skills:  # nothing to do: start a new work order if allowed
            if code in self.first_ops and self.open_count[code] < self.open_cap[code]:
                self.open_count[code] += 1
                wo = self._release(self.rng.choice(self.first_ops[code]), at)
                return wo.tasks[0]
        return None  # idle this time

    def _touch(self, task: TaskRec | None) -> None:
        """Keep `ready` (tasks with pieces to work on and no line stop) up to date."""
        if task is None:
            return
        ready = self.ready[task.op.code]
        if task.blocks == 0 and task.available > 0:
            if task not in ready:
                ready[task] = None
        else:
            ready.pop(task, None)

    def _refresh(self, wo: WorkOrderRec, at: int) -> None:
        """domain/progress.py's refresh, on the simulation's objects."""
        previous: TaskRec | None = None
        all_done, any_processed = True, False
        for task in wo.tasks:
            processed = task.good + task.pending + task.scrap + task.rework
            if task.status != BLOCKED:
                arrived = task.planned if previous is None else previous.good
                if ((previous is None or previous.status == DONE) and processed >= arrived
                        and task.pending == 0 and task.rework == 0):
                    task.status = DONE
                    if task.done_at is None:
                        task.done_at = at
                else:
                    task.status = (IN_PROGRESS if processed > 0
                                   else READY if arrived > 0 else WAITING)
                    task.done_at = None
                if processed > 0 and task.started_at is None:
                    task.started_at = at
            all_done = all_done and task.status == DONE
            any_processed = any_processed or processed > 0
            self._touch(task)
            previous = task
        if all_done:
            if wo.done_at is None:
                wo.done_at = at
                self.open_count[wo.tasks[0].op.code] -= 1
            wo.status = "done"
        else:
            wo.status = "in_progress" if any_processed else "released"
            wo.done_at = None

    # --- reports -----------------------------------------------------------------------------

    def _report(self, person: PersonRec, task: TaskRec, at: int, opened: int, *, good: int,
                scrap: int, rework: ReworkRec | None = None, corrects: ReportRec | None = None,
                rate: Decimal | None = None) -> ReportRec:
        rng = self.rng
        held = good > 0 and (rework is not None or task.op.qc)
        report = ReportRec(
            id=self.next_id("work_report"), task=task, person=person, good=good, scrap=scrap,
            reason=rng.choices(DEFECT_REASONS, DEFECT_WEIGHTS)[0][0] if scrap else None,
            minutes=max(1, round((good + scrap) * float(task.op.std_minutes)
                                 * rng.uniform(0.8, 1.3))),
            source=SOURCES[int(rng.random() * len(SOURCES))],
            status="pending_qc" if held else "accepted", accepted=0 if held else good,
            rework=rework, rate=task.op.piece_rate if rate is None else rate, reported_at=at,
            started_at=opened, accepted_at=None if held or not good else at, settled=not held,
            corrects=corrects)
        task.version += 1
        if rework is not None:
            task.scrap += scrap
            task.rework -= scrap
            self._rework_change(rework, at, pending=good, scrap=scrap)
        elif held:
            task.pending += good
            task.scrap += scrap
        else:
            task.good += good
            task.scrap += scrap
        if held:
            self._hold(report, at)
        elif rework is None and not task.op.qc and good > 1 and rng.random() < 0.006:
            report.settled = False  # mistyped: undone and typed again within the undo window
            self.push(at + rng.randint(45, UNDO_SECONDS - 30), VOID, report)
        if not report.settled:
            self.unsettled[report.id] = report
        else:
            self._settle(report)
        self._refresh(task.wo, at)
        return report

    def _slot(self, at: int, payload: tuple[PersonRec, int]) -> None:
        person, opened = payload
        rng = self.rng
        while person.rework and person.rework[0].outstanding == 0:
            person.rework.popleft()
        for rework in person.rework:
            if rework.outstanding and rework.task.blocks == 0:
                left = rework.outstanding
                scrap = 1 if left >= 2 and rng.random() < 0.1 else 0
                rate = (Decimal("0") if REWORK_PAY == "unpaid" or (
                    REWORK_PAY == "unpaid_own" and rework.caused_by is person)
                    else rework.task.op.piece_rate)
                self._report(person, rework.task, at, opened, good=left - scrap, scrap=scrap,
                             rework=rework, rate=rate)
                return
        task = self._pick(person, at)
        if task is None:
            return
        batch = max(1, int(self.slot_seconds / 60 / float(task.op.std_minutes)
                           * rng.uniform(0.6, 1.4)))
        quantity = min(task.available, batch)
        scrap = rng.randint(1, max(1, quantity // 10)) if rng.random() < 0.03 else 0
        self._report(person, task, at, opened, good=quantity - scrap, scrap=scrap)

    def _void(self, at: int, report: ReportRec) -> None:
        """The worker's undo (domain/reporting.py undo_report), then the right quantity."""
        task = report.task
        following = task.next
        report.settled = True
        del self.unsettled[report.id]
        consumed = following is not None and following.processed > task.good - report.good
        if report.status != "accepted" or consumed:
            self._settle(report)
            return
        report.status, report.accepted = "voided", 0
        report.voided_at, report.voided_by, report.void_reason = at, report.person, "undo"
        task.good -= report.good
        task.scrap -= report.scrap
        task.version += 1
        self._settle(report)
        self._refresh(task.wo, at)
        if task.blocks == 0:
            right = report.good - self.rng.randint(1, max(1, report.good // 5))
            if right > 0 and right + report.scrap <= task.available:
                self._report(report.person, task, at, at - self.rng.randint(10, 40),
                             good=right, scrap=report.scrap, corrects=report)

    def _settle(self, report: ReportRec) -> None:
        if self.keep:
            self.kept_reports.append(report)
        self.writer.add("work_report", report_row(report))

    # --- QC and rework -----------------------------------------------------------------------

    def _hold(self, report: ReportRec, at: int) -> None:
        inspection = InspectionRec(
            id=self.next_id("qc_inspection"), report=report, task=report.task,
            rework=report.rework, quantity=report.good, created_at=at)
        self.pending_inspections[inspection.id] = inspection
        self.push(self._inspector_time(at + self.rng.randint(3 * 60, 90 * 60)), DECIDE,
                  inspection)

    def _inspector_time(self, at: int) -> int:
        """Inspectors work the day shift: later work waits for the next one."""
        index = self.calendar.day_index(at)
        for n in range(index, min(index + 9, len(self.calendar.days) - 1)):
            if not self.calendar.workday(n):
                continue
            start, end = self.calendar.shift(n, DAY_SHIFT)
            if at < start:
                return start + self.rng.randint(5 * 60, 45 * 60)
            if at < end:
                return at
        return at

    def _decide(self, at: int, inspection: InspectionRec) -> None:
        rng = self.rng
        quantity, rework = inspection.quantity, inspection.rework
        passed, reworked, scrapped = quantity, 0, 0
        draw = rng.random()
        if rework is None and draw >= 0.90:
            reworked = max(1, round(quantity * rng.uniform(0.02, 0.25)))
            scrapped = round(quantity * rng.uniform(0, 0.05))
            if draw >= 0.97:
                reworked, scrapped = 0, max(1, scrapped)  # scrap only
            reworked = min(reworked, quantity)
            scrapped = min(scrapped, quantity - reworked)
            passed = quantity - reworked - scrapped
        elif rework is not None and draw >= 0.85:
            if draw < 0.95:
                scrapped = max(1, round(quantity * rng.uniform(0, 0.3)))
            else:
                reworked = max(1, round(quantity * rng.uniform(0, 0.5)))
            passed = quantity - reworked - scrapped
        inspector = rng.choice(self.factory.inspectors)
        inspection.status = "passed" if passed == quantity else "failed"
        inspection.decided_at, inspection.decided_by = at, inspector
        inspection.passed, inspection.reworked, inspection.scrapped = passed, reworked, scrapped
        if reworked or scrapped:
            inspection.reason = rng.choices(DEFECT_REASONS, DEFECT_WEIGHTS)[0][0]
        report = inspection.report
        report.status = "accepted" if passed else "rejected"
        report.accepted, report.accepted_at = passed, at if passed else None
        report.settled = True
        del self.unsettled[report.id]
        self._settle(report)
        task = inspection.task
        task.version += 1
        task.good += passed
        task.scrap += scrapped
        if rework is None:
            task.rework += reworked
            task.pending -= quantity
        else:
            task.rework -= passed + scrapped
            self._rework_change(rework, at, pending=-quantity, good=passed, scrap=scrapped,
                                returned=reworked)
        if reworked:
            self._create_rework(inspection, reworked, at)
        del self.pending_inspections[inspection.id]
        if self.keep:
            self.kept_inspections.append(inspection)
        self.writer.add("qc_inspection", inspection_row(inspection))
        self._refresh(task.wo, at)

    def _create_rework(self, inspection: InspectionRec, quantity: int, at: int) -> None:
        number = self.next_id("rework_task")
        worker = inspection.report.person
        assignee = worker
        if self.rng.random() < 0.2:  # the supervisor hands it to a colleague
            others = [p for p in self.factory.skilled[inspection.task.op.code]
                      if p is not worker and p.night == worker.night]
            assignee = self.rng.choice(others) if others else worker
        rework = ReworkRec(id=number, code=rework_code(number), task=inspection.task,
                           inspection=inspection, quantity=quantity, assignee=assignee,
                           caused_by=worker, reason=inspection.reason, created_at=at)
        self.rework_tasks.append(rework)
        assignee.rework.append(rework)

    def _rework_change(self, rework: ReworkRec, at: int, **deltas: int) -> None:
        """domain/rework.py's _change."""
        for name, amount in deltas.items():
            setattr(rework, name, getattr(rework, name) + amount)
        back = rework.good + rework.scrap + rework.returned
        if back >= rework.quantity:
            rework.status, rework.done_at = "done", at
        else:
            rework.status = "in_progress" if back + rework.pending > 0 else "open"
            rework.done_at = None
        rework.version += 1

    # --- exceptions --------------------------------------------------------------------------

    def _exception_reported(self, at: int, person: PersonRec) -> None:
        rng = self.rng
        kind, _, stop_share = rng.choices(EXCEPTION_KINDS, [k[1] for k in EXCEPTION_KINDS])[0]
        task = next(iter(self.ready[person.skills[-1]]), None)
        stopped = task is not None and rng.random() < stop_share
        exception = ExceptionRec(
            id=self.next_id("floor_exception"), kind=kind,
            severity="high" if stopped or kind == "safety" else "normal",
            line_stopped=stopped, wo=task.wo if task else None, task=task,
            workstation=f"{person.skills[-1]}-{rng.randint(1, 6)}",
            comment=rng.choice(_COMMENTS[kind]), reported_by=person, reported_at=at,
            stopped_since=at if stopped else None)
        self.exceptions.append(exception)
        if stopped and task is not None:
            for blocked in task.wo.tasks:
                if blocked.status != DONE:
                    blocked.blocks += 1
                    blocked.status = BLOCKED
                    blocked.version += 1
                    self._touch(blocked)
                    exception.blocks.append([blocked, at, None])
        handler = self._handler(kind, person)
        acknowledged = at + int(rng.lognormvariate(6.4, 1.0))  # median ~10 min
        resolved = acknowledged + int(rng.lognormvariate(8.4, 1.0))  # median ~75 min more
        closed = resolved + (rng.randint(5 * 60, 3 * 3600) if rng.random() < 0.7
                             else 240 * 60)  # confirmed by the reporter, or closed by time
        self.push(acknowledged, EXC_ACK, (exception, handler))
        self.push(resolved, EXC_RESOLVE, (exception, handler))
        self.push(closed, EXC_CLOSE, exception)

    def _handler(self, kind: str, reporter: PersonRec) -> PersonRec:
        if kind == "quality":
            return self.rng.choice(self.factory.inspectors)
        if kind in ("material", "safety"):
            return self.factory.managers[0]
        return self.factory.supervisors.get(reporter.team) or self.factory.managers[0]

    def _exception_acknowledged(self, at: int, payload: tuple[ExceptionRec, PersonRec]) -> None:
        exception, handler = payload
        exception.status, exception.ack_by, exception.ack_at = "acknowledged", handler, at

    def _exception_resolved(self, at: int, payload: tuple[ExceptionRec, PersonRec]) -> None:
        exception, handler = payload
        exception.status, exception.resolved_by, exception.resolved_at = "resolved", handler, at
        if exception.stopped_since is not None:
            exception.downtime += at - exception.stopped_since
            exception.stopped_since = None
        touched: dict[int, WorkOrderRec] = {}
        for block in exception.blocks:
            task = block[0]
            block[2] = at
            task.blocks -= 1
            if task.blocks == 0:
                task.status = WAITING  # line_stop._unblock, then refresh
                task.version += 1
                touched[task.wo.id] = task.wo
        for wo in touched.values():
            self._refresh(wo, at)

    def _exception_closed(self, at: int, exception: ExceptionRec) -> None:
        exception.status, exception.closed_at = "closed", at
        confirmed = at - exception.resolved_at < 240 * 60
        exception.closed_by = exception.reported_by if confirmed else None

    # --- time clocked and adjustments --------------------------------------------------------

    def _clock(self, person: PersonRec, start: int, end: int) -> None:
        rng = self.rng
        clock_in = start - rng.randint(0, 15 * 60)
        if rng.random() < 0.05:
            clock_in = start + rng.randint(5 * 60, 40 * 60)  # late
        clock_out = end + rng.randint(0, 25 * 60)
        entry = ClockRec(id=self.next_id("clock_entry"), person=person, clock_in=clock_in,
                         clock_out=clock_out, closed_at=clock_out, closed_by=person,
                         source="chat", rate=person.hourly_rate)
        if rng.random() < 0.025:  # forgot: the supervisor sets the end of the shift
            entry.clock_out = end
            entry.closed_at = clock_in + CLOCK_FORGOT_MINUTES * 60 + rng.randint(5 * 60, 90 * 60)
            entry.closed_by = (self.factory.supervisors.get(person.team)
                               or self.factory.managers[0])
            entry.source, entry.fix_reason = "fix", "忘记打下班卡，按班次结束时间补录"
        if entry.closed_at >= self.as_of:  # still clocked in when the history ends
            entry.clock_out = entry.closed_at = entry.closed_by = entry.source = None
            entry.fix_reason = entry.rate = None
        else:
            # Whole minutes between the times as shown (domain/clocking.py paid_minutes).
            entry.paid_minutes = entry.clock_out // 60 - clock_in // 60
        self.clock_entries.append(entry)

    def _adjust(self, person: PersonRec, start: int, end: int, *, bonus: bool) -> None:
        rng = self.rng
        at = rng.randrange(start, end)
        by = self.factory.supervisors.get(person.team) or self.factory.managers[0]
        if bonus:
            amount = yuan(rng, 5000, 30000, 100)
            reason = rng.choice(("全勤奖", "质量奖", "超产奖"))
        else:
            amount = -yuan(rng, 1000, 10000, 50)
            reason = rng.choice(("违规扣款：未戴防护用品", "迟到扣款", "损坏工装扣款"))
        if at >= self.as_of:  # the last night shift runs past the end of the history
            return
        adjustment = AdjustmentRec(id=self.next_id("wage_adjustment"), person=person,
                                   amount=amount, reason=reason, created_by=by, created_at=at)
        self.adjustments.append(adjustment)
        if rng.random() < 0.1:
            later = at + rng.randint(3600, 5 * 86400)
            if later < self.as_of:
                self.adjustments.append(AdjustmentRec(
                    id=self.next_id("wage_adjustment"), person=person, amount=-amount,
                    reason=f"撤销：{reason}（录错）", created_by=self.factory.managers[0],
                    created_at=later, reverses=adjustment))

    def _month_end_bonuses(self, index: int) -> None:
        """On the last day of a month, the supervisors' bonuses for some of their people."""
        start, end = self.calendar.shift(index, DAY_SHIFT)
        for person in self.factory.workers:
            if self.rng.random() < 0.1:
                self._adjust(person, start, end, bonus=True)

    # --- the end -----------------------------------------------------------------------------

    def finish(self) -> None:
        self._plans()
        self._write_remaining()

    def _plans(self) -> None:
        """Planned times and due dates, as planning would have set them: most work ends on
        time, some late, and what is still open is due over the next days."""
        rng, calendar = self.rng, self.calendar
        for wo in self.work_orders:
            for task in wo.tasks:
                if task.done_at is not None:
                    slack = (rng.randint(1800, 3 * 86400) if rng.random() < 0.9
                             else -rng.randint(3600, 2 * 86400))
                    task.planned_end = task.done_at + slack
                    span = (task.done_at - (task.started_at or wo.released_at)
                            ) * rng.uniform(0.8, 1.2)
                    task.planned_start = max(wo.released_at, task.planned_end - int(span) - 600)
                else:
                    lead = (task.seq // 10) * rng.randint(86400, 2 * 86400)
                    task.planned_start = wo.released_at + lead - 86400
                    task.planned_end = wo.released_at + lead
                if task.planned_start >= task.planned_end:
                    task.planned_start = task.planned_end - 3600
            last = max(t.planned_end for t in wo.tasks)
            if wo.done_at is not None:
                late = rng.random() < 0.12
                day = calendar.days[calendar.day_index(wo.done_at)]
                wo.due_date = day + timedelta(days=-rng.randint(1, 4) if late
                                              else rng.randint(0, 6))
            else:
                day = calendar.days[min(calendar.day_index(last), len(calendar.days) - 1)]
                wo.due_date = day + timedelta(days=rng.randint(0, 3))

    def _write_remaining(self) -> None:
        """Everything not written as it settled: what was still open, and the few big rows."""
        writer = self.writer
        for report in self.unsettled.values():  # waiting for QC (or an undo) at the end
            writer.add("work_report", report_row(report))
            if self.keep:
                self.kept_reports.append(report)
        for inspection in self.pending_inspections.values():
            writer.add("qc_inspection", inspection_row(inspection))
            if self.keep:
                self.kept_inspections.append(inspection)
        for wo in self.work_orders:
            writer.add("customer_order", (wo.id, f"SO-{wo.id:06d}", wo.customer,
                                          wo.due_date.isoformat(), wo.priority,
                                          ts(wo.created_at)))
            writer.add("work_order", (wo.id, wo.code, wo.id, wo.product.id,
                                      wo.product.routing_id, wo.quantity, wo.due_date.isoformat(),
                                      wo.priority, wo.status, 2,  # released once
                                      ts(wo.created_at), ts(wo.released_at), ts(wo.done_at)))
            for t in wo.tasks:
                writer.add("operation_task", (
                    t.id, wo.id, t.op.id, t.seq, t.planned, t.good, t.scrap, t.pending,
                    t.rework, t.status, t.version, ts(t.started_at), ts(t.done_at),
                    ts(t.planned_start), ts(t.planned_end)))
        for r in self.rework_tasks:
            writer.add("rework_task", (
                r.id, r.code, r.task.id, r.task.wo.id, r.task.op.id, r.inspection.id, r.quantity,
                r.good, r.scrap, r.pending, r.returned, r.status, r.assignee.id, r.caused_by.id,
                r.reason, ts(r.created_at), ts(r.done_at), r.version))
        for e in self.exceptions:
            writer.add("floor_exception", (
                e.id, e.kind, e.severity, e.status, int(e.line_stopped),
                e.wo.id if e.wo else None, e.task.id if e.task else None, e.workstation,
                e.comment, e.reported_by.id, ts(e.reported_at), id_of(e.ack_by), ts(e.ack_at),
                id_of(e.resolved_by), ts(e.resolved_at), ts(e.closed_at), id_of(e.closed_by),
                ts(e.stopped_since), e.downtime, "", 1))
            for task, blocked_at, released_at in e.blocks:
                writer.add("exception_block", (e.id, task.id, ts(blocked_at),
                                               ts(released_at)))
        for c in self.clock_entries:
            writer.add("clock_entry", (
                c.id, c.person.id, c.person.id if c.closed_at is None else None,
                ts(c.clock_in), ts(c.clock_out), ts(c.closed_at), id_of(c.closed_by), c.source,
                c.fix_reason, money(c.rate), c.paid_minutes, f"history:clock:{c.id}",
                ts(c.clock_in)))
        for a in self.adjustments:
            writer.add("wage_adjustment", (
                a.id, a.person.id, money(a.amount), a.reason, a.created_by.id, ts(a.created_at),
                id_of(a.reverses), f"history:adjustment:{a.id}"))
        writer.flush()



_COMMENTS = {
    "equipment": ("设备异响，已停机检查", "气缸漏气", "主轴报警", "传送带卡死", "温控失灵"),
    "material": ("物料不足，等待补料", "来料尺寸不对", "缺螺丝", "批次混料"),
    "quality": ("连续出现毛刺", "首件检验不合格", "尺寸超差", "外观划伤较多"),
    "safety": ("防护罩损坏", "地面有油污", "急停按钮失灵"),
    "other": ("工位照明不足", "工装夹具缺失", "其他问题"),
}


