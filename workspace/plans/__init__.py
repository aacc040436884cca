"""Co-planning documents (集體備課): shared plans written section by section, adaptations, reflections."""

from workspace.plans.routes import bp

__all__ = ["bp"]
