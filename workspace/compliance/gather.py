"""From the database to the engine: the facts of enrolled communities, read through the areas' read modules.

Nothing here decides anything: it turns the rows of `communities.records`, `activities.records` and
`mentoring.records` (pairings and public lessons) into the plain `facts.CommunityFacts` the engine judges. Many
enrolments are gathered at once, in a fixed number of queries per distinct program period (never per
community or per activity), so the panel and the reviewers' table cost the same for 1 or 200 communities.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import or_, select

from workspace.activities import records as activity_records
from workspace.communities import records as community_records
from workspace.compliance.engine.activities import reads_attendance
from workspace.compliance.engine.per_person import reads_mentoring
from workspace.compliance.facts import (
    ActivityFact,
    BookFact,
    CommunityFacts,
    DeliverableFact,
    ExchangedTeacherFact,
    ExpenseFact,
    LinkedActivityFact,
    MemberFact,
    MonthlyPlanFact,
    PairingTermFact,
    PublicLessonFact,
    SchoolFact,
)
from workspace.compliance.models import BookListItem, Deliverable, Enrollment, Expense, Program
from workspace.core.database import utcnow
from workspace.core.records import Period, local_day
from workspace.extensions import db
from workspace.mentoring import records as mentoring_records


def program_period(program: Program) -> Period:
    """The program's period: its first and last day included, local time."""
    return Period(program.first_day, program.last_day)


