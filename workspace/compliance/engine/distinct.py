"""The distinct kind: how many different subjects, schools or methods the counted activities cover.

Either a `target` (at least 2 subjects) or `cover` (every one of a set must appear): `member_schools` (the
urban–rural community's member schools), `community_subjects` (the subjects of the members), or a list of
values. Subjects are compared in either Chinese script (數學 and 数学 are one subject) and named as first
typed. `source: exchanged_teachers` reads the exchanged-teacher list instead of activities (every member
school has an exchanged teacher). Activity filters, evidence and windows are those of the count kind.
"""

from __future__ import annotations

from typing import Any

from workspace.compliance.engine.activities import matches, missing_evidence, word_key
from workspace.compliance.engine.context import Context, by_windows, part, result
from workspace.compliance.engine.pace import pace_status, standing_status
from workspace.compliance.engine.results import Gap, RuleResult, Status
from workspace.compliance.engine.windows import Window


def _required(rule: dict[str, Any], context: Context) -> set[object] | None:
    cover = rule.get("cover")
    if cover is None:
        return None
    if cover == "member_schools":
        return {school.id for school in context.facts.schools if school.role == "member"}
    if cover == "community_subjects":
        return {word_key(subject) for member in context.facts.members for subject in member.subjects}
    return {word_key(value) for value in cover}


def _values(rule: dict[str, Any], context: Context, window: Window) -> dict[object, list[tuple[str, object]]]:
    """Each value found in the window and the records that show it."""
    found: dict[object, list[tuple[str, object]]] = {}
    if rule.get("source") == "exchanged_teachers":
        for index, teacher in enumerate(context.facts.exchanged_teachers):
            value = teacher.school_id if rule["of"] == "schools" else word_key(teacher.subject)
            found.setdefault(value, []).append(("exchanged_teacher", index))
        return found
    for activity in context.facts.activities:
        if not window.holds(activity.day) or not matches(activity, rule, context.parameters):
            continue
        if missing_evidence(activity, rule.get("evidence", [])):
            continue
        values = {"subjects": activity.subjects, "schools": activity.school_ids,
                  "methods": (activity.method,)}[rule["of"]]
        for value in values:
            found.setdefault(word_key(value), []).append(("activity", activity.id))
    return found


def _label(rule: dict[str, Any], context: Context, value: object) -> str:
    if rule["of"] == "schools":
        names = {school.id: school.name for school in context.facts.schools}
        return names.get(value, str(value))
    if rule["of"] == "subjects":  # as the members typed it (a rule's own list last): in the community's script
        cover = rule.get("cover")
        typed = [subject for member in context.facts.members for subject in member.subjects]
        typed += [str(subject) for subject in cover] if isinstance(cover, list) else []
        return next((subject for subject in typed if word_key(subject) == value), str(value))
    return str(value)


def _window_part(rule: dict[str, Any], context: Context, window: Window, whole: RuleResult) -> RuleResult:
    found = _values(rule, context, window)
    required = _required(rule, context)
    if required is not None:
        figure, target = len(required & set(found)), len(required)
        missing = sorted(_label(rule, context, value) for value in required - set(found))
    else:
        figure, target, missing = len(found), rule["target"], []
    counted = tuple(dict.fromkeys(record for records in found.values() for record in records))
    if rule.get("source") == "exchanged_teachers":  # a list kept up to date, not a pace over days
        status = standing_status(figure >= target, window, context.today)
    else:
        max_per_day = rule.get("max_per_day", context.parameters["max_activities_per_day"])
        status = pace_status(figure, target, window, context.today, max_per_day)
    gaps = []
    if status is not Status.MET and window.started(context.today):
        gaps.append(Gap("not_covered", {"of": rule["of"], "missing": tuple(missing), "needed": target - figure,
                                        "by": window.last}))
    return part(whole, status, figure=figure, target=target, unit=rule["of"], window_first=window.first,
                window_last=window.last, counted=counted, gaps=tuple(gaps), label=window.label)


def evaluate_distinct(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a distinct rule (see the module)."""
    required = _required(rule, context)
    if required is not None and not required:  # nothing to cover: no member school, no subject
        return result(rule, Status.NOT_APPLICABLE, unit=rule["of"], gaps=(Gap("nothing_to_cover", {"of": rule["of"]}),))
    return by_windows(rule, context, _window_part)
