"""Recording send outcomes, many per transaction (group commit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from infra.db import Database

logger = logging.getLogger(__name__)


class GroupCommitter:
    """Records send outcomes, many per transaction (group commit).

    Outcomes queue while a commit is running and the next commit takes all of them, so the
    'sent' marks keep pace with the sender however slow a single commit is. That keeps the
    crash window (accepted by Telegram, not yet marked) at one commit, not a growing backlog.
    The committing task is independent of the caller's task: cancelling the scheduler never
    drops an outcome already handed over.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[tuple[object, dict[str, object], asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, func: object, kwargs: dict[str, object]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((func, kwargs, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="reminder-marks")
        return await asyncio.shield(future)

    async def flush(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until every outcome handed over is committed (on shutdown)."""
        task = self._task
        if task is not None and not task.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), timeout)

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await asyncio.to_thread(self._apply, batch)
            except Exception as exc:  # the rows stay claimed and come back after the lease
                logger.exception("could not record %d reminder outcomes", len(batch))
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), ok in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(ok)

    def _apply(
        self, batch: list[tuple[object, dict[str, object], asyncio.Future[bool]]]
    ) -> list[bool]:
        with self.db.session() as session:
            results = [bool(func(session, commit=False, **kwargs))  # type: ignore[operator]
                       for func, kwargs, _ in batch]
            session.commit()
        return results
