"""Exports: the results report, the ledgers, the application and implementation plan, sign-in sheets, the
evidence pack and the frozen submissions, built from the compliance engine's results and the areas' read
modules, the long ones in the background."""

from workspace.exports import policy  # noqa: F401  (the area's rules are registered before any can() on its models)

# The blueprint lives in routes/; create_app imports it.
