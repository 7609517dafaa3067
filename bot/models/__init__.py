"""All database tables. Importing this package registers them on SQLModel.metadata.

One module per feature; each feature owns its tables.
"""

from bot.models import assessments, reminders, users  # noqa: F401
