"""Mentoring (師徒結對): pairings of a mentor and a new teacher, their milestones, goals, meeting logs, classroom
observations, public lessons and the new teacher's development handbook."""

from workspace.mentoring import (
    policy,  # noqa: F401  (the area's rules are registered before any can() on its models)
    records,  # noqa: F401  (answers activities' record_kept for the pair's records)
)

# The blueprint lives in routes/; create_app imports it.
