"""The reminders repository, split by concern; import it as one namespace:

    from handlers.reminders import repo
    repo.subscribe(session, …); repo.claim_batch(session, …); repo.stats(session)

- `subscriptions`: one subscription per user, chat and batch (create/merge, list, cancel,
  deactivate, forget)
- `deadlines`: operator-added deadlines
- `stats`: counts for operators
- `ledger`: the exactly-once delivery ledger (plan, claim, lease, outcome)
"""

from handlers.reminders.models import (
    CLAIMED,
    DEAD,
    EXPIRED,
    PENDING,
    SENT,
    SUPERSEDED,
    TERMINAL_STATUSES,
)
from handlers.reminders.repo.deadlines import (
    add_custom_deadline,
    custom_specs,
    list_custom_deadlines,
)
from handlers.reminders.repo.ledger import (
    DueReminder,
    claim_batch,
    ensure_deliveries,
    existing_deliveries,
    expire_passed,
    list_deliveries,
    mark_dead,
    mark_retry,
    mark_sent,
    release,
    renew_lease,
)
from handlers.reminders.repo.stats import ReminderStats, stats
from handlers.reminders.repo.subscriptions import (
    DEFAULT_LEADS,
    MAX_CLUSTER_NAME,
    MAX_LEAD_DAYS,
    CancelOutcome,
    Subscribed,
    SubscribeOutcome,
    cancel_subscription,
    create_subscription,
    deactivate_chat,
    delete_user_reminders,
    find_active,
    forget_user,
    get_subscription,
    list_subscriptions,
    merge_duplicate_subscriptions,
    subscribe,
    utc,
)

__all__ = [
    "CLAIMED",
    "DEAD",
    "DEFAULT_LEADS",
    "EXPIRED",
    "MAX_CLUSTER_NAME",
    "MAX_LEAD_DAYS",
    "PENDING",
    "SENT",
    "SUPERSEDED",
    "TERMINAL_STATUSES",
    "CancelOutcome",
    "DueReminder",
    "ReminderStats",
    "SubscribeOutcome",
    "Subscribed",
    "add_custom_deadline",
    "cancel_subscription",
    "claim_batch",
    "create_subscription",
    "custom_specs",
    "deactivate_chat",
    "delete_user_reminders",
    "ensure_deliveries",
    "existing_deliveries",
    "expire_passed",
    "find_active",
    "forget_user",
    "get_subscription",
    "list_custom_deadlines",
    "list_deliveries",
    "list_subscriptions",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "merge_duplicate_subscriptions",
    "release",
    "renew_lease",
    "stats",
    "subscribe",
    "utc",
]
