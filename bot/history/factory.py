"""The generated factory: calendar, products and routings, teams and people."""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from bot.history.records import (
    DAY_SHIFT,
    DEFECT_REASONS,
    GIVEN,
    NIGHT_SHIFT,
    OPERATION_KINDS,
    PRODUCT_NAMES,
    SETTINGS,
    SURNAMES,
    WORKDAYS,
    HistoryParams,
    Op,
    PersonRec,
    ProductRec,
)
from bot.history.storage import Writer, money, ts

# --- the calendar ----------------------------------------------------------------------------


class Calendar:
    """Local days as UTC epoch seconds: midnights, shifts, and which day an instant falls on."""

    def __init__(self, params: HistoryParams) -> None:
        self.zone = ZoneInfo(params.zone)
        # A week and more past the end: work waiting then is scheduled (never played) beyond it.
        self.days = [params.start + timedelta(days=n) for n in range(params.days + 10)]
        self.midnights = [self.at(d, "00:00") for d in self.days]

    def at(self, day: date, hhmm: str) -> int:
        hours, minutes = map(int, hhmm.split(":"))
        return int(datetime.combine(day, clock_time(hours, minutes), tzinfo=self.zone).timestamp())

    def shift(self, index: int, spec: tuple[str, str, str]) -> tuple[int, int]:
        day = self.days[index]
        start, end = self.at(day, spec[1]), self.at(day, spec[2])
        if end <= start:
            end = self.at(day + timedelta(days=1), spec[2])
        return start, end

    def workday(self, index: int) -> bool:
        return self.days[index].isoweekday() <= 6

    def day_index(self, epoch: int) -> int:
        return bisect.bisect_right(self.midnights, epoch) - 1


# --- the factory -----------------------------------------------------------------------------


def _rate(rng: random.Random, std_minutes: float) -> Decimal:
    """About 0.40 yuan per standard minute, with 2 to 4 decimals."""
    value = Decimal(str(std_minutes * 0.40 * rng.uniform(0.8, 1.25)))
    places = rng.choice((2, 2, 3, 4))
    rate = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return max(rate, Decimal("0.01"))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def yuan(rng: random.Random, low: int, high: int, step: int = 50) -> Decimal:
    """An amount between `low` and `high` cents, in steps of `step` cents."""
    return Decimal(rng.randrange(low, high + 1, step)) / 100


