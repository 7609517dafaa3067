"""The root router: every feature slice's router, composed in one place in a fixed order."""

from __future__ import annotations

from aiogram import Router

from infra.callbacks import fallback_router


def build_root_router() -> Router:
    """A fresh root router holding every feature router.

    Order matters: aiogram offers an update to routers in inclusion order and stops at the first
    handler that matches. `ask` handles *any* text (the question catch-all), so it must come last
    or it would swallow the commands and flow answers of the routers after it. The fallback
    router comes after every feature: it answers any button press nobody matched (old buttons,
    forged data), so no spinner keeps turning.

    Feature routers are module-level objects and aiogram lets a router have one parent only, so
    they are detached from a previous root first. That lets one process build a new dispatcher
    after the old one stopped (tests, `harness.restart()`); two dispatchers must not run at once.
    """
    from handlers import account, ask, assess, reminders
    from handlers.reminders import admin

    root = Router(name="root")
    for module in (account, assess, reminders, admin, ask):
        feature: Router = module.router
        if feature.parent_router is not None:
            _detach(feature)
        root.include_router(feature)
    root.include_router(fallback_router())  # last: only what no feature took
    return root


def _detach(router: Router) -> None:
    parent = router.parent_router
    if parent is not None and router in parent.sub_routers:
        parent.sub_routers.remove(router)
    # aiogram has no public "exclude_router"; its parent link is a plain attribute.
    router._parent_router = None
