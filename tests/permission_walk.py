"""The permission-walk harness: one world of people, one walker, one expected-status rule for every area.

An area's `test_permissions.py` holds only its table: a `Table` of `Step`s (route × role → expected answer)
and a `build` function that adds the area's records to `build_world()`. `route_test(TABLE)` and `csrf_test(TABLE)`
give it the two tests every area has (each step as each role; each POST refused without its CSRF token), and
`tests/test_permission_walk.py` finds every table and fails when a route of `app.url_map` is in none of them.
"""

from __future__ import annotations

import importlib
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core.database import utcnow
from workspace.extensions import db

# Expected answers. LOGIN is a redirect to the login page; DONE a redirect anywhere else (after a write,
# or a page that sends its visitor on); HXL the htmx form of LOGIN (401 with HX-Redirect to the login page).
LOGIN = "login"
DONE, NF, FB, OK, CREATED, NONE, BAD, HXL, CONFLICT = 302, 404, 403, 200, 201, 204, 422, 401, 409

# The people of a world, in the order they are made. Anonymous is nobody; the convener makes the community;
# the community roles are memberships; any other name a table lists (author, recorder, teacher, lead...) is
# a plain member of that name, so that a table can tell the member under test from the others.
PEOPLE = ("anonymous", "outsider", "colleague", "admin", "reviewer", "reviewer_elsewhere", "convener")
COMMUNITY_ROLES = ("guest_expert", "member", "mentor", "co_convener")
DEPARTED = "departed"  # a member who left: a former member, an outsider now

PNG = object()  # a form value that stands for an uploaded picture (the step is sent as multipart)

_worlds = itertools.count(1)


@dataclass
class World:
    """A community with a person of each role a table walks, and the values its URLs and forms take.

    `ids` are the area's records (`{"plan_id": 3, ...}`); `computed` are values read again at each request
    (a version that the previous role's write moved on)."""

    slug: str
    community_id: int
    school_id: int
    users: dict[str, User]
    ids: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def community(self) -> Community:
        """The world's community, as the test's session has it now."""
        return db.session.get(Community, self.community_id)

    def fields(self, role: str = "") -> dict[str, Any]:
        """What `{name}` in a step's URL and form stands for: the slug, the role walking (`role`, and `role_key`
        as a slug may spell it: each role's write can then make a record of its own), `<person>_id` for each
        person, the area's ids and the computed values."""
        people = {f"{name}_id": user.id for name, user in self.users.items()}
        values = {name: read() for name, read in self.computed.items()}
        return {"slug": self.slug, "role": role, "role_key": role.replace("_", "-"), **people, **self.ids,
                **values}


def build_world(roles: Iterable[str], *, name: str = "walk") -> World:
    """Make a community (slug `<name>-<n>`, of one school) with one person for each of `roles`.

    `colleague` teaches at the community's school without being a member; `reviewer` reviews that school,
    `reviewer_elsewhere` another one; `departed` was a member and left. Committed."""
    number = next(_worlds)
    school = make_school(name=f"{name.title()} School {number}")
    convener = make_user(display_name="Convener")
    community = make_community(convener, slug=f"{name}-{number}", schools=[school])
    makers: dict[str, Callable[[], User]] = {
        "outsider": make_user,
        "colleague": lambda: make_user(school_id=school.id),
        "admin": lambda: make_user(is_admin=True),
        "reviewer": lambda: make_reviewer(school),
        "reviewer_elsewhere": lambda: make_reviewer(make_school(name=f"Elsewhere School {number}")),
        "convener": lambda: convener,
    }
    wanted = [role for role in roles if role != "anonymous"]
    users: dict[str, User] = {}
    for role in [role for role in PEOPLE if role in wanted] + [role for role in wanted if role not in PEOPLE]:
        if role in makers:
            users[role] = makers[role]()
        elif role == DEPARTED:
            membership = add_member(community, role="member")
            membership.left_at = utcnow()
            db.session.commit()
            users[role] = membership.user
        else:
            users[role] = add_member(community, role=role if role in COMMUNITY_ROLES else "member").user
    db.session.commit()
    return World(community.slug, community.id, school.id, users)


@dataclass(frozen=True)
class Step:
    """One request of a walk: method, endpoint (checked against the URL), URL and form templates, expected
    answer per role (`default` for the roles not named, else 200).

    `consuming`: the request uses up what it acts on, so each role gets a world of its own. `reset` puts the
    world back after each role instead (cheaper). `effect` probes the database for the write, which must have
    happened for exactly the roles it names. `hx` sends the request as htmx."""

    method: str
    endpoint: str
    url: str
    data: dict | None
    rules: dict
    consuming: bool = False
    hx: bool = False
    effect: tuple[Callable[[World], bool], frozenset[str]] | None = None
    reset: Callable[[World], None] | None = None

    @property
    def id(self) -> str:
        what = (self.data or {}).get("status") or (self.data or {}).get("action") or ""
        return f"{self.method} {self.endpoint} {self.url} {what}".strip()


@dataclass(frozen=True)
class Table:
    """An area's permission table: the roles it walks, how to build its world, its steps, and as whom its
    POSTs are sent without a CSRF token (a role for whom the step would otherwise pass)."""

    roles: tuple[str, ...]
    build: Callable[[], World]
    steps: list[Step]
    csrf_as: Callable[[Step], str] | None = None


# Roles that answer as another where a table does not name them: a member who left and a reviewer of another
# school are outsiders to the community, so every table walks them without a column of their own.
LIKE = {DEPARTED: "outsider", "reviewer_elsewhere": "outsider"}


