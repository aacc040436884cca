"""The per-person kind: every mentee, mentor or member must reach a figure on their own.

`who`: mentees (the facts' mentees: new teachers of pairings), mentors (the mentors of pairings, and members with
the mentor role though they mentor nobody yet) or members. `measure`:
- `public_lessons`: held public lessons in the window ≥ target (each mentee, one a semester), paced like a count;
- `attendance_percent`: the share of the window's activities with attendance taken that expected the person,
  that they attended, in whole percent rounded down, ≥ target; met, else at risk while the window runs, not met
  once closed. As the participation page counts them (activities/records.participation): an activity expects
  those it marked, and the members of the day it was held (`member_on`: not on the day they left, unless
  marked); an activity of named people only those it marked; a pair's private meeting or observation nobody
  (counted against the two, it would tell every reader who mentors whom);
- `title`: the person's professional title is one of `titles` (the mentor holds an intermediate title or above);
- `tenure_days`: a mentee's pairing term (of the mentees: their pairings' days, a re-pairing continuing the
  term) or else a person's membership has lasted ≥ target days (a two-year mentoring term: the days at whose
  end they were a member, so not the day they left). Met once served;
  a mentee whose pairings as set end short of it is at risk while the last runs (its end can be moved) and not
  met once it is over; a member who left short of it is not met; else on track.
Each window has a part per person; a window's status is the worst of its people's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workspace.activities.records import expects
from workspace.compliance.engine.context import Context, by_windows, part, result
from workspace.compliance.engine.membership import MEMBER_ROLES, member_on, member_within
from workspace.compliance.engine.pace import pace_status, standing_status
from workspace.compliance.engine.results import Gap, RuleResult, Status, worst
from workspace.compliance.engine.windows import Window
from workspace.compliance.facts import ActivityFact, MemberFact, PairingTermFact


def people(rule: dict[str, Any], context: Context) -> list[MemberFact]:
    """The people the rule asks about."""
    members = context.facts.members
    who = rule.get("who", "members")
    if who == "mentees":
        return [m for m in members if m.user_id in set(context.facts.mentees)]
    if who == "mentors":
        paired = set(context.facts.mentors)
        return [m for m in members if m.role == "mentor" or m.user_id in paired]
    return [m for m in members if m.role in MEMBER_ROLES]




def _expects(activity: ActivityFact, member: MemberFact) -> bool:
    """Whether a held activity with attendance taken expected the person (see the module: as the page counts), by
    the activities' one answer to "expected" (a pure rule: the engine stays without a database)."""
    if activity.private:
        return False
    return expects(activity, marked=member.user_id in activity.marked, member=member_on(member, activity.day))


def pairing_term_days(terms: list[PairingTermFact], today: dt.date) -> tuple[int, int, dt.date]:
    """(days of the terms served up to today, days they cover as set, their last day): the union of the pairings'
    days, so that a re-pairing continues the term and overlapping pairings (two mentors) count once."""
    served = planned = 0
    covered_to = dt.date.min
    for term in sorted(terms, key=lambda term: term.first):
        first = max(term.first, covered_to + dt.timedelta(days=1))
        if term.last < first:
            continue
        planned += (term.last - first).days + 1
        served += max((min(term.last, today) - first).days + 1, 0)
        covered_to = term.last
    return served, planned, covered_to


def _person(rule: dict[str, Any], context: Context, window: Window, member: MemberFact,
            whole: RuleResult) -> RuleResult:
    measure, target = rule["measure"], rule.get("target", 0)
    today = context.today
    counted: tuple[tuple[str, object], ...] = ()
    extra: dict[str, Any] = {}
    if measure == "public_lessons":
        lessons = [lesson for lesson in context.facts.public_lessons if lesson.teacher_id == member.user_id
                   and lesson.held and window.holds(lesson.day) and lesson.day <= today]
        figure = len(lessons)
        status = pace_status(figure, target, window, today)
        counted = tuple(("public_lesson", f"{lesson.teacher_id}:{lesson.day}") for lesson in lessons)
    elif measure == "attendance_percent":
        due = [a for a in context.facts.activities if a.held and a.attendance_taken and window.holds(a.day)
               and _expects(a, member)]
        attended = [a for a in due if member.user_id in a.attendees]
        figure = 100 if not due else 100 * len(attended) // len(due)
        status = standing_status(figure >= target, window, today)
        counted = tuple(("activity", a.id) for a in attended)
    elif measure == "title":
        figure, target = int(member.title in rule.get("titles", [])), 1
        status = standing_status(bool(figure), window, today)
    else:  # tenure_days
        terms = [term for term in context.facts.pairing_terms if term.mentee_id == member.user_id]
        if rule.get("who") == "mentees" and terms:
            figure, planned, term_last = pairing_term_days(terms, today)
            status = Status.MET if figure >= target else (
                Status.ON_TRACK if planned >= target else Status.NOT_MET if term_last < today else Status.AT_RISK)
            extra = {"planned": planned, "term_last": term_last}
        else:
            # the days at whose end they were a member: up to today, or to the day before they left, stint by stint
            figure = sum(max(((min(left - dt.timedelta(days=1), today) if left else today) - joined).days + 1, 0)
                         for joined, left in member.spans)
            status = Status.MET if figure >= target else (Status.NOT_MET if member.left_on and member.left_on < today
                                                          else Status.ON_TRACK)
    gaps = ()
    if status in (Status.AT_RISK, Status.NOT_MET) and window.started(today):
        gaps = (Gap("person_short", {"name": member.name, "user_id": member.user_id, "measure": measure,
                                     "figure": figure, "target": target, "window": window.label,
                                     "title": member.title, **extra}),)
    return part(whole, status, figure=figure, target=target, unit=measure, window_first=window.first,
                window_last=window.last, counted=counted, gaps=gaps, label=member.name, part_kind="person")


def _window_part(rule: dict[str, Any], context: Context, window: Window, whole: RuleResult) -> RuleResult:
    persons = [_person(rule, context, window, m, whole) for m in people(rule, context)
               if member_within(m, window.first, window.last)]
    met = sum(1 for p in persons if p.status is Status.MET)
    status = worst([p.status for p in persons]) if persons else Status.NOT_APPLICABLE
    return part(whole, status, figure=met, target=len(persons), unit="people", window_first=window.first,
                window_last=window.last, counted=tuple(c for p in persons for c in p.counted),
                gaps=tuple(g for p in persons for g in p.gaps), parts=tuple(persons), label=window.label)


def evaluate_per_person(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a per-person rule (see the module)."""
    if not people(rule, context):
        return result(rule, Status.NOT_APPLICABLE, unit="people", gaps=(Gap("nobody", {"who": rule.get("who")}),))
    return by_windows(rule, context, _window_part)


def reads_mentoring(program: dict[str, Any]) -> bool:
    """Whether any rule of the program reads mentoring's records: a per-person rule about mentees or mentors, or
    one that counts public lessons (the gathering reads pairings and public lessons only then)."""
    return any(rule.get("kind") == "per_person" and (rule.get("who") in {"mentees", "mentors"}
                                                     or rule.get("measure") == "public_lessons")
               for rule in program.get("rules", []))
