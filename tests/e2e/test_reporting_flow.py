"""Workers register and report through the real bot over real HTTP: photos, buttons, text."""

from sqlalchemy import func, select

from bot.catalog import CATALOG
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.models import AuditEvent, OperationTask, WorkReport
from tests import builders


async def task_quantities(floor):
    async with floor.bot.sessions() as session:
        tasks = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
        return [(t.good_qty, t.scrap_qty, t.status) for t in tasks]


async def report_count(floor):
    async with floor.bot.sessions() as session:
        return await session.scalar(select(func.count()).select_from(WorkReport))


async def card_jpeg(floor, seed=1, difficulty="normal"):
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    return phone_photo(render_card(card), seed=seed, difficulty=difficulty)


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
    assert await task_quantities(floor) == [(100, 0, "done"), (0, 0, "ready"), (0, 0, "waiting")]


async def test_photo_of_the_card_opens_the_task(floor, api):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_photo(await card_jpeg(floor, seed=4))
    card = await worker.wait_message(lambda m: "WO-000001" in (m.text or ""), timeout=10)
    assert "工序 10 贴片" in card.text
    await worker.press("20")
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    assert (await task_quantities(floor))[0] == (20, 0, "in_progress")
    async with floor.bot.sessions() as session:
        report = await session.scalar(select(WorkReport))
        assert report.source == "photo-scan" and report.photo_file_id


