"""Site administration through the test client: the gate, schools, users, reset links, reviewer scopes, audit."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.compliance.helpers import enrolled
from tests.factories import PASSWORD, make_community, make_reviewer, make_school, make_user
from workspace.auth import services as auth_services
from workspace.auth.models import User
from workspace.communities.models import ReviewerScope, School
from workspace.core.models import AuditEvent
from workspace.extensions import db


@pytest.fixture()
def admin(ctx):
    return make_user(email="admin@school.test", display_name="Site Admin", is_admin=True)


def _page(response) -> str:
    return response.get_data(as_text=True)


def _field_error(page: str, field: str) -> str:
    """The text of the error shown beside a field (empty when none)."""
    found = re.findall(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, flags=re.S)
    return unescape(" ".join(found))


# --- the gate ------------------------------------------------------------------------------------


def _routes(user: User, school: School, scope: ReviewerScope) -> list[tuple[str, str, dict]]:
    """Every admin route with data an admin could send."""
    return [
        ("GET", "/admin/", {}),
        ("GET", "/admin/schools/", {}),
        ("POST", "/admin/schools/", {"name": "新學校", "class_count": "12"}),
        ("GET", f"/admin/schools/{school.id}", {}),
        ("POST", f"/admin/schools/{school.id}", {"name": school.name, "class_count": "30"}),
        ("GET", "/admin/users/", {}),
        ("GET", f"/admin/users/{user.id}", {}),
        ("POST", f"/admin/users/{user.id}/active", {"active": "1"}),
        ("POST", f"/admin/users/{user.id}/admin", {"admin": "0"}),
        ("POST", f"/admin/users/{user.id}/reset-link", {}),
        ("POST", f"/admin/users/{user.id}/scopes", {"school_id": str(school.id)}),
        ("POST", f"/admin/users/{user.id}/scopes/{scope.id}/revoke", {}),
        ("GET", "/admin/audit/", {}),
    ]


def _send(client, method: str, path: str, data: dict):
    return client.get(path) if method == "GET" else client.post_form(path, data)


def _fixtures_for_the_gate():
    school = make_school()
    user = make_reviewer(school=make_school())
    scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == user.id))
    return user, school, scope


def test_anonymous_visitors_are_sent_to_login(client, ctx):
    user, school, scope = _fixtures_for_the_gate()
    for method, path, data in _routes(user, school, scope):
        response = _send(client, method, path, data)
        assert response.status_code == 302, (method, path)
        assert "/login?next=" in response.headers["Location"], (method, path)
    assert db.session.scalar(select(func.count(School.id))) == 2
    assert db.session.scalar(select(func.count(ReviewerScope.id))) == 1


@pytest.mark.parametrize("kind", ["member", "reviewer", "convener"])
def test_non_admins_get_404(client, ctx, kind):
    user, school, scope = _fixtures_for_the_gate()
    if kind == "member":
        someone = make_user()
    elif kind == "reviewer":
        someone = make_reviewer(school=None)
    else:
        someone = make_user()
        make_community(convener=someone, schools=[school])
    client.login(someone)
    for method, path, data in _routes(user, school, scope):
        assert _send(client, method, path, data).status_code == 404, (method, path)
    assert db.session.scalar(select(func.count(School.id))) == 2
    assert db.session.scalar(select(func.count(ReviewerScope.id))) == 1 + (kind == "reviewer")
    db.session.refresh(user)
    assert user.active


def test_admins_get_every_route(client, admin):
    user, school, scope = _fixtures_for_the_gate()
    client.login(admin)
    for method, path, data in _routes(user, school, scope):
        response = _send(client, method, path, data)
        assert response.status_code in (200, 302), (method, path, response.status_code)
    assert db.session.scalar(select(School).where(School.name == "新學校")) is not None


def test_deactivated_admin_is_no_admin(client, admin):
    client.login(admin)
    assert client.get("/admin/").status_code == 200
    admin.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_admin_link_shows_only_for_admins(client, admin):
    client.login(make_user())
    assert "/admin/" not in _page(client.get("/"))
    client.login(admin)
    assert "/admin/" in _page(client.get("/"))


def test_the_overview_says_what_waits_for_the_administrator_with_a_link_to_each(client, admin):
    """QA 13: /admin/ showed only totals; the account waiting to be let in appeared only inside Users, the enrolment
    waiting for confirmation only on its community's panel, and a new school has no reviewer to confirm it."""
    client.login(admin)
    page = _page(client.get("/admin/"))
    assert 'id="waiting"' not in page  # nothing waits: nothing said
    make_user(display_name="黃小明", confirmed=False)
    make_user(display_name="吳雅婷", confirmed=False)
    make_user(display_name="已離職", confirmed=False, active=False)  # deactivated: not waiting for anyone
    setup = enrolled(confirmed=False)
    confirmed = enrolled("done")  # confirmed: not waiting
    page = _page(client.get("/admin/"))
    assert '<a href="/admin/users/?show=waiting">2 accounts wait for approval</a>' in page
    assert '<a href="/review/compliance/">1 enrolment waits for confirmation</a>' in page
    panel = f'/c/{setup.slug}/compliance/#enrollment-{setup.enrollment.id}'
    assert f'<a href="{panel}">{setup.club.community.name}</a>' in page and "NT$50,000" in page
    assert f"/c/{confirmed.slug}/compliance/" not in page
    for person in make_user(), make_reviewer(setup.club.community.schools[0]):  # the overview is the admins'
        client.login(person)
        assert client.get("/admin/").status_code == 404


