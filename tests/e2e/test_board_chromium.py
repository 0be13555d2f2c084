"""The shop-floor board in a real headless Chromium against the real bot: a manager asks for
the link in chat, the TV page shows the work order and its progress, a worker reports through
the bot and the page updates by itself (no reload); revoking the link blanks the screen."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from domain.models import OutboxMessage
from tests.e2e.chromium import Chromium, find_chromium
from tests.e2e.conftest import FLOOR_PEOPLE, Floor, seed, settings_for

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Debian's chromium is not installed (scripts/test.sh installs it with apt)")

PEOPLE = (*FLOOR_PEOPLE, {"code": "M01", "role": "manager"})
LINK = re.compile(r"http://\S+/board\?token=[\w-]+&lang=(?:zh|en)")


@pytest.fixture
async def served(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Floor]:
    """The e2e floor plus a manager, with the bot's web server on a free port."""
    db = tmp_path / "floor.db"
    await seed(db, people=PEOPLE)
    settings = dataclasses.replace(settings_for(api, db), http_port=0)
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    try:
        yield Floor(api, bot, settings)
    finally:
        await bot.stop()


async def board_links(floor: Floor, manager) -> tuple[str, str]:
    await manager.command("/board", "30 一号线电视")
    reply = await manager.wait_message("看板")
    zh, en = LINK.findall(reply.text)
    assert zh.endswith("&lang=zh") and en.endswith("&lang=en")
    assert "名称：一号线电视" in reply.text and "/board revoke 1" in reply.text
    assert floor.bot.web is not None
    assert urlparse(zh).netloc == f"127.0.0.1:{floor.bot.web.port}"
    return zh, en


OPERATION_TEXT = """(() => {
  const card = document.querySelector('article.wo[data-code="WO-000001"]');
  if (!card) return null;
  return Object.fromEntries([...card.querySelectorAll('.op')].map(
    op => [op.dataset.code, op.querySelector('.op-name').innerText.replace(/\\s+/g, ' ')]));
})()"""


@needs_chromium
async def test_the_board_shows_the_floor_and_follows_a_report_made_in_chat(served):
    floor = served
    manager = await floor.register(3001, "M01", "Zhang", role="manager")
    zh, en = await board_links(floor, manager)

    async with Chromium() as browser:
        page = await browser.open(zh)
        await page.wait_for("document.body.dataset.ready === '1'")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        assert await page.evaluate("document.getElementById('title').innerText") == "生产看板"
        ops = await page.evaluate(OPERATION_TEXT)
        assert ops == {"SMT": "贴片 0/100", "THT": "插件 0/100", "TEST": "测试 0/100"}
        card = await page.evaluate(
            "document.querySelector('article.wo[data-code=\"WO-000001\"]').innerText")
        assert "PCB-A 主板" in card and "完工 0/100" in card
        assert "没有未关闭的异常" in await page.evaluate(
            "document.getElementById('exceptions').innerText")
        assert await page.evaluate("document.getElementById('clock').innerText") != "--:--:--"

        # A worker reports 40 good through the bot; the page follows without a reload.
        await page.evaluate("window.stillTheSamePage = true")
        worker = await floor.register(1001, "W01", "Li")
        await worker.send_text("WO-000001 40")
        await worker.wait_message("已记录")
        await page.wait_for(f"({OPERATION_TEXT})?.SMT === '贴片 40/100'", timeout=8)
        assert await page.evaluate("window.stillTheSamePage") is True
        output = await page.evaluate("document.getElementById('output-figure').innerText")
        assert re.sub(r"\s+", " ", output).startswith("今日产出 40")
        # The bar: 40 % of SMT in green.
        width = await page.evaluate(
            "document.querySelector('.op[data-code=\"SMT\"] .bar .good').style.width")
        assert width == "40%"

        # The same board in English.
        english = await browser.open(en)
        await english.wait_for("document.body.dataset.ready === '1'")
        assert await english.evaluate("document.getElementById('title').innerText") == (
            "Shop floor")
        assert (await english.evaluate(OPERATION_TEXT))["SMT"] == "贴片 40/100"

        # Revoked in chat: the open screen blanks within seconds, with the reason.
        await manager.command("/board", "revoke 1")
        await manager.wait_message("已撤销看板链接 1")
        gone = await page.wait_for(
            "!document.getElementById('gone').hidden && document.getElementById('gone').innerText",
            timeout=8)
        assert "已被撤销" in gone

        # And a wrong link shows the refusal, no data.
        refused = await browser.open(zh.replace("token=", "token=x"))
        text = await refused.wait_for("document.body && document.body.innerText", timeout=5)
        assert "403" in text and "WO-000001" not in text


async def test_only_managers_get_a_link_and_it_opens_the_data(served):
    floor = served
    worker = await floor.register(1001, "W01", "Li")
    await worker.command("/board")
    assert "没有权限" in (await worker.wait_message()).text

    manager = await floor.register(3001, "M01", "Zhang", role="manager")
    zh, _ = await board_links(floor, manager)
    async with aiohttp.ClientSession() as http:
        async with http.get(zh.replace("/board?", "/board/data?")) as response:
            assert response.status == 200
            data = json.loads(await response.text())
    assert [w["code"] for w in data["work_orders"]] == ["WO-000001"]
    # Delivered, the link is forgotten: a copy of the database or a backup opens nothing.
    await floor.settle()
    token = parse_qs(urlparse(zh).query)["token"][0]
    async with floor.bot.sessions() as session:
        payloads = (await session.scalars(select(OutboxMessage.payload))).all()
    assert any('"[sent]"' in p for p in payloads)
    assert not [p for p in payloads if token in p]

    await manager.command("/board", "list")
    listed = await manager.wait_message("看板链接")
    assert "1 一号线电视 — 有效" in listed.text and "工人M01 创建" in listed.text


async def test_no_link_when_the_web_server_is_off(floor):
    async with floor.bot.sessions() as session, session.begin():
        from tests import builders

        await builders.person(session, "M01", role="manager")
    manager = await floor.register(3001, "M01", "Zhang", role="manager")
    await manager.command("/board")
    assert "看板网页没有开启" in (await manager.wait_message()).text
