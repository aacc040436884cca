"""The permission matrix: every route of the foundation walked as each role, status checked.

Roles: anonymous, outsider (logged in, not a member), guest expert, member, co-convener, convener,
reviewer (scope over the community's school), site admin. Outsiders and reviewers without a right
get 404 for a community's pages, members without the right get 403, visitors go to the login page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from workspace.auth.services import start_session
from workspace.communities import services
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "guest_expert", "member", "co_convener", "convener", "reviewer", "admin")


@dataclass
class World:
    slug: str
    target_id: int
    invitation_id: int
    token: str
    users: dict
    session_id: int  # a login of the target member's: nobody else may end it


def build_world() -> World:
    school = make_school(name="Matrix School")
    convener = make_user(display_name="Convener")
    community = make_community(convener, slug="matrix", schools=[school])
    users = {
        "convener": convener,
        "outsider": make_user(),
        "admin": make_user(is_admin=True),
        "reviewer": make_reviewer(school),
    }
    for role in ("guest_expert", "member", "co_convener"):
        users[role] = add_member(community, role=role).user
    target = add_member(community, make_user(display_name="Target"), role="member")
    invitation = services.create_invitation(community, actor=convener, role="member")
    login = start_session(target.user, user_agent="", address="")
    db.session.commit()
    return World(community.slug, target.id, invitation.id, invitation.token, users, login.id)


COMMUNITY_FORM = {"name": "Renamed", "kind": "subject", "slug": "matrix", "description": "", "vision": ""}

# (method, url template, form data, {role: expected status}); "view" rows share a default.
L, NF, FB = 302, 404, 403  # login redirect (or PRG redirect), not found, forbidden
MATRIX = [
    ("GET", "/", None, dict(anonymous=L, reviewer=302)),  # a reviewer with no community of their own: /review/
    ("GET", "/healthz", None, {}),
    ("GET", "/communities/new", None, dict(anonymous=L)),
    ("POST", "/communities/new", {"name": "N", "kind": "grade", "slug": "new-one"}, dict(anonymous=L, default=302)),
    ("GET", "/communities/slug-suggestion?name=Maths", None, dict(anonymous=L)),
    ("GET", "/c/{slug}/", None, dict(anonymous=L, outsider=NF)),
    ("GET", "/c/{slug}/members/", None, dict(anonymous=L, outsider=NF)),
    ("GET", "/c/{slug}/settings", None,
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB)),
    ("POST", "/c/{slug}/settings", COMMUNITY_FORM,
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/archive", {},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, co_convener=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/unarchive", {},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, co_convener=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/invitations", {"how": "link", "role": "member", "days": "7"},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/invitations/{invitation_id}/revoke", {},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/{target_id}/role", {"role": "mentor"},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/{target_id}/evaluation", {"flagged": "1"},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/{target_id}/remove", {},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/transfer", {"membership_id": "{target_id}"},
     dict(anonymous=L, outsider=NF, guest_expert=FB, member=FB, co_convener=FB, reviewer=FB, default=302)),
    ("POST", "/c/{slug}/members/leave", {},
     dict(anonymous=L, outsider=NF, reviewer=NF, admin=NF, default=302)),
    ("GET", "/invite/{token}", None, dict(guest_expert=L, member=L, co_convener=L, convener=L)),
    ("POST", "/invite/{token}", {}, dict(anonymous=L, default=302)),
    ("GET", "/review/", None, dict(anonymous=L, outsider=NF, guest_expert=NF, member=NF, co_convener=NF,
                                   convener=NF)),
    ("GET", "/account", None, dict(anonymous=L)),
    ("POST", "/account", {"display_name": "New Name", "school_id": "", "locale": ""}, dict(default=302)),
    ("POST", "/account/password", {"current_password": "wrong one", "password": "x" * 12,
                                   "password_confirm": "x" * 12}, dict(anonymous=L, default=422)),
    ("POST", "/logout", {}, dict(default=302)),
    ("POST", "/account/sessions/end-others", {}, dict(default=302)),
    ("POST", "/account/sessions/{session_id}/end", {}, dict(anonymous=L, default=NF)),
    ("GET", "/confirm/{token}", None, dict(default=410)),  # an invitation's token confirms no address
    ("POST", "/confirm/{token}", {"password": "whatever it is"}, dict(default=410)),
    ("POST", "/locale", {"locale": "en", "next": "/"}, dict(default=302)),
    ("GET", "/reset/{token}", None, dict(default=410)),
    ("GET", "/login", None, dict(default=L, anonymous=200)),
    ("GET", "/register", None, dict(default=L, anonymous=200)),
    ("GET", "/forgot", None, {}),
    ("GET", "/search", None, dict(anonymous=L)),
    ("POST", "/markdown/preview", {"body": "**bold**"}, dict(anonymous=L)),
    ("GET", "/search?q=matrix", None, dict(anonymous=L)),
    ("GET", "/admin/", None, dict(default=NF, anonymous=L, admin=200)),
    ("GET", "/admin/schools/", None, dict(default=NF, anonymous=L, admin=200)),
    ("GET", "/admin/users/", None, dict(default=NF, anonymous=L, admin=200)),
    ("GET", "/admin/users/new", None, dict(default=NF, anonymous=L, admin=200)),
    ("POST", "/admin/users/new", {"email": "new.person@school.test", "display_name": "New Person"},
     dict(default=NF, anonymous=L, admin=200)),
    ("GET", "/admin/audit/", None, dict(default=NF, anonymous=L, admin=200)),
    ("POST", "/admin/schools/", {"name": "Another School", "class_count": "30"},
     dict(default=NF, anonymous=L, admin=302)),
]


def expected_status(rules: dict, role: str, method: str) -> int:
    if role in rules:
        return rules[role]
    if "default" in rules:
        return rules["default"]
    return 200


CASES = [
    pytest.param(method, url, data, role, expected_status(rules, role, method), id=f"{method} {url} as {role}")
    for method, url, data, rules in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "url", "data", "role", "status"), CASES)
def test_route_answers_each_role_as_the_matrix_says(client, ctx, method, url, data, role, status):
    world = build_world()
    fields = {"slug": world.slug, "target_id": world.target_id, "invitation_id": world.invitation_id,
              "token": world.token, "session_id": world.session_id}
    path = url.format(**fields)
    if role != "anonymous":
        client.login(world.users[role])
    if method == "GET":
        response = client.get(path)
    else:
        form = {key: value.format(**fields) for key, value in (data or {}).items()}
        response = client.post_form(path, form)
    assert response.status_code == status, f"{method} {path} as {role}: {response.status_code}"
    if status == L and role == "anonymous" and path not in ("/login", "/register", "/locale"):
        assert "/login" in response.headers["Location"]


def test_matrix_covers_every_route(app):
    """A new route must be added to the matrix (and so get a test per role)."""
    covered = {url.split("?")[0] for _method, url, _data, _rules in MATRIX}
    rules = {
        rule.rule.replace("<slug>", "{slug}").replace("<token>", "{token}")
        .replace("<int:membership_id>", "{target_id}").replace("<int:invitation_id>", "{invitation_id}")
        .replace("<int:session_id>", "{session_id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    admin_detail = {rule for rule in rules if rule.startswith("/admin/") and "<int:" in rule}
    # The resource library walks its own routes (tests/resources/test_permissions.py).
    library = {rule for rule in rules if rule.startswith(("/c/{slug}/resources", "/library"))}
    # So do the board (tests/discussions/test_permissions.py) and the notifications
    # (tests/notifications/test_permissions.py).
    board = {rule for rule in rules if rule.startswith(("/c/{slug}/discussions", "/notifications"))}
    # And the activities and their calendar feeds (tests/activities/test_permissions.py).
    activities = {rule for rule in rules if rule.startswith(("/c/{slug}/activities", "/calendar/"))}
    # And the co-planning area (tests/plans/test_permissions.py).
    plans = {rule for rule in rules if rule.startswith("/c/{slug}/plans")}
    missing = rules - covered - admin_detail - library - board - activities - plans
    assert not missing, f"routes missing from the permission matrix: {sorted(missing)}"


def test_admin_detail_routes_are_hidden_from_non_admins(client, ctx):
    world = build_world()
    school_id = db.session.scalar(db.select(db.func.min(__import__(
        "workspace.communities.models", fromlist=["School"]).School.id)))
    user_id = world.users["member"].id
    paths = [f"/admin/schools/{school_id}", f"/admin/users/{user_id}"]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.login(world.users[role])
        for path in paths:
            status = client.get(path).status_code
            expected = {"anonymous": L, "admin": 200}.get(role, NF)
            assert status == expected, f"GET {path} as {role}: {status}"
        for suffix, form in (("/active", {"active": "0"}), ("/admin", {"admin": "1"}), ("/reset-link", {}),
                             ("/approve", {}), ("/school", {"school_id": ""}), ("/school/refuse", {})):
            status = client.post_form(f"/admin/users/{user_id}{suffix}", form).status_code
            expected = {"anonymous": L, "admin": 200 if suffix == "/reset-link" else 302}.get(role, NF)
            assert status == expected, f"POST {suffix} as {role}: {status}"
        status = client.post_form(f"/admin/schools/{school_id}/domains", {"domain": "matrix.test"}).status_code
        assert status == {"anonymous": L, "admin": 302}.get(role, NF), f"POST domains as {role}: {status}"


# --- granting roles: every role × every role that can be given -----------------------------------

GRANTABLE = ("co_convener", "member", "mentor", "guest_expert")
# Who may give each role: the convener and site admins give any; a co-convener all but co-convener.
GIVERS = {"convener", "admin", "co_convener"}


def grant_status(role: str, granted: str) -> int:
    if role == "anonymous":
        return L
    if role == "outsider":
        return NF
    if role not in GIVERS or (role == "co_convener" and granted == "co_convener"):
        return FB
    return 302


GRANT_CASES = [pytest.param(role, granted, grant_status(role, granted), id=f"{role} gives {granted}")
               for role in ROLES for granted in GRANTABLE]


@pytest.mark.parametrize(("role", "granted", "status"), GRANT_CASES)
def test_each_role_gives_only_the_roles_the_policy_allows(client, ctx, role, granted, status):
    """By invitation and by role change alike; nothing is made or changed when refused."""
    from workspace.communities.models import Invitation, Membership

    world = build_world()
    if role != "anonymous":
        client.login(world.users[role])
    before = db.session.scalar(db.select(db.func.count(Invitation.id)))
    response = client.post_form(f"/c/{world.slug}/members/invitations", {"how": "link", "role": granted, "days": "7"})
    assert response.status_code == status, f"invite as {granted} by {role}: {response.status_code}"
    allowed = status == 302 and role != "anonymous"  # a visitor's 302 goes to the login page
    made = db.session.scalar(db.select(db.func.count(Invitation.id))) - before
    assert made == (1 if allowed else 0)
    response = client.post_form(f"/c/{world.slug}/members/{world.target_id}/role", {"role": granted})
    assert response.status_code == status, f"make the target {granted} by {role}: {response.status_code}"
    db.session.expire_all()
    target = db.session.get(Membership, world.target_id)
    assert target.role == (granted if allowed else "member")


@pytest.mark.parametrize("role", ["co_convener", "convener", "admin"])
def test_the_forms_offer_exactly_the_roles_the_routes_accept(client, ctx, role):
    """The invitation form and each member's role select ask the same policy as the routes."""
    import re

    world = build_world()
    client.login(world.users[role])
    page = client.get(f"/c/{world.slug}/members/").get_data(as_text=True)
    invite_select = re.search(r'<select[^>]*\bid="role"[^>]*>(.*?)</select>', page, re.S)
    offered = set(re.findall(r'value="([a-z_]+)"', invite_select.group(1)))
    accepted = {granted for granted in GRANTABLE if grant_status(role, granted) == 302}
    assert offered == accepted
    row = re.search(rf'<select name="role" id="role-{world.target_id}">(.*?)</select>', page, re.S)
    assert set(re.findall(r'value="([a-z_]+)"', row.group(1))) == accepted


def test_a_co_convener_cannot_change_or_remove_another_co_convener(client, ctx):
    from workspace.communities.models import Membership

    world = build_world()
    other = db.session.scalar(db.select(Membership).where(Membership.role == "co_convener"))
    co = add_member(db.session.get(Membership, world.target_id).community, role="co_convener")
    client.login(co.user)
    page = client.get(f"/c/{world.slug}/members/").get_data(as_text=True)
    assert f'id="role-{other.id}"' not in page  # no select for the other co-convener's role
    assert client.post_form(f"/c/{world.slug}/members/{other.id}/role", {"role": "member"}).status_code == FB
    assert client.post_form(f"/c/{world.slug}/members/{other.id}/remove", {}).status_code == FB
    db.session.expire_all()
    assert db.session.get(Membership, other.id).role == "co_convener"
    assert db.session.get(Membership, other.id).left_at is None