# --- schools -------------------------------------------------------------------------------------


def test_create_school(client, admin):
    client.login(admin)
    response = client.post_form("/admin/schools/", {
        "name": "  光華國小 ", "class_count": "24", "in_evaluation_programme": "y",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/schools/"
    school = db.session.scalar(select(School))
    assert (school.name, school.class_count, school.in_evaluation_programme) == ("光華國小", 24, True)
    page = _page(client.get("/admin/schools/"))
    assert "光華國小" in page and f"/admin/schools/{school.id}" in page


@pytest.mark.parametrize(
    ("data", "field", "kept"),
    [
        ({"name": "", "class_count": "24"}, "name", 'value="24"'),
        ({"name": "   ", "class_count": "24"}, "name", 'value="24"'),
        ({"name": "光華國小", "class_count": "24"}, "name", 'value="24"'),  # a duplicate
        ({"name": "新生國小", "class_count": "1001"}, "class_count", 'value="新生國小"'),
        ({"name": "新生國小", "class_count": "-1"}, "class_count", 'value="新生國小"'),
        ({"name": "新生國小", "class_count": "many"}, "class_count", 'value="新生國小"'),
        ({"name": "新生國小", "class_count": "١٢"}, "class_count", 'value="١٢"'),  # int() takes Arabic-Indic digits
        ({"name": "新生國小", "class_count": "99999999999999999999"}, "class_count", 'value="新生國小"'),
        ({"name": "新生國小", "class_count": ""}, "class_count", 'value="新生國小"'),
        ({"name": "長" * 121, "class_count": "3"}, "name", 'value="3"'),
    ],
)
def test_create_school_validation(client, admin, data, field, kept):
    make_school(name="光華國小")
    client.login(admin)
    response = client.post_form("/admin/schools/", data)
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, field), f"no error beside {field}"
    assert kept in page
    assert db.session.scalar(select(func.count(School.id))) == 1


def test_duplicate_school_name_says_so(client, admin):
    make_school(name="光華國小")
    client.login(admin)
    page = _page(client.post_form("/admin/schools/", {"name": "光華國小", "class_count": "10"}))
    assert "A school called “光華國小” already exists." in _field_error(page, "name")


def test_a_school_name_in_the_other_script_is_the_same_school(client, admin):
    make_school(name="光華國小")
    client.login(admin)
    response = client.post_form("/admin/schools/", {"name": "光华国小", "class_count": "10"})
    assert response.status_code == 422
    assert "A school called “光華國小” already exists." in _field_error(_page(response), "name")
    assert db.session.scalar(select(func.count(School.id))) == 1


def test_edit_school(client, admin):
    school = make_school(name="光華國小", class_count=20)
    client.login(admin)
    page = _page(client.get(f"/admin/schools/{school.id}"))
    assert 'value="光華國小"' in page and 'value="20"' in page
    # Keeping its own name is no clash.
    response = client.post_form(f"/admin/schools/{school.id}", {"name": "光華國小", "class_count": "26"})
    assert response.status_code == 302
    db.session.refresh(school)
    assert school.class_count == 26 and school.in_evaluation_programme is False
    response = client.post_form(f"/admin/schools/{school.id}", {"name": "光華實驗國小", "class_count": "26"})
    assert response.status_code == 302
    db.session.refresh(school)
    assert school.name == "光華實驗國小"


def test_edit_school_validation_keeps_what_was_typed(client, admin):
    school = make_school(name="光華國小", class_count=20)
    make_school(name="新生國小")
    client.login(admin)
    response = client.post_form(f"/admin/schools/{school.id}", {"name": "新生國小", "class_count": "22"})
    assert response.status_code == 422
    page = _page(response)
    assert "already exists" in _field_error(page, "name")
    assert 'value="新生國小"' in page and 'value="22"' in page
    response = client.post_form(f"/admin/schools/{school.id}", {"name": "改名國小", "class_count": "5000"})
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, "class_count")
    assert 'value="改名國小"' in page and 'value="5000"' in page
    db.session.refresh(school)
    assert (school.name, school.class_count) == ("光華國小", 20)


