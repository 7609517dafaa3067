"""The slice's user-facing texts: `texts.yaml` beside this module, keyed `assess.*`, merged into
the one keyed catalogue of infra/i18n.py. Every module of the slice imports `t` from here, so
the file is registered before any text is looked up (registering twice is a no-op)."""

from __future__ import annotations

from pathlib import Path

from infra.i18n import register_texts, t

__all__ = ["TEXTS_PATH", "t"]

TEXTS_PATH = Path(__file__).with_name("texts.yaml")
register_texts(TEXTS_PATH)
