"""Mentoring routes: public lessons (公開課) — the list, one lesson, scheduling, changing and cancelling one.

A lesson is a community activity too: colleagues sign in and give feedback on the activity's own pages, and
observe it through the observations' page (`mentoring.new_observation?public_lesson=<id>`)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.core.errors import DomainError, NotAllowed
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import arg, parse_id
from workspace.core.permissions import require
from workspace.extensions import db
from workspace.mentoring.forms.public_lessons import CancelLessonForm, LessonForm
from workspace.mentoring.models import Pairing, PublicLesson
from workspace.mentoring.routes import WITH_PAIR, bp, load_record, pair_nav
from workspace.mentoring.services import public_lessons as services


def _load(slug: str, lesson_id: int, action: str = "view") -> tuple[Any, PublicLesson]:
    community = load_community(slug, "use_mentoring")
    return community, load_record(community, PublicLesson, lesson_id, action)


def _choices(form: LessonForm, community: Any, lesson: PublicLesson | None = None) -> None:
    if lesson is None:
        teachers = services.teachers_for(community, current_user)
    else:  # the teacher stays: shown, not chosen
        teachers = [services.Teacher(lesson.teacher_id, lesson.teacher.display_name, lesson.pairing_id)]
    plans = services.plans_to_link(community, current_user)
    current = services.linked_plan(lesson, None) if lesson is not None else None
    if current is not None and all(plan.id != current.id for plan in plans):
        plans.append(current)
    form.set_choices(teachers, plans, services.forms_to_use(community, current_user))


def _pair_head(community: Any, lesson: PublicLesson) -> dict[str, Any]:
    """A lesson given within a pairing opens under the pair's header and navigation (to whoever sees that
    pairing): the pairing and its links, for templates/mentoring/_pair_head.html."""
    pairing = db.session.get(Pairing, lesson.pairing_id, options=WITH_PAIR) if lesson.pairing_id is not None else None
    return {"pairing": pairing, "pair_nav": pair_nav(community, pairing) if pairing is not None else []}


def _show(community: Any, lesson: PublicLesson, status: int = 200, cancel_form: CancelLessonForm | None = None):
    return render_page(
        "mentoring/public_lesson.html", fragment="mentoring/_public_lesson.html", status=status,
        community=community, lesson=lesson, lesson_status=services.status_of(lesson),
        plan=services.linked_plan(lesson, current_user), observations=services.observations_of(lesson, current_user),
        feedback=services.feedback_of(lesson), cancel_form=cancel_form or CancelLessonForm(formdata=None),
        **_pair_head(community, lesson))


@bp.get("/c/<slug>/mentoring/public-lessons/")
def public_lessons(slug: str):
    """The community's public lessons, upcoming first (?pairing=<id>: opened from that pairing, whose navigation
    it shows)."""
    community = load_community(slug, "use_mentoring")
    pairing_id = arg("pairing", parse_id)
    pairing = load_record(community, Pairing, pairing_id, "view") if pairing_id is not None else None
    listing = services.lesson_list(community, current_user)
    return render_page("mentoring/public_lessons.html", fragment="mentoring/_public_lesson_list.html",
                       community=community, listing=listing, pairing=pairing,
                       may_schedule=services.may_schedule(community, current_user))


@bp.get("/c/<slug>/mentoring/public-lessons/new")
def new_public_lesson(slug: str):
    """The form to schedule a public lesson (a new teacher for themselves; a convener for a member)."""
    community = load_community(slug, "use_mentoring")
    require(services.may_schedule(community, current_user))
    form = LessonForm(formdata=None)
    _choices(form, community)
    if len(form.teacher_id.choices) == 1:
        form.teacher_id.data = form.teacher_id.choices[0][0]
    return render_page("mentoring/public_lesson_form.html", community=community, form=form, lesson=None)


@bp.post("/c/<slug>/mentoring/public-lessons/new")
def schedule_public_lesson(slug: str):
    """Schedule a public lesson: it is recorded as a community activity, its plan linked."""
    community = load_community(slug, "use_mentoring")
    require(services.may_schedule(community, current_user))
    form = LessonForm()
    _choices(form, community)
    if validate_all(form, lambda: services.check_lesson(community, form.fields(), actor=current_user)):
        once = claim(form.once_token, current_user, fallback=url_for("mentoring.public_lessons", slug=slug))
        if once.repeat is not None:  # sent twice: one lesson, one activity; answered as the first was
            db.session.rollback()
            flash(ALREADY_SAVED, "info")
            return redirect(once.repeat)
        try:
            lesson = services.schedule_lesson(community, form.fields(), actor=current_user)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            once.answered(url_for("mentoring.public_lesson", slug=slug, lesson_id=lesson.id))
            db.session.commit()
            flash(_("The public lesson is scheduled. It is in the activities calendar too."), "success")
            return redirect(url_for("mentoring.public_lesson", slug=slug, lesson_id=lesson.id))
    community = load_community(slug, "use_mentoring")
    _choices(form, community)
    return render_page("mentoring/public_lesson_form.html", community=community, form=form, lesson=None, status=422)


@bp.get("/c/<slug>/mentoring/public-lessons/<int:lesson_id>")
def public_lesson(slug: str, lesson_id: int):
    """One public lesson: when, the plan, its observations and feedback."""
    community, lesson = _load(slug, lesson_id)
    return _show(community, lesson)


@bp.get("/c/<slug>/mentoring/public-lessons/<int:lesson_id>/edit")
def edit_public_lesson(slug: str, lesson_id: int):
    """The form to change a public lesson (its day, times, place, plan and form)."""
    community, lesson = _load(slug, lesson_id, "edit")
    form = LessonForm(formdata=None)
    _choices(form, community, lesson)
    form.fill(services.fields_of(lesson))
    return render_page("mentoring/public_lesson_form.html", community=community, form=form, lesson=lesson)


@bp.post("/c/<slug>/mentoring/public-lessons/<int:lesson_id>/edit")
def update_public_lesson(slug: str, lesson_id: int):
    """Save a public lesson's changes; its activity moves with it."""
    community, lesson = _load(slug, lesson_id, "edit")
    form = LessonForm()
    _choices(form, community, lesson)
    form.teacher_id.data = str(lesson.teacher_id)
    if form.validate():
        try:
            services.update_lesson(lesson, form.fields(), actor=current_user)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("mentoring.public_lesson", slug=slug, lesson_id=lesson.id))
    community, lesson = _load(slug, lesson_id, "edit")
    _choices(form, community, lesson)
    return render_page("mentoring/public_lesson_form.html", community=community, form=form, lesson=lesson,
                       status=422)


@bp.post("/c/<slug>/mentoring/public-lessons/<int:lesson_id>/cancel")
def cancel_public_lesson(slug: str, lesson_id: int):
    """Cancel a public lesson: its activity is cancelled and both are kept."""
    community, lesson = _load(slug, lesson_id, "cancel")
    form = CancelLessonForm()
    if form.validate():
        try:
            services.cancel_lesson(lesson, form.reason.data or "", actor=current_user)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The public lesson is cancelled. It stays in the records."), "success")
            return redirect(url_for("mentoring.public_lesson", slug=slug, lesson_id=lesson.id))
    community, lesson = _load(slug, lesson_id)
    return _show(community, lesson, status=422, cancel_form=form)

