"""The deliverable kind: an item must exist by a date (a results report, an activity video, monthly plans).

`due` is a date, or a number of `days` after the period's `first` or `last` day ({"after": "period_last",
"days": 14}: within two weeks of the end). `or_activity_with: video` also accepts a held activity carrying
that evidence where the report can carry it (one activity's video is the video of the results report: a video on
a pair's private record is the pair's, and no report cites it; the gap then says how many such records have one).
`each_month: {"day": 20, "months_before": 1}` asks for the monthly plan of every month of the period by the 20th of
the month before: a part per month, whose `window_first` is the month and `window_last` its due day (in the month
before, so not a range).
Status: done by the due day → met; done late or not done once the day has passed → not met; not done yet →
on track, at risk within the program's `deliverable_warning_days` (14 by default) of the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workspace.compliance.engine.activities import has_evidence, has_evidence_for_report
from workspace.compliance.engine.context import Context, part, result
from workspace.compliance.engine.results import Gap, RuleResult, Status, worst
from workspace.compliance.engine.windows import months


def due_day(rule: dict[str, Any], context: Context) -> dt.date:
    """The day a single deliverable is due."""
    due = rule.get("due", {"after": "period_last", "days": 0})
    if isinstance(due, str):
        return dt.date.fromisoformat(due)
    anchor = context.period.last if due.get("after", "period_last") == "period_last" else context.period.first
    return anchor + dt.timedelta(days=due.get("days", 0))


def _waiting(due: dt.date, context: Context) -> Status:
    if context.today > due:
        return Status.NOT_MET
    warning = context.parameters["deliverable_warning_days"]
    return Status.AT_RISK if (due - context.today).days <= warning else Status.ON_TRACK


def _single(rule: dict[str, Any], context: Context) -> RuleResult:
    due = due_day(rule, context)
    needed = rule.get("count", 1)
    done: list[tuple[dt.date, tuple[str, object]]] = [
        (item.done_on, ("deliverable", item.ref or item.kind))
        for item in context.facts.deliverables if item.kind == rule["item"] and item.done_on <= context.today]
    evidence = rule.get("or_activity_with")
    if evidence:
        done += [(activity.day, ("activity", activity.id)) for activity in context.facts.activities
                 if activity.held and has_evidence_for_report(activity, evidence)]
    on_time = [record for day, record in done if day <= due]
    gaps: list[Gap] = []
    if len(on_time) >= needed:
        status = Status.MET
    elif len(done) >= needed:
        status = Status.NOT_MET
        gaps.append(Gap("deliverable_late", {"item": rule["item"], "due": due}))
    else:
        status = _waiting(due, context)
        missing: dict[str, object] = {"item": rule["item"], "due": due}
        if context.today > due:  # the day has gone: the gap says it was not done by then, not "due on"
            missing["overdue"] = True
        if evidence:  # held activities with the evidence that the report cannot carry (a pair's private record)
            kept = sum(1 for activity in context.facts.activities if activity.held
                       and has_evidence(activity, evidence) and not has_evidence_for_report(activity, evidence))
            if kept:
                missing.update(evidence=evidence, not_shareable=kept)
        gaps.append(Gap("deliverable_missing", missing))
    return result(rule, status, figure=len(on_time), target=needed, unit="items", window_first=context.period.first,
                  window_last=due, counted=tuple(record for _, record in done), gaps=tuple(gaps))


def _monthly(rule: dict[str, Any], context: Context) -> RuleResult:
    whole = result(rule, Status.ON_TRACK)
    schedule = rule["each_month"]
    plans = {plan.month: plan for plan in context.facts.monthly_plans}
    parts = []
    for window in months(context.program):
        month = window.first.replace(day=1)
        before = month
        for _ in range(schedule.get("months_before", 1)):
            before = (before - dt.timedelta(days=1)).replace(day=1)
        due = before.replace(day=min(schedule.get("day", 20), 28))
        plan = plans.get(month)
        submitted = plan.submitted_on if plan and plan.submitted_on and plan.submitted_on <= context.today else None
        gaps: tuple[Gap, ...] = ()
        if submitted is not None and submitted <= due:
            status = Status.MET
        elif submitted is not None:
            status = Status.NOT_MET
            gaps = (Gap("deliverable_late", {"item": rule["item"], "due": due, "month": month}),)
        else:
            status = _waiting(due, context)
            missing: dict[str, object] = {"item": rule["item"], "due": due, "month": month}
            if context.today > due:  # the day has gone: the gap says it was not handed in by then, not "due on"
                missing["overdue"] = True
            gaps = (Gap("deliverable_missing", missing),)
        # a month's part is the plan of that month (window_first, its first day) and its due day (window_last, in
        # the month before): not a range of days, and drawn as such (wording.part_text)
        parts.append(part(whole, status, figure=int(status is Status.MET), target=1, unit="items", window_first=month,
                          window_last=due, counted=(("monthly_plan", f"{month:%Y-%m}"),) if submitted else (),
                          gaps=gaps, label=f"{month:%Y-%m}"))
    decided = [p for p in parts if p.window_last is not None
               and (p.window_last < context.today or p.status is not Status.ON_TRACK)]
    return result(rule, worst([p.status for p in parts]) if parts else Status.NOT_APPLICABLE,
                  figure=sum(p.figure or 0 for p in decided), target=len(decided), unit="items",
                  window_first=context.period.first, window_last=context.period.last,
                  counted=tuple(c for p in parts for c in p.counted),
                  gaps=tuple(g for p in parts for g in p.gaps if p.status is not Status.ON_TRACK), parts=tuple(parts))


def evaluate_deliverable(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a deliverable rule (see the module)."""
    return _monthly(rule, context) if "each_month" in rule else _single(rule, context)
