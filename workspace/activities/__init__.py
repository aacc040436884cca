"""Activities: planning, sign-in, attendance, minutes, evidence, feedback and monthly plans."""

from workspace.activities import policy  # noqa: F401  (the area's rules are registered before any can() on its models)

# The blueprint lives in routes.py; create_app imports it. Importing the package (e.g. for its models)
# loads no routes, so the areas' services can import each other's models at the top of the module.
