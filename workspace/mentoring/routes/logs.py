"""Mentoring routes: meeting logs (輔導紀錄) with next steps, and goals.

Each route loads the pairing through `load_pairing` (another community's, or one the person may not know of: 404)
and its record through `_load_log` / `_load_goal` (a record of another pairing: 404), asks the policy, acts
through the services, commits once and answers htmx with the region it changed (a plain form: redirect).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.core import links
from workspace.core.errors import Conflict, DomainError
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import numbers, parse_id, read
from workspace.core.permissions import can, change_state, require
from workspace.extensions import db
from workspace.mentoring.forms.logs import EvidenceForm, GoalForm, LogForm, ShareForm
from workspace.mentoring.models import Goal, MeetingLog, NextStep, Owner, Pairing
from workspace.mentoring.routes import bp, load_pairing, load_record, pair_nav
from workspace.mentoring.services import goals as goal_services
from workspace.mentoring.services import logs as log_services
from workspace.mentoring.services.pairings import today


def _load_log(slug: str, pairing_id: int, log_id: int, action: str = "read") -> tuple[Any, Pairing, MeetingLog]:
    community, pairing = load_pairing(slug, pairing_id)
    log = load_record(community, MeetingLog, log_id, action)
    if log.pairing_id != pairing.id:
        abort(404)
    return community, pairing, log


def _load_goal(slug: str, pairing_id: int, goal_id: int, action: str = "read") -> tuple[Any, Pairing, Goal]:
    community, pairing = load_pairing(slug, pairing_id)
    goal = load_record(community, Goal, goal_id, action)
    if goal.pairing_id != pairing.id:
        abort(404)
    return community, pairing, goal


def _head(community: Any, pairing: Pairing) -> dict[str, Any]:
    """What every page of a pairing's logs and goals shows in its header."""
    return {"community": community, "pairing": pairing, "pair_nav": pair_nav(community, pairing)}


def _shared_value() -> bool:
    return (ShareForm().shared.data or "") == "1"


# --- meeting logs --------------------------------------------------------------------------------


def _log_fields(form: LogForm, *, private: bool) -> log_services.LogFields:
    steps = (log_services.steps_from_lines(form.mentee_steps.data, Owner.MENTEE.value)
             + log_services.steps_from_lines(form.mentor_steps.data, Owner.MENTOR.value))
    return log_services.LogFields(
        held_on=form.held_on.data, duration_minutes=form.duration_minutes.data, topics=form.topics.data or "",
        notes=form.notes.data or "", private_notes=(form.private_notes.data or "") if private else None,
        next_steps=steps, done_step_ids=[step_id for step_id in form.done_steps.data or [] if step_id],
        as_activity=bool(form.as_activity.data), starts_at=form.starts_at.data,
        listed_done_ids=[step_id for step_id in form.listed_done.data or [] if step_id],
        kept_done_ids=[step_id for step_id in form.kept_done.data or [] if step_id])


def _new_log_form(pairing: Pairing, form: LogForm | None = None) -> tuple[LogForm, list[NextStep]]:
    """The new-log form and the open next steps of earlier logs it lists to tick off."""
    form = form or LogForm(formdata=None, held_on=today())  # the deployment's day, not the server's
    steps = log_services.open_steps(pairing)
    form.done_steps.choices = [(step.id, step.text) for step in steps]
    if form.done_steps.data is None:
        form.done_steps.data = []
    return form, steps


def _logs_context(community: Any, pairing: Pairing, form: LogForm | None = None) -> dict[str, Any]:
    writable = can(current_user, "write", pairing)
    reads_content = can(current_user, "read", pairing)
    logs = log_services.logs_of(pairing, current_user)
    context: dict[str, Any] = {
        **_head(community, pairing), "writable": writable, "reads_content": reads_content,
        "see_private": log_services.may_read_private(current_user, pairing),
        "logs": logs, "done_on": log_services.done_days(logs),
        "dates": [] if reads_content else log_services.log_dates(pairing, current_user),
        "trashed": log_services.logs_of(pairing, current_user, trashed=True) if writable else [],
        "owner_labels": log_services.OWNER_LABELS,
    }
    if writable:
        context["form"], context["open_steps"] = _new_log_form(pairing, form)
    return context


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/")
def logs(slug: str, pairing_id: int):
    """A pairing's meeting logs, newest first, and the form of the next one."""
    community, pairing = load_pairing(slug, pairing_id)
    return render_page("mentoring/logs.html", "mentoring/_log_list.html", **_logs_context(community, pairing))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/")
