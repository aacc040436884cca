"""The count kind: activities in a window that pass the rule's filters and carry the evidence it asks for.

Two ways to count: a `target` (at least 18 in the period, at least 3 each semester), or `every: true`
(each matching activity must carry the evidence, e.g. minutes after each meeting, within `grace_days`).
A rule with several windows (per semester, per month) has a part per window and takes the worst status
of the windows closed or running: a semester missed stays missed.
"""

from __future__ import annotations

from typing import Any

from workspace.compliance.engine.activities import matches, missing_evidence
from workspace.compliance.engine.context import Context, by_windows, part
from workspace.compliance.engine.pace import expected_by, pace_status
from workspace.compliance.engine.results import Gap, RuleResult, Status
from workspace.compliance.engine.windows import Window
from workspace.compliance.facts import ActivityFact


def missing_gap(activity: ActivityFact, missing: list[str], **extra: Any) -> Gap:
    """The gap of an activity that matches a rule but lacks evidence."""
    params = {"activity_id": activity.id, "day": activity.day, "title": activity.title, "missing": tuple(missing)}
    if activity.private:  # worded as such in any language, whoever reads it (wording.gap_text)
        params["private"] = True
    return Gap("activity_missing_evidence", {**params, **extra})


def _window_part(rule: dict[str, Any], context: Context, window: Window, whole: RuleResult) -> RuleResult:
    required = rule.get("evidence", [])
    counted: list[ActivityFact] = []
    gaps: list[Gap] = []
    lacking: list[tuple[ActivityFact, list[str]]] = []
    candidates = [a for a in context.facts.activities if window.holds(a.day) and matches(a, rule, context.parameters)]
    for activity in candidates:
        missing = missing_evidence(activity, required)
        if missing:
            lacking.append((activity, missing))
        else:
            counted.append(activity)
    ids = tuple(("activity", activity.id) for activity in counted)
    if rule.get("every"):
        grace = rule.get("grace_days", 0)
        overdue = False
        for activity, missing in lacking:
            late = (context.today - activity.day).days > grace
            overdue = overdue or late
            gaps.append(missing_gap(activity, missing, overdue=late))
        status = Status.MET if not lacking else (Status.NOT_MET if overdue else Status.ON_TRACK)
        return part(whole, status, figure=len(counted), target=len(candidates), unit="activities",
                    window_first=window.first, window_last=window.last, counted=ids, gaps=tuple(gaps),
                    label=window.label)
    gaps = [missing_gap(activity, missing) for activity, missing in lacking]
    target = rule["target"]
    max_per_day = rule.get("max_per_day", context.parameters["max_activities_per_day"])
    status = pace_status(len(counted), target, window, context.today, max_per_day)
    if status is not Status.MET and window.started(context.today):
        short: dict[str, Any] = {"needed": target - len(counted), "by": window.last, "unit": "activities"}
        if status is Status.AT_RISK:
            # what an even pace asks by today: the status's own measure and the burn-up chart's figure, said
            # beside the chart's projection at the recent pace (which may well reach the target: both are true)
            short["expected"] = expected_by(target, window, context.today)
        gaps.append(Gap("count_short", short))
    return part(whole, status, figure=len(counted), target=target, unit="activities", window_first=window.first,
                window_last=window.last, counted=ids, gaps=tuple(gaps), label=window.label)


def evaluate_count(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a count rule (see the module)."""
    return by_windows(rule, context, _window_part)
