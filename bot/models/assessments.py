"""Tables of the assessments feature."""
