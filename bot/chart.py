"""A chart of an assessment's eight dimensions, as PNG bytes (matplotlib, Agg, no pyplot).

A fresh machine has no CJK font, and a missing glyph makes matplotlib warn (tests treat warnings
as errors) and draw boxes. So the chart is labelled with the dimension numbers (1–8) and the
editions' English names; the Chinese names sit beside it in the message and the report.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend use

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from knowledge.criteria import CriteriaEdition, load_edition
from knowledge.engine import Assessment, DimensionResult

STATUS_COLOURS: dict[str, str] = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#9e9e9e"}
STATUS_NAMES_EN: dict[str, str] = {"pass": "pass", "fail": "fail", "unknown": "unknown"}


def _score(dimension: DimensionResult) -> float:
    """Share of the judged checks that pass (warn counts as met: a soft limit never fails).

    `info` checks are not judged, so they are left out; a dimension with nothing judged yet
    shows as 0.
    """
    judged = [check for check in dimension.checks if check.status != "info"]
    if not judged:
        return 1.0 if dimension.status == "pass" else 0.0
    met = sum(1 for check in judged if check.status in ("pass", "warn"))
    return met / len(judged)


def dimension_chart(assessment: Assessment, edition: CriteriaEdition | None = None) -> bytes:
    """PNG bytes: one horizontal bar per dimension, length = share of checks met, coloured by
    the dimension's status."""
    edition = edition or load_edition(assessment.edition_id)
    labels = [
        f"{index}. {edition.dimension(d.id).name_en}"
        for index, d in enumerate(assessment.dimensions, start=1)
    ]
    scores = [_score(d) for d in assessment.dimensions]
    colours = [STATUS_COLOURS[d.status] for d in assessment.dimensions]

    figure = Figure(figsize=(8, 4.8), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]  # dimension 1 on top
    # A faint full-width bar in the status colour keeps a 0% dimension (e.g. a failed one with
    # nothing met) visible; the solid bar on top is the share of checks met.
    axes.barh(positions, [1.0] * len(positions), color=colours, alpha=0.18)
    axes.barh(positions, scores, color=colours)
    axes.set_yticks(positions, labels=labels, fontsize=8)
    axes.set_xlim(0, 1)
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0%", "25%", "50%", "75%", "100%"])
    axes.set_xlabel("checks met")
    verdict = {True: "eligible", False: "not eligible", None: "undecided"}[assessment.eligible]
    axes.set_title(f"{edition.short_name_en}: {verdict}", fontsize=10)
    legend = [Patch(color=colour, label=STATUS_NAMES_EN[s]) for s, colour in STATUS_COLOURS.items()]
    axes.legend(
        handles=legend,
        loc="lower right",
        fontsize=8,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
