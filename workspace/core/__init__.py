"""What every area shares: permissions, htmx rendering, text, errors, database helpers."""