def test_unknown_school_is_404(client, admin):
    client.login(admin)
    assert client.get("/admin/schools/99999").status_code == 404
    assert client.post_form("/admin/schools/99999", {"name": "x", "class_count": "1"}).status_code == 404


# --- users ---------------------------------------------------------------------------------------


def test_users_list_and_search_by_name_or_email(client, admin):
    make_user(display_name="林美玲", email="lin@school.test")
    make_user(display_name="王大明", email="wang@other.test")
    client.login(admin)
    page = _page(client.get("/admin/users/"))
    assert "林美玲" in page and "王大明" in page and "Site Admin" in page
    page = _page(client.get("/admin/users/", query_string={"q": "美玲"}))
    assert "林美玲" in page and "王大明" not in page
    page = _page(client.get("/admin/users/", query_string={"q": "OTHER.test"}))
    assert "王大明" in page and "林美玲" not in page
    page = _page(client.get("/admin/users/", query_string={"q": "nobody-matches"}))
    assert "Nobody matches." in page and "林美玲" not in page


def test_users_search_treats_wildcards_as_text(client, admin):
    make_user(display_name="林美玲", email="lin_ming@school.test")
    make_user(display_name="林小明", email="linxming@school.test")
    make_user(display_name="100% 老師", email="full@school.test")
    client.login(admin)
    page = _page(client.get("/admin/users/", query_string={"q": "lin_m"}))
    assert "林美玲" in page  # an address with "_" is found by what was typed
    assert "林小明" not in page  # "_" is a letter to find, not "any letter"
    page = _page(client.get("/admin/users/", query_string={"q": "%"}))
    assert "100% 老師" in page and "林美玲" not in page
    for query in ("%%%", "'", "\\", "\\_", "[a]"):
        response = client.get("/admin/users/", query_string={"q": query})
        assert response.status_code == 200, query
        assert "Nobody matches." in _page(response), query


