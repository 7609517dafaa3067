"""The slice's one router: the flow (answering) and the result, in that order."""

from __future__ import annotations

from aiogram import Router

from handlers.assess.router_flow import router as flow_router
from handlers.assess.router_result import router as result_router

router = Router(name="assess")
router.include_router(flow_router)
router.include_router(result_router)
