"""Grant compliance: funders' programs (rule sets) as data, enrolments, the rules engine, the panel and the budget."""

from workspace.compliance import policy  # noqa: F401  (the area's rules are registered before any can() on its models)

# The blueprint lives in routes.py; create_app imports it.
