"""Compliance services on a real database: programs from the presets, enrolments, waivers, and a community's
standing judged from the records the other areas keep (read through their read modules)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tests.communities.urban_rural import make_partnership
from tests.compliance.helpers import PAST_FIRST, PAST_LAST, add_photo, enrolled, judge, preset, program_copy, result
from tests.factories import add_member, make_community, make_reviewer, make_user
from tests.media import mp4_of_size
from workspace.activities import services as activities
from workspace.communities import services as communities
from workspace.communities.models import Membership
from workspace.compliance import services
from workspace.compliance.models import Enrollment, Program
from workspace.compliance.services import enrolment
from workspace.core.errors import Conflict, ValidationError
from workspace.core.storage import store_upload
from workspace.extensions import db


def _dates(count: int, first: dt.date = PAST_FIRST) -> list[dt.date]:
    return [first + dt.timedelta(days=7 * index) for index in range(count)]


# --- programs ----------------------------------------------------------------------------------------


def test_the_presets_are_installed_once_and_an_archived_one_stays_away(ctx):
    added = services.install_presets()
    db.session.commit()
    assert sorted(program.key for program in added) == ["plc-100", "urc"]
    assert services.install_presets() == []
    plc = db.session.scalar(select(Program).where(Program.key == "plc-100"))
    assert plc.first_day == dt.date(2011, 1, 1) and plc.last_day == dt.date(2012, 6, 30)
    assert plc.preset_key == "plc-100" and plc.currency == "TWD"
    services.set_archived(plc, True, None)
    db.session.commit()
    assert services.install_presets() == []
    assert [program.key for program in services.programs()] == ["urc"]
    assert [program.key for program in services.programs(archived=True)] == ["plc-100"]


def test_a_copy_takes_a_free_key_and_keeps_every_rule(ctx):
    plc = preset()
    first = services.copy_document(plc)
    assert first["key"] == "plc-100-copy" and first["rules"] == plc.definition["rules"]
    services.create_program(first, None)
    db.session.commit()
    assert services.copy_document(plc)["key"] == "plc-100-copy-2"


def test_a_program_that_fails_the_schema_or_takes_a_key_is_refused(ctx):
    plc = preset()
    broken = services.copy_document(plc)
    broken["rules"][0] = {**broken["rules"][0], "kind": "astrology"}
    with pytest.raises(ValidationError) as refused:
        services.create_program(broken, None)
    assert refused.value.field == "definition"
    taken = services.copy_document(plc)
    taken["key"] = "urc"
    with pytest.raises(ValidationError, match="urc"):
        services.create_program(taken, None)


def test_an_edit_from_an_older_version_is_refused_and_a_save_moves_the_version(ctx):
    program = program_copy()
    document = dict(program.definition, name="PLC 114")
    services.update_program(program, document, None, version=1)
    db.session.commit()
    assert (program.name, program.version) == ("PLC 114", 2)
    with pytest.raises(Conflict):
        services.update_program(program, dict(document, name="Stale"), None, version=1)


def _program_events(program) -> list:
    from workspace.core.models import AuditEvent

    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "program.changed",
                                                               AuditEvent.subject_id == program.id)))


def test_a_save_that_changes_nothing_adds_no_version_and_no_event(ctx):
    """QA: pressing save on an untouched program, or typing its dates in the ROC calendar, added a version each time
    (a program reached v8 in minutes, and the submission page then said "judged by version 7")."""
    from workspace.compliance.programs import parse_program_text

    program = program_copy()
    assert services.update_program(program, json.loads(json.dumps(program.definition)), None, version=1) == []
    data = json.loads(json.dumps(program.definition))
    data["period"] = {"first": "民國114年8月1日", "last": "115/07/31"}  # PAST_FIRST, PAST_LAST as the funder writes
    document, errors = parse_program_text(json.dumps(data, ensure_ascii=False))
    assert errors == [] and services.update_program(program, document, None, version=1) == []
    db.session.commit()
    assert program.version == 1 and _program_events(program) == []


def test_a_real_change_is_logged_with_each_rule_field_and_value_it_changed(ctx):
    program = program_copy()
    document = json.loads(json.dumps(program.definition))
    index = next(i for i, rule in enumerate(document["rules"]) if rule["id"] == "plc.activities")
    document["rules"][index]["target"] = 20
    document["period"]["last"] = "2026-06-30"
    removed = document["rules"].pop()
    changes = services.update_program(program, document, None, version=1)
    db.session.commit()
    assert program.version == 2
    assert {"rule": "plc.activities", "field": "target", "before": 18, "after": 20} in changes
    assert {"rule": "plc.activities", "field": "version", "before": 1, "after": 2} in changes  # its meaning moved
    assert {"rule": None, "field": "period.last", "before": "2026-07-31", "after": "2026-06-30"} in changes
    assert {"rule": removed["id"], "change": "removed"} in changes
    [event] = _program_events(program)
    assert event.data["changes"] == changes and event.data["name"] == program.name


# --- enrolments and waivers -----------------------------------------------------------------------------


def test_enrolling_twice_an_archived_program_or_a_negative_amount_is_refused(ctx):
    setup = enrolled(confirmed=False)
    community = setup.club.community
    assert setup.enrollment.status == "requested" and not setup.enrollment.confirmed
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrol(community, setup.program, 10, setup.club.convener)
    other = program_copy()
    for amount in (-1, None):
        with pytest.raises(ValidationError) as refused:
            services.enrol(community, other, amount, setup.club.convener)
        assert refused.value.field == "approved_amount"
    services.set_archived(other, True, None)
    with pytest.raises(ValidationError, match="no new enrolments"):
        services.enrol(community, other, 10, setup.club.convener)


def test_an_enrolment_racing_another_press_of_the_button_is_one(ctx, monkeypatch):
    """Two presses read "not enrolled" before either wrote: the unique key keeps one enrolment, the same request is
    answered with it, and a different one (another amount) is told the community is enrolled."""
    setup = enrolled(confirmed=False)
    community, convener = setup.club.community, setup.club.convener
    real, looked = enrolment._enrollment_in, []

    def stale_read(community_id, program_id):
        looked.append(program_id)
        return None if len(looked) == 1 else real(community_id, program_id)  # read before the other's commit

    monkeypatch.setattr(enrolment, "_enrollment_in", stale_read)
    assert services.enrol(community, setup.program, 50_000, convener).id == setup.enrollment.id
    looked.clear()
    with pytest.raises(ValidationError, match="already enrolled") as refused:
        services.enrol(community, setup.program, 10, convener)
    assert refused.value.field == "program"
    db.session.commit()
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1


def test_a_withdrawn_enrolment_is_taken_up_again_unconfirmed(ctx):
    setup = enrolled()
    services.withdraw(setup.enrollment, setup.club.convener)
    db.session.commit()
    assert services.enrollments_of(setup.club.community.id) == []
    again = services.enrol(setup.club.community, setup.program, 80_000, setup.club.convener)
    db.session.commit()
    assert again.id == setup.enrollment.id
    assert (again.status, again.approved_amount, again.withdrawn_at) == ("requested", 80_000, None)


def test_an_enrolment_with_a_submission_under_review_is_not_withdrawn_until_it_is_decided(ctx):
    """QA: withdrawn while a submission was with the reviewers, the community left their table and the submission
    stayed "under review" with nobody able to decide it."""
    from workspace.compliance.services import review

    setup = enrolled()
    submission = review.submit(judge(setup), "請審查", setup.club.convener)
    db.session.commit()
    with pytest.raises(ValidationError, match="with the reviewers"):
        services.withdraw(setup.enrollment, setup.club.convener)
    assert setup.enrollment.withdrawn_at is None
    review.decide(submission, False, "請補上照片", make_reviewer(None))
    db.session.commit()
    services.withdraw(setup.enrollment, setup.club.convener)  # returned: it may leave now
    assert setup.enrollment.withdrawn_at is not None


def test_a_waiver_needs_a_reason_and_a_rule_of_the_program_and_shows_on_the_standing(ctx):
    setup = enrolled()
    reviewer = make_user()
    with pytest.raises(ValidationError) as refused:
        services.waive(setup.enrollment, "plc.activities", "   ", reviewer)
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError) as refused:
        services.waive(setup.enrollment, "no.such.rule", "Flooded", reviewer)
    assert refused.value.field == "rule_id"
    assert result(judge(setup), "plc.activities").status == "not_met"  # no activity at all, window closed
    waiver = services.waive(setup.enrollment, "plc.activities", "颱風停課，縣府同意減為 12 次", reviewer)
    db.session.commit()
    with pytest.raises(ValidationError, match="already waived"):
        services.waive(setup.enrollment, "plc.activities", "Again", reviewer)
    waived = result(judge(setup), "plc.activities")
    assert waived.status == "waived" and waived.waived_reason == "颱風停課，縣府同意減為 12 次"
    services.revoke(waiver, reviewer)
    db.session.commit()
    assert result(judge(setup), "plc.activities").status == "not_met"


# --- the standing, from the other areas' records -----------------------------------------------------


def test_the_eighteenth_held_activity_meets_the_count_rule(ctx):
    setup = enrolled()
    for day in _dates(17):
        setup.activity(day)
    assert result(judge(setup), "plc.activities").status == "not_met"  # the window closed at 17
    setup.activity(PAST_LAST)  # the last day of the window counts
    counted = result(judge(setup), "plc.activities")
    assert counted.status == "met" and (counted.figure, counted.target) == (18, 18)
    assert len([kind for kind, _id in counted.counted if kind == "activity"]) == 18


def test_an_activity_the_day_after_the_window_or_cancelled_does_not_count(ctx):
    setup = enrolled()
    for day in _dates(17):
        setup.activity(day)
    setup.activity(PAST_LAST + dt.timedelta(days=1))
    cancelled = setup.activity(PAST_FIRST + dt.timedelta(days=3))
    activities.cancel_activity(cancelled, "下雨", actor=setup.club.convener)
    db.session.commit()
    assert result(judge(setup), "plc.activities").figure == 17


def test_a_photo_added_afterwards_meets_the_photo_rule(ctx):
    setup = enrolled()
    activity = setup.activity(PAST_FIRST + dt.timedelta(days=10), photo=False)
    photos = result(judge(setup), "plc.photos")
    assert photos.status != "met"
    assert any(gap.params.get("activity_id") == activity.id for gap in photos.gaps)
    add_photo(setup, activity)
    assert result(judge(setup), "plc.photos").status == "met"


def test_formation_reads_the_school_class_count_and_counts_a_member_who_left_for_their_time(ctx):
    setup = enrolled()  # six members now, at a school of 20 classes: at least 4
    assert result(judge(setup), "plc.members").status == "met"
    school = setup.club.community.schools[0]
    school.class_count = 25  # at least 6
    db.session.commit()
    assert result(judge(setup), "plc.members").status == "met"
    leaver = db.session.scalar(select(Membership).where(Membership.community_id == setup.club.community.id,
                                                        Membership.role == "member"))
    leaver.left_at = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)  # left before the period: not counted
    db.session.commit()
    members = result(judge(setup), "plc.members")
    assert members.status != "met" and members.figure == 5


def test_the_standings_of_many_communities_cost_the_same_queries_as_one(ctx, count_queries):
    setups = [enrolled(f"club-{number}") for number in range(4)]
    program = setups[0].program
    for setup in setups:
        setup.enrollment.program_id = program.id  # one program, one period: the reviewers' table's case
        for day in _dates(3):
            setup.activity(day)
    db.session.commit()
    ids = [setup.enrollment.id for setup in setups]

    def judged(count: int) -> int:
        db.session.expire_all()
        enrollments = list(db.session.scalars(select(Enrollment).where(Enrollment.id.in_(ids[:count]))
                                              .options(selectinload(Enrollment.program))))
        with count_queries() as queries:
            standings = services.standings(enrollments)
        assert [result(standing, "plc.activities").figure for standing in standings] == [3] * count
        return len(queries)

    assert judged(1) == judged(4) <= 13


def test_a_community_outside_the_enrolment_is_not_read(ctx):
    setup = enrolled()
    convener = make_user()
    other = make_community(convener, slug="elsewhere")
    activities.create_activity(other, activities.ActivityFields(
        title="Elsewhere", method="collaborative_planning", starts_at=dt.datetime(2025, 9, 1, 14),
        ends_at=dt.datetime(2025, 9, 1, 16)), actor=convener)
    db.session.commit()
    assert result(judge(setup), "plc.activities").figure == 0


def test_an_urban_rural_community_is_judged_on_its_schools_roles_exchanged_teachers_and_mentors_titles(ctx):
    team = make_partnership(2)
    for membership in db.session.scalars(select(Membership).where(Membership.community_id == team.community.id)):
        membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    mentor = make_user(title="junior")
    add_member(team.community, mentor, role="mentor").joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    program = program_copy("urc", dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    enrollment = services.enrol(team.community, program, 0, team.convener)
    db.session.commit()

    def judged(rule_id: str):
        db.session.expire_all()
        return result(services.standings([db.session.get(Enrollment, enrollment.id)])[0], rule_id)

    facts_schools = services.standings([enrollment])[0].facts.schools
    assert (facts_schools[0].id, facts_schools[0].role) == (team.core.id, "core")
    exchanged = judged("urc.exchanged_teachers")
    assert exchanged.status != "met"
    communities.add_exchanged_teacher(team.community, communities.ExchangedTeacherFields(
        name="何老師", school_id=team.members[0].id, subject="數學"), actor=team.convener)
    db.session.commit()
    assert judged("urc.exchanged_teachers").status != "met"  # one member school of two
    communities.add_exchanged_teacher(team.community, communities.ExchangedTeacherFields(
        name="許老師", school_id=team.members[1].id, subject="語文"), actor=team.convener)
    db.session.commit()
    assert judged("urc.exchanged_teachers").status == "met"
    assert judged("urc.mentor_title").status != "met"
    mentor.title = "intermediate"
    db.session.commit()
    assert judged("urc.mentor_title").status == "met"
def test_the_attendance_marks_are_gathered_only_for_a_program_whose_rules_read_them(ctx, count_queries):
    setup = enrolled()
    held = setup.activity(PAST_FIRST + dt.timedelta(days=5))
    activities.set_attendance(held, {setup.club.convener.id: "present"}, actor=setup.club.convener)
    db.session.commit()
    with count_queries() as queries:
        plc = judge(setup)
    assert not any("attendances" in statement for statement in queries)  # PLC-100 reads no attendance
    assert plc.facts.activities[0].attendees == frozenset()
    assert result(plc, "plc.activities").figure == 1

    program = setup.enrollment.program
    document = dict(program.definition)
    document["rules"] = [*document["rules"], {
        "id": "own.attendance", "version": 1, "kind": "count", "target": 1, "evidence": ["attendance"],
        "message": "每次活動都點名。", "citation": "自訂"}]
    services.update_program(program, document, None, version=program.version)
    db.session.commit()
    with count_queries() as queries:
        read = judge(setup)
    assert any("attendances" in statement for statement in queries)
    assert read.facts.activities[0].attendees == frozenset({setup.club.convener.id})
    assert result(read, "own.attendance").status == "met"
    assert [(found.rule_id, found.status, found.figure) for found in read.results[:-1]] == [
        (found.rule_id, found.status, found.figure) for found in plc.results]


def test_a_held_activity_s_video_counts_once_for_the_activity_video_rule(ctx):
    """QA: one video read 2 of 1 (the gatherer made it a deliverable and the rule's `or_activity_with: video` counted
    the activity again); two activities with a video read 4 of 1."""
    setup = enrolled()
    for offset in (3, 10):
        activity = setup.activity(PAST_FIRST + dt.timedelta(days=offset))
        activities.add_evidence(activity, store_upload(io.BytesIO(mp4_of_size(2048)), "錄影.mp4"),
                                actor=setup.club.convener)
        db.session.commit()
        video = result(judge(setup), "plc.activity_video")
        assert video.figure == 1 if offset == 3 else video.figure == 2
    assert sorted(kind for kind, _id in video.counted) == ["activity", "activity"]


def test_a_copy_takes_a_free_name_too(ctx):
    """QA 9 (3): a copy saved unchanged gave two programs of the same name; the copy's name is free, like its key."""
    plc = preset()
    first = services.copy_document(plc)
    assert first["name"] == f"{plc.name} (copy)"
    services.create_program(first, None)
    db.session.commit()
    assert services.copy_document(plc)["name"] == f"{plc.name} (copy 2)"


