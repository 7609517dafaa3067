"""`smebot db upgrade` / `smebot db current`: the schema of DATABASE_URL (Alembic migrations)."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import CliError
from infra.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help="database schema (migrations)")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION")

    upgrade = sub.add_parser(
        "upgrade",
        help="apply the migrations to DATABASE_URL (idempotent)",
        description="Bring the schema of DATABASE_URL to the latest revision. A database from "
        "before migrations (tables, no alembic_version) is stamped 0001 and upgraded in place.",
    )
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.add_argument("--json", action="store_true")
    upgrade.set_defaults(handler=cmd_upgrade)

    current = sub.add_parser("current", help="print the revision DATABASE_URL is at")
    current.add_argument("--json", action="store_true")
    current.set_defaults(handler=cmd_current)

    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _database() -> tuple[Settings, object]:
    from infra.db import Database

    try:
        settings = Settings()
    except ValueError as exc:
        raise CliError(f"invalid settings: {exc}") from exc
    return settings, Database(settings.resolved_database_url)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from bot import migrations

    settings, db = _database()
    url = _safe_url(settings.resolved_database_url)
    try:
        before, after = migrations.upgrade(db.engine, args.revision)  # type: ignore[attr-defined]
    except OperationalError as exc:
        raise CliError(f"cannot reach the database {url}: {exc.orig}") from None
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.dispose()  # type: ignore[attr-defined]
    if args.json:
        print(json.dumps({"database": url, "before": before, "after": after}))
    elif before == after:
        print(f"{url}: already at {after}")
    else:
        print(f"{url}: upgraded {before or '(empty)'} -> {after}")
    return 0


def cmd_current(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from bot import migrations

    settings, db = _database()
    url = _safe_url(settings.resolved_database_url)
    try:
        current = migrations.current_revision(db.engine)  # type: ignore[attr-defined]
    except OperationalError as exc:
        raise CliError(f"cannot reach the database {url}: {exc.orig}") from None
    finally:
        db.dispose()  # type: ignore[attr-defined]
    head = migrations.head_revision()
    if args.json:
        print(json.dumps({"database": url, "current": current, "head": head}))
    else:
        state = "up to date" if current == head else f"head is {head}: run `smebot db upgrade`"
        print(f"{current or '(none)'} ({state})")
    return 0
