"""The permission-walk harness checks itself: every route is in some area's table, every step reaches the
route it names, and a wrong table entry fails the walk."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from tests.permission_walk import FB, LOGIN, NF, Step, Table, build_world, route_of, routes, tables, walk
from workspace.communities.models import Membership
from workspace.extensions import db


def test_every_route_is_walked_by_some_table(app):
    """A new route must be added to its area's table (and so get a check per role)."""
    walked: dict[tuple[str, str], str] = {}
    mislabelled = []
    for module, table in tables():
        for step in table.steps:
            rule, endpoint = route_of(app, step)
            walked.setdefault((step.method, rule), module)
            if endpoint != step.endpoint:
                mislabelled.append(f"{module}: {step.method} {step.url} reaches {endpoint}, not {step.endpoint}")
    missing = sorted(routes(app) - set(walked))
    assert not missing, f"routes in no permission table: {missing}"
    assert not mislabelled, "\n".join(mislabelled)


def test_the_tables_found_are_the_areas(app):
    """Each area's table is found where the areas keep it (a renamed `TABLE` would silently walk nothing)."""
    found = {module for module, _table in tables()}
    assert {"tests.test_permission_matrix", "tests.activities.test_permissions", "tests.discussions.test_permissions",
            "tests.notifications.test_permissions", "tests.plans.test_permissions",
            "tests.resources.test_permissions"} <= found


def test_the_world_has_every_role_a_table_may_walk(ctx):
    roles = ("anonymous", "outsider", "colleague", "admin", "reviewer", "reviewer_elsewhere", "convener",
             "guest_expert", "member", "mentor", "co_convener", "departed", "author")
    world = build_world(roles)
    assert set(world.users) == set(roles) - {"anonymous"}
    memberships = {membership.user_id: membership for membership in db.session.scalars(
        select(Membership).where(Membership.community_id == world.community_id))}
    for role in ("guest_expert", "member", "mentor", "co_convener"):
        assert memberships[world.users[role].id].role == role
    assert memberships[world.users["author"].id].role == "member"
    assert memberships[world.users["departed"].id].left_at is not None
    assert world.users["colleague"].school_id == world.school_id
    assert world.users["colleague"].id not in memberships
    assert world.fields("co_convener")["role_key"] == "co-convener"


def test_a_wrong_table_entry_fails_the_walk(client, ctx):
    """The walk reports a role whose answer differs from its table entry, and a redirect to the wrong place."""
    table = Table(("anonymous", "outsider", "member"), lambda: build_world(("outsider", "member")), [])
    page = Step("GET", "communities.show", "/c/{slug}/", None, dict(anonymous=LOGIN, outsider=NF))
    assert walk(client, table, page) == []
    failures = walk(client, table, dataclasses.replace(page, rules=dict(page.rules, member=FB)))
    assert len(failures) == 1 and "as member: 200, expected 403" in failures[0]
    failures = walk(client, table, dataclasses.replace(page, rules=dict(page.rules, anonymous=302)))
    assert len(failures) == 1 and "as anonymous: redirected to" in failures[0]
