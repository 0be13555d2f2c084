"""The shift calendar: weekdays, night shifts over midnight, teams, and no calendar at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain import shifts
from domain.models import Shift
from domain.shifts import ShiftSpec

ZONE = "Asia/Shanghai"  # UTC+8


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in Shanghai (2 March is a Monday), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


DAY = ShiftSpec(1, "白班", "A", frozenset(range(1, 6)), time(8), time(17))
NIGHT = ShiftSpec(2, "夜班", "A", frozenset(range(1, 6)), time(22), time(6))
EVERYONE = ShiftSpec(3, "常日班", "*", frozenset(range(1, 8)), time(9), time(18))
CALENDAR = [DAY, NIGHT, EVERYONE]


async def test_a_shift_that_does_not_parse_is_left_out(session):
    session.add(Shift(name="白班", team="*", weekdays="1-5", start="08:00", end="17:00"))
    session.add(Shift(name="坏", team="*", weekdays="9", start="08:00", end="17:00"))
    await session.commit()
    assert [s.name for s in await shifts.load_shifts(session)] == ["白班"]


def test_a_day_shift():
    assert shifts.on_shift("A", local(2, 8), [DAY], ZONE)
    assert shifts.on_shift("A", local(2, 16, 59), [DAY], ZONE)
    assert not shifts.on_shift("A", local(2, 17), [DAY], ZONE)  # the end is not in it
    assert not shifts.on_shift("A", local(2, 7, 59), [DAY], ZONE)
    assert not shifts.on_shift("A", local(7, 10), [DAY], ZONE)  # Saturday


def test_a_night_shift_runs_past_midnight_and_belongs_to_the_day_it_starts():
    assert shifts.on_shift("A", local(2, 23), [NIGHT], ZONE)  # Monday night
    assert shifts.on_shift("A", local(3, 5, 59), [NIGHT], ZONE)  # ... into Tuesday
    assert not shifts.on_shift("A", local(3, 6), [NIGHT], ZONE)
    assert shifts.on_shift("A", local(7, 3), [NIGHT], ZONE)  # Friday's night, on Saturday
    assert not shifts.on_shift("A", local(2, 3), [NIGHT], ZONE)  # Sunday had no night shift
    occurrence = shifts.occurrence_on(NIGHT, date(2026, 3, 6), ZONE)
    assert (occurrence.start, occurrence.end) == (local(6, 22), local(7, 6))


def test_people_follow_their_teams_shifts_else_the_shifts_for_everyone():
    assert shifts.shifts_of("A", CALENDAR) == [DAY, NIGHT]
    assert shifts.shifts_of("B", CALENDAR) == [EVERYONE]
    assert shifts.shifts_of(None, CALENDAR) == [EVERYONE]
    assert shifts.on_shift("B", local(7, 10), CALENDAR, ZONE)  # '*' runs on Saturdays too
    assert not shifts.on_shift("A", local(7, 10), CALENDAR, ZONE)
    assert shifts.follows(EVERYONE, None, CALENDAR)
    assert not shifts.follows(EVERYONE, "A", CALENDAR)


def test_no_calendar_means_always_on_shift():
    assert shifts.on_shift("A", local(7, 3), [], ZONE)
    assert shifts.on_shift("B", local(2, 3), [DAY], ZONE)  # no shift applies to team B
    assert shifts.next_shift_start("B", local(2, 3), [DAY], ZONE) is None


def test_next_shift_start():
    assert shifts.next_shift_start("A", local(2, 17), [DAY], ZONE) == local(3, 8)
    assert shifts.next_shift_start("A", local(2, 17), CALENDAR, ZONE) == local(2, 22)
    assert shifts.next_shift_start("A", local(6, 18), [DAY], ZONE) == local(9, 8)  # Monday
    assert shifts.next_shift_start("A", local(2, 8), [DAY], ZONE) == local(3, 8)  # strictly after


def test_shifts_ending_in_a_window():
    ending = shifts.ending_between(CALENDAR, local(2, 12), local(3, 12), ZONE)
    assert [(o.shift.name, o.day, o.end) for o in ending] == [
        ("白班", date(2026, 3, 2), local(2, 17)),
        ("常日班", date(2026, 3, 2), local(2, 18)),
        ("夜班", date(2026, 3, 2), local(3, 6)),
    ]
    # The window is (since, until]: a shift ending exactly at `since` was already handled.
    assert shifts.ending_between([DAY], local(2, 17), local(2, 20), ZONE) == []
    assert len(shifts.ending_between([DAY], local(2, 16), local(2, 17), ZONE)) == 1


def test_a_24_hour_shift():
    full = ShiftSpec(4, "全天", "*", frozenset({1}), time(6), time(6))
    occurrence = shifts.occurrence_on(full, date(2026, 3, 2), ZONE)
    assert occurrence.end - occurrence.start == timedelta(hours=24)


def test_a_zone_with_daylight_saving_time():
    # Berlin moved its clocks on 29 March 2026: a night shift that night is one hour shorter.
    night = ShiftSpec(5, "Nacht", "*", frozenset(range(1, 8)), time(22), time(6))
    occurrence = shifts.occurrence_on(night, date(2026, 3, 28), "Europe/Berlin")
    assert occurrence.start == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
    assert occurrence.end == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


async def test_loaded_from_the_settings(session):
    session.add(Shift(name="夜班", team="A", weekdays="1-5", start="22:00", end="06:00"))
    await session.commit()
    [loaded] = await shifts.load_shifts(session)
    assert (loaded.name, loaded.team, loaded.weekdays, loaded.start, loaded.end) == (
        "夜班", "A", frozenset(range(1, 6)), time(22), time(6))
