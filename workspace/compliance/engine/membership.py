"""The membership kind: how many members (of some roles, or flagged in the teacher-evaluation programme) on a day.

Members are counted on the window's day of reckoning: today, or the window's last day once it has closed, as they
are at the end of that day: a member counts from the day they joined up to the day before they left (one removed
today is not counted today, as the members page no longer lists them; a member who left counts for their time
only), so a day's figure never changes once the day is over. The minimum may depend on the community's school's
class count (`min_by_class_count`: 24 classes or fewer → 4 members, 25 or more → 6); `applies_if:
school_in_evaluation_programme` makes the rule not applicable when none of the community's schools takes part in
the teacher-evaluation programme. A community with no school (older data, or created before the site had one)
has no class count: the gap `no_school` says so, and the rule is met only by as many members as every school's band
asks for (below that, at risk while the window runs, with no target); the evaluation-programme rule is not
applicable, with that gap.
Status: met, else at risk while the window runs (a member can join tomorrow), not met once it has closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workspace.compliance.engine.context import Context, by_windows, part, result
from workspace.compliance.engine.pace import standing_status
from workspace.compliance.engine.results import Gap, RuleResult, Status
from workspace.compliance.engine.windows import Window
from workspace.compliance.facts import MemberFact

MEMBER_ROLES = ("convener", "co_convener", "member", "mentor")  # a guest expert is not a member of the count


def member_on(member: MemberFact, day: dt.date) -> bool:
    """Whether the person was a member at the end of that day: within one of their stints, joined on it or before,
    not left on it or before (between two stints they were not)."""
    return any(joined <= day and (left is None or left > day) for joined, left in member.spans)


def member_within(member: MemberFact, first: dt.date, last: dt.date) -> bool:
    """Whether the person was a member at the end of some day from `first` to `last` (`member_on` one of them): a
    stint counts from its first day in the window, so one who joined and left on the same day, or left on the
    window's first day, was a member within it on no day."""
    return any(member_on(member, max(joined, first)) for joined, _left in member.spans if max(joined, first) <= last)


def _minimum(rule: dict[str, Any], context: Context) -> int | None:
    """The fewest members the rule asks for; None when it depends on the school's class count and the community has
    no school (older data): no minimum is known, and judging it against the smallest band's said "met" wrongly."""
    if "min_by_class_count" not in rule:
        return rule.get("min", 0)
    if not context.facts.schools:
        return None
    classes = context.facts.schools[0].class_count
    for step in rule["min_by_class_count"]:
        if "up_to" not in step or classes <= step["up_to"]:
            return step["min"]
    return rule["min_by_class_count"][-1]["min"]


def _counts(rule: dict[str, Any], member: MemberFact) -> bool:
    measure = rule.get("measure", "members")
    if measure == "conveners":
        return member.role == "convener"
    if member.role not in rule.get("roles", MEMBER_ROLES):
        return False
    return measure != "in_evaluation_programme" or member.in_evaluation_programme


def _window_part(rule: dict[str, Any], context: Context, window: Window, whole: RuleResult) -> RuleResult:
    day = min(max(context.today, window.first), window.last)
    present = [m for m in context.facts.members if _counts(rule, m) and member_on(m, day)]
    minimum, maximum = _minimum(rule, context), rule.get("max")
    figure = len(present)
    measure = rule.get("measure", "members")
    gaps = []
    if minimum is None:  # no school: said, and met only by as many members as every school's band asks for
        gaps.append(Gap("no_school"))
        highest = max(step["min"] for step in rule["min_by_class_count"])
        if figure < highest:  # enough for some schools, not for all: no target to show, none to judge against
            status = standing_status(False, window, context.today) if window.started(context.today) \
                else Status.ON_TRACK
            return part(whole, status, figure=figure, target=None, unit=measure, window_first=window.first,
                        window_last=window.last, counted=tuple(("member", m.user_id) for m in present),
                        gaps=tuple(gaps), label=window.label)
        minimum = highest
    ok = figure >= minimum and (maximum is None or figure <= maximum)
    status = standing_status(ok, window, context.today) if window.started(context.today) or ok else Status.ON_TRACK
    if figure < minimum:
        gaps.append(Gap("membership_short", {"measure": measure, "figure": figure, "min": minimum}))
    if maximum is not None and figure > maximum:
        gaps.append(Gap("membership_over", {"measure": measure, "figure": figure, "max": maximum,
                                            "names": tuple(m.name for m in present)}))
    return part(whole, status, figure=figure, target=minimum if maximum is None or figure < minimum else maximum,
                unit=measure, window_first=window.first, window_last=window.last,
                counted=tuple(("member", m.user_id) for m in present), gaps=tuple(gaps), label=window.label)


def applies(rule: dict[str, Any], context: Context) -> bool:
    """Whether the rule's condition holds (today the one condition: a school in the evaluation programme)."""
    condition = rule.get("applies_if")
    if condition == "school_in_evaluation_programme":
        return any(school.in_evaluation_programme for school in context.facts.schools)
    return True


def evaluate_membership(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a membership rule (see the module)."""
    if not applies(rule, context):
        # A community with no school at all is told so (its settings give it one), not that none of its schools
        # takes part.
        gap = Gap("no_school") if not context.facts.schools else Gap("not_applicable",
                                                                      {"condition": rule["applies_if"]})
        return result(rule, Status.NOT_APPLICABLE, unit=rule.get("measure", "members"), gaps=(gap,))
    return by_windows(rule, context, _window_part)
