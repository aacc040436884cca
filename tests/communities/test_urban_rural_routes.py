"""The urban–rural pages over HTTP: the settings' core school and term, the community home's schools, the exchange
page's list and coverage, and bad input answered beside its field (422) or 404, never 500."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.communities.urban_rural import make_partnership
from tests.factories import add_member, make_community, make_school, make_user
from workspace.communities import services
from workspace.communities.models import ExchangedTeacher
from workspace.communities.services import ExchangedTeacherFields
from workspace.extensions import db


def settings_form(community, **values) -> dict:
    form = {"name": community.name, "kind": community.kind, "slug": community.slug, "description": "",
            "vision": ""}
    form.update(values)
    return form


def test_the_settings_page_names_the_core_school_and_saves_roles_and_term(client, ctx):
    convener, core, member = make_user(), make_school(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core, member])
    client.login(convener)

    page = client.get(f"/c/{community.slug}/settings").get_data(as_text=True)
    assert 'id="partnership"' in page and 'name="core_school_id"' in page

    response = client.post_form(f"/c/{community.slug}/settings", settings_form(
        community, school_ids=[str(core.id), str(member.id)], core_school_id=str(core.id),
        agreement_starts_on="2026-08-01", agreement_ends_on="2028-07-31"))

    assert response.status_code == 302
    assert services.school_roles_of(community) == {core.id: "core", member.id: "member"}
    db.session.refresh(community)
    assert community.agreement_ends_on == dt.date(2028, 7, 31)
    home = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "Core school" in home and "Member school" in home and "/exchange/" in home


def test_a_plain_community_shows_no_partnership_fields(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)

    assert 'id="partnership"' not in client.get(f"/c/{community.slug}/settings").get_data(as_text=True)
    assert 'id="partner-schools"' not in client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_bad_settings_answer_422_beside_their_fields(client, ctx):
    convener, core, member = make_user(), make_school(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core, member])
    client.login(convener)
    cases = [
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": ""}, "Choose exactly one core school."),
        ({"school_ids": [str(core.id)], "core_school_id": str(core.id)}, "Choose at least one member school"),
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": str(core.id),
          "agreement_starts_on": "2026-08-01", "agreement_ends_on": "2026-07-01"}, "must end after it starts"),
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": "2147483647"},
         "Choose a school from the list."),
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": "abc"}, "Choose a school from the list."),
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": str(core.id),
          "agreement_ends_on": "2026-02-30"}, "2026-02-30 is not a date: that month has 28 days."),
        ({"school_ids": [str(core.id), str(member.id)], "core_school_id": str(core.id),
          "agreement_starts_on": "2026-11-10", "agreement_ends_on": ""},
         'id="agreement_ends_on-error">Enter both days of the agreement, or leave both empty.'),
    ]
    for values, message in cases:
        response = client.post_form(f"/c/{community.slug}/settings", settings_form(community, **values))
        assert response.status_code == 422, values
        assert message in response.get_data(as_text=True), values
    assert services.school_roles_of(community) == {core.id: "member", member.id: "member"}  # nothing saved


def test_switching_to_urban_rural_asks_for_the_core_school(client, ctx):
    convener, core, member = make_user(), make_school(), make_school()
    community = make_community(convener, schools=[core, member])
    client.login(convener)

    response = client.post_form(f"/c/{community.slug}/settings", settings_form(
        community, kind="urban_rural", school_ids=[str(core.id), str(member.id)]))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="partnership"' in page and "Choose exactly one core school." in page


def test_the_exchange_page_lists_teachers_and_the_member_schools_still_uncovered(client, ctx):
    team = make_partnership(2)
    services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="林老師", school_id=team.members[0].id, subject="數學"), actor=team.convener)
    db.session.commit()
    member = add_member(team.community).user
    client.login(member)

    page = client.get(f"/c/{team.community.slug}/exchange/").get_data(as_text=True)

    assert "林老師" in page and "1 member school has no exchanged teacher yet" in page
    assert team.members[1].name in page.split('id="coverage"')[1].split("</section>")[0]
    assert 'name="subject"' not in page  # a member reads; the conveners keep the list
    assert f'href="/c/{team.community.slug}/exchange/"' in client.get(f"/c/{team.community.slug}/members/").get_data(
        as_text=True)  # the community's nav links the page


def test_a_convener_adds_edits_and_removes_a_teacher_through_the_pages(client, ctx):
    team = make_partnership(1)
    linked = add_member(team.community, make_user(display_name="王小明")).user
    client.login(team.convener)
    slug = team.community.slug

    added = client.post_form(f"/c/{slug}/exchange/", {"name": "", "user_id": str(linked.id),
                                                      "school_id": str(team.members[0].id), "subject": "英語"})
    assert added.status_code == 302
    teacher = db.session.scalar(select(ExchangedTeacher))
    assert (teacher.name, teacher.user_id) == ("王小明", linked.id)
    page = client.get(f"/c/{slug}/exchange/").get_data(as_text=True)
    assert "Every member school has an exchanged teacher." in page and "hx-confirm" in page

    edit = client.get(f"/c/{slug}/exchange/{teacher.id}/edit").get_data(as_text=True)
    assert 'value="英語"' in edit
    assert client.post_form(f"/c/{slug}/exchange/{teacher.id}/edit", {
        "name": "王老師", "user_id": "", "school_id": str(team.core.id), "subject": "英語"}).status_code == 302
    db.session.refresh(teacher)
    assert (teacher.name, teacher.school_id, teacher.user_id) == ("王老師", team.core.id, None)

    assert client.post_form(f"/c/{slug}/exchange/{teacher.id}/remove").status_code == 302
    assert db.session.scalar(select(ExchangedTeacher)) is None


def test_bad_teachers_answer_422_with_every_message_beside_its_field(client, ctx):
    team = make_partnership(1)
    client.login(team.convener)
    slug = team.community.slug
    cases = [
        ({"name": "", "school_id": "", "subject": ""}, ['name-error">This field is required.',
                                                        'school_id-error">This field is required.',
                                                        'subject-error">This field is required.']),
        ({"name": "x" * 201, "school_id": str(team.members[0].id), "subject": "數學"}, ["longer than 100 characters"]),
        ({"name": "林", "school_id": "abc", "subject": "數學"}, ["Choose a school from the list."]),
        ({"name": "林", "school_id": str(make_school().id), "subject": "數學"}, ["Choose a school from the list."]),
        ({"name": "林", "school_id": str(team.members[0].id), "subject": "數學", "user_id": str(make_user().id)},
         ["Choose from the list."]),
        ({"name": "林", "school_id": str(team.members[0].id), "subject": "數學", "user_id": "99999999999"},
         ["Choose from the list."]),
    ]
    for values, messages in cases:
        response = client.post_form(f"/c/{slug}/exchange/", values)
        assert response.status_code == 422, values
        for message in messages:
            assert message in response.get_data(as_text=True), (values, message)
    assert db.session.scalar(select(ExchangedTeacher)) is None


def test_the_pages_speak_the_readers_language(client, ctx):
    team = make_partnership(1)
    client.login(team.convener)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-TW"

    page = client.get(f"/c/{team.community.slug}/exchange/").get_data(as_text=True)
    assert "交流教師" in page and "核心學校" in page and "成員學校" in page
    response = client.post_form(f"/c/{team.community.slug}/exchange/", {"name": "林", "school_id": "",
                                                                        "subject": ""})
    assert response.status_code == 422 and "Choose one of" not in response.get_data(as_text=True)


def test_the_cached_home_shows_a_new_core_school_at_once(client, ctx):
    """The roles change by a Core UPDATE, which the flush hooks do not see: the page changes at once all the same."""
    team = make_partnership(1)
    client.login(team.convener)
    slug = team.community.slug
    client.get(f"/c/{slug}/")  # the page is in the cache now (a write elsewhere may make this one fresh again)
    first = client.get(f"/c/{slug}/").get_data(as_text=True)
    core_item = f"<span lang=\"zh-Hant\">{team.core.name}</span> <span class=\"badge badge-role\">"
    assert core_item in first

    response = client.post_form(f"/c/{slug}/settings", settings_form(
        team.community, school_ids=[str(team.core.id), str(team.members[0].id)], description=team.community.description,
        core_school_id=str(team.members[0].id), agreement_starts_on="2026-08-01", agreement_ends_on="2028-07-31"))

    assert response.status_code == 302
    again = client.get(f"/c/{slug}/").get_data(as_text=True)
    assert core_item not in again and f"{team.members[0].name} <span class=\"badge badge-role\">" in again
