"""Urban–rural communities: the schools' roles and the agreement's term (settings), and the exchanged teachers,
as rules tested without HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.communities.urban_rural import make_partnership, settle
from tests.factories import add_member, make_community, make_school, make_user
from workspace.communities import services
from workspace.communities.models import ExchangedTeacher
from workspace.communities.services import ExchangedTeacherFields
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.extensions import db


def refused(error: ValidationError) -> dict[str, str]:
    return dict(error.errors)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the schools' roles and the agreement's term --------------------------------------------------------------


def test_the_settings_give_one_core_school_the_others_are_members_and_the_term_is_kept(ctx):
    team = make_partnership(2)

    roles = services.school_roles_of(team.community)

    assert roles == {team.core.id: "core", team.members[0].id: "member", team.members[1].id: "member"}
    assert (team.community.agreement_starts_on, team.community.agreement_ends_on) == (
        dt.date(2026, 8, 1), dt.date(2028, 7, 31))
    assert [event.subject_id for event in events("community.core_school_set")] == [team.core.id]
    assert len(events("community.agreement_changed")) == 1


def test_moving_the_core_to_another_school_makes_the_old_one_a_member(ctx):
    team = make_partnership(2)
    new_core = team.members[0]

    settle(team.community, team.convener, schools=[team.core, *team.members], core=new_core,
           starts=dt.date(2026, 8, 1), ends=dt.date(2028, 7, 31))
    db.session.commit()

    assert services.school_roles_of(team.community) == {
        team.core.id: "member", new_core.id: "core", team.members[1].id: "member"}
    assert len(events("community.agreement_changed")) == 1  # the same term: no second event


def test_the_core_school_is_among_the_schools_even_when_not_ticked(ctx):
    convener, core, member = make_user(), make_school(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[member])

    settle(community, convener, schools=[member], core=core)

    assert {school.id for school in community.schools} == {core.id, member.id}


@pytest.mark.parametrize(("roles", "field"), [
    ({}, "core_school_id"),  # no core school
    ("two", "core_school_id"),  # two core schools
    ("only", "school_ids"),  # no member school
    ("odd", "core_school_id"),  # a role that is neither
])
def test_the_roles_are_refused_unless_exactly_one_core_and_at_least_one_member(ctx, roles, field):
    convener, core, member = make_user(), make_school(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core, member])
    given = {"two": {core.id: "core", member.id: "core"}, "only": {core.id: "core"},
             "odd": {core.id: "core", member.id: "leader"}}.get(roles, roles) if isinstance(roles, str) else roles
    schools = [core] if roles == "only" else [core, member]

    with pytest.raises(ValidationError) as caught:
        services.update_community(community, actor=convener, name=community.name, kind="urban_rural",
                                  slug=community.slug, description="", vision="",
                                  school_ids=[school.id for school in schools], school_roles=given)

    assert field in refused(caught.value)


def test_an_agreement_ending_before_or_on_its_start_is_refused_with_the_school_problem_at_once(ctx):
    convener, core = make_user(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core])

    for ends in (dt.date(2026, 7, 31), dt.date(2026, 8, 1)):
        with pytest.raises(ValidationError) as caught:
            settle(community, convener, schools=[core], core=core, starts=dt.date(2026, 8, 1), ends=ends)
        assert set(refused(caught.value)) == {"agreement_ends_on", "school_ids"}  # every problem at once
    db.session.rollback()
    assert community.agreement_ends_on is None


def test_a_day_outside_the_accepted_years_is_refused(ctx):
    team = make_partnership(1)

    with pytest.raises(ValidationError) as caught:
        settle(team.community, team.convener, schools=[team.core, *team.members], core=team.core,
               starts=dt.date(1800, 1, 1), ends=dt.date(2028, 7, 31))

    assert "agreement_starts_on" in refused(caught.value)


def test_an_unknown_school_is_refused(ctx):
    convener, core = make_user(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core])

    with pytest.raises(ValidationError) as caught:
        services.update_community(community, actor=convener, name=community.name, kind="urban_rural",
                                  slug=community.slug, description="", vision="", school_ids=[core.id, 2_000_000],
                                  school_roles={core.id: "core"})

    assert refused(caught.value) == {"school_ids": "Choose schools from the list."}


def test_other_types_keep_their_roles_and_term_untouched_and_need_no_core_school(ctx):
    team = make_partnership(1)

    settle(team.community, team.convener, schools=[team.core, *team.members], core=None, kind="subject")
    db.session.commit()

    assert team.community.kind == "subject"
    assert services.school_roles_of(team.community)[team.core.id] == "core"
    assert team.community.agreement_ends_on == dt.date(2028, 7, 31)


def test_a_school_with_exchanged_teachers_cannot_be_taken_out(ctx):
    team = make_partnership(2)
    services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="林老師", school_id=team.members[1].id, subject="數學"), actor=team.convener)
    db.session.commit()

    with pytest.raises(ValidationError) as caught:
        settle(team.community, team.convener, schools=[team.core, team.members[0]], core=team.core)

    assert team.members[1].name in refused(caught.value)["school_ids"]


# --- exchanged teachers ----------------------------------------------------------------------------------------


def test_a_convener_adds_changes_and_removes_an_exchanged_teacher_each_on_record(ctx):
    team = make_partnership(2)
    fields = ExchangedTeacherFields(name=" 林老師 ", school_id=team.members[0].id, subject="數學", note="週三")

    teacher = services.add_exchanged_teacher(team.community, fields, actor=team.convener)
    db.session.commit()
    assert (teacher.name, teacher.school_id, teacher.subject, teacher.note) == (
        "林老師", team.members[0].id, "數學", "週三")

    services.change_exchanged_teacher(teacher, ExchangedTeacherFields(
        name="林老師", school_id=team.members[1].id, subject="語文"), actor=team.convener)
    db.session.commit()
    assert (teacher.school_id, teacher.subject, teacher.note) == (team.members[1].id, "語文", "")

    services.remove_exchanged_teacher(teacher, actor=team.convener)
    db.session.commit()
    assert db.session.scalar(select(ExchangedTeacher)) is None
    for action in ("added", "changed", "removed"):
        [event] = events(f"community.exchanged_teacher_{action}")
        assert (event.community_id, event.data["name"]) == (team.community.id, "林老師")


def test_an_unchanged_teacher_records_nothing(ctx):
    team = make_partnership(1)
    fields = ExchangedTeacherFields(name="林老師", school_id=team.members[0].id, subject="數學")
    teacher = services.add_exchanged_teacher(team.community, fields, actor=team.convener)

    services.change_exchanged_teacher(teacher, fields, actor=team.convener)

    assert events("community.exchanged_teacher_changed") == []


def test_a_linked_member_gives_the_name_left_empty(ctx):
    team = make_partnership(1)
    member = add_member(team.community, make_user(display_name="王小明")).user

    teacher = services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="", school_id=team.core.id, subject="英語", user_id=member.id), actor=team.convener)

    assert (teacher.name, teacher.user_id) == ("王小明", member.id)


@pytest.mark.parametrize(("fields", "expected"), [
    (dict(name="", school_id=None, subject=""), {"name", "school_id", "subject"}),  # every problem at once
    (dict(name="x" * 101), {"name"}),
    (dict(name="x" * 201), {"name"}),
    (dict(subject="x" * 61), {"subject"}),
    (dict(note="x" * 501), {"note"}),
    (dict(school_id="elsewhere"), {"school_id"}),  # a school that is not the community's
    (dict(school_id=2_000_000), {"school_id"}),  # a school that does not exist
    (dict(user_id="outsider"), {"user_id"}),  # an account that is not a member
    (dict(user_id="departed"), {"user_id"}),
])
def test_bad_teachers_are_refused_beside_their_fields(ctx, fields, expected):
    team = make_partnership(1)
    departed = add_member(team.community)
    services.remove_member(departed, actor=team.convener)
    people = {"outsider": make_user().id, "departed": departed.user_id}
    values = {"name": "林老師", "school_id": team.members[0].id, "subject": "數學", **fields}
    if values["school_id"] == "elsewhere":
        values["school_id"] = make_school().id
    if isinstance(values.get("user_id"), str):
        values["user_id"] = people[values["user_id"]]

    with pytest.raises(ValidationError) as caught:
        services.add_exchanged_teacher(team.community, ExchangedTeacherFields(**values), actor=team.convener)

    assert set(refused(caught.value)) == expected
    assert db.session.scalar(select(ExchangedTeacher)) is None


def test_only_the_keepers_of_an_urban_rural_community_keep_the_list(ctx):
    team = make_partnership(1)
    member = add_member(team.community, role="member").user
    fields = ExchangedTeacherFields(name="林老師", school_id=team.members[0].id, subject="數學")

    with pytest.raises(NotAllowed):
        services.add_exchanged_teacher(team.community, fields, actor=member)
    co_convener = add_member(team.community, role="co_convener").user
    assert services.add_exchanged_teacher(team.community, fields, actor=co_convener).id
    plain = make_community(team.convener, schools=[team.core])
    with pytest.raises(ValidationError):
        services.add_exchanged_teacher(plain, ExchangedTeacherFields(
            name="林老師", school_id=team.core.id, subject="數學"), actor=team.convener)


def test_the_member_schools_without_an_exchanged_teacher_are_named(ctx):
    from workspace.communities import records

    team = make_partnership(3)
    services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="林老師", school_id=team.members[1].id, subject="數學"), actor=team.convener)
    services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="陳老師", school_id=team.core.id, subject="語文"), actor=team.convener)  # the core school counts not
    db.session.commit()

    uncovered = services.uncovered_member_schools(records.schools_of([team.community.id]),
                                                  records.exchanged_teachers([team.community.id]))

    assert {school.school_id for school in uncovered} == {team.members[0].id, team.members[2].id}


def test_the_trail_says_which_school_which_term_and_which_teacher_in_which_community(ctx):
    from workspace.core.audit import describe_events

    team = make_partnership(1)
    teacher = services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="林老師", school_id=team.members[0].id, subject="數學"), actor=team.convener)
    services.remove_exchanged_teacher(teacher, actor=team.convener)
    db.session.commit()
    wanted = ("community.core_school_set", "community.agreement_changed", "community.exchanged_teacher_added",
              "community.exchanged_teacher_removed")

    said = dict(describe_events(list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(wanted)).order_by(AuditEvent.id)))))

    sentences = list(said.values())
    community = f"“{team.community.name}”"
    assert sentences[0].startswith(f"made “{team.core.name}” the core school of {community}")
    assert sentences[1].startswith(f"changed the agreement term of {community}") and sentences[1].endswith(
        "from not set to Aug 1, 2026 to Jul 31, 2028")
    assert sentences[2].startswith("added “林老師” to the exchanged teachers of " + community)
    assert sentences[3].startswith("removed “林老師” from the exchanged teachers of " + community)
