"""CLI sub-commands, one module per feature."""
