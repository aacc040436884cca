"""The report's content, gathered once: its figures equal the compliance panel's (standings) and the
participation page's, and the activities' new reads (texts, feedback comments) answer what the report needs."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx

from tests.compliance.helpers import enrolled
from tests.exports.report_world import AFTER, report_world
from workspace.activities import records
from workspace.compliance import services as compliance
from workspace.compliance.gather import program_period
from workspace.exports import report
from workspace.exports.content import report_content
from workspace.extensions import db
from workspace.plans import services as plans


def _save(world, **changes):
    values = dict(preface="", culture_change="", chosen_feedback_ids=[], video_activity_id=None, version=0)
    values.update(changes)
    text = report.save_texts(world.enrollment, actor=world.convener, **values)
    db.session.commit()
    return text


def test_the_figures_equal_the_panel_s_and_the_participation_page_s(ctx):
    world = report_world()
    content = report_content(world.enrollment)
    standing = compliance.standings([world.enrollment])[0]
    period = program_period(world.enrollment.program)
    participation = records.participation([world.enrollment.community_id], period)
    held = [activity for activity in standing.facts.activities if activity.held]
    assert content.held == len(held) == 3
    assert content.members == len({member.user_id for member in standing.facts.members}) == 6
    assert content.hours == round(sum(activity.minutes for activity in held) / 60, 2) == 6
    assert content.attended == sum(row.attended for row in participation.activities) == 6
    assert content.expected == sum(row.members for row in participation.activities)
    assert content.attendance_rate == participation.average_rate
    assert content.ledger == standing.ledger
    assert content.ledger.spent == 150 and content.ledger.approved == 50_000
    assert {row.code: row.activities for row in content.by_method} == {
        "collaborative_planning": 1, "observation_feedback": 1, "topic_study": 1}
    assert {row.code: row.activities for row in content.by_mode} == {"offline": 2, "online": 1}
    assert dict(content.by_month)[dt.date(2025, 10, 1)] == 2
    assert len(content.by_month) == 12  # every month of the school year, empty ones too


def test_a_program_still_running_charts_its_months_up_to_the_report_s_day(ctx):
    """A report handed in before the period ends (PLC-100: next year's application is due in October) shows the
    months so far, not the months to come as zeros."""
    from tests.exports.sheets_data import community_year
    from workspace.core.database import utcnow
    from workspace.core.records import local_day

    year = community_year("running")  # from 2025-08-01 to a year from today
    content = report_content(year.enrollment)
    today = local_day(utcnow())
    assert content.by_month[0][0] == dt.date(2025, 8, 1)
    assert content.by_month[-1][0] == today.replace(day=1)
    assert dict(content.by_month)[dt.date(2025, 9, 1)] == 1


def test_content_names_the_cover_the_materials_the_photos_and_the_video(ctx):
    world = report_world()
    content = report_content(world.enrollment)
    assert content.community_name == world.setup.club.community.name
    assert content.conveners == ("陳召集",)
    assert content.program_name == world.enrollment.program.name
    assert [material.title for material in content.materials] == ["分數教案"]
    assert content.materials[0].url.startswith("http") and f"/c/{world.slug}/resources/" in content.materials[0].url
    assert len(content.photos) == 3 and content.photos[0].caption == "共同備課：分數 的照片"
    assert content.video is not None and content.video.filename == "觀課.mp4"
    assert content.video.activity_title == "觀課與議課"
    assert content.satisfaction.responses == 3 and content.satisfaction.average == 4.0


def test_only_the_chosen_comments_are_in_the_content(ctx):
    world = report_world()
    assert report_content(world.enrollment).chosen_comments == ()
    _save(world, chosen_feedback_ids=[world.chosen.id], preface="我們的前言")
    content = report_content(world.enrollment)
    assert [comment.comment for comment in content.chosen_comments] == ["非常實用，想再參加"]
    assert content.preface == "我們的前言"


def test_activity_texts_give_minutes_outcomes_and_place_by_id(ctx):
    world = report_world(minutes="討論分數的迷思")
    period = program_period(world.enrollment.program)
    texts = records.activity_texts([world.enrollment.community_id], period)
    first = world.activities[0]
    assert set(texts) == {activity.id for activity in world.activities}
    assert texts[first.id].minutes == "討論分數的迷思" and texts[first.id].outcomes == "教案一份"
    assert texts[first.id].place == "自然教室"


def test_feedback_comments_leave_out_blank_ones_and_carry_their_ids(ctx):
    world = report_world()
    period = program_period(world.enrollment.program)
    comments = records.feedback_comments([world.enrollment.community_id], period, now=AFTER)
    assert [comment.id for comment in comments] == [world.chosen.id, world.unchosen.id]
    assert comments[0].satisfaction == 5 and comments[0].activity_id == world.activities[0].id


def test_total_hours_add_the_minutes_and_round_once(ctx):
    """Six held activities of 310 minutes in all are 5.17 hours in the report's figures and in each method's
    line, not 5.16 or 5.15 from adding hours already rounded to two decimals."""
    setup = enrolled("minutes")
    club = setup.club
    for day, minutes in enumerate((50, 50, 50, 50, 50, 60), start=1):
        club.activity(f"短會 {day}", starts=dt.datetime(2025, 9, day, 14, 0), hours=minutes / 60,
                      method="collaborative_planning" if minutes == 50 else "topic_study")
    content = report_content(setup.enrollment)
    assert content.held == 6 and content.hours == 5.17
    assert {row.code: row.hours for row in content.by_method} == {"collaborative_planning": 4.17, "topic_study": 1}
    assert {row.code: row.hours for row in content.by_mode} == {"offline": 5.17}


def _plan(world, topic: str, *, final: bool, on: dt.date = dt.date(2025, 11, 3)):
    """A shared plan of the club made in the period, its member among its teachers; final when told."""
    club = world.setup.club
    doc = plans.create_plan(club.community, plans.PlanFields(
        topic=topic, subject="數學", grade="五年級", lead_id=club.convener.id,
        teacher_ids=[club.convener.id, club.member.id]), actor=club.convener)
    if final:
        plans.set_status(doc, "final", actor=club.convener)
    doc.created_at = dt.datetime.combine(on, dt.time(3, 0), tzinfo=dt.UTC)
    db.session.commit()
    return doc


def test_materials_leave_out_unfinished_plans_and_show_an_adaptation_with_its_plan(ctx):
    """A plan still in draft or under review is not developed material yet; a teacher's adaptation of a final
    plan is counted on the plan's row, not listed again as an identical row."""
    world = report_world()
    club = world.setup.club
    finished = _plan(world, "等值分數（定稿）", final=True)
    adaptation = plans.adapt(finished, actor=club.member)
    adaptation.created_at = dt.datetime(2025, 11, 10, 3, 0, tzinfo=dt.UTC)
    _plan(world, "小數的乘法（草稿）", final=False)
    reviewed = _plan(world, "體積（審閱中）", final=False)
    plans.set_status(reviewed, "review", actor=club.convener)
    db.session.commit()

    content = report_content(world.enrollment)
    rows = [(material.kind, material.title, material.adaptations) for material in content.materials]
    assert rows == [("resource", "分數教案", 0), ("plan", "等值分數（定稿）", 1)]
    assert f"/plans/{finished.id}" in content.materials[1].url

    built = report.build_report(content, language="zh_Hant")
    table = next(table for table in docx.Document(io.BytesIO(built.data)).tables
                 if [cell.text for cell in table.rows[0].cells][1:] == ["類型", "科目與年級"])
    # each title with its address under it
    assert [row.cells[0].text.splitlines() for row in table.rows[1:]] == [
        ["分數教案", content.materials[0].url], ["等值分數（定稿）", content.materials[1].url]]
    assert table.rows[2].cells[1].text == "共同備課教案（1 位教師二次備課）"


def test_an_adaptation_of_a_plan_made_before_the_period_is_listed_as_an_adaptation(ctx):
    world = report_world()
    earlier = _plan(world, "分數的意義", final=True, on=dt.date(2024, 10, 1))  # before the period
    adaptation = plans.adapt(earlier, actor=world.setup.club.member)
    adaptation.created_at = dt.datetime(2025, 11, 10, 3, 0, tzinfo=dt.UTC)
    db.session.commit()
    content = report_content(world.enrollment)
    assert [(material.kind, material.title) for material in content.materials] == [
        ("resource", "分數教案"), ("adaptation", "分數的意義")]


def test_the_period_is_written_as_the_panel_writes_it(ctx):
    """QA: the panel read 2025年8月1日至2026年7月31日, the exports page and the documents
    2025年8月1日 – 2026年7月31日."""
    from flask_babel import force_locale

    from workspace.exports.content import period_text

    world = report_world()
    for language, expected in (("zh_Hant", "2025年8月1日至2026年7月31日"), ("en", "Aug 1, 2025 to Jul 31, 2026")):
        with force_locale(language):
            assert period_text(report_content(world.enrollment)) == expected


def test_a_video_on_a_pairs_private_record_is_not_the_report_s_video_on_the_panel_nor_in_the_report(client, ctx):
    """QA: a video on a pair's private mentoring record met "keep one activity video for the results report" (1/1
    met) while the same report said "no video was kept". An activity video for the report is one definition, the
    activities read module's (`report_videos`): the panel counts it, the report cites it, the texts page offers it."""
    world = report_world()
    period, ids = program_period(world.enrollment.program), [world.enrollment.community_id]
    filmed = world.activities[1]  # the only video of the period

    def video_rule():
        standing = compliance.standings([world.enrollment])[0]
        return next(result for result in standing.results if result.rule_id == "plc.activity_video")

    counted = {row.id: row for row in records.activities(ids, period)}
    assert counted[filmed.id].videos == counted[filmed.id].report_videos == 1
    assert [row.activity_id for row in records.report_videos(ids, period)] == [filmed.id]
    assert video_rule().counted == (("activity", filmed.id),) and report_content(world.enrollment).video is not None

    filmed.private = True  # now a pair's private observation: its video is the pair's
    db.session.commit()
    counted = {row.id: row for row in records.activities(ids, period)}
    assert (counted[filmed.id].videos, counted[filmed.id].report_videos) == (1, 0)  # the ledger still counts it
    assert records.report_videos(ids, period) == []
    rule = video_rule()
    assert rule.status.value == "not_met" and rule.figure == 0 and rule.counted == ()
    assert rule.gaps[0].params["not_shareable"] == 1
    content = report_content(world.enrollment)
    assert content.video is None
    line = next(line for line in content.rules if "video" in line.message)
    assert line.status == "Not met" and line.gaps == (
        "No shareable video was kept by Jul 31, 2026: the video on 1 mentoring record kept to its pair stays with "
        "the pair, and no report can carry it.",)
    client.login(world.convener)
    panel = client.get(f"/c/{world.slug}/compliance/").get_data(as_text=True)
    assert "No shareable video was kept by Jul 31, 2026" in panel
    texts = client.get(f"/c/{world.slug}/exports/{world.enrollment.id}/texts").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="video_activity_id".*?</select>', texts, re.S).group(0)
    assert offered.count("<option") == 1  # "the first activity with a video": none whose video the report lacks


def test_the_gap_of_a_video_only_a_pair_keeps_says_there_is_no_shareable_one_yet(app):
    """While the day is still to come, the panel says there is no shareable video yet, and what to do."""
    from flask_babel import force_locale

    from workspace.compliance import wording
    from workspace.compliance.engine.results import Gap

    gap = Gap("deliverable_missing", {"item": "activity_video", "due": dt.date(2027, 7, 31), "evidence": "video",
                                      "not_shareable": 2})
    with app.test_request_context(), force_locale("en"):
        assert wording.gap_text(gap) == (
            "No shareable video yet: the videos on 2 mentoring records kept to their pairs stay with the "
            "pairs, and no report can carry them. Add a video to another activity by Jul 31, 2027.")
