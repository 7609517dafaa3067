"""Assembly and infrastructure: settings, database, scheduler, transports, CLI."""
