"""Every case of the corpus through the real bot: a clear answer in the sender's language,
nothing changed, nothing crashed, the refusal audited; and then the bot still takes a report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.models import WorkReport
from tests.hostile import forge
from tests.hostile.corpus import CASES, Case
from tests.hostile.probe import errors_logged, mark, outcome
from tests.hostile.runner import judge, open_card, settle, throw
from tests.hostile.shop import Shop

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_hostile_input_is_answered_and_changes_nothing(shop: Shop, case, caplog):
    judge(shop, await throw(shop, case), caplog.records)


async def test_a_nul_in_a_typed_reason_is_stored_visibly_not_fatally(shop: Shop, caplog):
    """PostgreSQL's text refuses NUL: the update used to fail five times and be parked. The
    report is recorded with the NUL shown as U+FFFD (handlers/telegram/common.without_nul)."""
    await open_card(shop, shop.zh)
    since = await mark(shop)
    await shop.zh.send_text("1 1 毛\x00刺")
    await shop.zh.wait_message("已记录", timeout=10)
    await settle(shop)
    assert not (await outcome(shop, since)).failures and not errors_logged(caplog.records)
    async with shop.bot.sessions() as session:
        newest = await session.scalar(select(WorkReport).order_by(WorkReport.id.desc()))
    assert (newest.good_qty, newest.scrap_qty, newest.scrap_reason) == (1, 1, "毛\ufffd刺")


async def test_getfile_refuses_over_20_mb_even_when_the_bot_does_not_look_first(shop: Shop,
                                                                               caplog):
    """The bot checks a file's size before downloading it; were that check gone, the Bot API
    (ours as Telegram's) refuses getFile above 20 MB, and the answer is the same."""
    services = shop.bot.application.bot_data["services"]
    services.max_photo_bytes, limit = 10 ** 9, services.max_photo_bytes
    try:
        thrown = await throw(shop, Case("getfile-20mb", "en", file=forge.big_file,
                                        filename="card.jpg", mime="image/jpeg",
                                        expect="scan.file_too_big"))
    finally:
        services.max_photo_bytes = limit
    judge(shop, thrown, caplog.records)
    refused = [r for r in shop.api.requests if r.method == "getFile" and r.status == 400]
    assert refused and "too big" in refused[-1].description


async def test_after_all_of_it_a_normal_report_is_recorded(shop: Shop):
    worker = shop.zh
    await shop.floor.settle()
    worker.drain()
    await worker.send_text("WO-000002 5")
    done = await worker.wait_message("已记录", timeout=10)
    assert "WO-000002" in done.text and "良品 5" in done.text
