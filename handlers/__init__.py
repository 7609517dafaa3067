"""Thin aiogram routers, one per feature."""
