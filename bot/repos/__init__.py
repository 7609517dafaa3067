"""CRUD helpers, one module per feature; functions with keyword-only arguments."""
