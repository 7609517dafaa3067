"""Tables of the reminders feature."""
