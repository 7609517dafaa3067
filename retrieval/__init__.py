"""Turns the knowledge base into cited answers. Never imports aiogram."""
