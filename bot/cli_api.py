"""`gongdan` commands: the ERP link (API tokens, outgoing webhooks).

    gongdan api-token --label ERP [--days N]     a token (printed once, alone on stdout)
    gongdan api-token --list | --revoke ID
    gongdan webhook add URL [--events a,b]        an endpoint (its secret printed once)
    gongdan webhook list | remove ID
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings


def add_commands(sub: Any) -> None:
    """Add this module's subcommands to the `gongdan` parser."""
    token = sub.add_parser("api-token", help="a token for the ERP's REST API (docs/api.md)")
    token.add_argument("--label", help="whose it is, e.g. ERP (shown in the audit trail)")
    token.add_argument("--days", type=int, default=365, help="valid for (default 365)")
    token.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
    token.add_argument("--list", action="store_true", help="every API token and its state")
    token.add_argument("--for", dest="holder", metavar="CODE",
                       help="a person's own token (工号): it stops working when they leave")

    webhook = sub.add_parser("webhook", help="where the ERP receives events (signed POSTs)")
    actions = webhook.add_subparsers(dest="webhook_action", required=True)
    add = actions.add_parser("add", help="a new endpoint; prints its signing secret once")
    add.add_argument("url")
    add.add_argument("--events", help="comma separated (default: all): report.accepted, "
                                      "qc.decided, exception.opened, exception.resolved, "
                                      "work_order.done")
    actions.add_parser("list", help="every endpoint, with its deliveries by status")
    remove = actions.add_parser("remove", help="no more events for it")
    remove.add_argument("id", type=int)


async def cmd_api_token(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_tokens import manage
    from domain.access_tokens import API

    return await manage(args, settings, purpose=API, noun="API token", command="api-token",
                        use=" Send it as 'Authorization: Bearer <token>'.")


async def cmd_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session
    from domain.erp import endpoints
    from domain.models.base import utcnow

    async def work(session: Any) -> int:
        if args.webhook_action == "add":
            events = args.events.split(",") if args.events else None
            added = await endpoints.add(session, args.url, events, now=utcnow(), label="cli")
            print(f"webhook {added.endpoint.id}: {added.endpoint.url} "
                  f"(events: {','.join(added.endpoint.events)}); its signing secret, shown "
                  f"only now:", file=sys.stderr)
            print(added.secret)
            return 0
        if args.webhook_action == "remove":
            removed = await endpoints.remove(session, args.id, now=utcnow(), label="cli")
            print(f"removed webhook {removed.id} ({removed.url})")
            return 0
        for e in await endpoints.listing(session):
            counts = " ".join(f"{status}={n}" for status, n in e.deliveries.items())
            print(f"{e.id}\t{'active' if e.active else 'removed'}\t{e.url}\t"
                  f"{','.join(e.events)}\t{counts}")
        return 0

    return await _with_session(settings, work)


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], Awaitable[int]]] = {
    "api-token": cmd_api_token,
    "webhook": cmd_webhook,
}
