"""Mentoring routes: classroom observations (教學觀察與回饋), their minute-stamped notes, and observation forms.

Every route loads the community (use_mentoring; outsiders get 404), the observation through load_record (another
community's, or one the person may not know of, is 404), and asks can() for the action. Forms post without
JavaScript (Post/Redirect/Get); observe.js sends notes from a queue kept on the device (X-Observe: 1), and the
answer is the note's fragment: 201 when stored, 200 when that key was stored before.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.core import audit
from workspace.core.docx import DOCX_TYPE
from workspace.core.errors import Conflict, DomainError, NotAllowed
from workspace.core.forms import EmptyForm, attach_error
from workspace.core.htmx import render_page
from workspace.core.i18n import N_
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import arg, in_range, iso_datetime, parse_id, read
from workspace.core.permissions import can, change_state, require
from workspace.core.storage import UploadRejected, send_blob, send_built, store_uploads
from workspace.extensions import db
from workspace.mentoring.forms.observations import (
    FeedbackForm,
    NoteForm,
    ObservationFormForm,
    PlanForm,
    ReflectionForm,
    ReopenForm,
)
from workspace.mentoring.models import Observation, ObservationForm, ObservationNote, Pairing, PublicLesson
from workspace.mentoring.routes import WITH_PAIR, bp, load_record, pair_nav
from workspace.mentoring.services import observation_record, rubrics
from workspace.mentoring.services import observations as services

BASE = "/c/<slug>/mentoring/observations"
ONE = BASE + "/<int:observation_id>"
FORMS = "/c/<slug>/mentoring/observation-forms"
# The community's audit trail says what happened to an observation, never what it holds.
AUDIT_MESSAGES = {
    "observation.shared_with_observed": N_("shared an observation with the observed teacher in %(community)s"),
    "observation.finalized": N_("finalized an observation in %(community)s"),
    "observation.reopened": N_("reopened an observation in %(community)s"),
    "observation.trashed": N_("moved an observation to the trash in %(community)s"),
    "observation.restored": N_("restored an observation from the trash in %(community)s"),
}
bp.record_once(lambda _setup: audit.register_messages(AUDIT_MESSAGES))


def _load(slug: str, observation_id: int, action: str = "read") -> tuple[Any, Observation]:
    community = load_community(slug, "use_mentoring")
    observation = load_record(community, Observation, observation_id, "view")
    if not observation.live and not can(current_user, "restore", observation):
        abort(404)
    if action != "view":
        require(can(current_user, action, observation))
    return community, observation


def _back(community: Any, observation: Observation, anchor: str = "") -> Any:
    return redirect(url_for("mentoring.observation", slug=community.slug, observation_id=observation.id) + anchor)


# --- the list ------------------------------------------------------------------------------------


@bp.get(BASE + "/")
def observations(slug: str):
    """The observations a person may see in the community (?pairing=<id> narrows to one pairing)."""
    community = load_community(slug, "use_mentoring")
    pairing_id = arg("pairing", parse_id)
    pairing = load_record(community, Pairing, pairing_id, "view") if pairing_id is not None else None
    trashed = request.args.get("trash") == "1"
    rows = services.list_observations(community, current_user, pairing_id=pairing_id, trashed=trashed)
    return render_page("mentoring/observations.html", "mentoring/_observation_rows.html", community=community,
                       rows=rows, pairing=pairing, trashed=trashed, status_labels=services.STATUS_LABELS,
                       # Within a pairing only its two observe (new_observation asks "write" of it); a convener
                       # or an administrator reading its list is offered no button that would answer 403.
                       may_observe=can(current_user, "write", pairing) if pairing is not None
                       else can(current_user, "contribute", community))


# --- starting one --------------------------------------------------------------------------------


def _plan_choices(form: PlanForm, community: Any, pairing: Pairing | None = None) -> None:
    people = services.members_for_observation(community, current_user, pairing)
    form.observed_id.choices = [("", "—")] + [(str(user.id), user.display_name) for user in people]
    form.form_id.choices = [(str(item.id), item.shown_title if item.version == 1
                             else f"{item.shown_title} (v{item.version})")
                            for item in rubrics.forms_for(community, current_user)]


def _plan_fields(form: PlanForm) -> services.PlanFields:
    return services.PlanFields(
        observed_id=parse_id(form.observed_id.data), observed_on=form.observed_on.data,
        lesson_starts_at=form.lesson_starts_at.data, subject=form.subject.data or "", focus=form.focus.data or "",
        form_id=read(form.form_id.data, parse_id), pairing_id=read(form.pairing_id.data, parse_id),
        public_lesson_id=read(form.public_lesson_id.data, parse_id))


@bp.get(BASE + "/new")
def new_observation(slug: str):
    """Start an observation (?observed=<user id>, ?pairing=<id>, ?public_lesson=<id> prefill it)."""
    community = load_community(slug, "use_mentoring")
    require(can(current_user, "contribute", community))
    form = PlanForm(formdata=None)
    observed_id = arg("observed", parse_id)
    pairing_id, lesson_id = arg("pairing", parse_id), arg("public_lesson", parse_id)
    lesson = pairing = None
    if pairing_id is not None:
        pairing = load_record(community, Pairing, pairing_id, "write")
    _plan_choices(form, community, pairing)
    db.session.commit()  # the default form, made on first need: its id is in the choices
    if pairing is not None:
        form.pairing_id.data = str(pairing.id)
        observed_id = pairing.mentee_id if pairing.mentor_id == current_user.id else pairing.mentor_id
    if lesson_id is not None:
        lesson = load_record(community, PublicLesson, lesson_id, "observe")
        form.public_lesson_id.data = str(lesson.id)
        observed_id = lesson.teacher_id
        form.subject.data = lesson.subject
        form.focus.data = lesson.topic
        if lesson.form_id:
            form.form_id.data = str(lesson.form_id)
        if lesson.activity is not None:
            starts = services.to_local(lesson.activity.starts_at)
            form.observed_on.data, form.lesson_starts_at.data = starts.date(), starts.time().replace(tzinfo=None)
    if observed_id is not None:
        form.observed_id.data = str(observed_id)
    if form.observed_on.data is None:
        form.observed_on.data = services.to_local(services.utcnow()).date()
    if not form.form_id.data:  # the new teacher observing the mentor starts on the form to learn by
        form.form_id.data = str(services.form_by_default(community, current_user.id, observed_id,
                                                         form.observed_on.data, pairing).id)
        if lesson is None:  # the person chosen on the page chooses the form too, until the form is chosen (app.js)
            by_observed, otherwise = services.default_forms_by_observed(community, current_user.id,
                                                                        form.observed_on.data)
            form.form_id.render_kw = {"data-follows": form.observed_id.id, "data-choice-else": str(otherwise),
                                      "data-choice-map": json.dumps({str(key): str(value)
                                                                     for key, value in by_observed.items()})}
    return render_page("mentoring/observation_new.html", community=community, form=form, lesson=lesson,
                       pairing=pairing)


def _posted_pairing(community: Any, form: PlanForm) -> Pairing | None:
    """The pairing the form was started from, when it is one of this community's (the service checks the rest)."""
    pairing_id = parse_id(form.pairing_id.data)
    pairing = db.session.get(Pairing, pairing_id, options=WITH_PAIR) if pairing_id else None
    return pairing if pairing is not None and pairing.community_id == community.id else None