def gather(enrollments: Sequence[Enrollment], *, now: dt.datetime | None = None) -> dict[int, CommunityFacts]:
    """The facts of each enrolment's community over its program's period, by enrolment id.

    Eight queries per distinct program period and three for the budgets and deliverables (four when an expense
    belongs to an activity: the state of those activities), whatever the number of communities, members,
    activities or expenses; seven per period when no rule of the period's programs
    reads attendance (engine.reads_attendance): the marks, the largest read, are then left out and every
    activity's attendees are empty. Two more per period when a rule reads mentoring (engine.reads_mentoring):
    the pairings (mentees and mentors) and the public lessons.
    """
    now = now or utcnow()
    by_period: dict[Period, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_period[program_period(enrollment.program)].append(enrollment)
    expenses, books = _budget([enrollment.id for enrollment in enrollments])
    linked = {activity.id: activity for activity in activity_records.linked_activities(
        {expense.activity_id for found in expenses.values() for expense in found if expense.activity_id is not None})}
    marked = _deliverables([enrollment.id for enrollment in enrollments])
    facts: dict[int, CommunityFacts] = {}
    for period, group in by_period.items():
        community_ids = sorted({enrollment.community_id for enrollment in group})
        attendance = any(reads_attendance(enrollment.program.definition) for enrollment in group)
        mentoring = any(reads_mentoring(enrollment.program.definition) for enrollment in group)
        per_community = _gather_period(community_ids, period, now, attendance=attendance, mentoring=mentoring)
        for enrollment in group:
            facts[enrollment.id] = replace(per_community[enrollment.community_id],
                                           approved_amount=enrollment.approved_amount,
                                           expenses=tuple(expenses.get(enrollment.id, ())),
                                           book_list=tuple(books.get(enrollment.id, ())),
                                           linked_activities=_gone(expenses.get(enrollment.id, ()), linked, period),
                                           deliverables=per_community[enrollment.community_id].deliverables
                                           + tuple(marked.get(enrollment.id, ())))
    return facts


def _gone(expenses: Sequence[ExpenseFact], linked: dict[int, activity_records.LinkedActivity],
          period: Period) -> tuple[LinkedActivityFact, ...]:
    """The activities these expenses belong to that count for nothing: cancelled, or dated outside the period."""
    found = {}
    for expense in expenses:
        activity = linked.get(expense.activity_id) if expense.activity_id is not None else None
        if activity is None:
            continue
        day = local_day(activity.starts_at)
        if activity.cancelled or not period.first <= day <= period.last:
            found[activity.id] = LinkedActivityFact(activity.id, day, activity.cancelled)
    return tuple(found.values())


def _agreement(row: community_records.CommunityRow) -> dict[str, dt.date | None]:
    """An urban–rural community's agreement term as the facts carry it (none for other communities)."""
    if not row.is_urban_rural:
        return {}
    return {"agreement_first": row.agreement_starts_on, "agreement_last": row.agreement_ends_on}


def _within_agreement(row: community_records.CommunityRow, day: dt.date) -> bool:
    """Whether an activity of that day belongs to the community's partnership: always, but in an urban–rural
    community with an agreement term, only within it (an activity before the agreement began is not its work)."""
    if not row.is_urban_rural:
        return True
    first, last = row.agreement_starts_on, row.agreement_ends_on
    if first is None or last is None:  # no term (or half of one, kept from before both were asked): all count
        return True
    return first <= day <= last


def _gather_period(community_ids: list[int], period: Period, now: dt.datetime, *,
                   attendance: bool = True, mentoring: bool = True) -> dict[int, CommunityFacts]:
    rows = {row.id: row for row in community_records.communities(community_ids)}
    schools: dict[int, list[SchoolFact]] = defaultdict(list)
    for school in community_records.schools_of(community_ids):
        schools[school.community_id].append(SchoolFact(
            school.school_id, school.name, school.class_count, school.in_evaluation_programme, school.role))
    members: dict[int, list[MemberFact]] = defaultdict(list)
    for member in community_records.members_during(community_ids, period):
        members[member.community_id].append(MemberFact(
            member.user_id, member.display_name, member.role, member.school_id, member.in_evaluation_programme,
            local_day(member.joined_at), local_day(member.left_at) if member.left_at is not None else None,
            member.title, tuple(member.subjects),
            stints=tuple((local_day(joined), local_day(left) if left is not None else None)
                         for joined, left in member.spans) if len(member.spans) > 1 else ()))
    exchanged: dict[int, list[ExchangedTeacherFact]] = defaultdict(list)
    for teacher in community_records.exchanged_teachers(community_ids):
        exchanged[teacher.community_id].append(ExchangedTeacherFact(teacher.name, teacher.school_id, teacher.subject))
    held_by: dict[int, set[int]] = defaultdict(set)
    marked: set[int] = set()
    marked_by: dict[int, set[int]] = defaultdict(set)
    for mark in activity_records.attendance(community_ids, period, now=now) if attendance else ():
        marked.add(mark.activity_id)
        marked_by[mark.activity_id].add(mark.user_id)
        if mark.attended:
            held_by[mark.activity_id].add(mark.user_id)
    activity_schools = activity_records.activity_schools(community_ids, period)
    activities: dict[int, list[ActivityFact]] = defaultdict(list)
    outside: dict[int, int] = defaultdict(int)
    for activity in activity_records.activities(community_ids, period, now=now):
        day = local_day(activity.starts_at)
        if not _within_agreement(rows[activity.community_id], day):
            outside[activity.community_id] += 1
            continue
        activities[activity.community_id].append(ActivityFact(
            id=activity.id, title=activity.title, day=day,
            minutes=int((activity.ends_at - activity.starts_at).total_seconds() // 60),
            method=activity.method, mode=activity.mode, held=activity.held,
            subjects=activity.subjects, tags=activity.tags, school_ids=activity_schools.get(activity.id, ()),
            has_minutes=activity.has_minutes, photos=activity.photos, videos=activity.videos,
            documents=activity.documents, sheets=activity.sheets,
            attendees=frozenset(held_by.get(activity.id, ())), attendance_taken=activity.id in marked,
            marked=frozenset(marked_by.get(activity.id, ())), named_only=activity.named_only,
            private=activity.private, report_videos=activity.report_videos))
    plans: dict[int, list[MonthlyPlanFact]] = defaultdict(list)
    for plan in activity_records.monthly_plans(community_ids, period):
        plans[plan.community_id].append(MonthlyPlanFact(
            plan.month, local_day(plan.submitted_at) if plan.submitted_at is not None else None))
    mentees: dict[int, dict[int, None]] = defaultdict(dict)  # ordered sets: a teacher paired twice counts once
    mentors: dict[int, dict[int, None]] = defaultdict(dict)
    lessons: dict[int, list[PublicLessonFact]] = defaultdict(list)
    terms: dict[int, list[PairingTermFact]] = defaultdict(list)
    if mentoring:
        for mentee in mentoring_records.mentees(community_ids, period):
            mentees[mentee.community_id][mentee.user_id] = None
            mentors[mentee.community_id][mentee.mentor_id] = None
            terms[mentee.community_id].append(PairingTermFact(mentee.user_id, mentee.starts_on, mentee.ends_on))
        for lesson in mentoring_records.public_lessons(community_ids, period, now=now):
            lessons[lesson.community_id].append(PublicLessonFact(lesson.teacher_id, lesson.day, lesson.held))
    return {
        community_id: CommunityFacts(
            community_id=community_id, community_name=rows[community_id].name,
            community_type=rows[community_id].kind, schools=tuple(schools[community_id]),
            members=tuple(members[community_id]), activities=tuple(activities[community_id]),
            monthly_plans=tuple(plans[community_id]),
            exchanged_teachers=tuple(exchanged[community_id]), public_lessons=tuple(lessons[community_id]),
            mentees=tuple(mentees[community_id]), mentors=tuple(mentors[community_id]),
            pairing_terms=tuple(terms[community_id]), outside_agreement=outside[community_id],
            **_agreement(rows[community_id]))
        for community_id in community_ids if community_id in rows}


def _budget(enrollment_ids: list[int]) -> tuple[dict[int, list[ExpenseFact]], dict[int, list[BookFact]]]:
    """The live expenses and book lists of these enrolments (two queries)."""
    expenses: dict[int, list[ExpenseFact]] = defaultdict(list)
    books: dict[int, list[BookFact]] = defaultdict(list)
    if not enrollment_ids:
        return expenses, books
    for row in db.session.execute(
            select(Expense.enrollment_id, Expense.id, Expense.category, Expense.spent_on, Expense.amount,
                   Expense.hours, Expense.persons, Expense.claimable, Expense.activity_id, Expense.receipt_blob_id,
                   Expense.payee, Expense.description)
            .where(Expense.enrollment_id.in_(enrollment_ids), Expense.live)
            .order_by(Expense.spent_on, Expense.id)):
        expenses[row.enrollment_id].append(ExpenseFact(
            id=row.id, category=row.category, day=row.spent_on, amount=row.amount, hours=row.hours,
            persons=row.persons, claimable=row.claimable, activity_id=row.activity_id,
            has_receipt=row.receipt_blob_id is not None, payee=row.payee or "", description=row.description or ""))
    for enrollment_id, title, relevance in db.session.execute(
            select(BookListItem.enrollment_id, BookListItem.title, BookListItem.relevance)
            .where(BookListItem.enrollment_id.in_(enrollment_ids), BookListItem.live).order_by(BookListItem.id)):
        books[enrollment_id].append(BookFact(title, relevance))
    return expenses, books


def _deliverables(enrollment_ids: list[int]) -> dict[int, list[DeliverableFact]]:
    """What the conveners marked done (the results report, the application …), by enrolment (one query).

    One fact per live record, dated by the first delivery it corrects: a report marked on time and replaced later by
    a corrected file stays on time (the records it superseded, followed back; taken-back ones break the chain)."""
    marked: dict[int, list[DeliverableFact]] = defaultdict(list)
    if not enrollment_ids:
        return marked
    rows = db.session.execute(
        select(Deliverable.id, Deliverable.enrollment_id, Deliverable.item, Deliverable.done_on, Deliverable.filename,
               Deliverable.note, Deliverable.deleted_at, Deliverable.superseded_by_id)
        .where(Deliverable.enrollment_id.in_(enrollment_ids),
               or_(Deliverable.live, Deliverable.superseded_by_id.is_not(None)))
        .order_by(Deliverable.done_on, Deliverable.id)).all()
    replaced: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        if row.deleted_at is not None:
            replaced[row.superseded_by_id].append(row)

    def first_day(row: Any) -> dt.date:
        return min([row.done_on, *(first_day(earlier) for earlier in replaced.get(row.id, ()))])

    for row in rows:
        if row.deleted_at is None:
            marked[row.enrollment_id].append(DeliverableFact(row.item, first_day(row), row.filename or row.note))
    return marked
