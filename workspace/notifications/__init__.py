"""Notifications: the bell, the list, per-user settings and batched email."""

# The blueprint lives in routes.py; create_app imports it. Importing the package (e.g. for its models)
# loads no routes, so the areas' services can import each other's models at the top of the module.
