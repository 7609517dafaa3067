"""Test-wide set-up: offline models, every path in a temp dir, shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Never reach a model hub from tests.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import bot.schema  # noqa: F401  (every feature's tables, as the composition root has them)

pytest_plugins = ["tests.support.engines", "tests.support.fixtures"]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data dir at a temp dir and drop settings leaking in from the shell."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SMEBOT_DATA_DIR", str(data_dir))
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE", "DATABASE_URL", "SMEBOT_NOW",
                 "ADMIN_IDS", "WEBHOOK_URL", "CHROMA_HOST", "WECOM_CORP_ID", "WECOM_AGENT_ID",
                 "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY", "WECOM_API_BASE", "REDIS_URL",
                 "REDIS_PREFIX", "METRICS_PORT", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield data_dir
