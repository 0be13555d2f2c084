"""python -m bot.botapi_server --port 8081 --token TOKEN [--console]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .server import DEFAULT_TOKEN, serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.botapi_server",
                                     description="Local Telegram Bot API server")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", action="append",
                        help=f"accepted bot token (repeatable; default {DEFAULT_TOKEN})")
    parser.add_argument("--username", default="gongdan_demo_bot", help="bot username")
    parser.add_argument("--rate-limits", action="store_true", help="enforce flood limits")
    parser.add_argument("--duplicate-every", type=int, default=0, metavar="N",
                        help="POST every Nth update the webhook accepted once more")
    parser.add_argument("--console", action=argparse.BooleanOptionalAction, default=None,
                        help="read user actions from stdin (default: when stdin is a tty)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    console = sys.stdin.isatty() if args.console is None else args.console
    try:
        asyncio.run(serve_forever(args.port, args.host, args.token or DEFAULT_TOKEN,
                                  console=console, bot_username=args.username,
                                  rate_limits=args.rate_limits,
                                  duplicate_every=args.duplicate_every))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
