"""The `gongdan` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.i18n import render_text
from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.migrate import upgrade
from domain.models.base import utcnow


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongdan", description="Gongdan shop-floor assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--webhook", action="store_true", help="webhook mode (not available yet)")

    demo = sub.add_parser("demo", help="simulate a shift against a local Bot API server")
    demo.add_argument("--db", default="var/demo.db", help="SQLite file for the demo (fresh)")
    demo.add_argument("--quiet", action="store_true")

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])

    imp = sub.add_parser("import", help="import master data (.xlsx, or .csv per sheet)")
    imp.add_argument("files", nargs="+", type=Path)

    invite = sub.add_parser("invite", help="create a single-use registration invite")
    invite.add_argument("--role", required=True)
    invite.add_argument("--person", required=True)

    labels = sub.add_parser("labels", help="print travel cards (or rework cards) to PDF or PNG")
    labels.add_argument("work_orders", nargs="*", metavar="CODE",
                        help="work orders (WO-000001) or rework tasks (RW-000001)")
    labels.add_argument("--order", help="all work orders of this order")
    labels.add_argument("--per-operation", action="store_true",
                        help="also print one code per operation")
    labels.add_argument("-o", "--output", required=True, type=Path)

    status = sub.add_parser("status", help="every open work order and its operations")
    status.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    commands: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
        "run": cmd_run, "demo": cmd_demo, "db": cmd_db, "import": cmd_import,
        "invite": cmd_invite, "labels": cmd_labels, "status": cmd_status,
    }
    try:
        return asyncio.run(commands[args.command](args, settings))
    except DomainError as error:
        print(render_text(error.key, settings.language, error.params), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gongdan status | head`
        sys.stderr.close()
        return 0


async def _with_session(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if args.webhook:
        print("webhook mode comes with the deployment work; use polling for now", file=sys.stderr)
        return 2
    from bot.app import GongdanBot

    logging.getLogger().setLevel(logging.INFO)
    await GongdanBot(settings).run_forever()
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    return await run_demo(Path(args.db), quiet=args.quiet)


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print(f"database at head: {settings.database_url}")
    return 0


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.import_report import describe_rejection, describe_result
    from bot.workbook import read_workbook
    from domain.masterdata import ImportRejected, import_master_data

    try:
        sheets = read_workbook(list(args.files))
    except ImportRejected as rejected:
        print(describe_rejection(rejected, settings.language), file=sys.stderr)
        return 1

    async def work(session: Any) -> int:
        result = await import_master_data(session, sheets)
        print(describe_result(result, settings.language))
        return 0

    try:
        return await _with_session(settings, work)
    except ImportRejected as rejected:
        print(describe_rejection(rejected, settings.language), file=sys.stderr)
        return 1


async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    from domain.registration import issue_invite

    async def work(session: Any) -> int:
        issued = await issue_invite(session, args.person, args.role,
                                    now=utcnow(), rules=settings.rules)
        username = settings.bot_username or await _bot_username(settings) or "YOUR_BOT"
        expires = issued.expires_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        print(f"{issued.person_name} ({issued.person_code}) · {issued.role} · until {expires}")
        print(f"https://t.me/{username}?start={issued.code}")
        print(issued.code)
        return 0

    return await _with_session(settings, work)


async def _bot_username(settings: Settings) -> str | None:
    """Ask Telegram for the bot's name when a token is configured, for a ready-to-use link."""
    if not settings.token:
        return None
    from telegram import Bot

    try:
        async with Bot(settings.token, base_url=settings.bot_base_url) as bot:
            return bot.username
    except Exception:
        return None


async def cmd_labels(args: argparse.Namespace, settings: Settings) -> int:
    from bot.labels import write_cards
    from bot.travel_cards import cards_for
    from domain.payload import LabelCode, parse_typed_label

    if not args.work_orders and not args.order:
        print("name work orders (WO-000001 ...), rework tasks (RW-000001 ...) or --order "
              "ORDER_NO", file=sys.stderr)
        return 2

    def code_of(text: str) -> str:
        code = parse_typed_label(text)  # wo-1 and rw-1 are fine too
        if code is None:
            return text.upper()
        return code.work_order if isinstance(code, LabelCode) else code.code

    async def work(session: Any) -> int:
        cards = await cards_for(session, [code_of(w) for w in args.work_orders], args.order)
        paths = write_cards(cards, args.output, per_operation_codes=args.per_operation)
        for path in paths:
            print(path)
        return 0

    return await _with_session(settings, work)


async def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from bot.status_text import status_table
    from domain.status import load_open_work_orders

    async def work(session: Any) -> int:
        views = await load_open_work_orders(session)
        if args.json:
            print(json.dumps({"work_orders": [v.to_dict() for v in views]}, ensure_ascii=False,
                             indent=2))
        else:
            print(status_table(views, settings.language))
        return 0

    return await _with_session(settings, work)
