"""Community routes through the test client: pages, fragments, validation, invitations, roles."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.factories import add_member, make_community, make_school, make_user
from workspace.auth import services as auth_services
from workspace.auth.models import User
from workspace.communities import services
from workspace.communities.models import Community, Invitation, Membership
from workspace.core.models import AuditEvent
from workspace.extensions import db


def test_visitor_is_sent_to_login_and_back(client, ctx):
    community = make_community()
    response = client.get(f"/c/{community.slug}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/login?next=/c/{community.slug}/")


def test_htmx_visitor_gets_401_with_hx_redirect(client, ctx):
    community = make_community()
    response = client.get(f"/c/{community.slug}/members/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "/login?next=" in response.headers["HX-Redirect"]


def test_a_form_sent_after_the_login_ended_is_answered_with_the_login_not_a_bad_request(client, ctx):
    """The session (and its CSRF secret) is gone: the person is asked to log in, and nothing changes."""
    community = make_community()
    response = client.post(f"/c/{community.slug}/members/leave", data={"csrf_token": "from-the-old-session"})
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    response = client.post(f"/c/{community.slug}/members/leave", headers={"HX-Request": "true", "X-CSRFToken": "old"})
    assert response.status_code == 401 and "/login?next=" in response.headers["HX-Redirect"]
    # Logged in, a form without its token is still refused.
    client.login(add_member(community).user)
    assert client.post(f"/c/{community.slug}/members/leave", data={"csrf_token": "forged"}).status_code == 400


@pytest.mark.parametrize(("headers", "back_to"), [
    # A poll or a swap from a page whose login expired: back to that page, not to the fragment's address.
    ({"HX-Current-URL": "http://{host}/c/{slug}/plans/7?tab=1"}, "/c/{slug}/plans/7?tab%3D1"),
    # A boosted link asks for the page it names.
    ({"HX-Current-URL": "http://{host}/c/{slug}/", "HX-Boosted": "true"}, "/notifications/bell?seen%3D3"),
    # Another site's address, or none: the address asked for.
    ({"HX-Current-URL": "https://evil.example/c/{slug}/"}, "/notifications/bell?seen%3D3"),
    ({"HX-Current-URL": "javascript:alert(1)"}, "/notifications/bell?seen%3D3"),
    ({}, "/notifications/bell?seen%3D3"),
])
def test_an_htmx_request_after_the_login_expired_returns_to_its_page(client, ctx, headers, back_to):
    slug = make_community().slug
    host = ctx.config["SERVER_NAME"]
    headers = {name: value.format(slug=slug, host=host) for name, value in headers.items()}
    response = client.get("/notifications/bell?seen=3", headers={"HX-Request": "true", **headers})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=" + back_to.format(slug=slug)


def test_outsider_gets_404_for_a_community(client, ctx):
    community = make_community()
    client.login(make_user())
    assert client.get(f"/c/{community.slug}/").status_code == 404
    assert client.get(f"/c/{community.slug}/members/").status_code == 404
    assert client.get("/c/no-such-community/").status_code == 404


def test_create_community_makes_creator_convener(client, ctx):
    teacher = make_user(display_name="林老師")
    school = make_school(name="光華國小")
    client.login(teacher)
    response = client.post_form("/communities/new", {
        "name": "五年級數學社群", "kind": "subject", "slug": "math-5",
        "description": "我們一起備課 **分數的加減**。", "vision": "", "school_ids": [str(school.id)],
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/math-5/")
    community = db.session.scalar(select(Community).where(Community.slug == "math-5"))
    assert community.name == "五年級數學社群"
    assert [s.name for s in community.schools] == ["光華國小"]
    membership = db.session.scalar(select(Membership).where(Membership.community_id == community.id))
    assert membership.user_id == teacher.id and membership.role == "convener"
    home = client.get("/c/math-5/").get_data(as_text=True)
    assert "五年級數學社群" in home and "<strong>分數的加減</strong>" in home and "林老師" in home


def test_create_community_errors_keep_what_was_typed(client, ctx):
    make_community(slug="taken-slug")
    client.login(make_user())
    response = client.post_form("/communities/new", {
        "name": "  ", "kind": "subject", "slug": "taken-slug", "description": "我打了很多字",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "我打了很多字" in page
    assert 'id="name-error"' in page
    response = client.post_form("/communities/new", {
        "name": "Science", "kind": "subject", "slug": "taken-slug", "description": "kept text",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="slug-error"' in page and "kept text" in page and 'value="Science"' in page


def test_the_new_community_form_ticks_the_site_s_only_school_for_someone_of_no_school(client, ctx):
    """QA 13: on a new install the administrator (of no school) created the first community with the only school
    unticked, and it was made with no school at all."""
    school = make_school(name="新校國小")
    client.login(make_user(is_admin=True))
    page = client.get("/communities/new").get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{school.id}"|<input[^>]*value="{school.id}"[^>]*checked', page)
    assert "formation rules read the school's number of classes" in page
    make_school(name="別校國小")  # two schools: none is guessed
    page = client.get("/communities/new").get_data(as_text=True)
    assert "checked" not in page.split('id="school_ids"', 1)[1].split("</ul>", 1)[0]


def test_a_new_community_needs_a_school_once_the_site_has_schools(client, ctx):
    school = make_school(name="新校國小")
    client.login(make_user(is_admin=True))
    form = {"name": "五年級數學社群", "kind": "grade", "slug": "", "description": "我打了很多字", "vision": ""}
    response = client.post_form("/communities/new", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="school_ids-error"' in page and "Choose the community&#39;s school" in page
    assert "我打了很多字" in page and 'value="五年級數學社群"' in page
    assert db.session.scalar(select(func.count(Community.id))) == 0
    response = client.post_form("/communities/new", {**form, "school_ids": [str(school.id)]})
    assert response.status_code == 302
    assert [item.name for item in db.session.scalar(select(Community)).schools] == ["新校國小"]


def test_create_community_requires_csrf(client, ctx):
    client.login(make_user())
    response = client.post("/communities/new", data={"name": "x", "kind": "subject", "slug": "abc"})
    assert response.status_code == 400
    assert db.session.scalar(select(Community)) is None


def test_home_page_and_fragment_share_a_url(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    page = client.get(f"/c/{community.slug}/")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    boosted = client.get(f"/c/{community.slug}/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_invite_by_link_and_accept(client, make_client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations",
                                {"how": "link", "role": "mentor", "days": "7", "single_use": "y"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.role == "mentor" and invitation.single_use

    guest = make_client()
    page = guest.get(f"/invite/{invitation.token}")
    assert page.status_code == 200, page.headers.get("Location")
    assert community.name in page.get_data(as_text=True)
    response = guest.post_form("/register", {
        "display_name": "新老師", "email": "New.Teacher@School.test", "password": "a long enough pass",
        "password_confirm": "a long enough pass", "invite": invitation.token, "school_id": "", "locale": "",
    })
    # A link invitation names nobody: the new account waits to be let in (no mail here: by an administrator), who
    # sees which invitation it came through; let in, it joins the community (QA: it was left on "not in a
    # community yet", its owner to find the link again).
    assert response.status_code == 200
    assert f"You join {community.name} as soon as they do" in response.get_data(as_text=True)
    waiting = auth_services.find_user_by_email("new.teacher@school.test")
    admin = make_client()
    admin.login(make_user(is_admin=True))
    page = admin.get(f"/admin/users/{waiting.id}").get_data(as_text=True)
    assert f"It signed up through an invitation to {community.name} made by {convener.display_name}" in page
    assert admin.post_form(f"/admin/users/{waiting.id}/approve").status_code == 302
    assert "as the invitation said" in admin.get(f"/admin/users/{waiting.id}").get_data(as_text=True)
    assert guest.post_form("/login", {"email": "new.teacher@school.test", "password": "a long enough pass"}
                           ).status_code == 302
    assert guest.get(f"/c/{community.slug}/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, waiting.id).pending_invitation_id is None
    membership = db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.role == "mentor")
    )
    assert membership.user.email == "new.teacher@school.test"

    third = make_client()
    page = third.get(f"/invite/{invitation.token}")
    assert page.status_code == 410
    assert "already been used" in page.get_data(as_text=True)


def test_htmx_invitation_returns_the_region_with_the_link(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.hx("post", f"/c/{community.slug}/members/invitations",
                         data={"how": "link", "role": "member", "days": "14"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="invitations"' in page and "<html" not in page
    invitation = db.session.scalar(select(Invitation))
    assert f"/invite/{invitation.token}" in page
    assert 'id="flashes" class="flashes" role="status" aria-live="polite" hx-swap-oob="innerHTML"' in page


def test_an_address_invited_is_not_invited_twice(client, ctx):
    """QA: after an email invitation the address stayed in the field, and a second press sent the same person a
    second invitation and a second email."""
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    data = {"how": "email", "email": "new.teacher@school.example", "role": "member", "days": "14"}
    first = client.hx("post", f"/c/{community.slug}/members/invitations", data=data)
    assert first.status_code == 200
    field = re.search(r'<input[^>]*name="email"[^>]*>', first.get_data(as_text=True)).group(0)
    assert "new.teacher@school.example" not in field  # the field is empty again
    again = client.hx("post", f"/c/{community.slug}/members/invitations", data=data)
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "An invitation to this address is already waiting" in page
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_invalid_invitation_email_is_refused_beside_the_field(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.hx("post", f"/c/{community.slug}/members/invitations",
                         data={"how": "email", "email": "not-an-address", "role": "member", "days": "14"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and "not-an-address" in page


@pytest.mark.parametrize("days", ["١٢", "²", "99999999999999999999", "1e3"])
def test_invitation_days_that_are_not_a_number_are_refused_beside_the_field(client, ctx, days):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations",
                                {"how": "link", "role": "member", "days": days})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="days-error"' in page
    assert db.session.scalar(select(Invitation)) is None


@pytest.mark.parametrize("value", ["99999999999999999999", "9223372036854775808", "²", "١٢", "-1", "0"])
def test_schools_or_a_new_convener_that_are_not_ids_are_refused(client, ctx, value):
    convener = make_user()
    school = make_school()
    community = make_community(convener, schools=[school])
    client.login(convener)
    settings = client.post_form(f"/c/{community.slug}/settings", {
        "name": community.name, "kind": community.kind, "slug": community.slug, "school_ids": [value]})
    assert settings.status_code == 422 and "has-error" in settings.get_data(as_text=True)
    transfer = client.post_form(f"/c/{community.slug}/members/transfer", {"membership_id": value})
    assert transfer.status_code == 422
    db.session.expire_all()
    assert [item.id for item in community.schools] == [school.id]
    assert db.session.scalar(select(Membership).where(Membership.user_id == convener.id)).role == "convener"


def test_member_cannot_change_roles(client, ctx):
    community = make_community()
    member = add_member(community)
    other = add_member(community)
    client.login(member.user)
    response = client.post_form(f"/c/{community.slug}/members/{other.id}/role", {"role": "co_convener"})
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.role == "member"


def test_convener_changes_role_with_htmx_and_an_audit_event(client, ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    client.login(convener)
    response = client.hx("post", f"/c/{community.slug}/members/{member.id}/role", data={"role": "co_convener"})
    assert response.status_code == 200
    assert f'id="member-{member.id}"' in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.role == "co_convener"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.role_changed"))
    assert event.actor_id == convener.id and event.data["new"] == "co_convener"


def test_last_convener_cannot_leave(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/leave")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Transfer the convenership" in follow
    assert db.session.scalar(select(Membership).where(Membership.user_id == convener.id)).left_at is None


def test_transfer_keeps_exactly_one_convener(client, ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/transfer", {"membership_id": str(member.id)})
    assert response.status_code == 302
    db.session.expire_all()
    roles = {m.user_id: m.role for m in db.session.scalars(select(Membership))}
    assert roles == {convener.id: "co_convener", member.user_id: "convener"}


def test_archive_makes_community_read_only(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    assert client.post_form(f"/c/{community.slug}/archive").status_code == 302
    page = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "archived" in page
    response = client.post_form(
        f"/c/{community.slug}/members/invitations", {"how": "link", "role": "member", "days": "3"}
    )
    assert response.status_code == 403
    # QA: the 403 said "your role does not allow it … ask the convener", to the convener too.
    assert "This community is archived: it can be read, not changed." in response.get_data(as_text=True)
    # QA: the settings page, the only one with "Bring back from the archive", answered 403 once archived.
    settings = client.get(f"/c/{community.slug}/settings")
    page = settings.get_data(as_text=True)
    assert settings.status_code == 200 and "Bring back from the archive" in page
    assert f'action="/c/{community.slug}/settings"' not in page  # nothing else to change while archived
    member = add_member(community)
    client.login(member.user)
    assert client.get(f"/c/{community.slug}/settings").status_code == 403
    # A co-convener, who edits the settings of an open community, is told why: it is archived, not their role.
    co_convener = add_member(community, role="co_convener")
    client.login(co_convener.user)
    refused = client.get(f"/c/{community.slug}/settings")
    assert refused.status_code == 403
    assert "This community is archived: it can be read, not changed." in refused.get_data(as_text=True)
    client.login(convener)
    assert client.post_form(f"/c/{community.slug}/unarchive").status_code == 302
    db.session.refresh(community)
    assert community.archived_at is None


def test_url_for_community_home(app):
    with app.test_request_context():
        assert url_for("communities.show", slug="math-5") == "/c/math-5/"


def test_home_shows_recent_resources_to_members_only(client, make_client, ctx):
    from workspace.resources import services as resources

    convener = make_user()
    community = make_community(convener)
    resources.create_text_resource(community, resources.ResourceFields(title="通分教案", kind="lesson_plan"),
                                   "內容", actor=convener)
    db.session.commit()
    home = client.login(convener).get(f"/c/{community.slug}/").get_data(as_text=True)
    assert 'id="recent-resources"' in home and "通分教案" in home
    guest = add_member(community, role="guest_expert")
    page = make_client().login(guest.user).get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "通分教案" not in page and 'id="recent-resources"' not in page


# --- the address of a community with a Chinese name (issue 11) -----------------------------------


def test_without_javascript_an_empty_address_is_made_from_the_chinese_name(client, ctx):
    first, second = make_school(), make_school()
    client.login(make_user())
    response = client.post_form("/communities/new", {"name": "五年級數學社群", "kind": "grade", "slug": "",
                                                      "school_ids": [str(first.id)]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/wu-nian-ji-shu-xue-she-qun/")
    response = client.post_form("/communities/new", {"name": "五年级数学社群", "kind": "grade", "slug": "",
                                                      "school_ids": [str(second.id)]})
    assert response.headers["Location"].endswith("/c/wu-nian-ji-shu-xue-she-qun-2/")  # unique: a suffix


def test_the_new_community_form_explains_the_address(client, ctx):
    client.login(make_user())
    page = client.get("/communities/new").get_data(as_text=True)
    assert "…/c/address/" in page and "bookmark and share" in page and "<address>" not in page
    assert 'hx-target="#slug-field"' in page and 'id="slug-preview"' in page
    with client.session_transaction() as session:
        session["locale"] = "zh_Hant"
    page = client.get("/communities/new").get_data(as_text=True)
    assert "網址" in page


def test_the_address_follows_the_name_as_it_is_typed(client, ctx):
    client.login(make_user())
    response = client.get("/communities/slug-suggestion", query_string={"name": "五年級數學社群", "slug": "",
                                                                        "slug_suggested": ""},
                          headers={"HX-Request": "true", "HX-Target": "slug-field"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="slug-field"' in page and "<html" not in page
    assert 'value="wu-nian-ji-shu-xue-she-qun"' in page  # in the field, ready to submit
    assert "http://workspace.test/c/wu-nian-ji-shu-xue-she-qun/" in page  # and its preview
    # The name changes: so does an address the person did not write themselves …
    suggested = "wu-nian-ji-shu-xue-she-qun"
    page = client.get("/communities/slug-suggestion", query_string={
        "name": "五年級數學社群 2026", "slug": suggested, "slug_suggested": suggested,
    }, headers={"HX-Request": "true", "HX-Target": "slug-field"}).get_data(as_text=True)
    assert 'value="wu-nian-ji-shu-xue-she-qun-2026"' in page
    # … but one they wrote stays theirs.
    page = client.get("/communities/slug-suggestion", query_string={
        "name": "五年級數學社群 2026", "slug": "math-5", "slug_suggested": "wu-nian-ji-shu-xue-she-qun",
    }, headers={"HX-Request": "true", "HX-Target": "slug-field"}).get_data(as_text=True)
    assert 'value="math-5"' in page and "/c/math-5/" in page


def test_the_address_preview_says_when_an_address_is_taken_or_malformed(client, ctx):
    convener = make_user()
    community = make_community(convener, slug="math-5")
    client.login(make_user())
    preview = {"HX-Request": "true", "HX-Target": "slug-preview"}
    page = client.get("/communities/slug-suggestion?slug=math-5", headers=preview).get_data(as_text=True)
    assert 'id="slug-preview"' in page and 'id="slug-field"' not in page
    assert "Another community already uses this address." in page
    page = client.get("/communities/slug-suggestion?slug=Math_5!", headers=preview).get_data(as_text=True)
    assert "lower-case letters" in page
    # On its own settings page, a community's address is its own, not taken; another's settings don't count.
    page = client.get("/communities/slug-suggestion?slug=math-5&current=math-5", headers=preview)
    assert "already uses" in page.get_data(as_text=True)  # not this person's community to edit
    client.login(convener)
    page = client.get("/communities/slug-suggestion?slug=math-5&current=math-5", headers=preview)
    assert "already uses" not in page.get_data(as_text=True) and "/c/math-5/" in page.get_data(as_text=True)
    assert community.slug == "math-5"


# --- duplicate names (issue 11) --------------------------------------------------------------------


def test_a_duplicate_name_at_the_school_is_refused_beside_the_name_keeping_what_was_typed(client, ctx):
    school = make_school(name="和平國小")
    make_community(name="五年級數學社群", schools=[school])
    client.login(make_user(school_id=school.id))
    response = client.post_form("/communities/new", {
        "name": "五年级数学社群 ", "kind": "grade", "slug": "", "description": "我打了很多字",
        "school_ids": [str(school.id)],
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and "和平國小 already has a community called “五年級數學社群”" in page
    assert "我打了很多字" in page and 'value="五年级数学社群 "' in page
    assert db.session.scalar(select(func.count(Community.id))) == 1


def test_a_rename_into_a_duplicate_is_refused(client, ctx):
    school = make_school()
    make_community(name="Reading Circle", schools=[school])
    convener = make_user()
    mine = make_community(convener, name="Book Club", slug="book-club", schools=[school])
    client.login(convener)
    response = client.post_form(f"/c/{mine.slug}/settings", {
        "name": "READING  circle", "kind": "subject", "slug": "book-club", "description": "", "vision": "",
        "school_ids": [str(school.id)]})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Community, mine.id).name == "Book Club"


def test_each_members_buttons_are_named_for_the_member(client, ctx):
    """QA: the evaluation-programme toggle was named "No" (not pressed: a double negative, without whose) and every
    row's Remove read the same; each now names the member, the toggle's state in aria-pressed."""
    convener = make_user()
    community = make_community(convener)
    member = add_member(community, make_user(display_name="黃美玲"))
    client.login(convener)
    page = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    row = page.split(f'id="member-{member.id}"')[1].split("</tr>")[0]
    toggle = re.search(r'<button type="submit" class="toggle" aria-pressed="false">(.*?)</button>', row, re.S).group(1)
    assert '<span aria-hidden="true">No</span>' in toggle
    # The name marked with its language (QA13: an English voice read 黃美玲 as nothing).
    name = '<span lang="zh-Hant">黃美玲</span>'
    assert f'<span class="visually-hidden">{name} takes part in the teacher-evaluation programme</span>' in toggle
    assert f'Remove<span class="visually-hidden"> {name}</span></button>' in row


def test_a_shareable_link_is_offered_for_several_people_unless_ticked(client, ctx):
    """QA: the members page ticked "works only once" for a shareable link, meant for a staff meeting: the second
    teacher to open it found it used."""
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    page = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="single_use"[^>]*>', page).group(0)
    assert "checked" not in box
    client.post_form(f"/c/{community.slug}/members/invitations", {"how": "link", "role": "member", "days": "7"})
    assert db.session.scalar(select(Invitation)).single_use is False


def test_an_invitation_withdrawn_while_its_sign_up_waited_is_said_when_let_in(client, make_client, ctx):
    convener = make_user()
    community = make_community(convener)
    invitation = services.create_invitation(community, actor=convener, role="member", single_use=False)
    db.session.commit()
    guest = make_client()
    guest.post_form("/register", {"display_name": "晚來的老師", "email": "late@school.test",
                                  "password": "a long enough pass", "password_confirm": "a long enough pass",
                                  "invite": invitation.token, "school_id": "", "locale": ""})
    services.revoke_invitation(invitation, actor=convener)
    db.session.commit()
    waiting = auth_services.find_user_by_email("late@school.test")
    client.login(make_user(is_admin=True))
    client.post_form(f"/admin/users/{waiting.id}/approve")
    page = client.get(f"/admin/users/{waiting.id}").get_data(as_text=True)
    assert "The invitation it signed up through could not be used: This invitation was withdrawn." in page
    db.session.expire_all()
    user = db.session.get(User, waiting.id)
    assert user.approved and user.pending_invitation_id is None
    assert db.session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                      Membership.user_id == user.id)) is None


def test_a_member_removed_in_place_updates_the_count_and_the_formation_rules(client, ctx):
    """QA: after *Remove* (htmx) the heading still said 6 members and the formation rules above kept their figures
    until a reload; a role or evaluation change in place did not refresh the rules either."""
    convener = make_user(display_name="陳召集")
    community = make_community(convener, slug="club-count")
    first, second = add_member(community), add_member(community)
    client.login(convener)
    page = client.get("/c/club-count/members/").get_data(as_text=True)
    assert '<span class="count" id="members-count">3</span>' in page
    assert 'hx-trigger="load, members-changed from:body"' in page  # the formation rules listen
    removed = client.hx("post", f"/c/club-count/members/{first.id}/remove", data={})
    assert removed.status_code == 200 and removed.headers["HX-Trigger"] == "members-changed"
    body = removed.get_data(as_text=True)
    assert '<span class="count" id="members-count" hx-swap-oob="true">2</span>' in body
    assert 'id="flashes"' in body and "removed from the community" in body and "<tr" not in body
    flagged = client.hx("post", f"/c/club-count/members/{second.id}/evaluation", data={"flagged": "1"})
    assert flagged.status_code == 200 and flagged.headers["HX-Trigger"] == "members-changed"


def test_the_last_school_is_not_taken_off_a_community(client, ctx):
    """QA: unticking every school saved, and the school's reviewer lost an enrolled community (404) while its
    evaluation-programme rule turned "not applicable". A community without schools may keep none."""
    school = make_school()
    convener = make_user()
    mine = make_community(convener, name="Book Club", slug="book-club", schools=[school])
    client.login(convener)
    form = {"name": "Book Club", "kind": "subject", "slug": "book-club", "description": "", "vision": "我打的字"}
    response = client.post_form(f"/c/{mine.slug}/settings", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="school_ids-error"' in page and "Keep at least one school" in page and "我打的字" in page
    db.session.expire_all()
    assert [item.id for item in db.session.get(Community, mine.id).schools] == [school.id]
    other = make_school()
    response = client.post_form(f"/c/{mine.slug}/settings", {**form, "school_ids": [str(other.id)]})
    assert response.status_code == 302  # another school instead: saved
    schoolless = make_community(convener, name="County Circle", slug="county-circle")
    response = client.post_form(f"/c/{schoolless.slug}/settings", {**form, "name": "County Circle",
                                                                   "slug": "county-circle"})
    assert response.status_code == 302


# --- the next activities (QA13 #6) -------------------------------------------------------------------


def _card(page: str, card_id: str = "upcoming-activities") -> str:
    start = page.index(f'id="{card_id}"')
    return page[start:page.index("</section>", start)]


def test_the_community_home_shows_the_next_activities_and_what_they_ask_of_the_reader(client, make_client, ctx):
    """A new teacher on his first login found the activity he was expected at only under the Activities tab."""
    import datetime as dt

    from tests.activities.helpers import make_club, now_local
    from tests.factories import make_reviewer
    from workspace.activities import services as activities

    club = make_club("home-next")
    soon = now_local(10 * 24 * 60)
    expected = club.activity("分數乘法共備", starts=soon, place="五年級教室")
    excused = club.activity("讀書會", starts=soon + dt.timedelta(days=7), mode="online", place="")
    activities.request_leave(excused, "校外教學", actor=club.member)
    dropped = club.activity("取消的活動", starts=soon + dt.timedelta(days=1))
    activities.cancel_activity(dropped, "颱風", actor=club.convener)
    db.session.commit()

    card = _card(client.login(club.member).get("/c/home-next/").get_data(as_text=True))
    assert "分數乘法共備" in card and "五年級教室" in card and "取消的活動" not in card
    assert card.index("分數乘法共備") < card.index("讀書會")  # soonest first
    assert "You are expected." in card
    assert f'href="/c/home-next/activities/{expected.id}#my-status">Ask to be excused</a>' in card
    assert "Leave request: waiting for the conveners" in card and "Online" in card
    assert 'href="/c/home-next/activities/"' in card

    reviewer = make_reviewer(club.community.schools[0])  # reads the activities; expected at none
    card = _card(make_client().login(reviewer).get("/c/home-next/").get_data(as_text=True))
    assert "分數乘法共備" in card and "You are expected" not in card and "Ask to be excused" not in card
    guest = add_member(club.community, role="guest_expert").user  # reads no activities: no card
    assert 'id="upcoming-activities"' not in make_client().login(guest).get("/c/home-next/").get_data(as_text=True)


def test_a_community_without_activities_tells_its_convener_to_plan_one(client, make_client, ctx):
    convener = make_user()
    community = make_community(convener, slug="no-activities")
    member = add_member(community).user
    card = _card(client.login(convener).get("/c/no-activities/").get_data(as_text=True))
    assert "No activities planned yet. Plan the first one" in card
    assert 'href="/c/no-activities/activities/new"' in card
    card = _card(make_client().login(member).get("/c/no-activities/").get_data(as_text=True))
    assert "No activities planned yet." in card and "/activities/new" not in card


def test_my_communities_lists_the_next_activities_across_them_in_one_list(client, ctx):
    import datetime as dt

    from tests.activities.helpers import make_club, now_local

    first, second = make_club("mine-a"), make_club("mine-b")
    add_member(second.community, first.member)
    soon = now_local(3 * 24 * 60)
    first.activity("A 社群的共備", starts=soon + dt.timedelta(days=2))
    second.activity("B 社群的觀課", starts=soon)
    for day in range(3, 6):
        first.activity(f"之後的活動 {day}", starts=soon + dt.timedelta(days=day))
    db.session.commit()
    page = client.login(first.member).get("/").get_data(as_text=True)
    card = _card(page)
    assert card.index("B 社群的觀課") < card.index("A 社群的共備")  # soonest first, whatever the community
    assert second.community.name in card and first.community.name in card
    assert card.count("<li") == 3 and "You are expected." in card
    assert page.index('id="upcoming-activities"') < page.index('id="community-list"')
    # Nothing to come: no card.
    assert 'id="upcoming-activities"' not in client.login(make_user()).get("/").get_data(as_text=True)


def test_a_community_without_a_description_asks_those_who_may_edit_it_to_write_one(client, make_client, ctx):
    """QA13 #8: the convener saw "No description yet." with no way to it."""
    convener = make_user()
    community = make_community(convener, slug="undescribed", description="")
    member = add_member(community).user
    about = _card(client.login(convener).get("/c/undescribed/").get_data(as_text=True), "about")
    assert "No description yet. Say what the community works on" in about
    assert 'href="/c/undescribed/settings#description"' in about
    assert 'id="description"' in client.get("/c/undescribed/settings").get_data(as_text=True)
    about = _card(make_client().login(member).get("/c/undescribed/").get_data(as_text=True), "about")
    assert "No description yet." in about and "/settings" not in about