def test_users_search_by_htmx_returns_only_the_rows(client, admin):
    make_user(display_name="林美玲", email="lin@school.test")
    make_user(display_name="王大明", email="wang@other.test")
    client.login(admin)
    response = client.get("/admin/users/", query_string={"q": "林"},
                          headers={"HX-Request": "true", "HX-Target": "user-rows"})
    assert response.status_code == 200
    fragment = _page(response).strip()
    assert "<html" not in fragment and "<body" not in fragment
    assert fragment.startswith('<section class="card table-wrap" id="user-rows">')
    assert "林美玲" in fragment and "王大明" not in fragment
    assert "HX-Request" in response.headers["Vary"]
    # A boosted navigation to the same URL gets the full page.
    boosted = client.get("/admin/users/", query_string={"q": "林"},
                         headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in _page(boosted)


def test_user_page(client, admin):
    user = make_user(display_name="林美玲", email="lin@school.test")
    community = make_community(convener=user, name="數學社群")
    client.login(admin)
    page = _page(client.get(f"/admin/users/{user.id}"))
    assert "林美玲" in page and "lin@school.test" in page and "數學社群" in page
    assert client.get("/admin/users/99999").status_code == 404
    assert community.slug in page


def test_deactivate_and_reactivate(client, make_client, admin):
    user = make_user(email="lin@school.test")
    their_browser = make_client().login(user)
    assert their_browser.get("/").status_code == 200
    client.login(admin)
    response = client.post_form(f"/admin/users/{user.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    db.session.refresh(user)
    assert user.active is False
    assert their_browser.get("/").status_code == 302
    fresh = make_client()
    assert fresh.post_form("/login", {"email": "lin@school.test", "password": PASSWORD}).status_code == 422
    assert "Deactivated" in _page(client.get("/admin/users/"))
    client.post_form(f"/admin/users/{user.id}/active", {"active": "1"})
    db.session.refresh(user)
    assert user.active is True
    assert fresh.post_form("/login", {"email": "lin@school.test", "password": PASSWORD}).status_code == 302


def test_actions_need_the_csrf_token(client, admin):
    user = make_user()
    client.login(admin)
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 400
    assert client.post(f"/admin/users/{user.id}/admin", data={"admin": "1"}).status_code == 400
    db.session.refresh(user)
    assert user.active and not user.is_admin


def test_admin_cannot_deactivate_or_demote_oneself(client, admin):
    client.login(admin)
    response = client.post_form(f"/admin/users/{admin.id}/active", {"active": "0"}, follow_redirects=True)
    assert "You cannot deactivate your own account." in _page(response)
    response = client.post_form(f"/admin/users/{admin.id}/admin", {"admin": "0"}, follow_redirects=True)
    assert "You cannot remove your own administrator rights." in _page(response)
    db.session.refresh(admin)
    assert admin.active and admin.is_admin
    assert client.get("/admin/").status_code == 200


def test_make_and_remove_admin(client, make_client, admin):
    user = make_user()
    their_browser = make_client().login(user)
    assert their_browser.get("/admin/").status_code == 404
    client.login(admin)
    assert client.post_form(f"/admin/users/{user.id}/admin", {"admin": "1"}).status_code == 302
    db.session.refresh(user)
    assert user.is_admin
    assert their_browser.get("/admin/").status_code == 200
    assert client.post_form(f"/admin/users/{user.id}/admin", {"admin": "0"}).status_code == 302
    db.session.refresh(user)
    assert not user.is_admin
    assert their_browser.get("/admin/").status_code == 404


def test_reset_link_is_shown_once_and_works_for_that_user(client, make_client, admin):
    user = make_user(email="lin@school.test", display_name="林美玲")
    client.login(admin)
    response = client.post_form(f"/admin/users/{user.id}/reset-link")
    assert response.status_code == 200
    page = _page(response)
    links = re.findall(r'value="(https?://[^"]+/reset/[^"]+)"', page)
    assert len(links) == 1
    token = links[0].rsplit("/reset/", 1)[1]
    # Shown once: the user page does not show it again.
    assert token not in _page(client.get(f"/admin/users/{user.id}"))
    their_browser = make_client()
    assert their_browser.get(f"/reset/{token}").status_code == 200
    response = their_browser.post_form(f"/reset/{token}", {
        "password": "my brand new passphrase", "password_confirm": "my brand new passphrase",
    })
    assert response.status_code == 302
    assert "林美玲" in _page(their_browser.get("/"))
    db.session.refresh(user)
    assert auth_services.verify_password(user, "my brand new passphrase")
    assert their_browser.get(f"/reset/{token}").status_code == 410


# --- reviewer scopes -----------------------------------------------------------------------------


def _scopes(user: User) -> list[int | None]:
    return sorted(db.session.scalars(select(ReviewerScope.school_id).where(ReviewerScope.user_id == user.id)),
                  key=lambda value: (value is not None, value or 0))


def test_grant_scope_for_one_school_without_duplicates(client, admin):
    school = make_school(name="光華國小")
    user = make_user()
    client.login(admin)
    assert client.post_form(f"/admin/users/{user.id}/scopes", {"school_id": str(school.id)}).status_code == 302
    assert client.post_form(f"/admin/users/{user.id}/scopes", {"school_id": str(school.id)}).status_code in (302, 422)
    assert _scopes(user) == [school.id]
    page = _page(client.get(f"/admin/users/{user.id}"))
    assert "光華國小" in page


def test_grant_scope_for_all_schools_without_duplicates(client, admin):
    user = make_user()
    client.login(admin)
    for _ in range(2):
        assert client.post_form(f"/admin/users/{user.id}/scopes", {"school_id": "all"}).status_code in (302, 422)
    assert _scopes(user) == [None]
    assert "All schools" in _page(client.get(f"/admin/users/{user.id}"))


def test_grant_scope_refuses_an_unknown_school(client, admin):
    user = make_user()
    client.login(admin)
    for value in ("99999", "", "not-a-number"):
        response = client.post_form(f"/admin/users/{user.id}/scopes", {"school_id": value})
        assert response.status_code == 422, value
        assert _field_error(_page(response), "scope-school_id"), value
    assert _scopes(user) == []


def test_revoke_scope(client, admin):
    school = make_school()
    user = make_reviewer(school=school)
    other = make_reviewer(school=school)
    scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == user.id))
    other_scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == other.id))
    scope_id, other_scope_id = scope.id, other_scope.id
    client.login(admin)
    # A scope reached through another user's URL is not found.
    assert client.post_form(f"/admin/users/{user.id}/scopes/{other_scope_id}/revoke").status_code == 404
    assert client.post_form(f"/admin/users/{user.id}/scopes/{scope_id}/revoke").status_code == 302
    assert _scopes(user) == []
    assert _scopes(other) == [school.id]
    assert client.post_form(f"/admin/users/{user.id}/scopes/{scope_id}/revoke").status_code == 404