def test_a_name_another_program_has_is_refused_whatever_its_case_spaces_or_archiving(ctx):
    """QA 9 (3): two programs of one name are two identical rows in Programs, the enrol list and the reviewers'
    filter. A program's own name is no clash with itself."""
    plc = preset()
    first = services.copy_document(plc)
    first.update(key="plc-116", name="PLC 116")
    made = services.create_program(first, None)
    services.set_archived(made, True, None)
    db.session.commit()
    for name in ("PLC 116", "  plc 116 ", plc.name):
        taken = services.copy_document(plc)
        taken.update(key="plc-117", name=name)
        with pytest.raises(ValidationError) as refused:
            services.create_program(taken, None)
        assert refused.value.field == "name"
        assert list(services.taken_fields(taken)) == ["name"]
    again = dict(made.definition, name="plc 116 ")  # its own name, written another way
    services.update_program(made, again, None, version=made.version)
    with pytest.raises(ValidationError) as refused:
        services.update_program(made, dict(made.definition, name=plc.name), None, version=made.version)
    assert refused.value.field == "name"
    both = services.copy_document(plc)
    both.update(key=plc.key, name=plc.name)
    assert services.taken_fields(both) == {"key": plc.key, "name": plc.name}
    assert services.taken_fields(both, program=plc) == {}


