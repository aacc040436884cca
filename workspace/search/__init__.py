"""One search box for everything a person may read: resources, threads and replies (/search?q=)."""

from workspace.search.routes import bp

__all__ = ["bp"]
