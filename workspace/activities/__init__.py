"""Activities: planning, sign-in, attendance, minutes, evidence, feedback and monthly plans."""

from workspace.activities import (
    audit,
    policy,  # noqa: F401  (registers the area's rules before any can() on its models)
)
from workspace.activities.routes import bp

# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())

__all__ = ["bp"]
