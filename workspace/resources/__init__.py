"""The resource library: share, version, preview and find lesson plans, cases and courseware."""

from workspace.resources import (
    audit,
    policy,  # noqa: F401  (registers the area's rules before any can() on its models)
)
from workspace.resources.routes import bp

# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())

__all__ = ["bp"]
