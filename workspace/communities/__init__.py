"""Schools, communities, memberships, roles and invitations; the community home and members page."""

from workspace.communities import (
    audit,
    policy,  # noqa: F401  (registers the area's rules before any can() on its models)
)
from workspace.communities.labels import community_type_label, role_label
from workspace.communities.routes import bp

# What core shows of this area is registered with its blueprint: core imports no area.
bp.add_app_template_global(role_label)
bp.add_app_template_global(community_type_label)
bp.record_once(lambda _setup: audit.register())

__all__ = ["bp"]