class Factory:
    """Products, people, shifts and settings (master data), all from the RNG."""

    def __init__(self, params: HistoryParams, rng: random.Random) -> None:
        self.products: list[ProductRec] = []
        self.operations: list[Op] = []
        ids = iter(range(1, 10**6))
        op_ids = iter(range(1, 10**6))
        count = max(4, min(len(PRODUCT_NAMES), params.workers // 20))
        kinds = list(enumerate(OPERATION_KINDS))
        middle = kinds[:-2]  # TEST and PACK come last
        if params.workers < 4 * len(middle):  # a small factory: a few people on each kind
            middle = sorted(rng.sample(middle, max(2, params.workers // 4)))
        pool = middle + kinds[-2:-1]
        for n in range(count):
            product_id = next(ids)
            size = rng.randint(3, min(6, len(pool) + 1))
            chosen = sorted(rng.sample(pool, size - 1)) + [kinds[-1]]  # PACK last
            if not any(k[1][4] for k in chosen) and rng.random() < 0.7:  # most get a TEST
                chosen[rng.randrange(size - 1)] = kinds[-2]
                chosen = sorted(chosen[:-1]) + [kinds[-1]]
            product = ProductRec(product_id, f"P-{n + 1:03d}", PRODUCT_NAMES[n % len(PRODUCT_NAMES)]
                                 + ("" if n < len(PRODUCT_NAMES) else f"{n // len(PRODUCT_NAMES)}"),
                                 product_id)
            for i, (_, (code, name, low, high, qc)) in enumerate(chosen):
                std = round(rng.uniform(low, high), 1)
                op = Op(id=next(op_ids), routing_id=product.routing_id, seq=(i + 1) * 10,
                        code=code, name=name, piece_rate=_rate(rng, std),
                        std_minutes=Decimal(str(std)), qc=qc or (i < len(chosen) - 1
                                                                and rng.random() < 0.08))
                product.operations.append(op)
                self.operations.append(op)
            self.products.append(product)

        # Workers per operation kind, by the standard minutes of work it carries.
        load: dict[str, float] = defaultdict(float)
        for op in self.operations:
            load[op.code] += float(op.std_minutes)
        codes = sorted(load, key=lambda c: [k[0] for k in OPERATION_KINDS].index(c))
        team_names = {c: next(k[1] for k in OPERATION_KINDS if k[0] == c) + "组" for c in codes}
        total = sum(load.values())
        seats = {c: max(1, round(params.workers * load[c] / total)) for c in codes}
        while sum(seats.values()) > params.workers:
            biggest = max(seats, key=lambda c: (seats[c], c))
            seats[biggest] -= 1
        while sum(seats.values()) < params.workers:
            seats[min(seats, key=lambda c: (seats[c] / load[c], c))] += 1
        self.teams = [team_names[c] for c in codes if seats[c]]
        night_code = max(codes, key=lambda c: (seats[c], c)) if params.workers >= 10 else None
        self.night_team = team_names[night_code] if night_code else None

        self.people: list[PersonRec] = []
        person_ids = iter(range(1, 10**6))
        number = 0
        rank = {kind[0]: i for i, kind in enumerate(OPERATION_KINDS)}
        for code in codes:
            neighbours = [c for c in codes if c != code]
            for _ in range(seats[code]):
                number += 1
                skills = [code]
                if rng.random() < 0.3 and neighbours:
                    skills.append(rng.choice(neighbours))
                mode = rng.choices(("piece", "hourly", "mixed"), (70, 15, 15))[0]
                rate = (yuan(rng, 1800, 3200, 25) if mode == "hourly"
                        else yuan(rng, 800, 1400, 25) if mode == "mixed" else None)
                skills.sort(key=lambda c: -rank[c])  # pull: the furthest operation first
                self.people.append(PersonRec(
                    next(person_ids), f"W{number:04d}", _name(rng), "worker", team_names[code],
                    tuple(skills), mode, rate, night=team_names[code] == self.night_team,
                    sloppy=rng.random() < 0.2))
        self.supervisors: dict[str, PersonRec] = {}
        for n, team in enumerate(self.teams, start=1):
            person = PersonRec(next(person_ids), f"S{n:02d}", _name(rng), "supervisor", team,
                               (), "hourly", yuan(rng, 2800, 3800, 50),
                               night=team == self.night_team)
            self.supervisors[team] = person
            self.people.append(person)
        self.inspectors = [PersonRec(next(person_ids), f"Q{n:02d}", _name(rng), "qc", "品质部",
                                     ("TEST",), "hourly", yuan(rng, 2400, 3000, 50))
                           for n in range(1, max(2, params.workers // 50) + 1)]
        self.managers = [PersonRec(next(person_ids), f"M{n:02d}", _name(rng), "manager", "厂部",
                                   (), "hourly", yuan(rng, 4000, 6000, 100))
                         for n in (1, 2)]
        self.people += self.inspectors + self.managers
        self.workers = [p for p in self.people if p.role == "worker"]
        self.skilled: dict[str, list[PersonRec]] = defaultdict(list)
        for person in self.workers:
            for skill in person.skills:
                self.skilled[skill].append(person)
        self.shifts = [(DAY_SHIFT[0], "*", WORKDAYS, DAY_SHIFT[1], DAY_SHIFT[2])]
        if self.night_team:
            self.shifts.append((NIGHT_SHIFT[0], self.night_team, WORKDAYS, NIGHT_SHIFT[1],
                                NIGHT_SHIFT[2]))

    def write(self, writer: Writer, created_at: int) -> None:
        stamp = ts(created_at)
        for p in self.people:
            writer.add("person", (p.id, p.code, p.name, p.role, p.team, ",".join(p.skills),
                                  p.wage_mode, money(p.hourly_rate), "zh", 800_000_000 + p.id, 1,
                                  stamp, stamp))
        for product in self.products:
            writer.add("product", (product.id, product.code, product.name))
            writer.add("routing", (product.routing_id, product.id, 1))
        for op in self.operations:
            writer.add("operation", (op.id, op.routing_id, op.seq, op.code, op.name,
                                     money(op.piece_rate), float(op.std_minutes), int(op.qc),
                                     "all", None))
        for n, (name, team, days, start, end) in enumerate(self.shifts, start=1):
            writer.add("shift", (n, name, team, days, start, end))
        for n, (code, zh, en) in enumerate(DEFECT_REASONS, start=1):
            writer.add("defect_reason", (n, code, zh, en, n, 1))
        for key, value in SETTINGS.items():
            writer.add("factory_setting", (key, value))
        responsible = [("equipment", self.supervisors[self.teams[0]].id),
                       ("material", self.managers[0].id), ("quality", self.inspectors[0].id),
                       ("safety", self.managers[0].id), ("other", self.managers[1].id),
                       ("qc", self.inspectors[0].id)]
        for n, (kind, person_id) in enumerate(responsible, start=1):
            writer.add("responsibility", (n, kind, person_id))


