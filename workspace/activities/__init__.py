"""Activities: planning, sign-in, attendance, minutes, evidence, feedback and monthly plans."""

from workspace.activities import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.activities.routes import bp

__all__ = ["bp"]
