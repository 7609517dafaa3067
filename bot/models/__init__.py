"""Tables of the features whose slices have not moved yet (reminders).

Their owners move them into handlers/<slice>/models.py; bot/schema.py registers every table.
"""

from bot.models import reminders  # noqa: F401