def test_reviewer_sees_the_communities_of_the_granted_school_only(client, make_client, admin):
    school_a = make_school(name="光華國小")
    school_b = make_school(name="新生國小")
    in_a = make_community(name="光華數學社群", schools=[school_a])
    in_both = make_community(name="兩校英語社群", schools=[school_a, school_b])
    in_b = make_community(name="新生自然社群", schools=[school_b])
    no_school = make_community(name="無校社群")
    reviewer = make_user()
    reviewer_browser = make_client().login(reviewer)
    assert reviewer_browser.get("/review/").status_code == 404
    assert reviewer_browser.get(f"/c/{in_a.slug}/").status_code == 404

    client.login(admin)
    assert client.post_form(f"/admin/users/{reviewer.id}/scopes", {"school_id": str(school_a.id)}).status_code == 302

    response = reviewer_browser.get("/review/")
    assert response.status_code == 200
    page = _page(response)
    assert "光華數學社群" in page and "兩校英語社群" in page
    assert "新生自然社群" not in page and "無校社群" not in page
    assert reviewer_browser.get(f"/c/{in_a.slug}/").status_code == 200
    assert reviewer_browser.get(f"/c/{in_both.slug}/").status_code == 200
    assert reviewer_browser.get(f"/c/{in_b.slug}/").status_code == 404
    assert reviewer_browser.get(f"/c/{no_school.slug}/").status_code == 404
    # Reading is not managing.
    assert reviewer_browser.get(f"/c/{in_a.slug}/settings").status_code == 403

    scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == reviewer.id))
    assert client.post_form(f"/admin/users/{reviewer.id}/scopes/{scope.id}/revoke").status_code == 302
    assert reviewer_browser.get("/review/").status_code == 404
    assert reviewer_browser.get(f"/c/{in_a.slug}/").status_code == 404


