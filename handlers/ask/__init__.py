"""The ask slice: any text no other feature took is a question; answers, sources, feedback.

`router` is the slice's one router (questions plus the example buttons of /start); the
composition root includes it last because its text handler is a catch-all.
"""

from __future__ import annotations

from pathlib import Path

from handlers.ask import examples
from handlers.ask.repo import forget_user
from handlers.ask.router import router
from infra.i18n import register_texts

router.include_router(examples.router)

register_texts(Path(__file__).with_name("texts.yaml"))

__all__ = ["forget_user", "router"]
