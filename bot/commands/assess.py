"""`smebot assess --answers FILE [--json] [--report FILE]`: judge a YAML answers file.

FILE (CONTRACTS.md): `edition: national-2022` and `answers:` mapping indicator ids to values
(true/false, numbers, `output_value_yi` as a list of three numbers). Missing indicators are
unknown. Errors (unreadable file, unknown edition or indicator, a value of the wrong kind) exit
non-zero with a message naming the field.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "assess", help="self-assess a cluster against a criteria edition (answers from a file)"
    )
    parser.add_argument("--answers", type=Path, required=True, help="YAML: edition + answers")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--report", type=Path, default=None, help="write an HTML report here")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.set_defaults(handler=cmd_assess)


def load_answers_file(path: Path) -> tuple[str, dict[str, Any]]:
    """(edition id, answers) from the YAML file; CliError naming the field on any problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise CliError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CliError(f"{path}: expected a mapping with 'edition' and 'answers'")
    unknown = sorted(set(raw) - {"edition", "answers"})
    if unknown:
        raise CliError(f"{path}: {unknown[0]}: unknown key (expected 'edition' and 'answers')")
    edition = raw.get("edition")
    if not isinstance(edition, str) or not edition:
        raise CliError(f"{path}: edition: missing (e.g. edition: national-2022)")
    answers = raw.get("answers") or {}
    if not isinstance(answers, dict):
        raise CliError(f"{path}: answers: expected a mapping of indicator ids to values")
    return edition, {str(key): value for key, value in answers.items()}


def cmd_assess(args: argparse.Namespace) -> int:
    # Imported here so that other sub-commands do not pay for loading the engine.
    from knowledge.engine import AssessmentInputError, assess

    edition, answers = load_answers_file(args.answers)
    try:
        result = assess(edition, answers, lang=args.lang)
    except AssessmentInputError as exc:
        raise CliError(f"{args.answers}: {exc.field}: {exc.message}") from None

    if args.report is not None:
        # Imported here: matplotlib is only needed when a report is asked for.
        from bot.chart import dimension_chart
        from bot.report import render_report

        html_text = render_report(result, chart_png=dimension_chart(result))
        try:
            args.report.write_text(html_text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{args.report}: cannot write the report: {exc}") from None
        print(f"report written to {args.report}", file=sys.stderr)

    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        from bot.report import summary_text

        sys.stdout.write(summary_text(result) + "\n")
    return 0
