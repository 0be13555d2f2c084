"""`gongdan board-url` as a person runs it: a link whose token opens the board, listed, revoked."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from domain import access_tokens
from domain.db import make_engine, make_sessionmaker
from domain.models import utcnow
from tests import databases


def gongdan(tmp_path: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "cli.db"),
           "GONGDAN_LANGUAGE": "en", **env_extra}
    for name in ("TELEGRAM_BOT_TOKEN", "GONGDAN_PUBLIC_URL", "GONGDAN_HTTP_HOST"):
        if name not in env_extra:
            env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


async def opens_the_board(tmp_path: Path, token: str) -> bool:
    engine = make_engine(databases.url_for(tmp_path / "cli.db"))
    try:
        async with make_sessionmaker(engine)() as session:
            return await access_tokens.verify(session, token, now=utcnow()) is not None
    finally:
        await engine.dispose()


def test_issue_list_and_revoke(tmp_path):
    made = gongdan(tmp_path, "board-url", "--days", "30", "--label", "TV1", "--lang", "en",
                   GONGDAN_PUBLIC_URL="https://floor.example/gd/")
    assert made.returncode == 0, made.stderr
    first, url = made.stdout.strip().splitlines()
    assert re.match(r"board link 1 \(TV1\), valid until \d{4}-\d\d-\d\d \d\d:\d\d; revoke with: "
                    r"gongdan board-url --revoke 1$", first)
    parsed = urlparse(url)
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("https", "floor.example", "/gd/board")
    query = parse_qs(parsed.query)
    assert query["lang"] == ["en"]
    token = query["token"][0]
    assert asyncio.run(opens_the_board(tmp_path, token))

    listed = gongdan(tmp_path, "board-url", "--list")
    assert listed.returncode == 0
    assert re.match(r"1\tactive\tuntil \d{4}-\d\d-\d\d\tTV1\t-$", listed.stdout.strip())

    revoked = gongdan(tmp_path, "board-url", "--revoke", "1")
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "revoked board link 1 (TV1)")
    assert not asyncio.run(opens_the_board(tmp_path, token))
    again = gongdan(tmp_path, "board-url", "--revoke", "1")
    assert again.returncode == 1 and "already revoked" in again.stderr
    assert "\trevoked\t" in gongdan(tmp_path, "board-url", "--list").stdout


def test_the_servers_own_address_without_a_public_url(tmp_path):
    made = gongdan(tmp_path, "board-url", GONGDAN_HTTP_HOST="127.0.0.1",
                   GONGDAN_HTTP_PORT="8099")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[1].startswith("http://127.0.0.1:8099/board?token=")


def test_refusals(tmp_path):
    off = gongdan(tmp_path, "board-url", GONGDAN_HTTP_PORT="")
    assert off.returncode == 2 and "GONGDAN_HTTP_PORT" in off.stderr
    days = gongdan(tmp_path, "board-url", "--days", "0", GONGDAN_HTTP_PORT="8099")
    assert days.returncode == 1 and "between 1 and 3650" in days.stderr


def test_the_links_base_address():
    from bot.board_link import board_base_url
    from bot.config import Settings

    assert board_base_url(Settings(public_url="https://f.example/gd/"), 8080) == (
        "https://f.example/gd")
    assert board_base_url(Settings(http_host="10.1.2.3"), 8080) == "http://10.1.2.3:8080"
    assert board_base_url(Settings(http_host="::1"), 81) == "http://[::1]:81"
    assert board_base_url(Settings(), None) is None  # no web server, no link
    anywhere = board_base_url(Settings(http_host="0.0.0.0"), 8080)
    assert anywhere is not None and anywhere.endswith(":8080")
    assert "0.0.0.0" not in anywhere  # a TV cannot open 0.0.0.0: this machine's address
