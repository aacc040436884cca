"""The permission matrix: every route of the foundation walked as each role, status checked.

Roles: anonymous, outsider (logged in, not a member), departed (a member who left), reviewer elsewhere (scope
over another school), guest expert, member, co-convener, convener, reviewer (scope over the community's
school), site admin. Outsiders and reviewers without a right
get 404 for a community's pages, members without the right get 403, visitors go to the login page.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from tests.factories import add_member
from tests.permission_walk import (
    BAD,
    DONE,
    FB,
    LIKE,
    LOGIN,
    NF,
    OK,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
    status_code,
)
from workspace.auth.services import start_session
from workspace.communities import services
from workspace.communities.models import ReviewerScope, SchoolEmailDomain
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener", "convener",
         "reviewer", "admin")


def build_matrix_world() -> World:
    """Every role; a target member (whom the managers change and remove) with a login of their own that nobody
    else may end, an invitation, an email domain of the school and the reviewer's scope."""
    world = build_world(ROLES, name="matrix")
    community, convener = world.community(), world.users["convener"]
    target = add_member(community, role="member")
    invitation = services.create_invitation(community, actor=convener, role="member")
    login = start_session(target.user, user_agent="", address="")
    domain = SchoolEmailDomain(school_id=world.school_id, domain=f"{world.slug}.test")
    db.session.add(domain)
    db.session.commit()
    scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == world.users["reviewer"].id))
    world.ids = {"target_id": target.id, "invitation_id": invitation.id, "token": invitation.token,
                 "session_id": login.id, "school_id": world.school_id, "domain_id": domain.id, "scope_id": scope.id}
    return world


# Outsiders get 404 for a community; those without the right 403; visitors the login page.
CONVENERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=FB, reviewer=FB)  # conveners and admins
ADMIN_ONLY = dict(anonymous=LOGIN, default=NF, admin=OK)
COMMUNITY_FORM = {"name": "Renamed by {role}", "kind": "subject", "slug": "{slug}", "description": "",
                  "vision": "", "school_ids": "{school_id}"}  # it keeps its school (one at least)

