"""The resource library: share, version, preview and find lesson plans, cases and courseware."""

from workspace.resources import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.resources.routes import bp

__all__ = ["bp"]
