"""Shared plumbing: settings, clock, database, i18n, rendering, sending. Imports only knowledge/,
retrieval/ and third-party libraries, never handlers/ or bot/."""