# Unlisted roles get the row's default, else 200. Each role gets a world of its own: many of these act on
# the world's one target, login or invitation.
MATRIX = [
    # A reviewer with no community of their own is sent to /review/.
    Step("GET", "communities.index", "/", None, dict(anonymous=LOGIN, reviewer=DONE, reviewer_elsewhere=DONE)),
    Step("GET", "core.health", "/healthz", None, {}),
    Step("GET", "core.ready", "/healthz/ready", None, {}),
    Step("GET", "communities.new_community", "/communities/new", None, dict(anonymous=LOGIN)),
    Step("POST", "communities.create_community", "/communities/new",
         {"name": "New of {role}", "kind": "grade", "slug": "new-of-{role_key}", "school_ids": "{school_id}"},
         dict(anonymous=LOGIN, default=DONE)),
    Step("GET", "communities.suggest_slug", "/communities/slug-suggestion?name=Maths", None, dict(anonymous=LOGIN)),
    Step("GET", "communities.show", "/c/{slug}/", None, dict(anonymous=LOGIN, outsider=NF)),
    Step("GET", "communities.members", "/c/{slug}/members/", None, dict(anonymous=LOGIN, outsider=NF)),
    Step("GET", "communities.edit", "/c/{slug}/settings", None, dict(CONVENERS, default=OK)),
    Step("POST", "communities.update", "/c/{slug}/settings", COMMUNITY_FORM, dict(CONVENERS, default=DONE)),
    Step("POST", "communities.archive", "/c/{slug}/archive", {}, dict(CONVENERS, co_convener=FB, default=DONE)),
    Step("POST", "communities.unarchive", "/c/{slug}/unarchive", {}, dict(CONVENERS, co_convener=FB, default=DONE)),
    Step("POST", "communities.create_invitation", "/c/{slug}/members/invitations",
         {"how": "link", "role": "member", "days": "7"}, dict(CONVENERS, default=DONE)),
    Step("POST", "communities.revoke_invitation", "/c/{slug}/members/invitations/{invitation_id}/revoke", {},
         dict(CONVENERS, default=DONE)),
    Step("POST", "communities.change_role", "/c/{slug}/members/{target_id}/role", {"role": "mentor"},
         dict(CONVENERS, default=DONE)),
    Step("POST", "communities.flag_evaluation", "/c/{slug}/members/{target_id}/evaluation", {"flagged": "1"},
         dict(CONVENERS, default=DONE)),
    Step("POST", "communities.remove_member", "/c/{slug}/members/{target_id}/remove", {},
         dict(CONVENERS, default=DONE)),
    Step("POST", "communities.transfer", "/c/{slug}/members/transfer", {"membership_id": "{target_id}"},
         dict(CONVENERS, co_convener=FB, default=DONE)),
    Step("POST", "communities.leave", "/c/{slug}/members/leave", {},
         dict(anonymous=LOGIN, outsider=NF, reviewer=NF, admin=NF, default=DONE)),
    Step("GET", "communities.show_invitation", "/invite/{token}", None,
         dict(guest_expert=DONE, member=DONE, co_convener=DONE, convener=DONE)),
    Step("POST", "communities.accept_invitation", "/invite/{token}", {}, dict(anonymous=LOGIN, default=DONE)),
    Step("GET", "communities.review", "/review/", None,
         dict(anonymous=LOGIN, outsider=NF, guest_expert=NF, member=NF, co_convener=NF, convener=NF,
              reviewer_elsewhere=OK)),
    Step("GET", "auth.account", "/account", None, dict(anonymous=LOGIN)),
    Step("POST", "auth.update_account", "/account", {"display_name": "New Name", "school_id": "", "locale": ""},
         dict(anonymous=LOGIN, default=DONE)),
    Step("POST", "auth.change_password", "/account/password",
         {"current_password": "wrong one", "password": "x" * 12, "password_confirm": "x" * 12},
         dict(anonymous=LOGIN, default=BAD)),
    Step("POST", "auth.logout", "/logout", {}, dict(default=LOGIN)),
    Step("POST", "auth.end_other_sessions", "/account/sessions/end-others", {}, dict(anonymous=LOGIN, default=DONE)),
    Step("POST", "auth.end_session", "/account/sessions/{session_id}/end", {}, dict(anonymous=LOGIN, default=NF)),
    # An invitation's token confirms no address and resets no password.
    Step("GET", "auth.confirm_email", "/confirm/{token}", None, dict(default=410)),
    Step("POST", "auth.confirm_email_post", "/confirm/{token}", {"password": "whatever it is"}, dict(default=410)),
    Step("POST", "auth.set_locale", "/locale", {"locale": "en", "next": "/"}, dict(default=DONE)),
    Step("GET", "auth.reset_password", "/reset/{token}", None, dict(default=410)),
    Step("POST", "auth.reset_password_post", "/reset/{token}", {"password": "x" * 12, "password_confirm": "x" * 12},
         dict(default=410)),
    Step("GET", "auth.login", "/login", None, dict(default=DONE, anonymous=OK)),
    # The public forms refuse a wrong or empty form alike, whoever sends it.
    Step("POST", "auth.login_post", "/login", {"email": "nobody.{role_key}@school.test", "password": "wrong one"},
         dict(default=BAD)),
    Step("POST", "auth.register_post", "/register", {}, dict(default=BAD)),
    Step("POST", "auth.forgot_password_post", "/forgot", {"email": ""}, dict(default=BAD)),
    Step("GET", "auth.register", "/register", None, dict(default=DONE, anonymous=OK)),
    Step("GET", "auth.forgot_password", "/forgot", None, {}),
    Step("GET", "search.index", "/search", None, dict(anonymous=LOGIN)),
    Step("POST", "core.preview_markdown", "/markdown/preview", {"body": "**bold**"}, dict(anonymous=LOGIN)),
    Step("GET", "search.index", "/search?q=matrix", None, dict(anonymous=LOGIN)),
    Step("GET", "admin.index", "/admin/", None, ADMIN_ONLY),
    Step("GET", "admin.schools", "/admin/schools/", None, ADMIN_ONLY),
    Step("GET", "admin.users", "/admin/users/", None, ADMIN_ONLY),
    Step("GET", "admin.new_user", "/admin/users/new", None, ADMIN_ONLY),
    Step("POST", "admin.create_user", "/admin/users/new",
         {"email": "new.person@school.test", "display_name": "New Person"}, ADMIN_ONLY),
    Step("GET", "admin.audit", "/admin/audit/", None, ADMIN_ONLY),
    Step("POST", "admin.create_school", "/admin/schools/", {"name": "Another School", "class_count": "30"},
         dict(ADMIN_ONLY, admin=DONE)),
    # A school's and a person's own pages: hidden from everyone but the site admins.
    Step("GET", "admin.edit_school", "/admin/schools/{school_id}", None, ADMIN_ONLY),
    Step("POST", "admin.update_school", "/admin/schools/{school_id}", {"name": "Renamed School", "class_count": "30"},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.add_school_domain", "/admin/schools/{school_id}/domains", {"domain": "matrix.test"},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.remove_school_domain", "/admin/schools/{school_id}/domains/{domain_id}/remove", {},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("GET", "admin.show_user", "/admin/users/{member_id}", None, ADMIN_ONLY),
    Step("POST", "admin.set_active", "/admin/users/{member_id}/active", {"active": "0"}, dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.set_admin", "/admin/users/{member_id}/admin", {"admin": "1"}, dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.create_reset_link", "/admin/users/{member_id}/reset-link", {}, ADMIN_ONLY),
    Step("POST", "admin.approve_user", "/admin/users/{member_id}/approve", {}, dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.grant_school", "/admin/users/{member_id}/school", {"school_id": ""},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.set_teaching_profile", "/admin/users/{member_id}/profile",
         {"title": "intermediate", "subjects": "數學、語文"}, dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.refuse_school", "/admin/users/{member_id}/school/refuse", {}, dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.grant_scope", "/admin/users/{member_id}/scopes", {"school_id": "all"},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "admin.revoke_scope", "/admin/users/{reviewer_id}/scopes/{scope_id}/revoke", {},
         dict(ADMIN_ONLY, admin=DONE)),
]


TABLE = Table(ROLES, build_matrix_world, [dataclasses.replace(step, consuming=True) for step in MATRIX],
              csrf_as=lambda step: "admin" if step.url.startswith("/admin/") else "convener")
test_route_answers_each_role_as_the_matrix_says = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


# --- granting roles: every role × every role that can be given -----------------------------------

GRANTABLE = ("co_convener", "member", "mentor", "guest_expert")
# Who may give each role: the convener and site admins give any; a co-convener all but co-convener.
GIVERS = {"convener", "admin", "co_convener"}


def grant_status(role: str, granted: str) -> int:
    role = LIKE.get(role, role)
    if role == "anonymous":
        return status_code(LOGIN)
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

    world = build_matrix_world()
    if role != "anonymous":
        client.login(world.users[role])
    before = db.session.scalar(db.select(db.func.count(Invitation.id)))
    response = client.post_form(f"/c/{world.slug}/members/invitations", {"how": "link", "role": granted, "days": "7"})
    assert response.status_code == status, f"invite as {granted} by {role}: {response.status_code}"
    allowed = status == 302 and role != "anonymous"  # a visitor's 302 goes to the login page
    made = db.session.scalar(db.select(db.func.count(Invitation.id))) - before
    assert made == (1 if allowed else 0)
    target_id = world.ids["target_id"]
    response = client.post_form(f"/c/{world.slug}/members/{target_id}/role", {"role": granted})
    assert response.status_code == status, f"make the target {granted} by {role}: {response.status_code}"
    db.session.expire_all()
    target = db.session.get(Membership, world.ids["target_id"])
    assert target.role == (granted if allowed else "member")


@pytest.mark.parametrize("role", ["co_convener", "convener", "admin"])
def test_the_forms_offer_exactly_the_roles_the_routes_accept(client, ctx, role):
    """The invitation form and each member's role select ask the same policy as the routes."""
    import re

    world = build_matrix_world()
    target_id = world.ids["target_id"]
    client.login(world.users[role])
    page = client.get(f"/c/{world.slug}/members/").get_data(as_text=True)
    invite_select = re.search(r'<select[^>]*\bid="role"[^>]*>(.*?)</select>', page, re.S)
    offered = set(re.findall(r'value="([a-z_]+)"', invite_select.group(1)))
    accepted = {granted for granted in GRANTABLE if grant_status(role, granted) == 302}
    assert offered == accepted
    row = re.search(rf'<select name="role" id="role-{target_id}"[^>]*>(.*?)</select>', page, re.S)
    assert set(re.findall(r'value="([a-z_]+)"', row.group(1))) == accepted


def test_a_co_convener_cannot_change_or_remove_another_co_convener(client, ctx):
    from workspace.communities.models import Membership

    world = build_matrix_world()
    other = db.session.scalar(db.select(Membership).where(Membership.role == "co_convener"))
    co = add_member(db.session.get(Membership, world.ids["target_id"]).community, role="co_convener")
    client.login(co.user)
    page = client.get(f"/c/{world.slug}/members/").get_data(as_text=True)
    assert f'id="role-{other.id}"' not in page  # no select for the other co-convener's role
    assert client.post_form(f"/c/{world.slug}/members/{other.id}/role", {"role": "member"}).status_code == FB
    assert client.post_form(f"/c/{world.slug}/members/{other.id}/remove", {}).status_code == FB
    db.session.expire_all()
    assert db.session.get(Membership, other.id).role == "co_convener"
    assert db.session.get(Membership, other.id).left_at is None