def expected_status(rules: dict, role: str) -> int | str:
    """The answer a role expects: its own entry, else that of the role it answers like (`LIKE`), else the
    table's `default`, else 200."""
    if role in rules:
        return rules[role]
    if LIKE.get(role) in rules:
        return rules[LIKE[role]]
    return rules.get("default", OK)


def status_code(expected: int | str) -> int:
    """The HTTP status an expected answer has (LOGIN is a 302)."""
    return 302 if expected == LOGIN else int(expected)


def fill(value: Any, fields: dict[str, Any]) -> Any:
    """A form value with its `{name}`s filled in (lists item by item)."""
    if isinstance(value, list):
        return [item.format(**fields) for item in value]
    return value.format(**fields) if isinstance(value, str) else value


def request(client, world: World, role: str, step: Step, *, token: bool = True):
    """Send the step as `role` (logged in afresh, or logged out for anonymous); return (path, response)."""
    fields = world.fields(role)
    path = step.url.format(**fields)
    client.logout()
    if role != "anonymous":
        client.login(world.users[role])
    # Names are filled too: a page with one form per record names its fields apart ("enrollment-{enrollment_id}-…").
    data = {fill(key, fields): fill(value, fields) for key, value in (step.data or {}).items()}
    if not token:
        data = {key: value for key, value in data.items() if value is not PNG}
    elif any(value is PNG for value in data.values()):
        data = {key: (io.BytesIO(png_bytes()), "photo.png") if value is PNG else value for key, value in data.items()}
        return path, client.post_form(path, data, content_type="multipart/form-data")
    if step.hx:
        headers = {"HX-Request": "true"}
        if step.method == "POST" and token:
            headers["X-CSRFToken"] = client.csrf_token()
        return path, client.open(path, method=step.method, data=data or None, headers=headers)
    if step.method == "GET":
        return path, client.get(path)
    if not token:
        return path, client.post(path, data=data)
    return path, client.post_form(path, data)


def check(step: Step, role: str, path: str, response, world: World) -> list[str]:
    """What is wrong with the answer `role` got (nothing: an empty list)."""
    expected = expected_status(step.rules, role)
    where = f"{step.method} {path} as {role}"
    if response.status_code != status_code(expected):
        return [f"{where}: {response.status_code}, expected {expected}"]
    if response.status_code == 302 and ("/login" in response.headers["Location"]) != (expected == LOGIN):
        return [f"{where}: redirected to {response.headers['Location']}, expected {expected}"]
    if expected == HXL and "/login" not in response.headers.get("HX-Redirect", ""):
        return [f"{where}: 401 without HX-Redirect to the login page"]
    if step.effect is not None:
        probe, roles = step.effect
        happened = probe(world)
        if happened != (role in roles):
            return [f"{where}: the write {'happened' if happened else 'did not happen'}, "
                    f"expected it {'to' if role in roles else 'not to'}"]
    return []


def walk(client, table: Table, step: Step) -> list[str]:
    """Send the step as each of the table's roles; return what went wrong."""
    world = table.build()
    failures = []
    for role in table.roles:
        role_world = table.build() if step.consuming else world
        try:
            path, response = request(client, role_world, role, step)
        except Exception as error:  # the app re-raises under TESTING: a 500 in production
            failures.append(f"{step.method} {step.url} as {role}: raised {error!r} (a 500)")
            db.session.rollback()
        else:
            failures += check(step, role, path, response, role_world)
        if step.reset is not None:
            step.reset(role_world)
    return failures


def route_test(table: Table) -> Callable:
    """The test that walks each step of the table as each role (one test per step)."""

    @pytest.mark.parametrize("step", [pytest.param(step, id=step.id) for step in table.steps])
    def test_route_answers_each_role(client, ctx, step: Step) -> None:
        failures = walk(client, table, step)
        assert not failures, "\n".join(failures)

    return test_route_answers_each_role


def csrf_test(table: Table) -> Callable:
    """The test that sends each POST of the table without its CSRF token (as `table.csrf_as(step)`)."""

    def test_unsafe_requests_without_the_csrf_token_are_refused(client, ctx) -> None:
        world = table.build()
        failures = []
        for step in (step for step in table.steps if step.method == "POST"):
            path, response = request(client, world, table.csrf_as(step), step, token=False)
            if response.status_code != 400:
                failures.append(f"POST {path} without a token: {response.status_code}")
        assert not failures, "\n".join(failures)

    return test_unsafe_requests_without_the_csrf_token_are_refused


# --- every route in some table ----------------------------------------------------------------------


class _AnyValue(dict):
    def __missing__(self, key: str) -> str:
        return "7"  # only the shape of a URL matters for which rule it reaches


def route_of(app: Flask, step: Step) -> tuple[str, str]:
    """The url_map rule and endpoint the step's URL reaches."""
    path = step.url.split("?")[0].format_map(_AnyValue(slug="walk"))
    rule, _args = app.url_map.bind("workspace.test").match(path, method=step.method, return_rule=True)
    return rule.rule, rule.endpoint


def tables() -> Iterator[tuple[str, Table]]:
    """Every area's table: the `TABLE` of each `tests/**/test_permission*.py`."""
    root = Path(__file__).parent
    for path in sorted(root.rglob("test_permission*.py")):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        table = getattr(importlib.import_module(name), "TABLE", None)
        if table is not None:
            yield name, table


def routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the app answers, static files aside."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}
