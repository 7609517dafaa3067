"""A chart of an assessment's eight dimensions, as PNG bytes (matplotlib, Agg, no pyplot).

Chinese labels need a CJK font, which a fresh machine lacks (a missing glyph makes matplotlib warn
and draw boxes). The font comes from the PyPI package `manimgx-fonts-cjk` (Noto Sans CJK, OFL),
a declared dependency; should it be absent, the chart falls back to the editions' English names.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend use

from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.patches import Patch

from knowledge.criteria import CriteriaEdition, load_edition
from knowledge.engine import Assessment, DimensionResult

STATUS_COLOURS: dict[str, str] = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#9e9e9e"}
STATUS_NAMES: dict[str, dict[str, str]] = {
    "zh": {"pass": "达标", "fail": "未达标", "unknown": "待补充"},
    "en": {"pass": "pass", "fail": "fail", "unknown": "unknown"},
}
VERDICTS: dict[str, dict[bool | None, str]] = {
    "zh": {True: "符合认定条件", False: "暂不符合认定条件", None: "尚待补充信息"},
    "en": {True: "eligible", False: "not eligible", None: "undecided"},
}
CJK_FAMILY = "Noto Sans CJK SC"


@cache
def cjk_font_available() -> bool:
    """Register the packaged Noto Sans CJK with matplotlib once; False if it is not installed."""
    try:
        import manimgx_fonts_cjk
    except ImportError:
        return False
    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    if not path.is_file():
        return False
    fontManager.addfont(str(path))
    # The variable font has no static "normal" weight, so every lookup logs a findfont warning;
    # that is expected here (see the stroke in dimension_chart), not something to report.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return any(entry.name == CJK_FAMILY for entry in fontManager.ttflist)


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
    the dimension's status. Labelled in the assessment's language where the font allows."""
    edition = edition or load_edition(assessment.edition_id)
    chinese = assessment.lang != "en" and cjk_font_available()
    lang = "zh" if chinese else "en"
    labels = [
        f"{edition.dimension(d.id).number}、{edition.dimension(d.id).name}"
        if chinese
        else f"{index}. {edition.dimension(d.id).name_en}"
        for index, d in enumerate(assessment.dimensions, start=1)
    ]
    scores = [_score(d) for d in assessment.dimensions]
    colours = [STATUS_COLOURS[d.status] for d in assessment.dimensions]

    text_style: dict[str, object] = {}
    if chinese:
        # The variable font's default instance is its thinnest weight and matplotlib cannot pick
        # another instance; a hairline stroke in the text colour brings it to a readable weight.
        text_style = {
            "family": CJK_FAMILY,
            "path_effects": [patheffects.withStroke(linewidth=0.6, foreground="black")],
        }

    figure = Figure(figsize=(8, 4.8), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]  # dimension 1 on top
    # A faint full-width bar in the status colour keeps a 0% dimension (e.g. a failed one with
    # nothing met) visible; the solid bar on top is the share of checks met.
    axes.barh(positions, [1.0] * len(positions), color=colours, alpha=0.18)
    axes.barh(positions, scores, color=colours)
    axes.set_yticks(positions, labels=labels, fontsize=9, **text_style)
    axes.set_xlim(0, 1)
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0%", "25%", "50%", "75%", "100%"])
    axes.set_xlabel("指标达标比例" if chinese else "checks met", **text_style)
    name = edition.short_name if chinese else edition.short_name_en
    axes.set_title(f"{name}：{VERDICTS[lang][assessment.eligible]}" if chinese
                   else f"{name}: {VERDICTS[lang][assessment.eligible]}", fontsize=11, **text_style)
    legend = [Patch(color=colour, label=STATUS_NAMES[lang][status])
              for status, colour in STATUS_COLOURS.items()]
    # Below the axes, in one row: inside them it covered the last dimension's bar.
    axes.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3,
                frameon=False, fontsize=8,
                prop={"family": CJK_FAMILY, "size": 8} if chinese else None)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