def test_a_figure_that_the_rule_s_citation_still_states_is_told_beside_the_citation(ctx):
    """QA 9 (1): the activities target went from 18 to 20 and the messages said 20, while the citation (the
    funder's clause the printed plan quotes) still said 不得少於18次."""
    program = program_copy()
    before = program.definition
    index = next(number for number, rule in enumerate(before["rules"]) if rule["id"] == "plc.activities")
    messages = {f"rules.{index}.message": "Hold at least 20 community activities within the execution period.",
                f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理20次社群活動。",
                f"rules.{index}.messages.zh_Hans": "执行期间内至少举办20次社群活动。"}
    period = {"name": "PLC 116", "first": dt.date(2027, 8, 1), "last": dt.date(2028, 7, 31)}
    after = services.apply_figures(before, **period, values={f"rules.{index}.target": 20, **messages})
    citation = f"rules.{index}.citation"
    assert list(services.stale_messages(before, after)) == [citation]
    assert "18" in services.stale_messages(before, after)[citation]
    after = services.apply_figures(before, **period, values={f"rules.{index}.target": 20, **messages,
                                                             citation: "於執行期限內，社群活動次數不得少於20次"})
    assert services.stale_messages(before, after) == {}
    rule = next(rule for rule in services.figures_of(before) if rule.rule_id == "plc.activities")
    assert citation in rule.fields
    assert (rule.citation[0], rule.citation[2]) == (citation, "於執行期限內，社群活動次數不得少於18次")


