"""Activities: planning, sign-in, attendance, minutes, evidence, feedback and monthly plans."""

from workspace.activities.routes import bp

__all__ = ["bp"]
