"""``eldercare users``: panel accounts from the command line (the first admin has no panel yet).

    eldercare users -c hub.toml add maria --role caseworker --name "Maria Lopez" --households kim-12 lee-4
    eldercare users -c hub.toml list
    eldercare users -c hub.toml passwd maria
    eldercare users -c hub.toml disable maria

Passwords are asked for on the terminal (or read from standard input with ``--password-stdin``),
never taken from the command line where other users could see them.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from hub.clock import SystemClock
from hub.config import load_config
from hub.errors import PanelError
from hub.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare users``."""
    parser.add_argument("-c", "--config", required=True, help="the hub's TOML config file (for the store path)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("admin", "caseworker", "social_worker"))
    add.add_argument("--name", default="", help="the person's full name, as the panel shows it")
    add.add_argument("--households", nargs="*", default=[], help="household ids this person follows")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser("list", help="every account with its role and households")
    passwd = actions.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    assign = actions.add_parser("assign", help="set the households an account follows")
    assign.add_argument("username")
    assign.add_argument("households", nargs="*")
    disable = actions.add_parser("disable", help="stop an account from logging in (ends its sessions)")
    disable.add_argument("username")


def run(args: argparse.Namespace) -> int:
    """Carry out one account action."""
    from webui.users import UserBook

    config = load_config(args.config)
    with Store(config.store.path) as store:
        book = UserBook(store, SystemClock(config.timezone))
        if args.action == "list":
            for user in book.all():
                households = ", ".join(sorted(book.households_of(user))) or ("all" if user.is_admin else "none")
                state = "" if user.active else "  (disabled)"
                print(f"{user.username:<16} {user.role:<14} {user.name:<24} {households}{state}")
            return 0
        if args.action == "add":
            user = book.create(args.username, _password(args), args.role, name=args.name, households=args.households)
            print(f"created {user.username} ({user.role})")
            return 0
        user = book.by_username(args.username)
        if user is None:
            raise PanelError(f"no account named {args.username!r}")
        if args.action == "passwd":
            book.set_password(user.id, _password(args))
        elif args.action == "assign":
            book.assign(user.id, args.households)
        elif args.action == "disable":
            book.update(user.id, active=False)
        print(f"{args.action}: done for {user.username}")
        return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise PanelError("the two passwords differ")
    return first
