"""Co-planning documents (集體備課): shared plans written section by section, adaptations, reflections."""

from workspace.plans import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.plans.routes import bp

__all__ = ["bp"]
