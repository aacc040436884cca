"""Demo pairings (師徒結對) for the demo communities that have mentors: 王淑芬 guides 黃 in the grade-5 maths
community; 刘晓燕 and 赵磊 guide 孙 and 吴 in the urban–rural community. Made through the services, with their
default milestones, the first of them ticked off, as a convener and the pair would.

The grade-5 pair also has something to show on every page: two meeting logs (the first recorded as a
community activity, its next steps partly ticked off at the second), a goal, a finalized observation with
minute-stamped notes and ratings, a public lesson scheduled in three weeks and the handbook begun, with the
mentor's comment. Demo texts are our own words.

Called from workspace/demo.py after the communities are loaded: `mentoring_demo.load_demo(loaded, people)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import force_locale

from workspace.core.database import utcnow
from workspace.mentoring.models import Owner, Pairing
from workspace.mentoring.services import (
    goals,
    handbook,
    logs,
    milestones,
    observations,
    pairings,
    public_lessons,
    rubrics,
)
from workspace.mentoring.services.terms import school_year_of

# (community slug, convener, mentor, new teachers, weeks since the start)
DEMO_PAIRINGS = (
    ("math-grade5", "chen", "wang", ("huang",), 10),
    ("urban-rural", "zhou", "liu", ("sun",), 20),
    ("urban-rural", "zhou", "zhao", ("wu",), 6),
)


def load_demo(loaded: dict[str, Any], people: dict[str, Any]) -> list[Any]:
    """Pair the demo mentors with their new teachers (only where the community and the people were loaded);
    tick the milestones already past their day as done. Returns the pairings made."""
    made = []
    today = pairings.today()
    for slug, convener, mentor, mentees, weeks in DEMO_PAIRINGS:
        community = loaded.get(slug)
        if community is None or convener not in people or mentor not in people or any(
                key not in people for key in mentees):
            continue
        starts_on = today - dt.timedelta(weeks=weeks)
        # The default milestones are titled in the language of whoever pairs (a request's); here the convener's
        with force_locale(people[convener].locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            made_now = pairings.create_pairings(community, people[mentor].id, [people[key].id for key in mentees],
                                                starts_on, None, people[convener])
        for pairing in made_now:
            for milestone in milestones.milestones_of(pairing.id):
                if milestone.due_on < today - dt.timedelta(days=7):
                    milestone.done_at = utcnow()
                    milestone.done_by_id = pairing.mentor_id
            made.append(pairing)
    if made and made[0].community.slug == "math-grade5":
        _story(made[0], people)
    return made


def _story(pairing: Pairing, people: dict[str, Any]) -> None:
    """What a few weeks of guiding look like for 王淑芬 and 黃美玲 (through the services, as the pair would)."""
    mentor, mentee = people["wang"], people["huang"]
    community, today = pairing.community, pairings.today()
    first = logs.create_log(pairing, logs.LogFields(
        held_on=pairing.starts_on + dt.timedelta(days=6), duration_minutes=50, topics="第一次見面：班級常規與備課節奏",
        notes="聊了開學第一個月的班級常規，約好每週四下午一起看下週的教學進度。",
        private_notes="黃老師對家長溝通比較緊張，下次多給她幾個實例。",
        next_steps=[("整理一份班級常規清單", Owner.MENTEE.value), ("分享分數單元的教學簡報", Owner.MENTOR.value)],
        as_activity=True), actor=mentor)
    logs.create_log(pairing, logs.LogFields(
        held_on=pairing.starts_on + dt.timedelta(days=20), duration_minutes=40, topics="分數單元的提問設計",
        notes="一起看了分數的引入活動，把提問改成由學生先估計再驗證。",
        next_steps=[("試教改過的引入活動並記下學生的回答", Owner.MENTEE.value)],
        done_step_ids=[step.id for step in first.next_steps if step.owner == Owner.MENTOR.value]), actor=mentee)
    goals.create_goal(pairing, goals.GoalFields(
        title="讓每堂課的提問引導學生說出想法", success_criteria="觀課時至少三次由學生解釋自己的做法",
        due_on=today + dt.timedelta(days=60)), actor=mentee)
    form = rubrics.default_form()
    watched = observations.create_observation(community, observations.PlanFields(
        observed_id=mentee.id, observed_on=pairing.starts_on + dt.timedelta(days=30), lesson_starts_at=dt.time(10, 10),
        subject="數學", focus="分數引入時，學生是否有機會說明自己的想法", form_id=form.id, pairing_id=pairing.id),
        actor=mentor)
    for minute, text, row in ((3, "以分披薩的情境引起動機，學生很投入", "design"),
                              (12, "提問後等待時間稍短，可以多等幾秒", "teaching"),
                              (27, "小組討論時巡視到每一組，並請兩位學生上台說明", "management")):
        observations.add_note(watched, observations.NoteFields(client_key=f"demo-{watched.id}-{minute}", text=text,
                                                               minute=minute, row_key=row), actor=mentor)
    observations.set_ratings(watched, {"design": 3, "teaching": 2, "management": 3}, actor=mentor)
    observations.update_feedback(watched, "情境設計貼近學生生活，小組分享安排得好。",
                                 "提問後多留一點等待時間；最後五分鐘留給學生自己整理。", actor=mentor)
    observations.share_with_observed(watched, actor=mentor)
    observations.reflect(watched, "下次會把等待時間拉長，也試試讓學生先寫下再分享。", actor=mentee)
    observations.finalize(watched, actor=mentor)
    public_lessons.schedule_lesson(community, public_lessons.LessonFields(
        teacher_id=mentee.id, topic="分數的大小比較", day=today + dt.timedelta(days=21), starts=dt.time(10, 10),
        ends=dt.time(10, 50), subject="數學", place="五年三班教室", form_id=form.id), actor=mentee)
    book = handbook.open_handbook(community, mentee.id, school_year_of(today), actor=mentee)
    strengths = next(section for section in book.sections if section.key == "strengths")
    handbook.save_section(strengths, "和學生的關係好，課堂氣氛溫暖；願意嘗試新的提問方式。", actor=mentee,
                          base_version=strengths.version)
    handbook.save_comment(strengths, "同意，也看到你在小組討論時照顧到每一組。", actor=mentor, base_comment="")
