"""Site administration at /admin/: schools, users, reviewer scopes, the audit trail."""

from workspace.admin.routes import bp

__all__ = ["bp"]
