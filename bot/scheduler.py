"""The reminder scheduler: plans due reminders, then claims and sends them exactly once.

Each `run_once` does two things, both safe to run in several processes at the same time:

1. **Plan.** For every active subscription, the deadlines (knowledge.deadlines) and, per
   deadline, the lead times whose send moment (due − lead days, at `reminder_hour` local time,
   Asia/Shanghai by default) has come — but not before the subscription existed, so nobody is
   spammed about moments that passed before they subscribed. Catch-up after downtime collapses to
   one message per deadline: only the smallest due lead is recorded; larger ones still pending
   are retired as 'superseded'. Deadlines already passed are never reminded.
2. **Deliver.** Claim a batch (one conditional UPDATE, with a lease), send through the
   rate-limited `Sender`, mark each row 'sent' right after Telegram accepts it. A lease renewal
   task keeps the claim while the batch drains. Failures: 403 deactivates the chat's
   subscriptions; retryable errors go back to 'pending' with a growing delay; after
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
import html
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from aiogram import Bot
from sqlmodel import col, select

from bot.models.reminders import ReminderDelivery, ReminderSubscription
from bot.repos import reminders as repo
from infra.clock import Clock
from infra.db import Database
from infra.sender import Sender, SendResult
from infra.settings import Settings
from knowledge.deadlines import BatchYearError, CustomDeadlineSpec, Deadline, plan_for

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


def send_moment(due: date, lead_days: int, hour: int, tz: object) -> datetime:
    """When the reminder `lead_days` before `due` goes out: that day at `hour`, local time."""
    return datetime.combine(due - timedelta(days=lead_days), time(hour), tzinfo=tz)  # type: ignore[arg-type]


def due_reminders(
    subs: Iterable[ReminderSubscription],
    *,
    now: datetime,
    settings: Settings,
    custom: list[CustomDeadlineSpec],
    existing: dict[tuple[int, str], dict[int, str]],
) -> list[repo.DueReminder]:
    """Pure planning step: which (subscription, deadline, lead) are due now (see module doc)."""
    tz = settings.tz
    today = now.astimezone(tz).date()
    plans: dict[tuple[int | None, str], tuple[Deadline, ...]] = {}
    out: list[repo.DueReminder] = []
    for sub in subs:
        cache_key = (sub.batch_year, tuple(sub.kind_list))
        if cache_key not in plans:
            try:
                plans[cache_key] = plan_for(sub.batch_year, today, custom, sub.kind_list)
            except BatchYearError:  # only if the clock went back before the batch year
                plans[cache_key] = ()
        created = sub.created_at or now
        leads = sub.lead_list
        for deadline in plans[cache_key]:
            due_leads = [
                lead
                for lead in leads
                if created
                <= send_moment(deadline.due, lead, settings.reminder_hour, tz)
                <= now
            ]
            if not due_leads:
                continue
            target = min(due_leads)
            have = existing.get((int(sub.id or 0), deadline.key), {})
            larger = tuple(lead for lead in due_leads if lead > target)
            if target in have and not any(have.get(lead) == repo.PENDING for lead in larger):
                continue
            out.append(
                repo.DueReminder(
                    subscription_id=int(sub.id or 0),
                    chat_id=sub.chat_id,
                    deadline_key=deadline.key,
                    kind=deadline.kind,
                    title=deadline.title_for(sub.lang),
                    due=deadline.due,
                    lead_days=target,
                    superseded_leads=larger,
                )
            )
    return out


def render_reminder(
    *, cluster_name: str, title: str, due: date, today: date, lang: str
) -> str:
    """The reminder message (HTML; every stored text escaped)."""
    days = (due - today).days
    cluster = html.escape(cluster_name)
    what = html.escape(title)
    if lang == "en":
        left = "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")
        return (
            f"⏰ <b>Deadline reminder</b>\nCluster: {cluster}\n{what}\n"
            f"Due: <b>{due.isoformat()}</b> ({left})\n\nManage reminders: /reminders"
        )
    left = "就是今天" if days == 0 else ("明天截止" if days == 1 else f"还有 {days} 天")
    return (
        f"⏰ <b>截止日期提醒</b>\n集群：{cluster}\n事项：{what}\n"
        f"截止日期：<b>{due.isoformat()}</b>（{left}）\n\n管理提醒：/reminders"
    )


class _GroupCommitter:
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


class ReminderScheduler:
    """Sends due reminders exactly once. start()/stop() are wired to the dispatcher's lifecycle."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        sender: Sender | None = None,
        on_report: Callable[[RunReport], None] | None = None,
    ) -> None:
        self.db = db
        # Told what every pass of the loop did (the metrics count due/sent/failed/dead).
        self.on_report = on_report
        self.clock = clock
        self.settings = settings
        self.sender = sender or Sender.from_settings(settings)
        self._task: asyncio.Task[None] | None = None
        self._marker = _GroupCommitter(db)
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
        return now.astimezone(self.settings.tz).date()

    def _plan(self) -> tuple[int, int]:
        now = self._now()
        today = self._today(now)
        with self.db.session() as session:
            expired = repo.expire_passed(session, today=today, now=now)
            subs = repo.list_subscriptions(session)
            custom = repo.custom_specs(session, since=today)
            existing = repo.existing_deliveries(session, since=today)
            due = due_reminders(
                subs, now=now, settings=self.settings, custom=custom, existing=existing
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
        elif result.retryable and row.attempts < self.settings.reminder_max_attempts:
            delay = self.settings.reminder_retry_delay_seconds * 2 ** max(0, row.attempts - 1)
            await self._finish(repo.mark_retry, report, "retried", delivery_id=row_id,
                               token=token, error=result.error or "failed",
                               not_before=now + timedelta(seconds=delay), now=now)
        else:
            logger.error("reminder %s dead-lettered: %s", row_id, result.error)
            await self._finish(repo.mark_dead, report, "dead", delivery_id=row_id, token=token,
                               error=result.error or "failed", now=now)
