"""/export through the real bot over real HTTP: the manager gets the workbook as a document,
made when it is sent; a supervisor gets their team; a worker is refused."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import update

from domain.models import Person
from tests import builders
from tests.e2e.conftest import Floor


async def teams_and_a_manager(floor: Floor) -> None:
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, "M01", role="manager")
        await session.execute(update(Person).where(Person.code.in_(["W01", "S01"]))
                              .values(team="甲班"))
        await session.execute(update(Person).where(Person.code == "W02").values(team="乙班"))


def sheet(document: bytes, name: str) -> list[dict]:
    book = load_workbook(io.BytesIO(document), data_only=True)
    header, *data = book[name].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in data]


async def test_the_manager_gets_the_workbook_and_a_worker_is_refused(floor):
    await teams_and_a_manager(floor)
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    manager = await floor.register(4001, "M01", "Zhou", role="manager")
    supervisor = await floor.register(2001, "S01", "Chen", role="supervisor")

    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 40 2 毛刺")
    await tht.wait_message("已记录")

    await smt.command("/export")
    refused = await smt.wait_message()
    assert "没有权限" in refused.content and refused.document is None

    await manager.command("/export")
    assert "正在生成" in (await manager.wait_message()).content
    sent = await manager.wait_message("Excel 报表", timeout=30)
    assert sent.file_name.startswith("gongdan-") and sent.file_name.endswith(".xlsx")
    assert "报工、质检、返工、异常、工资、工资汇总、指标" in sent.content
    reports = sheet(sent.document_bytes, "报工")
    assert [(r["工单"], r["工序编码"], r["工号"], r["良品"], r["报废"], r["报废原因"])
            for r in reports] == [("WO-000001", "SMT", "W01", 100, 0, None),
                                  ("WO-000001", "THT", "W02", 40, 2, "毛刺"),
                                  (None, None, None, 140, 2, None)]
    assert reports[-1]["编号"] == "合计"
    wages = {r["工号"]: r["应发合计"] for r in sheet(sent.document_bytes, "工资汇总")}
    assert wages["W01"] == 35 and wages["W02"] == 20  # 100 × 0.35, 40 × 0.50

    await supervisor.command("/export", "month")
    await supervisor.wait_message("正在生成")
    team = await supervisor.wait_message("Excel 报表", timeout=30)
    assert "只含班组「甲班」" in team.content
    assert [r["工号"] for r in sheet(team.document_bytes, "报工")] == ["W01", None]
    assert [r["工号"] for r in sheet(team.document_bytes, "工资汇总")] == ["S01", "W01", "合计"]

    await manager.command("/export", "someday")
    assert "用法：/export" in (await manager.wait_message()).content