def create_log(slug: str, pairing_id: int):
    """Log a meeting: its next steps, the open steps of earlier meetings ticked off, maybe its activity."""
    community, pairing = load_pairing(slug, pairing_id, "write")
    form, _steps = _new_log_form(pairing, LogForm())
    private = log_services.may_read_private(current_user, pairing)
    # every problem at once: a bad duration no longer hides a date outside the pairing until the next try
    if validate_all(form, lambda: log_services.check_log(_log_fields(form, private=private), pairing)):
        once = claim(form.once_token, current_user)
        if once.repeat is not None:  # sent twice: answered as the first was, the log kept once
            db.session.rollback()
            return _after_log_change(slug, pairing_id, str(ALREADY_SAVED), category="info")
        try:
            log_services.create_log(pairing, _log_fields(form, private=private), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            once.answered(url_for("mentoring.logs", slug=slug, pairing_id=pairing_id))
            db.session.commit()
            return _after_log_change(slug, pairing_id, _("The meeting is logged."))
    community, pairing = load_pairing(slug, pairing_id, "write")
    return render_page("mentoring/logs.html", "mentoring/_log_list.html", status=422,
                       **_logs_context(community, pairing, form))


def _edit_form(log: MeetingLog, private: bool) -> LogForm:
    steps = {owner: "\n".join(step.text for step in log.next_steps if step.owner == owner and step.done_at is None)
             for owner in log_services.OWNER_LABELS}
    form = LogForm(formdata=None, held_on=log.held_on, duration_minutes=log.duration_minutes, topics=log.topics,
                   notes=log.notes, private_notes=log.private_notes if private else "",
                   mentee_steps=steps[Owner.MENTEE.value], mentor_steps=steps[Owner.MENTOR.value],
                   base_version=log.version, id_prefix=_edit_prefix(log))
    form.done_steps.choices = []
    done = [step.id for step in _done_steps(log)]
    form.listed_done.data, form.kept_done.data = done, done
    return form


def _done_steps(log: MeetingLog) -> list[NextStep]:
    """The log's next steps already done, shown ticked in its editor (untick one to open it again)."""
    return [step for step in log.next_steps if step.done_at is not None]


def _edit_prefix(log: MeetingLog) -> str:
    """The ids of a log's editor: it opens in place on the page that holds the form for a new log."""
    return f"log-{log.id}"


def _edit_context(community: Any, pairing: Pairing, log: MeetingLog, form: LogForm, **extra: Any) -> dict[str, Any]:
    done = _done_steps(log)
    return dict(_head(community, pairing), log=log, form=form, inline=wants_fragment(),
                see_private=log_services.may_read_private(current_user, pairing), done_steps=done,
                done_on=log_services.done_days([log]), owner_labels=log_services.OWNER_LABELS, **extra)


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/<int:log_id>/edit")
def edit_log(slug: str, pairing_id: int, log_id: int):
    """A log's editor, started from its current version."""
    community, pairing, log = _load_log(slug, pairing_id, log_id, "edit")
    form = _edit_form(log, log_services.may_read_private(current_user, pairing))
    return render_page("mentoring/log_edit.html", "mentoring/_log_form.html",
                       **_edit_context(community, pairing, log, form))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/<int:log_id>/edit")
def update_log(slug: str, pairing_id: int, log_id: int):
    """Save a log; a save started before someone else's is refused with everything typed kept."""
    community, pairing, log = _load_log(slug, pairing_id, log_id, "edit")
    form = LogForm(id_prefix=_edit_prefix(log))
    form.done_steps.choices = []
    private = log_services.may_read_private(current_user, pairing)
    conflict = False
    if validate_all(form, lambda: log_services.check_log(_log_fields(form, private=private), pairing)):
        try:
            log_services.update_log(log, _log_fields(form, private=private), actor=current_user,
                                    base_version=read(str(form.base_version.data or ""), numbers(), 0))
        except Conflict as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The log is saved."), "success")
            if not wants_fragment():
                return redirect(url_for("mentoring.logs", slug=slug, pairing_id=pairing_id) + f"#log-{log_id}")
            community, pairing = load_pairing(slug, pairing_id)
            response = render_page("mentoring/_log_list.html", **_logs_context(community, pairing))
            response.headers["HX-Retarget"] = "#meeting-logs"  # the editor stood in place of the one log
            response.headers["HX-Reswap"] = "outerHTML"
            return response
    community, pairing, log = _load_log(slug, pairing_id, log_id, "edit")
    return render_page("mentoring/log_edit.html", "mentoring/_log_form.html", status=409 if conflict else 422,
                       **_edit_context(community, pairing, log, form, conflict=conflict))


def _after_log_change(slug: str, pairing_id: int, message: str, anchor: str = "", category: str = "success"):
    flash(message, category)  # htmx: render_page puts it into the page's live #flashes region
    if not wants_fragment():
        return redirect(url_for("mentoring.logs", slug=slug, pairing_id=pairing_id) + anchor)
    community, pairing = load_pairing(slug, pairing_id)
    return render_page("mentoring/_log_list.html", **_logs_context(community, pairing))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/<int:log_id>/trash")
def trash_log(slug: str, pairing_id: int, log_id: int):
    """Move a log to the trash (it can be restored)."""
    _community, _pairing, log = _load_log(slug, pairing_id, log_id, "delete")
    log_services.trash_log(log, actor=current_user)
    db.session.commit()
    return _after_log_change(slug, pairing_id, _("The log is in the trash; it can be restored."))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/<int:log_id>/restore")
def restore_log(slug: str, pairing_id: int, log_id: int):
    """Take a log out of the trash (a second time: it is out already, said so)."""
    _community, _pairing, log = _load_log(slug, pairing_id, log_id, "view")
    already = change_state(current_user, "restore", log)
    if already is None:
        log_services.restore_log(log, actor=current_user)
        db.session.commit()
    return _after_log_change(slug, pairing_id, already or _("The log is restored."), f"#log-{log_id}",
                             category="info" if already else "success")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/<int:log_id>/share")
def share_log(slug: str, pairing_id: int, log_id: int):
    """Let the conveners read the log (never the private notes), or stop."""
    _community, _pairing, log = _load_log(slug, pairing_id, log_id, "share")
    shared = _shared_value()
    log_services.share_log(log, shared, actor=current_user)
    db.session.commit()
    return _after_log_change(slug, pairing_id, _("The conveners can read this log now.") if shared
                             else _("The log is no longer shared with the conveners."), f"#log-{log_id}")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/steps/<int:step_id>/tick")
def tick_step(slug: str, pairing_id: int, step_id: int):
    """Tick a next step off (or open it again) outside a meeting."""
    _community, pairing = load_pairing(slug, pairing_id)
    step = db.session.get(NextStep, step_id)
    if step is None or step.pairing_id != pairing.id:
        abort(404)
    require(can(current_user, "view", step), hide=True)
    require(can(current_user, "read", step), hide=True)
    require(can(current_user, "edit", step))
    log_services.tick_step(step, request.form.get("done", "1") == "1", actor=current_user)
    db.session.commit()
    return _after_log_change(slug, pairing_id, _("Saved."), f"#log-{step.log_id}")


# --- goals ---------------------------------------------------------------------------------------


def _goals_context(community: Any, pairing: Pairing, form: GoalForm | None = None, **extra: Any) -> dict[str, Any]:
    writable = can(current_user, "write", pairing)
    goals = goal_services.goals_of(pairing, current_user)
    evidence_form = EvidenceForm(formdata=None)
    if writable:
        evidence_form.target.choices = [("", "—"), *goal_services.evidence_choices(pairing, current_user)]
    context = dict(_head(community, pairing), writable=writable, goals=goals, evidence_for=None,
                   evidence=goal_services.evidence_of(goals), counts=goal_services.goal_counts(pairing),
                   reads_content=can(current_user, "read", pairing),
                   trashed=goal_services.goals_of(pairing, current_user, trashed=True) if writable else [],
                   status_labels=goal_services.STATUS_LABELS, form=form or GoalForm(formdata=None),
                   evidence_form=evidence_form)
    context.update(extra)
    return context


def _goal_fields(form: GoalForm) -> goal_services.GoalFields:
    return goal_services.GoalFields(form.title.data, form.success_criteria.data or "", form.due_on.data,
                                    form.status.data or "")


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/")
def goals(slug: str, pairing_id: int):
    """A pairing's goals."""
    community, pairing = load_pairing(slug, pairing_id)
    return render_page("mentoring/goals.html", "mentoring/_goal_list.html", **_goals_context(community, pairing))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/")
def create_goal(slug: str, pairing_id: int):
    """Add a goal."""
    community, pairing = load_pairing(slug, pairing_id, "write")
    form = GoalForm()
    if form.validate():
        once = claim(form.once_token, current_user)
        if once.repeat is not None:  # sent twice: answered as the first was, the goal kept once
            db.session.rollback()
            return _after_goal_change(slug, pairing_id, str(ALREADY_SAVED), category="info")
        try:
            goal_services.create_goal(pairing, _goal_fields(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            once.answered(url_for("mentoring.goals", slug=slug, pairing_id=pairing_id))
            db.session.commit()
            return _after_goal_change(slug, pairing_id, _("The goal is added."))
    community, pairing = load_pairing(slug, pairing_id, "write")
    return render_page("mentoring/goals.html", "mentoring/_goal_list.html", status=422,
                       **_goals_context(community, pairing, form))


def _after_goal_change(slug: str, pairing_id: int, message: str, anchor: str = "", category: str = "success"):
    flash(message, category)  # htmx: render_page puts it into the page's live #flashes region
    if not wants_fragment():
        return redirect(url_for("mentoring.goals", slug=slug, pairing_id=pairing_id) + anchor)
    community, pairing = load_pairing(slug, pairing_id)
    return render_page("mentoring/_goal_list.html", **_goals_context(community, pairing))


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/edit")
def edit_goal(slug: str, pairing_id: int, goal_id: int):
    """A goal's editor, started from its current version."""
    community, pairing, goal = _load_goal(slug, pairing_id, goal_id, "edit")
    form = GoalForm(formdata=None, obj=goal, base_version=goal.version, id_prefix=f"goal-{goal.id}")
    return render_page("mentoring/goal_edit.html", "mentoring/_goal_form.html", **_head(community, pairing),
                       goal=goal, form=form, inline=wants_fragment())


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/edit")
def update_goal(slug: str, pairing_id: int, goal_id: int):
    """Save a goal; a save started before someone else's is refused with what was typed kept."""
    community, pairing, goal = _load_goal(slug, pairing_id, goal_id, "edit")
    form = GoalForm(id_prefix=f"goal-{goal.id}")  # opened in place beside the form for a new goal
    conflict = False
    if form.validate():
        try:
            goal_services.update_goal(goal, _goal_fields(form), actor=current_user,
                                      base_version=read(str(form.base_version.data or ""), numbers(), 0))
        except Conflict as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            response = _after_goal_change(slug, pairing_id, _("The goal is saved."), f"#goal-{goal_id}")
            if wants_fragment():
                response.headers["HX-Retarget"] = "#goals"  # the editor stood in place of the one goal
                response.headers["HX-Reswap"] = "outerHTML"
            return response
    community, pairing, goal = _load_goal(slug, pairing_id, goal_id, "edit")
    return render_page("mentoring/goal_edit.html", "mentoring/_goal_form.html", status=409 if conflict else 422,
                       **_head(community, pairing), goal=goal, form=form, conflict=conflict, inline=wants_fragment())


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/trash")
def trash_goal(slug: str, pairing_id: int, goal_id: int):
    """Move a goal to the trash (it can be restored)."""
    _community, _pairing, goal = _load_goal(slug, pairing_id, goal_id, "delete")
    goal_services.trash_goal(goal, actor=current_user)
    db.session.commit()
    return _after_goal_change(slug, pairing_id, _("The goal is in the trash; it can be restored."))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/restore")
def restore_goal(slug: str, pairing_id: int, goal_id: int):
    """Take a goal out of the trash (a second time: it is out already, said so)."""
    _community, _pairing, goal = _load_goal(slug, pairing_id, goal_id, "view")
    already = change_state(current_user, "restore", goal)
    if already is None:
        goal_services.restore_goal(goal, actor=current_user)
        db.session.commit()
    return _after_goal_change(slug, pairing_id, already or _("The goal is restored."), f"#goal-{goal_id}",
                              category="info" if already else "success")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/share")
def share_goal(slug: str, pairing_id: int, goal_id: int):
    """Let the conveners read the goal, or stop."""
    _community, _pairing, goal = _load_goal(slug, pairing_id, goal_id, "share")
    shared = _shared_value()
    goal_services.share_goal(goal, shared, actor=current_user)
    db.session.commit()
    return _after_goal_change(slug, pairing_id, _("The conveners can read this goal now.") if shared
                              else _("The goal is no longer shared with the conveners."), f"#goal-{goal_id}")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/evidence")
def add_goal_evidence(slug: str, pairing_id: int, goal_id: int):
    """Link a resource, a plan or an observation to the goal as its evidence."""
    community, pairing, goal = _load_goal(slug, pairing_id, goal_id, "edit")
    form = EvidenceForm()
    kind, _sep, raw_id = (form.target.data or "").partition(":")
    if form.validate():
        try:
            goal_services.add_evidence(goal, kind, parse_id(raw_id), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            return _after_goal_change(slug, pairing_id, _("Linked."), f"#goal-{goal_id}")
    community, pairing = load_pairing(slug, pairing_id)
    context = _goals_context(community, pairing, evidence_for=goal_id)
    form.target.choices = context["evidence_form"].target.choices
    context["evidence_form"] = form
    return render_page("mentoring/goals.html", "mentoring/_goal_list.html", status=422, **context)


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/<int:goal_id>/evidence/<int:link_id>/remove")
def remove_goal_evidence(slug: str, pairing_id: int, goal_id: int, link_id: int):
    """Unlink a piece of evidence from the goal (the record stays)."""
    _community, _pairing, goal = _load_goal(slug, pairing_id, goal_id, "edit")
    link = db.session.get(links.Link, link_id)
    if link is None or (link.from_type, link.from_id, link.role) != ("goal", goal.id, goal_services.EVIDENCE):
        abort(404)
    goal_services.remove_evidence(goal, link, actor=current_user)
    db.session.commit()
    return _after_goal_change(slug, pairing_id, _("The link is removed."), f"#goal-{goal_id}")
