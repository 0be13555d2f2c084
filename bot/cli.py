"""The `gongdan` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

from bot import log_redaction
from bot.config import Settings
from bot.i18n import render_text
from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.migrate import upgrade
from domain.models.base import utcnow

# Command groups that live in their own modules: each has add_commands(sub) and COMMANDS.
_EXTENSIONS = [import_module(name)
               for name in ("bot.cli_api", "bot.cli_ops", "bot.cli_people",
                            "bot.cli_factory")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongdan", description="Gongdan shop-floor assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates on GONGDAN_WEBHOOK_URL instead of polling (several "
                          "processes may share one PostgreSQL database)")

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

    history = sub.add_parser("generate-history", help="a generated factory history (demos, "
                                                      "benchmarks) in a fresh SQLite file")
    history.add_argument("--workers", type=int, default=300)
    history.add_argument("--days", type=int, default=365)
    history.add_argument("--seed", type=int, default=1)
    history.add_argument("--end", type=date.fromisoformat,
                         help="its last day, YYYY-MM-DD (default: yesterday)")
    history.add_argument("--db", type=Path, default=Path("var/history.db"))
    history.add_argument("--force", action="store_true", help="replace the file if it exists")

    board = sub.add_parser("board-url", help="a link (token) for the shop-floor board's TV")
    board.add_argument("--days", type=int, default=365, help="valid for (default 365)")
    board.add_argument("--label", help="which screen it is for, e.g. TV1")
    board.add_argument("--lang", choices=["zh", "en"], help="the page's language")
    board.add_argument("--revoke", type=int, metavar="ID", help="revoke the link with this id")
    board.add_argument("--list", action="store_true", help="every board link and its state")

    export = sub.add_parser("export", help="reports, QC, rework, exceptions, wages and KPIs of "
                                           "a period to Excel")
    export.add_argument("--from", dest="start", type=_iso_day,
                        help="first day, YYYY-MM-DD (default: the 1st of this month)")
    export.add_argument("--to", dest="end", type=_iso_day,
                        help="last day, YYYY-MM-DD (default: today)")
    export.add_argument("-o", "--output", required=True, type=Path)
    export.add_argument("--lang", choices=["zh", "en"], help="default: GONGDAN_LANGUAGE")
    export.add_argument("--team", help="the sheets about people for this team only")

    summary = sub.add_parser("summary", help="the daily summary (or a week's...) as the bot "
                                             "sends it, with its chart")
    summary.add_argument("--date", default="", help="today (default), yesterday, 2026-11-21, "
                                                    "2026-W47, 2026-11...")
    summary.add_argument("-o", "--output", type=Path, help="write the chart to this PNG")
    summary.add_argument("--lang", choices=["zh", "en"], help="default: GONGDAN_LANGUAGE")
    for extension in _EXTENSIONS:
        extension.add_commands(sub)
    return parser


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    _setup_logging(settings)
    commands: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
        "run": cmd_run, "demo": cmd_demo, "db": cmd_db, "import": cmd_import,
        "invite": cmd_invite, "labels": cmd_labels, "status": cmd_status,
        "generate-history": cmd_generate_history,
        "board-url": cmd_board_url,
        "export": cmd_export,
        "summary": cmd_summary,
    }
    for extension in _EXTENSIONS:
        commands.update(extension.COMMANDS)
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


def _setup_logging(settings: Settings) -> None:
    """Log lines on stderr, none of them carrying a secret (bot/log_redaction.py), at
    GONGDAN_LOG_LEVEL (DEBUG, INFO, WARNING...; default WARNING, `run` INFO)."""
    logging.basicConfig(level=_log_level() or logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    log_redaction.install(log_redaction.secrets_of(settings))


def _log_level() -> int | None:
    name = os.environ.get("GONGDAN_LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(name) if name else None
    if name and not isinstance(level, int):
        raise SystemExit(f"GONGDAN_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {name!r}")
    return level


async def _with_session(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine, settings.rules)
        async with sessions() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from telegram.error import InvalidToken

    from bot.app import GongdanBot

    level = _log_level() or logging.INFO
    logging.getLogger().setLevel(level)
    if level > logging.DEBUG:  # not every request and every job run (DEBUG shows them, masked)
        for chatty in ("httpx", "apscheduler"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    bot = GongdanBot(settings, webhook=args.webhook)  # checks the webhook settings first
    # SIGTERM (docker stop, systemctl stop) stops as Ctrl-C does: the process signs off, and
    # the last webhook process removes the webhook.
    running = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, running.cancel)  # type: ignore[union-attr]
    try:
        await bot.run_forever()
    except asyncio.CancelledError:  # a signal: stopped cleanly
        pass
    except InvalidToken:
        raise DomainError("run.token_refused") from None
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
    from sqlalchemy.engine import make_url

    print(f"database at head: {make_url(settings.database_url).render_as_string()}")
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


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.export_xlsx import write_export
    from bot.i18n import label
    from domain.periods import Period, local_date

    today = local_date(utcnow(), settings.zone)
    start, end = args.start or today.replace(day=1), args.end or today
    if end < start:
        print(f"--to {end} is before --from {start}", file=sys.stderr)
        return 2
    period, lang = Period.between(start, end), args.lang or settings.language
    # Written beside the target and renamed when complete: never a half-written workbook.
    partial = args.output.with_name(args.output.name + ".part")

    async def work(session: Any) -> int:
        counts = await write_export(session, partial, period=period, zone=settings.zone,
                                    lang=lang, team=args.team)
        partial.replace(args.output)
        print(f"{args.output}  {period.label}" + (f"  {args.team}" if args.team else ""))
        for sheet, rows in counts.items():
            print(f"  {label('export_sheet', sheet, lang)}: {rows}")
        return 0

    try:
        return await _with_session(settings, work)
    finally:
        partial.unlink(missing_ok=True)


async def cmd_board_url(args: argparse.Namespace, settings: Settings) -> int:
    from bot.board_link import board_base_url
    from bot.cli_tokens import list_or_revoke
    from domain import access_tokens

    async def work(session: Any) -> int:
        done = await list_or_revoke(session, args, settings, purpose=access_tokens.BOARD,
                                    noun="board link")
        if done is not None:
            return done
        base = board_base_url(settings, settings.http_port)
        if base is None:
            print("the web server is off: set GONGDAN_HTTP_PORT (and GONGDAN_PUBLIC_URL behind "
                  "a proxy)", file=sys.stderr)
            return 2
        issued = await access_tokens.issue(session, now=utcnow(), days=args.days,
                                           label=args.label)
        until = issued.expires_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        print(f"board link {issued.id}" + (f" ({issued.label})" if issued.label else "")
              + f", valid until {until}; revoke with: gongdan board-url --revoke {issued.id}")
        print(access_tokens.board_link(base, issued.token, args.lang))
        return 0

    return await _with_session(settings, work)


async def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from bot.charts import draw
    from bot.render import render
    from domain import summary
    from domain.periods import local_date

    lang = args.lang or settings.language

    async def work(session: Any) -> int:
        now = utcnow()
        period = summary.period_for(args.date, local_date(now, settings.zone))
        notice = summary.notice(await summary.build(session, period, settings.zone, now))
        payload = json.loads(json.dumps(dataclasses.asdict(notice), default=str))
        print(render(payload, lang, settings.zone).text)
        if args.output is not None and notice.attachment is not None:
            args.output.write_bytes(await asyncio.to_thread(draw, notice.attachment, lang))
            print(f"\n{args.output}")
        return 0

    return await _with_session(settings, work)


async def cmd_generate_history(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from bot.history import HistoryParams, generate, summary_lines
    from domain.periods import local_date

    if args.db.exists() and not args.force:
        print(f"{args.db} exists; --force replaces it", file=sys.stderr)
        return 2
    end = args.end or local_date(utcnow(), settings.zone) - timedelta(days=1)
    params = HistoryParams(workers=args.workers, days=args.days, seed=args.seed, end=end,
                           zone=settings.rules.timezone)
    history = await asyncio.to_thread(generate, args.db, params)
    for line in summary_lines(history):
        print(line)
    print(f"DATABASE_URL=sqlite:///{args.db} gongdan run")
    return 0
