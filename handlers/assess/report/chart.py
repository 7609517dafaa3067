"""A chart of an assessment's eight dimensions, as PNG bytes (matplotlib, Agg, no pyplot).

Drawn from the one presentation model (`view_model`): a dimension with no answers is drawn as
"未评估 / not assessed" (a hatched grey bar with the words), never as an empty bar that reads
as 0 %, and a footnote names the items not answered.

Chinese labels need a CJK font, which a fresh machine lacks (a missing glyph makes matplotlib warn
and draw boxes). The font comes from the PyPI package `manimgx-fonts-cjk` (Noto Sans CJK, OFL),
a declared dependency; should it be absent, the chart falls back to the editions' English names.
"""

from __future__ import annotations

import io
import logging
import textwrap
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend use

from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.patches import Patch

from handlers.assess.report.view_model import AssessmentView, DimensionView, build_view
from knowledge.criteria import CriteriaEdition, load_edition
from knowledge.engine import Assessment

STATUS_COLOURS: dict[str, str] = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#9e9e9e"}
NOT_ASSESSED_COLOUR = "#bdbdbd"
STATUS_NAMES: dict[str, dict[str, str]] = {
    "zh": {"pass": "达标", "fail": "未达标", "unknown": "待补充", "none": "未评估"},
    "en": {"pass": "pass", "fail": "fail", "unknown": "unknown", "none": "not assessed"},
}
FOOTNOTE_ITEMS = 8  # unanswered items named under the chart; more are counted
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


def _footnote(view: AssessmentView, chinese: bool) -> str | None:
    """ "未回答：A；B；…等 12 项" — which items were not answered (or answered 不确定)."""
    items = [item.split("：", 1)[-1] for item in (*view.unanswered, *view.uncertain)]
    if not items:
        return None
    shown = items[:FOOTNOTE_ITEMS]
    if chinese:
        text = "未回答或不确定：" + "；".join(shown)
        if len(items) > len(shown):
            text += f" 等 {len(items)} 项"
        return "\n".join(textwrap.wrap(text, 60))
    text = "Not answered or not sure: " + "; ".join(shown)
    if len(items) > len(shown):
        text += f" ({len(items)} in all)"
    return "\n".join(textwrap.wrap(text, 120))


def dimension_chart(
    assessment: Assessment | AssessmentView, edition: CriteriaEdition | None = None
) -> bytes:
    """PNG bytes: one horizontal bar per dimension, length = share of checks met, coloured by
    the dimension's status; a dimension not assessed is a hatched grey bar saying so. Labelled
    in the assessment's language where the font allows."""
    view = assessment if isinstance(assessment, AssessmentView) else build_view(
        assessment, edition=edition
    )
    edition = edition or load_edition(view.edition_id)
    chinese = view.lang != "en" and cjk_font_available()
    lang = "zh" if chinese else "en"
    dimensions: tuple[DimensionView, ...] = view.dimensions
    labels = [
        f"{edition.dimension(d.id).number}、{edition.dimension(d.id).name}"
        if chinese
        else f"{d.index}. {edition.dimension(d.id).name_en}"
        for d in dimensions
    ]

    text_style: dict[str, object] = {}
    if chinese:
        # The variable font's default instance is its thinnest weight and matplotlib cannot pick
        # another instance; a hairline stroke in the text colour brings it to a readable weight.
        text_style = {
            "family": CJK_FAMILY,
            "path_effects": [patheffects.withStroke(linewidth=0.6, foreground="black")],
        }

    footnote = _footnote(view, chinese)
    height = 4.8 + (0.25 * footnote.count("\n") + 0.35 if footnote else 0)
    figure = Figure(figsize=(8, height), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]  # dimension 1 on top
    for position, dimension in zip(positions, dimensions, strict=True):
        if not dimension.assessed:
            axes.barh(position, 1.0, color="white", edgecolor=NOT_ASSESSED_COLOUR, hatch="///")
            axes.text(0.5, position, STATUS_NAMES[lang]["none"], ha="center", va="center",
                      fontsize=9, color="#616161", **text_style)
            continue
        colour = STATUS_COLOURS[dimension.status]
        # A faint full-width bar in the status colour keeps a 0% dimension (e.g. a failed one
        # with nothing met) visible; the solid bar on top is the share of checks met.
        axes.barh(position, 1.0, color=colour, alpha=0.18)
        axes.barh(position, dimension.score or 0.0, color=colour)
    axes.set_yticks(positions, labels=labels, fontsize=9, **text_style)
    axes.set_xlim(0, 1)
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0%", "25%", "50%", "75%", "100%"])
    axes.set_xlabel("指标达标比例" if chinese else "checks met", **text_style)
    name = edition.short_name if chinese else edition.short_name_en
    axes.set_title(f"{name}：{VERDICTS[lang][view.eligible]}" if chinese
                   else f"{name}: {VERDICTS[lang][view.eligible]}", fontsize=11, **text_style)
    legend = [Patch(color=colour, label=STATUS_NAMES[lang][status])
              for status, colour in STATUS_COLOURS.items()]
    legend.append(Patch(facecolor="white", edgecolor=NOT_ASSESSED_COLOUR, hatch="///",
                        label=STATUS_NAMES[lang]["none"]))
    # Below the axes, in one row: inside them it covered the last dimension's bar.
    axes.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4,
                frameon=False, fontsize=8,
                prop={"family": CJK_FAMILY, "size": 8} if chinese else None)
    if footnote:
        figure.text(0.02, 0.01, footnote, fontsize=7.5, va="bottom", ha="left", color="#424242",
                    **text_style)
    figure.tight_layout(rect=(0, 0.06 + 0.03 * footnote.count("\n"), 1, 1) if footnote
                        else None)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