def test_a_new_clause_that_states_the_new_figure_is_taken_though_it_writes_the_old_number_elsewhere(ctx):
    """A funder's clause cannot be reworded like a message: 成果報告 from 1 copy to 2 keeps 每1個社群 in the new
    clause. A changed clause that states the new figure is the new clause; one changed but still stating only the
    old figure is not."""
    program = program_copy()
    before = program.definition
    index = next(number for number, rule in enumerate(before["rules"]) if rule["id"] == "plc.budget.printing_report")
    rule = before["rules"][index]
    assert rule["claims_max"] == 1 and "每1個社群" in rule["citation"]
    claims, citation = f"rules.{index}.claims_max", f"rules.{index}.citation"
    period = {"name": "PLC 116", "first": dt.date(2027, 8, 1), "last": dt.date(2028, 7, 31)}
    words = {f"rules.{index}.{name}": "The results report, printed." for name in ("message", "messages.zh_Hant",
                                                                                  "messages.zh_Hans", "messages.en")}
    old_clause = rule["citation"]
    for clause, stale in ((old_clause, True), (old_clause.replace("1份", "1 份"), True),
                          (old_clause.replace("1份", "2份"), False)):
        after = services.apply_figures(before, **period, values={claims: 2, **words, citation: clause})
        assert (citation in services.stale_messages(before, after)) is stale, clause


def test_a_preset_s_description_is_written_for_administrators():
    """QA 10: the description, copied into every program made from a preset, named a design file ("GRANT_RULES.md,
    preset 1"): it says in plain words which funder's program the rules are and what a copy is to change."""
    from workspace.compliance.programs import load_presets

    for document in load_presets():
        description = document.get("description", "")
        assert description, document["key"]
        assert ".md" not in description and "preset" not in description.lower(), description
        assert document["funder"] in description or document["name"] in description, description
