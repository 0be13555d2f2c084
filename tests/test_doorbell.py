"""The outbox doorbell: a ring in one process wakes the senders of the others at once."""

from __future__ import annotations

import asyncio

import pytest

from bot.doorbell import Doorbell
from tests import databases

pytestmark = pytest.mark.postgres_only  # LISTEN/NOTIFY; SQLite runs one process


async def test_a_ring_wakes_every_other_process(tmp_path):
    url = databases.url_for(tmp_path / "gongdan.db")
    heard = [asyncio.Event() for _ in range(3)]
    bells = [Doorbell(url, event.set) for event in heard]
    for bell in bells:
        await bell.start()
    try:
        bells[0].ring()
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in heard[1:])), timeout=2)
        for event in heard:
            event.clear()
        for _ in range(50):  # a burst of rings folds into few NOTIFYs, and none is lost
            bells[1].ring()
        await asyncio.wait_for(heard[2].wait(), timeout=2)
    finally:
        for bell in bells:
            await bell.stop()


async def test_a_bell_that_never_started_rings_nothing_and_breaks_nothing(tmp_path):
    bell = Doorbell(databases.url_for(tmp_path / "gongdan.db"), lambda: None)
    bell.ring()
    await bell.stop()
