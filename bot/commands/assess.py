"""`smebot assess --answers FILE [--json] [--report FILE] [--province NAME]`: judge a YAML
answers file.

FILE (CONTRACTS.md): `edition: national-2022` and `answers:` mapping indicator ids to values
(true/false, numbers, `output_value_yi` as a list of three numbers). Missing indicators are
not answered; an indicator given as `null` was answered "不确定". An optional `province:` (or
`--province`) says which province the cluster is in: the result then says which edition applies
there, and the edition may be left out (it is then the one that applies). Errors (unreadable
file, unknown edition or indicator, a value of the wrong kind) exit non-zero with a message
naming the field; implausible values of the right kind are assessed and listed in "warnings".
`--report FILE` writes the report in the format the extension names (.docx, .html).
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
    parser.add_argument("--report", type=Path, default=None,
                        help="write the report here; the extension picks the format (.docx, .html)")
    parser.add_argument("--province", default=None,
                        help="the cluster's province: says which edition applies there")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.set_defaults(handler=cmd_assess)


def load_answers_file(path: Path) -> tuple[str | None, dict[str, Any], str | None]:
    """(edition id or None, answers, province or None) from the YAML file; CliError naming the
    field on any problem. The edition may be missing only when a province is given."""
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
    unknown = sorted(set(raw) - {"edition", "answers", "province"})
    if unknown:
        raise CliError(
            f"{path}: {unknown[0]}: unknown key (expected 'edition', 'answers', 'province')"
        )
    province = raw.get("province")
    if province is not None and (not isinstance(province, str) or not province.strip()):
        raise CliError(f"{path}: province: expected a province name, e.g. province: 广东")
    edition = raw.get("edition")
    if edition is not None and (not isinstance(edition, str) or not edition):
        raise CliError(f"{path}: edition: expected an edition id, e.g. edition: national-2022")
    if edition is None and province is None:
        raise CliError(f"{path}: edition: missing (e.g. edition: national-2022)")
    answers = raw.get("answers") or {}
    if not isinstance(answers, dict):
        raise CliError(f"{path}: answers: expected a mapping of indicator ids to values")
    return edition, {str(key): value for key, value in answers.items()}, province


def cmd_assess(args: argparse.Namespace) -> int:
    # Imported here so that other sub-commands do not pay for loading the engine.
    from knowledge.editions import edition_for_province
    from knowledge.engine import AssessmentInputError, assess

    edition, answers, province = load_answers_file(args.answers)
    province = args.province or province
    if edition is None:
        assert province is not None  # load_answers_file insists on one of the two
        edition = edition_for_province(province, lang=args.lang)[0]
    if args.report is not None and args.report.suffix.lower() not in (".docx", ".html", ".htm"):
        raise CliError(f"{args.report}: unknown report format: use a .docx or .html file name")
    try:
        result = assess(edition, answers, lang=args.lang, province=province)
    except AssessmentInputError as exc:
        raise CliError(f"{args.answers}: {exc.field}: {exc.message}") from None

    if args.report is not None:
        # Imported here: matplotlib and python-docx are only needed when a report is asked for.
        from handlers.assess.report.chart import dimension_chart
        from handlers.assess.report.html import report_bytes
        from handlers.assess.report.view_model import build_view

        view = build_view(result)
        content = report_bytes(view, args.report.suffix, chart_png=dimension_chart(view))
        try:
            args.report.write_bytes(content)
        except OSError as exc:
            raise CliError(f"{args.report}: cannot write the report: {exc}") from None
        print(f"report written to {args.report}", file=sys.stderr)

    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        from handlers.assess.report.html import summary_text

        sys.stdout.write(summary_text(result) + "\n")
    return 0