@bp.post(BASE + "/new")
def create_observation(slug: str):
    """Save the pre-conference and open the observation, ready for notes."""
    community = load_community(slug, "use_mentoring")
    require(can(current_user, "contribute", community))
    form = PlanForm()
    _plan_choices(form, community, _posted_pairing(community, form))
    if form.validate():
        once = claim(form.once_token, current_user, fallback=url_for("mentoring.observations", slug=slug))
        if once.repeat is not None:  # started twice: one observation, answered as the first was
            db.session.rollback()
            flash(ALREADY_SAVED, "info")
            return redirect(once.repeat)
        try:
            observation = services.create_observation(community, _plan_fields(form), actor=current_user)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            once.answered(url_for("mentoring.observation", slug=slug, observation_id=observation.id))
            db.session.commit()
            flash(_("The observation is started. Take notes during the lesson."), "success")
            return _back(community, observation)
    lesson = db.session.get(PublicLesson, parse_id(form.public_lesson_id.data)) \
        if parse_id(form.public_lesson_id.data) else None
    return render_page("mentoring/observation_new.html", community=community, form=form, lesson=lesson,
                       pairing=_posted_pairing(community, form), status=422)


# --- one observation -----------------------------------------------------------------------------


def _show(community: Any, observation: Observation, status: int = 200, **forms: Any) -> Any:
    """The observation page; `forms` are the ones that came back with errors (what was typed kept)."""
    readable = can(current_user, "read", observation)
    form = db.session.get(ObservationForm, observation.form_id)
    note_form = forms.get("note_form") or NoteForm(formdata=None)
    note_form.client_key.data = uuid.uuid4().hex  # a plain post sent twice is stored once too
    note_form.row_key.choices = [("", "—")] + [(row["key"], row["label"]) for row in form.shown_rows]
    words = services.form_words(form)  # a form to learn by asks to learn, not to rate (觀課學習單)
    note_form.row_key.label.text = words["row_key"]
    plan_form = forms.get("plan_form")
    if plan_form is None:
        plan_form = PlanForm(formdata=None, obj=None)
        fields = services.plan_fields_of(observation)
        plan_form.observed_on.data, plan_form.lesson_starts_at.data = fields.observed_on, fields.lesson_starts_at
        plan_form.subject.data, plan_form.focus.data = fields.subject, fields.focus
        plan_form.form_id.data = str(fields.form_id)
        plan_form.observed_id.data = str(fields.observed_id)
    _plan_choices(plan_form, community)
    if str(observation.form_id) not in {value for value, _label in plan_form.form_id.choices}:
        plan_form.form_id.choices.append((str(form.id), f"{form.shown_title} (v{form.version})"))
    feedback_form = forms.get("feedback_form") or FeedbackForm(formdata=None, data={
        "strengths": observation.strengths, "suggestions": observation.suggestions})
    feedback_form.strengths.label.text = words["strengths"]
    feedback_form.suggestions.label.text = words["suggestions"]
    reflection_form = forms.get("reflection_form") or ReflectionForm(formdata=None,
                                                                     data={"reflection": observation.reflection})
    context = {
        "community": community, "observation": observation, "form": form, "readable": readable,
        "notes": services.notes_of(observation) if readable else [], "trail": services.trail_of(observation),
        "note_form": note_form, "plan_form": plan_form, "feedback_form": feedback_form,
        "reflection_form": reflection_form, "reflection_conflict": forms.get("reflection_conflict"),
        "reopen_form": forms.get("reopen_form") or ReopenForm(formdata=None),
        "action_form": EmptyForm(formdata=None), "status_labels": services.STATUS_LABELS,
        "trail_labels": services.TRAIL_LABELS,
        "form_words": words,
        "ratings": forms.get("ratings", observation.ratings or {}), "rating_errors": forms.get("rating_errors", {}),
        "rows_by_key": {row["key"]: row["label"] for row in form.shown_rows},
        "lesson_start": services.to_local(observation.lesson_starts_at) if observation.lesson_starts_at else None,
        "today": services.to_local(services.utcnow()).date(),
        # An observation within a pairing opens under the pair's header (to whoever sees the pairing).
        "pairing": observation.pairing,
        "pair_nav": pair_nav(community, observation.pairing) if observation.pairing is not None else [],
    }
    return render_page("mentoring/observation.html", status=status, **context)


