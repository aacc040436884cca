"""Schools, communities, memberships, roles and invitations; the community home and members page."""

from workspace.communities import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.communities.routes import bp

__all__ = ["bp"]
