"""Options shared by the commands that open a hub's store: ``--store``, ``--config``, ``--household``."""
from __future__ import annotations

import argparse

from hub.config import Config, load_config


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH``, ``--config FILE`` and ``--household ID``."""
    parser.add_argument("--store", help="SQLite store file (default: the config's store.path)")
    parser.add_argument("--config", help="the hub's TOML config (for store.path and household.id)")
    parser.add_argument("--household", help="household id (default: the config's household.id)")


def resolve(args: argparse.Namespace) -> tuple[str, str]:
    """The store path and household id from the options, the config file, or the defaults."""
    cfg = load_config(args.config) if args.config else Config()
    return args.store or cfg.store.path, args.household or cfg.household.id
