"""A worker registers, reports by typed code and buttons, undoes; all through real HTTP."""

from sqlalchemy import select

from domain.models import OperationTask


async def test_register_and_report_with_buttons(floor):
    worker = await floor.register(1001, "W01", "Li")
    assert "注册成功" in worker.messages[-2].text

    await worker.send_text("WO-000001")
    card = await worker.wait_message(lambda m: "WO-000001" in (m.text or ""))
    assert "贴片" in card.text and "剩余 100" in card.text
    callback = await worker.press("全部剩余 100")
    done = await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    assert "良品 100" in done.text
    answer = await worker.wait_answer(callback)
    assert "100" in (answer.text or "")

    async with floor.bot.sessions() as session:
        first = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        assert first.good_qty == 100 and first.status == "done"
