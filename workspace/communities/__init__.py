"""Schools, communities, memberships, roles and invitations; the community home and members page."""

from workspace.communities.routes import bp

__all__ = ["bp"]
