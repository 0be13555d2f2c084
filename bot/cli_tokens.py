"""What the token commands share (`board-url`, `api-token`, `metrics-token`): list the tokens
of one purpose, revoke one of them, issue a new one shown only once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings
from domain import access_tokens
from domain.access_tokens import IssuedToken
from domain.errors import DomainError
from domain.models.base import utcnow
from domain.registration import person_by_code


def print_listing(tokens: list[access_tokens.TokenInfo], settings: Settings) -> None:
    now = utcnow()
    for t in tokens:
        state = "revoked" if t.revoked_at else "active" if t.active(now) else "expired"
        until = f"{t.expires_at.astimezone(settings.zone):%Y-%m-%d}" if t.expires_at else "-"
        print(f"{t.id}\t{state}\tuntil {until}\t{t.label or '-'}\t{t.created_by or '-'}"
              + (f"\tfor {t.holder}" if t.holder else ""))


async def list_or_revoke(session: Any, args: argparse.Namespace, settings: Settings, *,
                         purpose: str, noun: str) -> int | None:
    """Handle --list and --revoke ID (only a token of this purpose); None when neither."""
    if args.list:
        print_listing(await access_tokens.listing(session, purpose=purpose), settings)
        return 0
    if args.revoke is not None:
        try:
            info = await access_tokens.revoke(session, args.revoke, now=utcnow(),
                                              purpose=purpose)
        except DomainError as error:
            if error.key != "board.token_unknown":
                raise
            print(f"no {noun} {args.revoke} (see --list)", file=sys.stderr)
            return 1
        print(f"revoked {noun} {info.id} ({info.label or '-'})")
        return 0
    return None


async def issue(session: Any, args: argparse.Namespace, settings: Settings, *,
                purpose: str, noun: str, command: str, use: str = "") -> IssuedToken:
    """A new token; what it is goes to stderr, so the caller prints the secret alone. With
    `--for CODE` it is that person's own, and dies with them."""
    code = getattr(args, "holder", None)
    holder = await person_by_code(session, code) if code else None
    issued = await access_tokens.issue(session, now=utcnow(), days=args.days, label=args.label,
                                       purpose=purpose, holder=holder)
    until = f"{issued.expires_at.astimezone(settings.zone):%Y-%m-%d %H:%M}"
    print(f"{noun} {issued.id}" + (f" ({issued.label})" if issued.label else "")
          + (f", {holder.name}'s own" if holder else "")
          + f", valid until {until}; shown only now.{use} Revoke with: gongdan {command} "
          f"--revoke {issued.id}", file=sys.stderr)
    return issued


async def manage(args: argparse.Namespace, settings: Settings, *, purpose: str, noun: str,
                 command: str, use: str = "") -> int:
    """The whole command for a bearer token: --list, --revoke, or issue and print it alone on
    stdout (`gongdan api-token --label ERP > token-file`)."""
    from bot.cli import _with_session

    async def work(session: Any) -> int:
        done = await list_or_revoke(session, args, settings, purpose=purpose, noun=noun)
        if done is not None:
            return done
        issued = await issue(session, args, settings, purpose=purpose, noun=noun,
                             command=command, use=use)
        print(issued.token)
        return 0

    return await _with_session(settings, work)
