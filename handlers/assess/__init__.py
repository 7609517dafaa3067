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

from aiogram import Router

from handlers.assess.repo import forget_user
from handlers.assess.router_flow import router as flow_router
from handlers.assess.router_result import router as result_router

__all__ = ["forget_user", "router"]

router = Router(name="assess")
router.include_router(flow_router)
router.include_router(result_router)
