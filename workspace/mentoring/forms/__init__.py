"""The mentoring forms, one module per topic (pairings, logs, observations, public_lessons)."""
