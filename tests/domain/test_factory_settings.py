"""The factory's settings: how people write them, how the import checks and replaces them,
and what the rules then read (load_settings, ladder_for, responsible_for)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.factory_settings import (
    DEFAULT_LADDERS,
    DEFAULT_REASONS,
    Rung,
    Sampling,
    format_duration,
    format_weekdays,
    ladder_for,
    load_settings,
    parse_clock,
    parse_duration,
    parse_sampling,
    parse_weekdays,
    responsible_for,
)
from domain.masterdata import ImportRejected, SheetRow, import_master_data, validate
from domain.models import (
    AuditEvent,
    DefectReason,
    FactorySetting,
    LadderStep,
    Operation,
    Person,
    Responsibility,
    Shift,
)
from tests import builders

REASONS = ("code", "name_zh", "name_en", "sort")
RESPONSIBLES = ("kind", "person")
LADDERS = ("ladder", "kind", "severity", "step", "after", "target")
SHIFTS = ("name", "team", "weekdays", "start", "end")
SETTINGS = ("key", "value")


def sheet(name, columns, *rows):
    return [SheetRow(name, n, dict(zip(columns, r, strict=True))) for n, r in enumerate(rows, 2)]


def settings_file():
    return {
        "defect_reasons": sheet("defect_reasons", REASONS,
                                ("cold_joint", "虚焊", "cold solder joint", None),
                                ("burr", "毛刺", "burr", None)),
        "responsibles": sheet("responsibles", RESPONSIBLES,
                              ("设备", "S01"), ("equipment", "S02"), ("质检", "Q01")),
        "ladders": sheet("ladders", LADDERS,
                         ("exception_ack", "*", "*", 1, "0", "responsible"),
                         ("exception_ack", "*", "*", 2, "10m", "role:supervisor"),
                         ("异常响应", "设备", "紧急", 1, "0", "责任人"),
                         ("exception_ack", "equipment", "high", 2, "30s", "角色:班组长"),
                         ("exception_ack", "equipment", "high", 3, "1分钟", "group:exceptions"),
                         ("task_overdue", None, None, 1, "1h30m", "assignee"),
                         ("task_overdue", None, None, 2, "2小时", "person:M01")),
        "shifts": sheet("shifts", SHIFTS,
                        ("白班", None, "周一至周六", "8:00", "20:00"),
                        ("夜班", "贴片组", "1,3,5", time(20, 0), "0800")),
        "settings": sheet("settings", SETTINGS,
                          ("rework_pay", "paid"), ("质检等待分钟", 45)),
    }


@pytest.fixture
async def people(sessions):
    async with sessions() as s, s.begin():
        for code, role in (("S01", "supervisor"), ("S02", "supervisor"), ("Q01", "qc"),
                           ("M01", "manager")):
            await builders.person(s, code, role=role)


async def run_import(sessions, sheets):
    async with sessions() as s, s.begin():
        return await import_master_data(s, sheets)


async def count(session, model):
    return await session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ the words people write

@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0), ("30s", 30), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("90", 5400),
    ("1.5h", 5400), ("10 min", 600), ("2 hours", 7200), ("45秒", 45), ("10分钟", 600),
    ("1小时30分钟", 5400), ("１０ｍ", 600), ("0.5", 30),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "-5", "10x", "m", "1h-5m", "0.01", "soon", "30s10"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_read_back():
    assert [format_duration(s) for s in (0, 30, 600, 5400, 3601)] == [
        "0", "30s", "10m", "1h30m", "1h1s"]
    assert all(parse_duration(format_duration(s)) == s for s in (0, 7, 59, 61, 3600, 86399))


@pytest.mark.parametrize(("text", "days", "canonical"), [
    ("1-5", (1, 2, 3, 4, 5), "1-5"), ("1,3,5", (1, 3, 5), "1,3,5"), ("1-7", tuple(range(1, 8)),
                                                                    "1-7"),
    ("周一至周五", (1, 2, 3, 4, 5), "1-5"), ("一、三、五", (1, 3, 5), "1,3,5"),
    ("1-3,6", (1, 2, 3, 6), "1-3,6"), ("6,7", (6, 7), "6,7"), ("星期日", (7,), "7"),
])
def test_weekdays(text, days, canonical):
    assert parse_weekdays(text) == days
    assert format_weekdays(days) == canonical


@pytest.mark.parametrize("text", ["", "0-5", "5-1", "8", "mon", "1--3"])
def test_bad_weekdays(text):
    with pytest.raises(ValueError):
        parse_weekdays(text)


def test_clock_times():
    assert [parse_clock(t) for t in ("8:00", "08:00", "0800", "20:30", "8点", "8点半",
                                     "23:59", "7:30:00")] == [
        "08:00", "08:00", "08:00", "20:30", "08:00", "08:30", "23:59", "07:30"]
    for bad in ("24:00", "8:60", "eight", ""):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_sampling_every_nth_inspects_the_first_and_every_nth_after():
    every = parse_sampling("every:3")
    assert every == Sampling(every=3) and every.text == "every:3"
    assert [every.inspects(n, f"k{n}") for n in range(1, 8)] == [
        True, False, False, True, False, False, True]
    assert parse_sampling("每5件").text == "every:5"
    assert parse_sampling("1/4").text == "every:4"
    assert parse_sampling("every 1").text == "all"


def test_sampling_all_inspects_everything():
    for text in (None, "", "all", "全检", "100%", "ALL"):
        sampling = parse_sampling(text)
        assert sampling.text == "all"
        assert all(sampling.inspects(n, str(n)) for n in range(1, 20))


def test_sampling_percent_is_decided_by_the_key_so_a_retry_decides_alike():
    ten = parse_sampling("10%")
    assert ten.text == "10%" and ten.percent == Decimal(10)
    keys = [f"u:{n}" for n in range(2000)]
    picked = [k for k in keys if ten.inspects(1, k)]
    assert 140 <= len(picked) <= 260  # about one in ten
    assert picked == [k for k in keys if ten.inspects(7, k)]  # the key decides, not the count
    assert parse_sampling("12.5%").text == "12.5%"


@pytest.mark.parametrize("text", ["0%", "150%", "every:0", "half", "10.123%", "每0件"])
def test_bad_sampling(text):
    with pytest.raises(ValueError):
        parse_sampling(text)


# ------------------------------------------------------------------ before anything is set

async def test_defaults_until_the_factory_sets_its_own(session):
    settings = await load_settings(session)
    assert settings.defect_reasons == DEFAULT_REASONS
    assert (settings.rework_pay, settings.qc_wait_minutes, settings.exception_autoclose_minutes,
            settings.shift_report_lead_minutes) == ("unpaid_own", 30, 240, 15)
    assert await ladder_for(session, "exception_ack", "equipment", "high") \
        == DEFAULT_LADDERS["exception_ack"]
    assert await responsible_for(session, "equipment") == []


# ------------------------------------------------------------------ importing the sheets

async def test_settings_sheets_are_imported_and_read_by_the_rules(sessions, people):
    result = await run_import(sessions, settings_file())
    assert result.to_dict()["settings"] == {
        "defect_reasons": {"created": 2, "updated": 0, "unchanged": 0, "removed": 0},
        "responsibles": {"created": 3, "updated": 0, "unchanged": 0, "removed": 0},
        "ladders": {"created": 7, "updated": 0, "unchanged": 0, "removed": 0},
        "shifts": {"created": 2, "updated": 0, "unchanged": 0, "removed": 0},
        "settings": {"created": 2, "updated": 0, "unchanged": 0, "removed": 0},
    }
    async with sessions() as s:
        settings = await load_settings(s)
        assert [(r.code, r.names) for r in settings.defect_reasons] == [
            ("cold_joint", {"zh": "虚焊", "en": "cold solder joint"}),
            ("burr", {"zh": "毛刺", "en": "burr"})]  # the sheet's order
        assert (settings.rework_pay, settings.qc_wait_minutes) == ("paid", 45)
        assert settings.exception_autoclose_minutes == 240  # not in the sheet: the default

        # The most specific ladder wins; seconds are kept as seconds.
        assert await ladder_for(s, "exception_ack", "equipment", "high") == [
            Rung(timedelta(0), "responsible"), Rung(timedelta(seconds=30), "role:supervisor"),
            Rung(timedelta(minutes=1), "group:exceptions")]
        assert await ladder_for(s, "exception_ack", "material", "high") == [
            Rung(timedelta(0), "responsible"), Rung(timedelta(minutes=10), "role:supervisor")]
        assert await ladder_for(s, "task_overdue") == [
            Rung(timedelta(minutes=90), "assignee"), Rung(timedelta(hours=2), "person:M01")]
        assert await ladder_for(s, "qc_waiting") == DEFAULT_LADDERS["qc_waiting"]

        assert [p.code for p in await responsible_for(s, "equipment")] == ["S01", "S02"]
        assert [p.code for p in await responsible_for(s, "qc")] == ["Q01"]
        shifts = (await s.scalars(select(Shift).order_by(Shift.id))).all()
        assert [(x.name, x.team, x.weekdays, x.start, x.end) for x in shifts] == [
            ("白班", "*", "1-6", "08:00", "20:00"), ("夜班", "贴片组", "1,3,5", "20:00", "08:00")]


async def test_importing_the_same_settings_again_changes_nothing(sessions, people):
    await run_import(sessions, settings_file())
    async with sessions() as s:
        audits = await count(s, AuditEvent)
        ids = (await s.scalars(select(LadderStep.id).order_by(LadderStep.id))).all()
    result = await run_import(sessions, settings_file())
    assert not result.changed
    assert {k: v["unchanged"] for k, v in result.to_dict()["settings"].items()} == {
        "defect_reasons": 2, "responsibles": 3, "ladders": 7, "shifts": 2, "settings": 2}
    async with sessions() as s:
        assert await count(s, AuditEvent) == audits
        assert (await s.scalars(select(LadderStep.id).order_by(LadderStep.id))).all() == ids


async def test_a_sheet_present_replaces_its_table_and_an_absent_one_is_left_alone(sessions,
                                                                                   people):
    await run_import(sessions, settings_file())
    second = {
        "defect_reasons": sheet("defect_reasons", REASONS, ("burr", "毛刺", "burrs", 5)),
        "ladders": sheet("ladders", LADDERS,
                         ("exception_ack", "*", "*", 1, "0", "responsible"),
                         ("exception_ack", "*", "*", 2, "5m", "role:manager")),
    }
    result = await run_import(sessions, second)
    assert set(result.to_dict()["settings"]) == {"defect_reasons", "ladders"}
    assert result.settings["defect_reasons"].removed == 1
    assert result.settings["ladders"].updated == 1 and result.settings["ladders"].removed == 5
    async with sessions() as s:
        settings = await load_settings(s)
        assert [(r.code, r.name_en) for r in settings.defect_reasons] == [("burr", "burrs")]
        # A reason left out is kept for history, inactive.
        assert (await s.scalar(select(DefectReason.active)
                               .where(DefectReason.code == "cold_joint"))) is False
        assert await ladder_for(s, "exception_ack", "equipment", "high") == [
            Rung(timedelta(0), "responsible"), Rung(timedelta(minutes=5), "role:manager")]
        assert await ladder_for(s, "task_overdue") == DEFAULT_LADDERS["task_overdue"]
        # Sheets the second file does not have are untouched.
        assert await count(s, Responsibility) == 3
        assert await count(s, Shift) == 2
        assert settings.rework_pay == "paid"
        audit = (await s.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "settings.imported").order_by(AuditEvent.id.desc()))).first()
        assert '"sheet": "ladders"' in audit and '"removed"' in audit

    # A reason that comes back is active again; an empty sheet (header only) clears a table.
    third = {"defect_reasons": sheet("defect_reasons", REASONS, ("cold_joint", "虚焊", "cj", 1)),
             "settings": []}
    await run_import(sessions, third)
    async with sessions() as s:
        settings = await load_settings(s)
        assert [r.code for r in settings.defect_reasons] == ["cold_joint"]
        assert settings.rework_pay == "unpaid_own"
        assert await count(s, FactorySetting) == 0


async def test_every_bad_settings_row_is_reported_and_nothing_is_imported(sessions, people):
    sheets = {
        "defect_reasons": sheet("defect_reasons", REASONS,
                                ("毛刺", "毛刺", "burr", None),
                                ("burr", None, "burr", "x"),
                                ("BURR", "毛刺", "burr", None)),
        "responsibles": sheet("responsibles", RESPONSIBLES,
                              ("设备", "NOBODY"), ("weather", "S01"), ("qc", "Q01"),
                              ("质检", "Q01")),
        "ladders": sheet("ladders", LADDERS,
                         ("exception_ack", "*", "*", 1, "10m", "responsible"),
                         ("exception_ack", "*", "*", 2, "5m", "role:supervisor"),
                         ("exception_ack", "*", "*", 2, "20m", "role:boss"),
                         ("task_overdue", "equipment", "*", 1, "soon", "reporter"),
                         ("escalate", "*", "urgent", 0, "1h", "person:NOBODY"),
                         ("qc_waiting", None, None, 1, "0", "group:canteen")),
        "shifts": sheet("shifts", SHIFTS,
                        ("白班", None, "8-9", "25:00", "20:00"),
                        ("白班", "*", "1-5", "08:00", "08:00")),
        "settings": sheet("settings", SETTINGS,
                          ("rework_pay", "sometimes"), ("qc_wait_minutes", "0"),
                          ("colour", "red"), ("rework_pay", "paid")),
        "products": sheet("products", ("product_code", "product_name", "sequence",
                                       "operation_code", "operation_name", "piece_rate", "qc",
                                       "qc_sampling"),
                          ("P1", "主板", 10, "TEST", "测试", "0.5", "yes", "half")),
    }
    async with sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await import_master_data(s, sheets)
    got = [(e.sheet, e.row, e.column, e.key) for e in caught.value.errors]
    assert got == [
        ("products", 2, "qc_sampling", "import.bad_sampling"),
        ("defect_reasons", 2, "code", "import.bad_reason_code"),
        ("defect_reasons", 3, "name_zh", "import.required"),
        ("defect_reasons", 3, "sort", "import.bad_integer"),
        ("defect_reasons", 4, "code", "import.duplicate"),
        ("responsibles", 2, "person", "import.unknown_person"),
        ("responsibles", 3, "kind", "import.bad_kind"),
        ("responsibles", 5, "person", "import.duplicate"),
        ("ladders", 3, "after", "import.delay_decreases"),
        ("ladders", 4, "step", "import.duplicate"),
        ("ladders", 4, "target", "import.bad_target"),
        ("ladders", 5, "kind", "import.kind_not_for_ladder"),
        ("ladders", 5, "after", "import.bad_duration"),
        ("ladders", 5, "target", "import.target_not_for_ladder"),
        ("ladders", 6, "ladder", "import.bad_ladder"),
        ("ladders", 6, "severity", "import.bad_severity"),
        ("ladders", 6, "step", "import.bad_integer"),
        ("ladders", 6, "target", "import.unknown_person"),
        ("ladders", 7, "target", "import.bad_target"),
        ("shifts", 2, "weekdays", "import.bad_weekdays"),
        ("shifts", 2, "start", "import.bad_clock"),
        ("shifts", 3, "name", "import.duplicate"),
        ("shifts", 3, "end", "import.empty_shift"),
        ("settings", 2, "value", "import.bad_rework_pay"),
        ("settings", 3, "value", "import.bad_minutes"),
        ("settings", 4, "key", "import.bad_setting"),
        ("settings", 5, "key", "import.duplicate"),
    ]
    params = {(e.sheet, e.row, e.column): e.params for e in caught.value.errors}
    assert params["ladders", 3, "after"] == {"value": "5m", "step": 1, "previous": "10m"}
    assert params["settings", 3, "value"] == {"value": "0", "min": 1, "max": 10080}
    assert str(caught.value).splitlines()[8] == (
        "ladders row 3, after: 5m is shorter than step 1's 10m: delays must not decrease "
        "along the steps")
    async with sessions() as s:
        for model in (DefectReason, Responsibility, LadderStep, Shift, FactorySetting):
            assert await count(s, model) == 0, model


async def test_settings_may_name_people_of_the_same_file(sessions):
    sheets = {
        "people": sheet("people", ("code", "name", "role"), ("S09", "马建国", "班组长")),
        "responsibles": sheet("responsibles", RESPONSIBLES, ("安全", "S09")),
        "ladders": sheet("ladders", LADDERS, ("exception_ack", "安全", "*", 1, "0",
                                              "person:S09")),
    }
    await run_import(sessions, sheets)
    async with sessions() as s:
        assert [p.code for p in await responsible_for(s, "safety")] == ["S09"]


async def test_qc_sampling_is_stored_on_the_operation_and_kept_when_the_column_is_absent(
        sessions):
    columns = ("product_code", "product_name", "sequence", "operation_code", "operation_name",
               "piece_rate", "qc", "qc_sampling")
    await run_import(sessions, {"products": sheet(
        "products", columns, ("P1", "主板", 10, "SMT", "贴片", "0.3", "no", None),
        ("P1", "主板", 20, "TEST", "测试", "0.5", "yes", "每10件"))})
    async with sessions() as s:
        ops = (await s.scalars(select(Operation).order_by(Operation.seq))).all()
        assert [(o.code, o.qc_checkpoint, o.qc_sampling) for o in ops] == [
            ("SMT", False, "all"), ("TEST", True, "every:10")]
    # A later file without the column keeps the sampling; one with it changes it in place.
    await run_import(sessions, {"products": sheet(
        "products", columns[:-1], ("P1", "主板", 10, "SMT", "贴片", "0.3", "no"),
        ("P1", "主板", 20, "TEST", "测试", "0.5", "yes"))})
    result = await run_import(sessions, {"products": sheet(
        "products", columns, ("P1", "主板", 10, "SMT", "贴片", "0.3", "no", None),
        ("P1", "主板", 20, "TEST", "测试", "0.5", "yes", "25%"))})
    assert (result.routings.updated, result.routings.created) == (1, 0)
    async with sessions() as s:
        assert (await s.scalar(select(Operation.qc_sampling)
                               .where(Operation.code == "TEST"))) == "25%"


def test_validate_without_the_database_skips_reference_checks():
    data, errors = validate({"responsibles": sheet("responsibles", RESPONSIBLES,
                                                   ("quality", "ANYONE"))})
    assert errors == []
    assert [(r.kind, r.person) for r in data.settings.responsibles] == [("quality", "ANYONE")]
    assert data.settings.ladders is None  # absent: left alone


async def test_a_person_in_no_sheet_cannot_be_responsible(sessions):
    async with sessions() as s, s.begin():
        await builders.person(s, "W01")
    with pytest.raises(ImportRejected):
        await run_import(sessions, {"responsibles": sheet("responsibles", RESPONSIBLES,
                                                          ("quality", "W02"))})
    async with sessions() as s:
        assert await count(s, Person) == 1
