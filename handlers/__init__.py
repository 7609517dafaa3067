"""Feature slices, one package per feature (account, ask, …): router, views, tables, repository.

This package composes nothing: the composition root (bot/routers.py, bot/app.py) alone knows
every feature.
"""
