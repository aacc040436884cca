"""A teacher's professional title (職稱) and subjects: set by the person on the account page or by a site
administrator on the user's page, checked beside the fields, shown beside the name on the members page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from workspace.auth import services
from workspace.auth.models import TITLE_LEVELS, Title, title_level
from workspace.core.errors import ValidationError
from workspace.core.models import AuditEvent
from workspace.extensions import db


def test_titles_are_ordered_levels_the_rules_compare():
    assert [title.value for title in Title] == ["none", "junior", "intermediate", "senior", "professor"]
    assert TITLE_LEVELS["intermediate"] == 2
    assert title_level("senior") >= title_level("intermediate") > title_level("junior") > title_level(None)
    assert title_level("unknown") == 0


def test_the_subjects_are_read_like_an_activitys_subjects(ctx):
    user = make_user()

    services.set_teaching_profile(user, title="intermediate", subjects=" 數學、語文，數學, 自然 ,", actor=user)

    assert (user.title, user.subjects) == ("intermediate", ["數學", "語文", "自然"])
    assert db.session.scalar(select(AuditEvent)) is None  # one's own profile is not on record


@pytest.mark.parametrize(("title", "subjects", "fields"), [
    ("chief", "數學", {"title"}),
    ("", "數學", {"title"}),
    ("senior", "x" * 61, {"subjects"}),
    ("senior", "、".join(f"科目{number}" for number in range(11)), {"subjects"}),
    ("chief", "x" * 61, {"title", "subjects"}),  # both at once
])
def test_a_title_off_the_list_and_too_many_or_too_long_subjects_are_refused(ctx, title, subjects, fields):
    user = make_user()

    with pytest.raises(ValidationError) as caught:
        services.set_teaching_profile(user, title=title, subjects=subjects, actor=user)

    assert {field for field, _message in caught.value.errors} == fields
    assert (user.title, user.subjects) == ("none", [])


def test_the_account_page_saves_title_and_subjects(client, ctx):
    user = make_user(display_name="林老師")
    client.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="title"' in page and 'name="subjects"' in page

    response = client.post_form("/account", {"display_name": "林老師", "school_id": "", "locale": "",
                                             "title": "senior", "subjects": "數學, 自然"})

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.title, user.subjects) == ("senior", ["數學", "自然"])
    assert 'value="數學, 自然"' in client.get("/account").get_data(as_text=True)  # an English reader's list


def test_the_account_page_refuses_beside_the_fields_in_the_readers_language(client, ctx):
    user = make_user(display_name="林老師")
    client.login(user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-TW"

    response = client.post_form("/account", {"display_name": "", "school_id": "", "locale": "",
                                             "title": "chief", "subjects": "x" * 61})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("display_name", "title", "subjects"):
        assert f'id="{field}-error"' in page, field
    assert "最多 60 個字元。" in page
    db.session.refresh(user)
    assert (user.display_name, user.title) == ("林老師", "none")


def test_an_administrator_sets_a_teachers_profile_on_record(client, ctx):
    admin, teacher = make_user(is_admin=True), make_user(display_name="王老師")
    client.login(admin)
    assert 'id="teaching-profile"' in client.get(f"/admin/users/{teacher.id}").get_data(as_text=True)

    response = client.post_form(f"/admin/users/{teacher.id}/profile", {"title": "professor", "subjects": "語文"})

    assert response.status_code == 302
    db.session.refresh(teacher)
    assert (teacher.title, teacher.subjects) == ("professor", ["語文"])
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.teaching_profile_changed"))
    assert (event.actor_id, event.subject_id) == (admin.id, teacher.id)
    bad = client.post_form(f"/admin/users/{teacher.id}/profile", {"title": "chief", "subjects": ""})
    assert bad.status_code == 422 and 'id="title-error"' in bad.get_data(as_text=True)
    assert client.post_form("/admin/users/2147483648/profile", {"title": "senior"}).status_code == 404


def test_the_members_page_shows_title_and_subjects_beside_the_name(client, ctx):
    convener = make_user()
    community = make_community(convener)
    add_member(community, make_user(display_name="林老師", title="intermediate", subjects=["數學", "語文"]), "mentor")
    add_member(community, make_user(display_name="王老師"))
    client.login(convener)

    page = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)

    # an English reader's list, each subject in its language (QA13)
    assert 'Intermediate title · <span lang="zh-Hant">數學</span>, <span lang="zh-Hant">語文</span>' in page
    assert page.count('class="muted small member-profile"') == 1  # nothing shown for a teacher without either


def test_a_profile_form_without_the_title_keeps_title_and_subjects(client, ctx):
    user = make_user(display_name="林老師", title="senior", subjects=["數學"])
    client.login(user)

    response = client.post_form("/account", {"display_name": "林大明", "school_id": "", "locale": ""})

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.title, user.subjects) == ("林大明", "senior", ["數學"])
