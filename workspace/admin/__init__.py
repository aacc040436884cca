"""Site administration at /admin/: schools, users, reviewer scopes, the audit trail."""

# The blueprint lives in routes.py; create_app imports it. Importing the package (e.g. for its models)
# loads no routes, so the areas' services can import each other's models at the top of the module.