def test_reviewer_of_all_schools_sees_every_school_community(client, make_client, admin):
    in_a = make_community(name="光華數學社群", schools=[make_school()])
    in_b = make_community(name="新生自然社群", schools=[make_school()])
    reviewer = make_user()
    client.login(admin)
    client.post_form(f"/admin/users/{reviewer.id}/scopes", {"school_id": "all"})
    reviewer_browser = make_client().login(reviewer)
    page = _page(reviewer_browser.get("/review/"))
    assert "光華數學社群" in page and "新生自然社群" in page
    assert reviewer_browser.get(f"/c/{in_a.slug}/").status_code == 200
    assert reviewer_browser.get(f"/c/{in_b.slug}/").status_code == 200


# --- audit ---------------------------------------------------------------------------------------


def test_audit_page_lists_events(client, admin):
    user = make_user(display_name="林美玲")
    school = make_school(name="光華國小")
    client.login(admin)
    client.post_form(f"/admin/users/{user.id}/active", {"active": "0"})
    client.post_form(f"/admin/users/{user.id}/admin", {"admin": "1"})
    client.post_form(f"/admin/users/{user.id}/scopes", {"school_id": str(school.id)})
    client.post_form(f"/admin/users/{user.id}/reset-link")
    client.post_form("/admin/schools/", {"name": "新生國小", "class_count": "8"})
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.deactivated", "user.admin_granted", "reviewer_scope.granted", "user.reset_link_created",
            "school.saved"} <= actions
    response = client.get("/admin/audit/")
    assert response.status_code == 200
    page = _page(response)
    for text in ("deactivated the account of “林美玲”", "made “林美玲” a site administrator",
                 "gave “林美玲” reviewer access to “光華國小”", "made a password reset link for “林美玲”",
                 "saved the school “新生國小”"):
        assert text in page, text
    assert "Site Admin" in page


# --- a fresh install's first steps (QA13 #8) -------------------------------------------------------


def _first_steps(client) -> str:
    page = _page(client.get("/admin/"))
    if 'id="first-steps"' not in page:
        return ""
    start = page.index('id="first-steps"')
    return page[start:page.index("</section>", start)]


def test_a_fresh_install_shows_its_first_steps_until_it_has_a_school_and_a_program(client, admin):
    """/admin/ on a fresh install showed four zeros and no way on: a school, a program, accounts."""
    from tests.compliance.helpers import preset, program_copy

    preset()  # the shipped presets are there from the start: not a program of the site's own
    client.login(admin)
    steps = _first_steps(client)
    assert "Add your school and its email domain" in steps and 'href="/admin/schools/"' in steps
    assert 'href="/admin/programs/"' in steps and 'href="/admin/users/new"' in steps
    assert "Done" not in steps
    make_school(name="新校國小")
    make_user(display_name="林佳蓉")
    steps = _first_steps(client)
    assert steps.count("Done") == 2 and 'href="/admin/schools/"' not in steps and 'href="/admin/programs/"' in steps
    program_copy(actor=admin)
    assert _first_steps(client) == ""  # a school and a program of its own: the overview as before
