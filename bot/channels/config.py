"""Errors shared by every channel's settings."""

from __future__ import annotations


class ChannelConfigError(ValueError):
    """A channel was asked for but its settings are incomplete or invalid (names the variable)."""
