"""The `smebot` command line. Each feature registers its own sub-commands.

Contract (../shared/CONTRACTS.md): every `--json` output is one UTF-8 JSON document on stdout and
nothing else; progress and logs go to stderr; errors are a clear message on stderr and exit != 0.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

# Sub-command modules, each exposing `register(subparsers) -> None`. A module sets
# `args.handler(args) -> int` on the parsers it adds.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.commands.kb",
    "bot.commands.ask",
    "bot.commands.assess",
    "bot.commands.reminders",
    "bot.commands.run",
    "bot.commands.db",
)


class CliError(Exception):
    """An error meant for the person at the terminal: printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smebot",
        description="集群通 — 中小企业特色产业集群政策助手 (MIIT 2022 measures assistant)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from infra.logs import configure_logging

    # One request id per update on every line (LOG_FORMAT=json: one JSON object per line).
    configure_logging(
        logging.DEBUG if args.verbose else logging.WARNING,
        fmt=os.environ.get("LOG_FORMAT", "text"),
        stream=sys.stderr,
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"smebot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
