"""Co-planning documents (集體備課): shared plans written section by section, adaptations, reflections."""

from workspace.plans import (
    audit,
    policy,  # noqa: F401  (registers the area's rules before any can() on its models)
)
from workspace.plans.routes import bp

# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())

__all__ = ["bp"]