@bp.get(ONE)
def observation(slug: str, observation_id: int):
    """One observation: pre-conference focus, notes, ratings, post-conference."""
    community, observation = _load(slug, observation_id, "view")
    return _show(community, observation)


@bp.get(ONE + "/print")
def observation_print(slug: str, observation_id: int):
    """The observation record (教學觀察紀錄表) laid out for paper (A4) and a phone, without the page's controls."""
    community, observation = _load(slug, observation_id, "read")
    return render_page("mentoring/observation_print.html", community=community, observation=observation,
                       record=observation_record.read_record(observation),
                       signers=observation_record.signers(observation),
                       state_line=observation_record.state_line)


@bp.get(ONE + "/export.docx")
def observation_export(slug: str, observation_id: int):
    """The observation record as a Word file in the reader's language."""
    _community, observation = _load(slug, observation_id, "read")
    data, name = observation_record.observation_docx(observation)
    return send_built(data, name, DOCX_TYPE,
                      ascii_name=f"observation-record-{observation.observed_on.isoformat()}.docx")


@bp.post(ONE)
def update_observation(slug: str, observation_id: int):
    """Change the pre-conference: the date, the lesson's start, the subject, the focus, the form."""
    community, observation = _load(slug, observation_id, "edit")
    form = PlanForm()
    _plan_choices(form, community)
    if form.validate():
        try:
            services.update_plan(observation, _plan_fields(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The pre-conference is saved."), "success")
            return _back(community, observation)
    community, observation = _load(slug, observation_id, "edit")
    return _show(community, observation, 422, plan_form=form)


def _typed_at(value: str | None) -> dt.datetime | None:
    """When the device says the note was typed: YYYY-MM-DDTHH:MM:SS in UTC (observe.js), else None."""
    moment = iso_datetime(value) if value else None
    if moment is None or not in_range(moment):
        return None
    return moment.replace(tzinfo=dt.UTC)


@bp.post(ONE + "/clock")
def start_clock(slug: str, observation_id: int):
    """Start the lesson's clock now, when the pre-conference gave no start time: notes get their minute."""
    community, observation = _load(slug, observation_id, "add_note")
    try:
        started = services.start_clock(observation, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The lesson's clock started at %(time)s: notes are stamped with its minute.",
                time=services.to_local(started).strftime("%H:%M")), "success")
    return _back(community, observation, "#notes")


@bp.post(ONE + "/notes")
def add_note(slug: str, observation_id: int):
    """Keep a note of the lesson, once per key its device made (a repeat answers the stored note)."""
    community, observation = _load(slug, observation_id, "add_note")
    script = request.headers.get("X-Observe") == "1"
    form = NoteForm()
    form.row_key.choices = []
    upload = request.files.get("photo")
    problem = None
    if form.validate():
        try:
            stored = store_uploads([upload])[0] if upload and upload.filename else None
            note, created = services.add_note(observation, services.NoteFields(
                client_key=form.client_key.data or "", text=form.text.data or "", minute=form.minute.data,
                row_key=form.row_key.data or "", typed_at=_typed_at(form.typed_at.data)),
                actor=current_user, photo=stored)
        except UploadRejected as error:
            db.session.rollback()
            if error.reason == "type":  # a kind the site takes nowhere (an SVG): this field takes photos
                error = UploadRejected(str(services.PHOTO_ONLY), error.reason)
            problem = error
            form.photo.errors = [error.message]
        except DomainError as error:
            db.session.rollback()
            problem = error
            attach_error(form, error)
        else:
            db.session.commit()
            if script:  # the note, and the row of a form to learn by it fills (the page shows it filled)
                shown_rows = observation.form.shown_rows
                tied = next((item for item in shown_rows if item["key"] == note.row_key), None) \
                    if services.learns_by(observation.form) else None
                return render_page("mentoring/_note_added.html", community=community, observation=observation,
                                   note=note, rows_by_key={row["key"]: row["label"] for row in shown_rows}, row=tied,
                                   notes=services.notes_of(observation) if tied else [],
                                   status=201 if created else 200)
            flash(_("The note is saved.") if created else _("This note was already saved."), "success")
            return _back(community, observation, "#notes")
    if script:
        message = problem.message if problem else next(iter(form.errors.values()), [_("Check the note.")])[0]
        return render_page("mentoring/_note_problem.html", problem=message, status=422)
    community, observation = _load(slug, observation_id, "add_note")
    return _show(community, observation, 422, note_form=form)


@bp.get(ONE + "/notes/<int:note_id>/photo")
def note_photo(slug: str, observation_id: int, note_id: int):
    """A note's photo, shown to those who read the observation (the checks of every blob); a note that is not
    there (or has no photo) is 404 for anyone who may know of the observation, before asking whether they read it."""
    _community, observation = _load(slug, observation_id, "view")
    note = db.session.get(ObservationNote, note_id)
    if note is None or note.observation_id != observation.id or note.photo is None:
        abort(404)
    require(can(current_user, "read", observation))
    extension = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}.get(note.photo.media_type, "jpg")
    return send_blob(note.photo, f"observation-{observation.id}-minute-{note.minute}.{extension}", inline=True)


