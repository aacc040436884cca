"""The resource library: share, version, preview and find lesson plans, cases and courseware."""

from workspace.resources.routes import bp

__all__ = ["bp"]