async def test_photo_with_quantity_in_the_caption_reports_at_once(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_photo(await card_jpeg(floor, seed=5), caption="30 2 毛刺")
    done = await worker.wait_message(lambda m: "已记录" in (m.text or ""), timeout=10)
    assert "良品 30，报废 2（毛刺）" in done.text
    assert (await task_quantities(floor))[0] == (30, 2, "in_progress")


async def test_unreadable_photo_and_non_image_get_clear_answers(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(blank, "JPEG")
    await worker.send_photo(blank.getvalue())
    tip = await worker.wait_message(timeout=10)
    assert "could not find a card code" in tip.text and "type the code" in tip.text
    await worker.send_document(b"%PDF-1.4", "x.pdf", "application/pdf")
    refusal = await worker.wait_message()
    assert "not an image" in refusal.text
    assert await report_count(floor) == 0


async def test_over_report_is_refused_and_changes_nothing(floor):
    first = await floor.register(1001, "W01", "Li")
    second = await floor.register(1002, "W02", "Wang")
    await first.send_text("WO-000001 40")
    await first.wait_message(lambda m: "已记录" in (m.text or ""))
    await second.send_text("WO-000001 41")
    refusal = await second.wait_message("不能报")  # after "40 pieces ready" (partial flow)
    assert "上道工序只流转过来 40 件" in refusal.text and "什么都没有记录" in refusal.text
    await first.send_text("WO-000001 70")
    refusal = await first.wait_message()
    assert "计划 100 件" in refusal.text and "最多还能报 65 件" in refusal.text
    assert await task_quantities(floor) == [(40, 0, "in_progress"), (0, 0, "ready"),
                                            (0, 0, "waiting")]


async def test_bad_numbers_get_a_reason(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    await worker.send_text("WO-000001")
    await worker.wait_message()
    for text in ("3.5", "-5", "1e9"):
        await worker.send_text(text)
        refusal = await worker.wait_message()
        assert f'"{text}" is not a number of pieces' in refusal.text
    await worker.send_text("３０")  # full-width digits, as Chinese keyboards type them
    done = await worker.wait_message()
    assert "30 good" in done.text


async def test_a_worker_cannot_act_as_a_supervisor(floor):
    worker = await floor.register(1001, "W01", "Li")
    for command, arg in (("/status", None), ("/invite", "W02")):
        await worker.command(command, arg)
        refusal = await worker.wait_message()
        assert "没有权限" in refusal.text and "班组长" in refusal.text
    async with floor.bot.sessions() as session:
        refusals = (await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused"))).all()
    assert len(refusals) == 2 and all('"role"' in r.detail for r in refusals)


async def test_supervisor_sees_status_and_invites(floor):
    supervisor = await floor.register(2001, "S01", "Ma", role="supervisor")
    await supervisor.command("/status")
    status = await supervisor.wait_message()
    assert "WO-000001" in status.text and "10 贴片" in status.text
    await supervisor.command("/invite", "W02")
    invite = await supervisor.wait_message()
    assert "https://t.me/gongdan_demo_bot?start=" in invite.text
    code = invite.text.rsplit("：", 1)[-1].strip()
    newcomer = floor.api.user(1002, "Wang")
    await newcomer.command("/start", code)
    welcome = await newcomer.wait_message()
    assert "注册成功" in welcome.text and "W02" in welcome.text


async def test_help_for_each_role_covers_qc_rework_exceptions_and_groups(floor):
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, "Q01", role="qc")
        await builders.person(session, "M01", role="manager")
    worker = await floor.register(1001, "W01", "Li")
    inspector = await floor.register(3001, "Q01", "Guo", lang="en", role="qc")
    manager = await floor.register(4001, "M01", "Lin", role="manager")
    # The help follows registration; /help shows it again.
    helps = [view.messages[-1].text for view in (worker, inspector, manager)]
    assert helps == [CATALOG["help.worker"]["zh"], CATALOG["help.qc"]["en"],
                     CATALOG["help.supervisor"]["zh"]]
    await inspector.command("/help")
    assert (await inspector.wait_message()).text == CATALOG["help.qc"]["en"]
    worker_help, qc_help, manager_help = helps
    for part in ("/exception", "「⚠️ 报告异常」", "RW-000001", "「🔧 报返工」", "质检"):
        assert part in worker_help, part
    for part in ('"✅ Pass all"', '"✂️ Split…"', "45 3 2", "RW-000001", "/exception",
                 '"⚠️ Report a problem"'):
        assert part in qc_help, part
    for part in ("待检、返工", "/link exceptions", "/link qc", "「👀 响应」", "/exception"):
        assert part in manager_help, part


async def test_strangers_only_get_the_registration_prompt(floor):
    stranger = floor.api.user(9999, "Who")
    for action in (stranger.command("/tasks"), stranger.send_text("WO-000001 5")):
        await action
        prompt = await stranger.wait_message()
        assert "还没有注册" in prompt.text
    assert await report_count(floor) == 0


async def test_language_follows_telegram_then_lang(floor, api):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    await worker.command("/tasks")
    assert "My tasks" in (await worker.wait_message()).text
    await worker.command("/lang")
    await worker.wait_message()
    await worker.press("中文")
    assert "已切换为中文" in (await worker.wait_message()).text
    await worker.command("/tasks")
    assert "我的任务" in (await worker.wait_message()).text
    await floor.settle()
    commands = api.get_commands({"type": "chat", "chat_id": 1001})
    assert [c for c, _ in commands][:2] == ["tasks", "report"]
    assert api.get_commands({"type": "default"}, "en")[0] == ("start", "register / start")


async def test_undo_gives_the_pieces_back(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001 25")
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    await worker.press("撤销")
    undone = await worker.wait_edit()
    assert "已撤销" in undone.text
    assert (await task_quantities(floor))[0] == (0, 0, "ready")


async def test_two_cards_in_one_photo_ask_which(floor):
    from PIL import Image

    from tests.e2e.conftest import seed_second_work_order

    await seed_second_work_order(floor)
    worker = await floor.register(1001, "W01", "Li")
    async with floor.bot.sessions() as session:
        cards = await cards_for(session, ["WO-000001", "WO-000002"], None)
    sheet = Image.new("L", (2600, 1800), 255)
    for i, card in enumerate(cards):
        sheet.paste(render_card(card).convert("L"), (40 + i * 1300, 20))
    await worker.send_photo(phone_photo(sheet, seed=3, difficulty="easy"))
    question = await worker.wait_message(timeout=10)
    assert "多张卡" in question.text
    tag = cards[0].factory  # the buttons show the codes as printed, factory tag included
    assert sorted(question.button_texts) == [f"GD1:{tag}/WO-000001", f"GD1:{tag}/WO-000002"]
    await worker.press(f"GD1:{tag}/WO-000002")
    card = await worker.wait_message()
    assert "WO-000002" in card.text
