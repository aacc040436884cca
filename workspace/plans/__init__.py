"""Co-planning documents (集體備課). So far: the merge rules of section saves (services.py); the documents,
their pages and routes come next (issue 6)."""