@bp.post(ONE + "/ratings")
def rate_observation(slug: str, observation_id: int):
    """Rate the lesson on the form's rows (a value outside the form's levels is refused beside its row)."""
    community, observation = _load(slug, observation_id, "edit")
    typed = {key.removeprefix("rating_"): value for key, value in request.form.items() if key.startswith("rating_")}
    try:
        services.set_ratings(observation, typed, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        errors = {name: message for name, message in error.errors if name}
        community, observation = _load(slug, observation_id, "edit")
        return _show(community, observation, 422, ratings=typed, rating_errors=errors)
    db.session.commit()
    flash(_("The ratings are saved."), "success")
    return _back(community, observation, "#ratings")


@bp.post(ONE + "/feedback")
def update_feedback(slug: str, observation_id: int):
    """The observer's post-conference: strengths and suggestions."""
    community, observation = _load(slug, observation_id, "edit")
    form = FeedbackForm()
    if form.validate():
        try:
            services.update_feedback(observation, form.strengths.data or "", form.suggestions.data or "",
                                     actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The post-conference is saved."), "success")
            return _back(community, observation, "#post-conference")
    community, observation = _load(slug, observation_id, "edit")
    return _show(community, observation, 422, feedback_form=form)


@bp.post(ONE + "/reflection")
def reflect_observation(slug: str, observation_id: int):
    """The observed teacher's reflection; one sent after the observation was finalized is kept and explained (409)."""
    community, observation = _load(slug, observation_id, "view")
    # Finalized while the teacher was writing: their right stands, the observation moved on. Anyone else: 403.
    late = not can(current_user, "reflect", observation)
    require(not late or can(current_user, "reflect_once_reopened", observation))
    form = ReflectionForm()
    status, conflict = 422, None
    if form.validate() or late:  # a late reflection is explained whatever it holds, and never stored
        try:
            services.reflect(observation, form.reflection.data or "", actor=current_user)
        except Conflict as error:
            db.session.rollback()
            status, conflict = 409, error.message
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your reflection is saved."), "success")
            return _back(community, observation, "#post-conference")
    community, observation = _load(slug, observation_id, "view")
    return _show(community, observation, status, reflection_form=form, reflection_conflict=conflict)


def _act(slug: str, observation_id: int, action: str, act: Any, message: str, anchor: str = "") -> Any:
    """Do `action`; repeated (a second tab, a double click), answer as done, with the message that says so."""
    community, observation = _load(slug, observation_id, "view")
    already = change_state(current_user, action, observation)
    if already is None:
        try:
            act(observation)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(community, observation, anchor)
        db.session.commit()
    flash(already or message, "info" if already else "success")
    if action == "delete":
        return redirect(url_for("mentoring.observations", slug=community.slug))
    return _back(community, observation, anchor)


@bp.post(ONE + "/share-with-observed")
def share_with_observed(slug: str, observation_id: int):
    """Let the observed teacher read the observation and reflect on it."""
    return _act(slug, observation_id, "share_with_observed",
                lambda item: services.share_with_observed(item, actor=current_user),
                _("The observed teacher can now read the observation and add a reflection."))


@bp.post(ONE + "/finalize")
def finalize_observation(slug: str, observation_id: int):
    """Close the observation after the post-conference."""
    return _act(slug, observation_id, "finalize", lambda item: services.finalize(item, actor=current_user),
                _("The observation is finalized."))


@bp.post(ONE + "/reopen")
def reopen_observation(slug: str, observation_id: int):
    """Open a finalized observation again, with the reason in its trail (a second time: it is open, said so)."""
    community, observation = _load(slug, observation_id, "view")
    already = change_state(current_user, "reopen", observation)
    if already is not None:
        flash(already, "info")
        return _back(community, observation, "#trail")
    form = ReopenForm()
    if form.validate():
        try:
            services.reopen(observation, form.reason.data or "", actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The observation is open again."), "success")
            return _back(community, observation, "#trail")
    community, observation = _load(slug, observation_id, "reopen")
    return _show(community, observation, 422, reopen_form=form)


@bp.post(ONE + "/share")
def share_observation(slug: str, observation_id: int):
    """Let the conveners read the observation (shared=1), or no longer (shared=0)."""
    shared = request.form.get("shared") != "0"
    return _act(slug, observation_id, "share", lambda item: services.set_shared(item, shared, actor=current_user),
                _("The conveners can read this observation.") if shared
                else _("The conveners no longer read this observation."))


@bp.post(ONE + "/trash")
def trash_observation(slug: str, observation_id: int):
    """Move a draft to the trash (restorable)."""
    return _act(slug, observation_id, "delete", lambda item: services.trash(item, actor=current_user),
                _("The draft is in the trash. You can restore it from the list's trash."))


@bp.post(ONE + "/restore")
def restore_observation(slug: str, observation_id: int):
    """Take an observation out of the trash."""
    return _act(slug, observation_id, "restore", lambda item: services.restore(item, actor=current_user),
                _("The observation is restored."))


# --- observation forms ---------------------------------------------------------------------------


@bp.get(FORMS + "/")
def observation_forms(slug: str):
    """The forms one may observe with here: the shipped default and the community's own."""
    community = load_community(slug, "use_mentoring")
    forms = rubrics.forms_for(community, current_user)
    db.session.commit()  # the default form, made on first need
    return render_page("mentoring/observation_forms.html", community=community, forms=forms,
                       may_manage=can(current_user, "manage_mentoring", community))


def _form_fields(form: ObservationFormForm) -> rubrics.FormFields:
    return rubrics.FormFields(title=form.title.data or "", rows=rubrics.parse_rows(form.rows.data or ""),
                              levels=rubrics.parse_levels(form.levels.data or ""))


@bp.get(FORMS + "/new")
def new_observation_form(slug: str):
    """A new form, starting from the default's rows and levels."""
    community = load_community(slug, "manage_mentoring")
    default = rubrics.default_form()
    # The default's rows in the reader's words, as the observations show them (学习评价 in Simplified, not the
    # character-by-character 学习评量; English in English): the new form is the community's own from here on.
    form = ObservationFormForm(formdata=None, data={
        "title": "", "rows": rubrics.rows_text(default.shown_rows, keys=False),
        "levels": rubrics.levels_text(default.shown_levels)})
    return render_page("mentoring/observation_form_edit.html", community=community, form=form, record=None)


@bp.post(FORMS + "/new")
def create_observation_form(slug: str):
    """Save a new form of the community's own."""
    community = load_community(slug, "manage_mentoring")
    form = ObservationFormForm()
    if form.validate():
        try:
            rubrics.create_form(community, _form_fields(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The observation form is saved."), "success")
            return redirect(url_for("mentoring.observation_forms", slug=community.slug))
    return render_page("mentoring/observation_form_edit.html", community=community, form=form, record=None,
                       status=422)


@bp.get(FORMS + "/<int:form_id>/edit")
def edit_observation_form(slug: str, form_id: int):
    """Change a form (a version already used becomes a new version)."""
    community = load_community(slug, "use_mentoring")
    record = load_record(community, ObservationForm, form_id, "edit")
    form = ObservationFormForm(formdata=None, data={"title": record.title, "rows": rubrics.rows_text(record.rows),
                                                    "levels": rubrics.levels_text(record.levels)})
    return render_page("mentoring/observation_form_edit.html", community=community, form=form, record=record,
                       used=rubrics.is_used(record))


@bp.post(FORMS + "/<int:form_id>/edit")
def update_observation_form(slug: str, form_id: int):
    """Save the change: in place when unused, else as a new version."""
    community = load_community(slug, "use_mentoring")
    record = load_record(community, ObservationForm, form_id, "edit")
    form = ObservationFormForm()
    if form.validate():
        try:
            saved = rubrics.update_form(record, _form_fields(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved as version %(version)d: observations made on the earlier version keep it.",
                    version=saved.version) if saved.id != form_id else _("The observation form is saved."), "success")
            return redirect(url_for("mentoring.observation_forms", slug=community.slug))
    record = load_record(community, ObservationForm, form_id, "edit")
    return render_page("mentoring/observation_form_edit.html", community=community, form=form, record=record,
                       used=rubrics.is_used(record), status=422)
