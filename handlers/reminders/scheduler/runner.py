"""The reminder scheduler: plans due reminders, then claims and sends them exactly once.

Each `run_once` does two things, both safe to run in several processes at the same time:

1. **Plan** (`planning.due_reminders`, recorded by `repo.ensure_deliveries`).
2. **Deliver.** Claim a batch (`repo.claim_batch`: one conditional UPDATE, with a lease), send
   through the rate-limited `Sender`, mark each row 'sent' right after Telegram accepts it. A
   lease renewal task keeps the claim while the batch drains. Failures: 403 deactivates the
   chat's subscriptions; retryable errors go back to 'pending' with a growing delay; after
   `reminder_max_attempts` claims, or on a permanent error, the row becomes a dead letter.

Exactly-once: a 'sent' row is never claimed again, and the UNIQUE (subscription, deadline,
lead) row means re-planning (restart, reload, two processes) cannot create a second one. The
one window no database can close is a crash between Telegram accepting a message and the 'sent'
mark (a few milliseconds): that row is retried after its lease expires. A graceful stop or task
cancellation lets in-flight sends finish and be marked, and hands unsent rows straight back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from aiogram import Bot
from sqlmodel import col, select

from handlers.reminders import repo
from handlers.reminders.models import ReminderDelivery, ReminderSubscription
from handlers.reminders.scheduler.committer import GroupCommitter
from handlers.reminders.scheduler.planning import due_reminders
from handlers.reminders.views import render_reminder
from infra.clock import Clock, local_date
from infra.db import Database
from infra.retry import RetryPolicy
from infra.sender import Sender, SendResult
from infra.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class RunReport:
    """What one `run_once` did (also the JSON of `smebot reminders run-once`)."""

    planned: int = 0
    expired: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    forbidden: int = 0
    released: int = 0
    lost_lease: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: RunReport) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


class ReminderScheduler:
    """Sends due reminders exactly once. start()/stop() are wired to the dispatcher's lifecycle."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        sender: Sender,
        on_report: Callable[[RunReport], None] | None = None,
    ) -> None:
        self.db = db
        # Told what every pass of the loop did (the metrics count due/sent/failed/dead).
        self.on_report = on_report
        self.clock = clock
        self.settings = settings
        self.sender = sender
        # A failed reminder goes back to the ledger with the one backoff policy type, on the
        # ledger's own numbers (REMINDER_RETRY_DELAY_SECONDS doubling, REMINDER_MAX_ATTEMPTS
        # claims); no jitter: the wait is a timestamp in the database, not a sleep.
        first, claims = settings.reminder_retry_delay_seconds, settings.reminder_max_attempts
        self.requeue = RetryPolicy(max_attempts=claims, base_delay=first,
                                   max_delay=first * 2 ** (claims - 1), jitter=0.0)
        self._task: asyncio.Task[None] | None = None
        self._marker = GroupCommitter(db)
        self._unsettled = asyncio.Semaphore(settings.reminder_max_unsettled)
        self._stop_event: asyncio.Event | None = None
        self._stopping = False

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, bot: Bot) -> None:
        """Begin the background loop (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._task = asyncio.create_task(self._loop(bot), name="reminder-scheduler")

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop the loop and wait for in-flight sends; unsent claims are handed back."""
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, grace_seconds)
        except TimeoutError:
            logger.warning("reminder scheduler did not stop within %.0fs", grace_seconds)
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
        await self._marker.flush(grace_seconds)

    async def _loop(self, bot: Bot) -> None:
        assert self._stop_event is not None
        while not self._stopping:
            try:
                report = await self.run_once(bot)
                if self.on_report is not None:
                    self.on_report(report)
                if report.claimed:
                    logger.info("reminders: %s", report.to_json())
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad tick must not end reminders for good
                logger.exception("reminder run failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), self.settings.reminder_poll_seconds)

    # --- one pass ------------------------------------------------------------------------------

    async def run_once(self, bot: Bot) -> RunReport:
        """Plan what is due now and deliver it; returns counts. Safe to run concurrently."""
        report = RunReport()
        report.planned, report.expired = await asyncio.to_thread(self._plan)
        if not self._stopping:
            await self._deliver(bot, report)
        return report

    def _now(self) -> datetime:
        return self.clock()

    def _today(self, now: datetime) -> date:
        return local_date(now, self.settings.tz)

    def _plan(self) -> tuple[int, int]:
        now = self._now()
        today = self._today(now)
        with self.db.session() as session:
            expired = repo.expire_passed(session, today=today, now=now)
            subs = repo.list_subscriptions(session)
            custom = repo.custom_specs(session, since=today)
            existing = repo.existing_deliveries(session, since=today)
            due = due_reminders(
                subs, now=now, zone=self.settings.tz,
                reminder_hour=self.settings.reminder_hour, custom=custom, existing=existing,
            )
            planned = repo.ensure_deliveries(session, due=due, now=now) if due else 0
        return planned, expired

    def _claim(
        self, token: str, limit: int
    ) -> tuple[list[ReminderDelivery], dict[int, ReminderSubscription]]:
        now = self._now()
        with self.db.session() as session:
            rows = repo.claim_batch(
                session,
                token=token,
                now=now,
                lease_seconds=self.settings.reminder_lease_seconds,
                today=self._today(now),
                limit=limit,
            )
            ids = {row.subscription_id for row in rows}
            subs = (
                {
                    int(s.id or 0): s
                    for s in session.exec(
                        select(ReminderSubscription).where(col(ReminderSubscription.id).in_(ids))
                    ).all()
                }
                if ids
                else {}
            )
        return rows, subs

    async def _deliver(self, bot: Bot, report: RunReport) -> None:
        """Claim and send until nothing deliverable is left.

        A pipeline, not batch-by-batch: more rows are claimed whenever fewer than half a batch
        is in flight, so one slow row (a 429 wait, a 5xx backoff) never idles the sender.
        Each claim has its own token; one heartbeat renews the leases of all of them.
        """
        size = self.settings.reminder_batch_size
        tokens: list[str] = []
        in_flight: set[int] = set()  # rows whose HTTP call has begun: they must be marked
        tasks: dict[asyncio.Task[None], ReminderDelivery] = {}
        heartbeat = asyncio.create_task(self._keep_lease(tokens))
        try:
            exhausted = False
            while not self._stopping:
                if not exhausted and len(tasks) <= size // 2:
                    token = uuid.uuid4().hex
                    rows, subs = await asyncio.to_thread(self._claim, token, size - len(tasks))
                    report.claimed += len(rows)
                    if rows:
                        tokens.append(token)
                        for row in rows:
                            task = asyncio.create_task(
                                self._deliver_one(bot, row, subs, token, in_flight, report)
                            )
                            tasks[task] = row
                    else:
                        exhausted = True
                if not tasks:
                    break
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    tasks.pop(task, None)
            if tasks:  # stopping: let started sends finish, hand the rest back
                self._abandon(tasks, in_flight)
                await asyncio.wait(tasks, timeout=self.settings.reminder_lease_seconds / 2)
        except asyncio.CancelledError:
            # Killed mid-run: HTTP calls already under way finish and are marked (so they are
            # never sent twice); the others are cancelled and hand their rows back.
            self._stopping = True
            self._abandon(tasks, in_flight)
            if tasks:
                await asyncio.wait(tasks, timeout=self.settings.reminder_lease_seconds / 2)
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    @staticmethod
    def _abandon(tasks: dict[asyncio.Task[None], ReminderDelivery], in_flight: set[int]) -> None:
        for task, row in tasks.items():
            if int(row.id or 0) not in in_flight:
                task.cancel()

    async def _keep_lease(self, tokens: list[str]) -> None:
        lease = self.settings.reminder_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                await asyncio.to_thread(self._with_session, repo.renew_lease,
                                        tokens=list(tokens), now=self._now(), lease_seconds=lease)
            except Exception:  # one failed renewal must not end the heartbeat: try again soon
                logger.exception("could not renew the reminder leases")

    def _with_session(self, func: object, **kwargs: object) -> object:
        with self.db.session() as session:
            return func(session, **kwargs)  # type: ignore[operator]

    async def _deliver_one(
        self,
        bot: Bot,
        row: ReminderDelivery,
        subs: dict[int, ReminderSubscription],
        token: str,
        in_flight: set[int],
        report: RunReport,
    ) -> None:
        row_id = int(row.id or 0)
        sub = subs.get(row.subscription_id)
        now = self._now()
        if sub is None:
            await self._finish(repo.mark_dead, report, "dead", delivery_id=row_id, token=token,
                               error="subscription vanished", now=now)
            return
        text = render_reminder(
            cluster_name=sub.cluster_name,
            title=row.title,
            due=row.due,
            today=self._today(now),
            lang=sub.lang,
        )

        def gate() -> bool:
            # Asked right before the HTTP call: from here on the row must be marked, not freed.
            if self._stopping:
                return False
            in_flight.add(row_id)
            return True

        # At most `reminder_max_unsettled` reminders are between "about to send" and "outcome
        # committed": that bounds what a hard crash (SIGKILL, power loss) can send twice.
        try:
            async with self._unsettled:
                result = await self.sender.send_message(bot, row.chat_id, text, gate=gate)
                await self._record(result, row, sub, token, report)
        except asyncio.CancelledError:
            if row_id not in in_flight:
                self._release(token, row_id, report)
            raise

    def _release(self, token: str, row_id: int, report: RunReport) -> None:
        # Synchronous on purpose: it runs while the task is being cancelled.
        report.released += int(
            bool(self._with_session(repo.release, token=token, delivery_ids=[row_id],
                                    now=self._now()))
        )

    async def _finish(self, func: object, report: RunReport, field: str, **kwargs: object) -> None:
        ok = await self._marker.submit(func, kwargs)
        if ok:
            setattr(report, field, getattr(report, field) + 1)
        else:
            # Our lease ran out and someone else owns the row now: their outcome stands.
            report.lost_lease += 1
            logger.warning("reminder %s: lease lost before recording %s", kwargs, field)

    async def _record(
        self,
        result: SendResult,
        row: ReminderDelivery,
        sub: ReminderSubscription,
        token: str,
        report: RunReport,
    ) -> None:
        row_id = int(row.id or 0)
        now = self._now()
        if result.status == "sent":
            await self._finish(repo.mark_sent, report, "sent", delivery_id=row_id, token=token,
                               message_id=result.message_id, now=now)
        elif result.status == "aborted":
            self._release(token, row_id, report)
        elif result.status == "forbidden":
            await asyncio.to_thread(self._with_session, repo.deactivate_chat,
                                    chat_id=sub.chat_id, reason="forbidden", now=now)
            report.forbidden += 1
            await self._finish(repo.mark_dead, report, "dead", delivery_id=row_id, token=token,
                               error=result.error or "forbidden", now=now)
        elif result.retryable and row.attempts < self.requeue.max_attempts:
            delay = self.requeue.backoff(row.attempts)
            await self._finish(repo.mark_retry, report, "retried", delivery_id=row_id,
                               token=token, error=result.error or "failed",
                               not_before=now + timedelta(seconds=delay), now=now)
        else:
            logger.error("reminder %s dead-lettered: %s", row_id, result.error)
            await self._finish(repo.mark_dead, report, "dead", delivery_id=row_id, token=token,
                               error=result.error or "failed", now=now)
