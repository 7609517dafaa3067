"""Tables of the users feature."""
