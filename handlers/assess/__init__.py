"""/assess: the guided self-assessment against a criteria edition, as one feature slice.

- `router_flow` (choose an edition, answer, ask back on implausible figures, edit) and
  `router_result` (verdict, advice, chart and report, history, compare), combined in `router`;
- `callbacks` (typed CallbackData factories), `keyboards`, `views` (chat HTML), `flow`
  (questions and reading typed answers), `steps` (draft glue), `texts` (+ texts.yaml);
- `models` (tables) and `repo` (CRUD, `forget_user` for /forget);
- `report/`: the presentation model (`view_model`) feeding the chat, the chart (`chart`), the
  HTML (`html`, Jinja2) and Word (`word`, python-docx) reports.

Thin on purpose: questions and thresholds come from knowledge.criteria, verdicts and advice from
knowledge.engine, numbers are read by knowledge.numbers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["forget_user", "router"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `smebot assess` imports the report modules of this package and must
    # not pay for aiogram (seconds on a loaded machine) when it only writes a file.
    if name == "router":
        from handlers.assess.routers import router

        return router
    if name == "forget_user":
        from handlers.assess.repo import forget_user

        return forget_user
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
