"""Compliance pages: a community's panel (計畫執行檢核) with its enrolments, each rule's status and records,
the burn-up chart, confirmations and waivers; and the site admin's programs (list, copy, edit as JSON, archive).

Every route loads the community through the one policy (outsiders get 404) and asks can() for the action.
The panel refreshes itself without a reload: it polls with the community's write counter and gets 204 while
nothing changed there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.compliance import audit, services, wording
from workspace.compliance.forms import (
    AmountForm,
    AppraisalForm,
    BookForm,
    DecisionForm,
    DeliverableForm,
    EnrolForm,
    ExpenseForm,
    ProgramForm,
    SubmitForm,
    WaiverForm,
)
from workspace.compliance.models import BookListItem, Deliverable, Enrollment, Expense, Program, Submission, Waiver
from workspace.compliance.programs import parse_program_text, taken
from workspace.compliance.services import budget, review
from workspace.core.cache import COMMUNITY, EVERYTHING, cache_page, current_generation, poll_unchanged
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, DomainError, ValidationError
from workspace.core.forms import EmptyForm, RocDateField, attach_error, chosen_file, hold_chosen_file
from workspace.core.htmx import render_page
from workspace.core.i18n import in_reader_script, local_date, with_currency
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import (
    arg,
    in_range,
    missing_day_message,
    parse_decimal,
    parse_id,
    parse_roc_date,
    range_message,
)
from workspace.core.permissions import admin_required, can, change_and_say, public, require
from workspace.core.records import local_day
from workspace.core.security import login_redirect
from workspace.core.storage import send_blob
from workspace.extensions import db

bp = Blueprint("compliance", __name__)
SECONDS_TO_MIDNIGHT_BUCKET = 3600  # statuses move with the date (a window closes, the pace moves): re-judged hourly
POLL_SECONDS = 10  # how often an open panel asks whether anything changed (COMPLIANCE_POLL_SECONDS: the tests' own)


def _load_enrollment(community: Any, enrollment_id: int, action: str = "view") -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.community_id != community.id:
        abort(404)
    # A withdrawn enrolment's records stay readable (its ledger, its rounds, its receipts): the funder may still
    # ask for them. Nothing is written to it any more.
    if enrollment.withdrawn_at is not None and (request.method != "GET" or action not in {"view", "export"}):
        abort(404)
    require(can(current_user, action, enrollment))
    return enrollment


def _poll_seconds() -> int:
    """The panel's poll interval: POLL_SECONDS unless the config says otherwise (browser tests shorten it)."""
    seconds = current_app.config.get("COMPLIANCE_POLL_SECONDS", POLL_SECONDS)
    return seconds if isinstance(seconds, int) and seconds > 0 else POLL_SECONDS


def _money(program: Program) -> dict[str, str]:
    """The meta of a form whose amounts are in the program's currency (core.forms.MoneyField)."""
    return {"currency": program.currency}


def _amount_form(enrollment: Enrollment, **kwargs: Any) -> AmountForm:
    """The approved amount's form of one enrolment: in its program's currency, its fields named apart (a panel
    shows one per enrolment)."""
    return AmountForm(prefix=f"enrollment-{enrollment.id}", meta=_money(enrollment.program), **kwargs)


def _program_choices(programs: Any) -> list[tuple[int, str]]:
    """Programs to enrol in, each with its currency: the approved amount is typed in it. One whose period has
    ended (offered to an admin only) says so."""
    today = local_day(utcnow())
    choices = []
    for program in programs:
        label = with_currency(in_reader_script(program.name), program.currency)
        if program.ended(today):
            label = _("%(program)s, ended %(date)s", program=label, date=local_date(program.last_day))
        choices.append((program.id, label))
    return choices


def _open_programs(enrollments: list[Enrollment]) -> list[Program]:
    """The programs this person may enrol the community in: not archived, not enrolled in already, and (for all
    but an admin) whose period has not ended: a preset kept as a template, or last year's program, is not offered."""
    taken = {enrollment.program_id for enrollment in enrollments}
    return [program for program in services.programs()
            if program.id not in taken and can(current_user, "enrol", program)]


def _appraisal_form(form: AppraisalForm) -> AppraisalForm:
    """The ratings, after an empty "Choose…": a reviewer who picks none is asked to, not recorded as excellent."""
    form.rating.choices = [("", _("Choose…"))] + [(key, str(label)) for key, label in review.RATINGS.items()]
    return form


def _panel_context(community: Any, *, enrol_form: EnrolForm | None = None) -> dict[str, Any]:
    enrollments = services.enrollments_of(community.id)
    standings = services.standings(enrollments)
    ids = [enrollment.id for enrollment in enrollments]
    open_programs = _open_programs(enrollments)
    form = enrol_form or EnrolForm(formdata=None)
    form.program_id.choices = _program_choices(open_programs)
    amount_forms = {enrollment.id: _amount_form(enrollment, formdata=None,
                                                data={"approved_amount": enrollment.approved_amount})
                    for enrollment in enrollments if can(current_user, "edit_amount", enrollment)}
    appraisal_form = _appraisal_form(AppraisalForm(formdata=None))
    deliverable_form = DeliverableForm(formdata=None)
    deliverable_form.item.choices = [(item, wording.item_text(item)) for item in review.DELIVERABLE_ITEMS]
    withdrawn = [enrollment for enrollment in services.withdrawn_enrollments_of(community.id)
                 if can(current_user, "view", enrollment)]
    return {"community": community, "standings": standings, "enrol_form": form, "open_programs": open_programs,
            "withdrawn": withdrawn,
            "generation": current_generation(), "poll_seconds": _poll_seconds(), "wording": wording,
            "action_form": EmptyForm(formdata=None),
            "waiver_form": WaiverForm(formdata=None), "amount_forms": amount_forms,
            "rounds": review.submissions_of(ids), "appraisals": review.appraisals_of(ids),
            "marked": review.deliverables_of(ids),
            "submit_form": SubmitForm(formdata=None), "decision_form": DecisionForm(formdata=None),
            "appraisal_form": appraisal_form, "deliverable_form": deliverable_form, "ratings": review.RATINGS}


@bp.get("/c/<slug>/compliance/")
@cache_page(depends=[COMMUNITY], expires=SECONDS_TO_MIDNIGHT_BUCKET)
def panel(slug: str):
    """The community's standing against each program it is enrolled in: every rule, its figure, its records."""
    community = load_community(slug, "read_activities")
    return render_page("compliance/panel.html", "compliance/_standings.html", **_panel_context(community))


@bp.get("/c/<slug>/compliance/live")
@public  # the login is checked below, after the cheap answer that tells nothing
def live(slug: str):
    """The panel's poll: 204 while nothing was written in the community since ?gen=, else the standings."""
    if poll_unchanged():
        return Response(status=204)
    if not current_user.is_authenticated:
        return login_redirect()
    community = load_community(slug, "read_activities")
    return render_page("compliance/_standings.html", **_panel_context(community))


@bp.get("/c/<slug>/compliance/formation")
def formation(slug: str):
    """The formation rules of the programs the community is enrolled in (member minimum by the school's class
    count, one convener, evaluation-programme members), for the members page as the convener edits members; a full
    page of the community when opened at its own address."""
    community = load_community(slug, "read_activities")
    standings = services.standings(services.enrollments_of(community.id))
    checks = [(standing, [result for result in standing.results if result.kind == "membership"])
              for standing in standings]
    return render_page("compliance/formation.html", "compliance/_formation.html", community=community,
                       checks=[pair for pair in checks if pair[1]], wording=wording)


@bp.post("/c/<slug>/compliance/enrol")
def enrol(slug: str):
    """Enrol the community in a program (to be confirmed by an admin or a reviewer)."""
    community = load_community(slug, "manage_activities")
    program_id = parse_id(request.form.get("program_id"))
    program = db.session.get(Program, program_id) if program_id is not None else None
    form = EnrolForm(meta=_money(program) if program is not None else None)  # the amount is in its currency
    form.program_id.choices = _program_choices(_open_programs(services.enrollments_of(community.id)))
    if form.validate():
        try:
            if program is None:
                raise DomainError(_("Choose a program."), "program_id")
            if not can(current_user, "enrol", program) and program.archived_at is None:
                raise DomainError(_("The period of %(program)s ended on %(date)s: it takes no new enrolments. "
                                    "Choose a program that is still running.", program=in_reader_script(program.name),
                                    date=local_date(program.last_day)), "program_id")
            services.enrol(community, program, form.approved_amount.data, current_user)
            db.session.commit()
            flash(_("The community is enrolled in %(program)s. An administrator or reviewer confirms it.",
                    program=in_reader_script(program.name)), "success")
            return redirect(url_for("compliance.panel", slug=slug))
        except DomainError as error:
            db.session.rollback()
            if error.field == "program":
                error.field = "program_id"
            attach_error(form, error)
    return render_page("compliance/panel.html", status=422, **_panel_context(community, enrol_form=form))


def _enrollment_action(slug: str, enrollment_id: int, action: str) -> tuple[Any, Enrollment]:
    community = load_community(slug, "read_activities")
    return community, _load_enrollment(community, enrollment_id, action)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/confirm")
def confirm(slug: str, enrollment_id: int):
    """An admin or a reviewer of the community's school confirms the enrolment and its amount (once: a second
    confirmation says who confirmed it, and changes nothing)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "view")
    change_and_say(current_user, "confirm", enrollment, lambda: services.confirm(enrollment, current_user),
                   _("The enrolment is confirmed."))
    return redirect(url_for("compliance.panel", slug=slug))


def _confirmed_meanwhile(community: Any, enrollment: Enrollment, action: str) -> str | None:
    """Whether a convener's page was opened before a reviewer confirmed the enrolment, so that what it offered
    (the amount, withdrawing) is now the reviewer's: said with who confirmed and when, instead of a bare 403 that
    told the convener to ask the convener."""
    if (can(current_user, action, enrollment) or not enrollment.confirmed
            or not can(current_user, "manage_activities", community)):
        return None
    if enrollment.confirmed_by is None:
        return _("The enrolment was confirmed while this page was open.")
    return _("%(name)s confirmed the enrolment on %(date)s, while this page was open.",
             name=enrollment.confirmed_by.display_name, date=local_date(enrollment.confirmed_at))


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/amount")
def change_amount(slug: str, enrollment_id: int):
    """Change the approved amount (the convener until it is confirmed; then an admin or reviewer)."""
    community = load_community(slug, "read_activities")
    enrollment = _load_enrollment(community, enrollment_id)
    form = _amount_form(enrollment)
    meanwhile = _confirmed_meanwhile(community, enrollment, "edit_amount")
    if meanwhile is not None:  # what was typed goes back in the message: nothing is lost
        typed = (_("The amount you typed, %(amount)s, was not saved: ask a reviewer of your school to set it.",
                   amount=wording.money(form.approved_amount.data, enrollment.program.currency))
                 if form.validate() else _("The amount you typed was not saved: ask a reviewer of your school."))
        flash(meanwhile, "warning")
        flash(typed, "warning")
        return redirect(url_for("compliance.panel", slug=slug))
    require(can(current_user, "edit_amount", enrollment))
    if form.validate():
        try:
            claimable = services.change_amount(enrollment, form.approved_amount.data, current_user)
            db.session.commit()
            approved, currency = enrollment.approved_amount, enrollment.program.currency
            if 0 < approved < claimable:  # the funder's figure is kept; the overrun is said with its numbers
                flash(_("The approved amount is now %(approved)s, but %(claimable)s is already claimable: "
                        "%(over)s more than approved. Until the convener marks expenses not claimable or moves "
                        "them to the trash, no more claimable spending is accepted.",
                        approved=wording.money(approved, currency), claimable=wording.money(claimable, currency),
                        over=wording.money(claimable - approved, currency)), "warning")
            else:
                flash(_("The approved amount is changed."), "success")
            return redirect(url_for("compliance.panel", slug=slug))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
    context = _panel_context(community)
    context["amount_forms"][enrollment.id] = form  # its error beside the field, the typed text kept
    return render_page("compliance/panel.html", status=422, **context)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/withdraw")
def withdraw(slug: str, enrollment_id: int):
    """Take the community out of the program (kept, judged no more)."""
    community = load_community(slug, "read_activities")
    enrollment = _load_enrollment(community, enrollment_id)
    meanwhile = _confirmed_meanwhile(community, enrollment, "withdraw")
    if meanwhile is not None:
        flash(meanwhile, "warning")
        flash(_("The community is still enrolled: only a reviewer or an administrator withdraws a confirmed "
                "enrolment now. Ask one if it should leave %(program)s.",
                program=in_reader_script(enrollment.program.name)), "warning")
        return redirect(url_for("compliance.panel", slug=slug))
    require(can(current_user, "withdraw", enrollment))
    try:
        services.withdraw(enrollment, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("compliance.panel", slug=slug))
    db.session.commit()
    flash(_("The community is no longer enrolled in %(program)s.", program=in_reader_script(enrollment.program.name)),
          "success")
    return redirect(url_for("compliance.panel", slug=slug))


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/waivers")
def waive(slug: str, enrollment_id: int):
    """A reviewer waives a rule for this community, with the reason."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "waive")
    form = WaiverForm()
    if form.validate():
        try:
            services.waive(enrollment, form.rule_id.data, form.reason.data, current_user)
            db.session.commit()
            flash(_("The rule is waived for this community."), "success")
            return redirect(url_for("compliance.panel", slug=slug))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
    context = _panel_context(community)
    context["waiver_form"], context["waiver_for"] = form, (enrollment.id, form.rule_id.data)
    return render_page("compliance/panel.html", status=422, **context)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/waivers/<int:waiver_id>/revoke")
def revoke(slug: str, enrollment_id: int, waiver_id: int):
    """Take a waiver back: the rule is judged again."""
    community = load_community(slug, "read_activities")
    enrollment = _load_enrollment(community, enrollment_id)
    waiver = db.session.get(Waiver, waiver_id)
    if waiver is None or waiver.enrollment_id != enrollment.id:
        abort(404)
    require(can(current_user, "revoke", waiver))
    services.revoke(waiver, current_user)
    db.session.commit()
    flash(_("The waiver is taken back."), "success")
    return redirect(url_for("compliance.panel", slug=slug))


# --- programs (site admin) -------------------------------------------------------------------------


@bp.get("/admin/programs/")
@admin_required
def programs():
    """The programs: current ones, and archived ones below."""
    return render_page("compliance/programs.html", programs=services.programs(),
                       archived=services.programs(archived=True), action_form=EmptyForm(formdata=None))


def _program_page(form: ProgramForm, program: Program | None, errors: list[Any], status: int = 200, *,
                  typed: dict[str, str] | None = None, figure_errors: dict[str, str] | None = None,
                  source: Program | None = None, copied: dict[str, Any] | None = None) -> Response:
    """The program editor: the figures form (of the program, or of the copy of `source` a new one starts from) above
    the whole document as JSON."""
    lines = form.definition.data.splitlines() if form.definition.data else []
    by_line: dict[int, list[str]] = {}
    loose = []
    for error in errors:
        if error.line and 1 <= error.line <= max(len(lines), 1):
            by_line.setdefault(error.line, []).append(_error_text(error))
        else:
            loose.append(_error_text(error))
    return render_page("compliance/program_edit.html", form=form, program=program, errors=errors, lines=lines,
                       by_line=by_line, loose=loose, status=status, typed=typed or {},
                       figure_errors=figure_errors or {},
                       figures=services.figures_of(program.definition if program is not None else copied or {}),
                       shown=_shown(program.definition if program is not None else copied),
                       source=source, action_form=EmptyForm(formdata=None))


def _shown(document: dict[str, Any] | None) -> dict[str, str] | None:
    """The name and period the figures form starts from."""
    if not document:
        return None
    return {"name": document["name"], "key": document["key"], "first": document["period"]["first"],
            "last": document["period"]["last"]}


def _copy_source() -> Program:
    """The program a new one is copied from (?from=<id>): 404 without one."""
    source_id = arg("from", parse_id)
    source = db.session.get(Program, source_id) if source_id is not None else None
    if source is None:
        abort(404)
    return source


def _error_text(error: Any) -> str:
    text = wording.program_error_text(error)
    return f"{error.path}: {text}" if error.path else text


@bp.get("/admin/programs/new")
@admin_required
def new_program():
    """A new program, copied from an existing one (?from=<id>) to change and save."""
    source = _copy_source()
    copied = services.copy_document(source)
    form = ProgramForm(formdata=None, definition=json.dumps(copied, ensure_ascii=False, indent=2))
    return _program_page(form, None, [], source=source, copied=copied)


def _flash_saved(program: Program, changed: bool) -> None:
    if changed:
        flash(_("The program %(name)s is saved.", name=in_reader_script(program.name)), "success")
    else:
        flash(_("Nothing changed: the program %(name)s is as it was.", name=in_reader_script(program.name)), "info")


def _save_program(program: Program | None) -> Response:
    """Save a new program, or a program's changed document (refused if someone saved it since it was opened):
    each error beside its line, the text kept."""
    form = ProgramForm()
    if not form.validate():
        return _program_page(form, program, [], 422)
    document, errors = parse_program_text(form.definition.data)
    if not errors:
        try:
            if program is None:
                program = services.create_program(document, current_user)
                changed = True
            else:
                changed = bool(services.update_program(program, document, current_user,
                                                       version=form.version.data or 0))
            db.session.commit()
            _flash_saved(program, changed)
            return redirect(url_for("compliance.programs"))
        except DomainError as error:
            db.session.rollback()
            if error.field in ("key", "name"):  # listed with the document's other errors, beside their lines
                errors = [taken(form.definition.data, field, value)
                          for field, value in services.taken_fields(document, program=program).items()] or [
                    taken(form.definition.data, error.field, document[error.field])]
            else:
                attach_error(form, error)
    return _program_page(form, program, errors, 422)


@bp.post("/admin/programs/new")
@admin_required
def create_program():
    """Save a new program from its JSON document."""
    return _save_program(None)


@bp.get("/admin/programs/<int:program_id>/edit")
@admin_required
def edit_program(program_id: int):
    """Edit a program's JSON document."""
    program = db.get_or_404(Program, program_id)
    form = ProgramForm(formdata=None, definition=json.dumps(program.definition, ensure_ascii=False, indent=2),
                       version=program.version)
    return _program_page(form, program, [])


@bp.post("/admin/programs/<int:program_id>/edit")
@admin_required
def update_program(program_id: int):
    """Save a program's document."""
    return _save_program(db.get_or_404(Program, program_id))


def _figures_typed(before: dict[str, Any], *, program: Program | None = None,
                   with_key: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """The document `before` with the figures form's name, period (ROC dates welcome), rules' numbers, messages and
    citations (and, `with_key`, a copy's key) applied, and what is wrong with them, each by its field: a value that
    cannot be read, that the program's checks refuse, that a message or citation still writes the old way, or a key
    or name that another program than `program` has. A figure the form did not send keeps its value."""
    typed = {key: value for key, value in request.form.items() if key.startswith("rules.")}
    shown = services.figures_of(before)
    known = {figure.name: figure for rule in shown for figure in rule.figures}
    messages = {name: text for rule in shown for name, _label, text in rule.texts}
    errors: dict[str, str] = {}
    values: dict[str, int | float | str] = {}
    for name in known.keys() & typed.keys():
        number = known[name].read(typed[name])
        if number is None:
            errors[name] = known[name].refusal(typed[name])
        else:
            values[name] = number
    for name in messages.keys() & typed.keys():
        if (text := " ".join(typed[name].split())) != " ".join(messages[name].split()):  # a text left as it was
            values[name] = text
    first = parse_roc_date(request.form.get("first", ""), any_year=True)
    last = parse_roc_date(request.form.get("last", ""), any_year=True)
    for field, day in (("first", first), ("last", last)):
        if day is None:  # 2026-02-30 is told it has no such day, as every date field tells it
            typed = request.form.get(field, "")
            errors[field] = missing_day_message(typed, any_form=True) or str(RocDateField.unreadable)
        elif not in_range(day):  # it exists: say the years allowed
            errors[field] = range_message()
    first, last = (day if day is not None and in_range(day) else None for day in (first, last))
    if first is not None and last is not None and last < first:
        errors["last"] = _("The period ends before it starts.")
    name = " ".join(request.form.get("name", "").split())[:200]
    if not name:
        errors["name"] = _("Enter the program's name.")
    key = request.form.get("key", "").strip() if with_key and "key" in request.form else None
    if key == "":
        errors["key"] = _("Enter the program's key.")
    # The values that could be read are checked with the rest of the program at once, beside their fields too.
    period = before["period"]
    document = services.apply_figures(before, name=name or before["name"], key=key or None,
                                      first=first or dt.date.fromisoformat(period["first"]),
                                      last=last or dt.date.fromisoformat(period["last"]), values=values)
    fields = {"name", "first", "last", *known, *messages, *(("key",) if with_key else ())}
    checked = services.figure_errors(document, fields)
    refused = errors.keys() | checked.keys()  # a figure refused is not also told its clause is stale
    for field, message in (services.stale_messages(before, document, refused=refused) | checked).items():
        errors.setdefault(field, message)
    for field, value in services.taken_fields(document, program=program).items():
        if field in fields:  # a key the form does not show is the program's own
            errors.setdefault(field, wording.taken_text(field, value))
    return document, errors


@bp.post("/admin/programs/<int:program_id>/figures")
@admin_required
def update_figures(program_id: int):
    """Save a program's name, period and rules' numbers and messages from the figures form: each value refused is
    shown beside its field with what was typed."""
    program = db.get_or_404(Program, program_id)
    require(EmptyForm().validate())
    document, errors = _figures_typed(program.definition, program=program)
    if not errors:
        try:
            changes = services.update_program(program, document, current_user,
                                              version=parse_id(request.form.get("version", "")) or 0)
            db.session.commit()
            _flash_saved(program, bool(changes))
            return redirect(url_for("compliance.programs"))
        except DomainError as error:
            db.session.rollback()
            errors[error.field if error.field in ("key", "name") else ""] = error.message
    form = ProgramForm(formdata=None, definition=json.dumps(program.definition, ensure_ascii=False, indent=2),
                       version=program.version)
    return _program_page(form, program, [], 422, typed=dict(request.form), figure_errors=errors)


@bp.post("/admin/programs/new/figures")
@admin_required
def create_from_figures():
    """A new program copied from another (?from=<id>) with the figures form's name, period and numbers: next year's
    round of a funder's program is its copy with new days and figures, set in the form rather than in the JSON."""
    source = _copy_source()
    require(EmptyForm().validate())
    copied = services.copy_document(source)
    document, errors = _figures_typed(copied, with_key=True)
    if not errors:
        try:
            program = services.create_program(document, current_user)
            db.session.commit()
            _flash_saved(program, True)
            return redirect(url_for("compliance.programs"))
        except DomainError as error:
            db.session.rollback()
            errors[error.field if error.field in ("key", "name") else ""] = error.message
    form = ProgramForm(formdata=None, definition=json.dumps(copied, ensure_ascii=False, indent=2))
    return _program_page(form, None, [], 422, typed=dict(request.form), figure_errors=errors, source=source,
                         copied=copied)


@bp.post("/admin/programs/<int:program_id>/archive")
@admin_required
def archive_program(program_id: int):
    """Archive a program (no new enrolments) or bring it back (?restore=1)."""
    program = db.get_or_404(Program, program_id)
    archiving = request.args.get("restore") != "1"
    services.set_archived(program, archiving, current_user)
    db.session.commit()
    name = in_reader_script(program.name)
    flash(_("“%(name)s” is archived: it takes no new enrolments. Bring it back below.", name=name)
          if archiving else _("“%(name)s” is back among the current programs.", name=name), "success")
    return redirect(url_for("compliance.programs"))


# --- the budget ledger -------------------------------------------------------------------------------------


def _activity_choices(enrollment: Enrollment, expense: Expense | None) -> list[tuple[str, str]]:
    """The activity select's options: (none), then each activity by day; the edited expense's own activity is kept
    among them with why it is no longer offered to others (cancelled, outside the period)."""
    choices = [("", _("(none)"))]
    for choice in budget.activity_choices(enrollment, keep=expense.activity_id if expense is not None else None):
        label = _("%(label)s: %(value)s", label=local_date(choice.day), value=choice.title)
        if choice.state:
            label = _("%(text)s (%(detail)s)", text=label, detail=wording.activity_state_text(choice.state))
        choices.append((str(choice.id), label))
    return choices


def _expense_form(enrollment: Enrollment, form: ExpenseForm | None = None, expense: Expense | None = None,
                  **values: Any) -> ExpenseForm:
    form = form or ExpenseForm(formdata=None, meta=_money(enrollment.program), **values)
    form.category.choices = [("", _("Choose…")), *budget.category_names(enrollment).items()]
    form.activity_id.choices = _activity_choices(enrollment, expense)
    # Help that fits the program: ROC dates where the funder is Taiwanese (it pays in NT$), the hours and the
    # number of people only for the categories whose caps need them.
    if enrollment.program.currency != "TWD":
        form.spent_on.description = _("Such as 2027-03-05.")
    needs = budget.needs(enrollment)
    form.hours.description = (_("Needed for a fee paid by the hour: %(categories)s.",
                                categories=wording.listing(needs.hourly)) if needs.hourly else "")
    form.persons.description = (_("Needed for a cost per person and session: %(categories)s.",
                                  categories=wording.listing(needs.per_person)) if needs.per_person else "")
    return form


def _budget_page(community: Any, enrollment: Enrollment, *, form: ExpenseForm | None = None,
                 book_form: BookForm | None = None, breaches: list[Any] | None = None, status: int = 200,
                 editing: Expense | None = None, held_receipt: str | None = None) -> Response:
    return render_page(
        "compliance/budget.html", community=community, enrollment=enrollment, program=enrollment.program,
        ledger=budget.ledger(enrollment), expenses=budget.expenses_of(enrollment),
        trashed=budget.expenses_of(enrollment, trashed=True), books=budget.books_of(enrollment),
        form=_expense_form(enrollment, form, editing), book_form=book_form or BookForm(formdata=None),
        breaches=breaches or [],
        editing=editing, names=budget.category_names(enrollment), needs=budget.needs(enrollment),
        wording=wording, action_form=EmptyForm(formdata=None), status=status, held_receipt=held_receipt)


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/budget")
@cache_page(depends=[COMMUNITY])
def budget_page(slug: str, enrollment_id: int):
    """The budget ledger: approved, spent and remaining per category, the expenses and the book list."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "view")
    return _budget_page(community, enrollment)


def _expense_fields(form: ExpenseForm) -> budget.ExpenseFields | None:
    """The typed expense, or None with each unreadable value's error beside its field (the text kept)."""
    spent_on = form.spent_on.data  # a date, or None with its error beside the field already
    readable = True
    hours = parse_decimal(form.hours.data) if form.hours.data else None
    if form.hours.data and hours is None:  # beside a field its own validators refused already: one message
        # the service's own words: "-2" and "two" are both told what is wanted (more than 0)
        attach_error(form, ValidationError(_("Enter the hours as a number more than 0, such as 2 or 1.5."), "hours"))
        readable = False
    activity_id = parse_id(form.activity_id.data) if form.activity_id.data else None
    if form.activity_id.data and activity_id is None:
        attach_error(form, ValidationError(_("Choose an activity from the list."), "activity_id"))
        readable = False
    if not readable:
        return None
    return budget.ExpenseFields(category=form.category.data or "", spent_on=spent_on, amount=form.amount.data,
                                hours=hours, persons=form.persons.data, payee=form.payee.data or "",
                                description=form.description.data or "", activity_id=activity_id,
                                keep_unclaimable=bool(form.keep_unclaimable.data))


def _save_expense(slug: str, enrollment_id: int, expense_id: int | None) -> Response:
    community, enrollment = _enrollment_action(slug, enrollment_id, "manage_budget")
    expense = None
    if expense_id is not None:
        expense = db.session.get(Expense, expense_id)
        if expense is None or expense.enrollment_id != enrollment.id or expense.deleted_at is not None:
            abort(404)
    form = _expense_form(enrollment, ExpenseForm(meta=_money(enrollment.program)), expense)
    breaches: list[Any] = []
    valid = form.validate()
    fields = _expense_fields(form)
    receipt = chosen_file(form, "receipt", current_user.id, check=budget.check_receipt)
    if valid and fields is not None and not form.receipt.errors:
        activity_ids = {int(value) for value, _label in form.activity_id.choices if value}
        ledger = url_for("compliance.budget_page", slug=slug, enrollment_id=enrollment.id) + "#expenses"
        try:
            if expense is None:
                once = claim(form.once_token, current_user, fallback=ledger)
                if once.repeat is not None:
                    db.session.rollback()
                    flash(ALREADY_SAVED, "info")
                    return redirect(once.repeat)
                expense = budget.add_expense(enrollment, fields, current_user, receipt=receipt,
                                             activity_ids=activity_ids)
                once.answered(ledger)
            else:
                budget.update_expense(expense, fields, current_user, version=form.version.data or 0,
                                      receipt=receipt, activity_ids=activity_ids)
            db.session.commit()
            flash(_("The expense is saved.") if expense.claimable
                  else _("The expense is kept, marked not claimable."), "success")
            names = budget.category_names(enrollment)
            if names.get(expense.category) in budget.needs(enrollment).book_list and not budget.books_of(enrollment):
                # Not refused (the titles may come after the purchase), but said now, not only later on the panel.
                flash(_("The program asks for a book list with %(category)s: add its titles under Book list, or "
                        "its rule stays not met.", category=names[expense.category]), "warning")
                return redirect(url_for("compliance.budget_page", slug=slug, enrollment_id=enrollment.id) + "#books")
            return redirect(ledger)
        except budget.BudgetRefused as refused:
            breaches = refused.breaches
        except DomainError as error:
            attach_error(form, error)
    held_name = hold_chosen_file(form, "receipt", receipt, current_user.id)
    db.session.rollback()
    return _budget_page(community, enrollment, form=form, breaches=breaches, status=422, editing=expense,
                        held_receipt=held_name)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/expenses")
def add_expense(slug: str, enrollment_id: int):
    """Add an expense; one that breaks a cap is refused with the rule and the numbers, unless kept not claimable."""
    return _save_expense(slug, enrollment_id, None)


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/expenses/<int:expense_id>/edit")
def edit_expense(slug: str, enrollment_id: int, expense_id: int):
    """The expense in the form, to change it."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "manage_budget")
    expense = db.session.get(Expense, expense_id)
    if expense is None or expense.enrollment_id != enrollment.id or expense.deleted_at is not None:
        abort(404)
    form = _expense_form(enrollment, expense=expense, category=expense.category, spent_on=expense.spent_on.isoformat(),
                         amount=expense.amount, hours=f"{expense.hours:g}" if expense.hours is not None else "",
                         persons=expense.persons, payee=expense.payee, description=expense.description,
                         activity_id=str(expense.activity_id or ""), keep_unclaimable=not expense.claimable,
                         version=expense.version)
    return _budget_page(community, enrollment, form=form, editing=expense)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/expenses/<int:expense_id>/edit")
def update_expense(slug: str, enrollment_id: int, expense_id: int):
    """Save a changed expense (checked again against the caps)."""
    return _save_expense(slug, enrollment_id, expense_id)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/expenses/<int:expense_id>/trash")
def trash_expense(slug: str, enrollment_id: int, expense_id: int):
    """Move an expense to the trash (?restore=1 brings it back)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "manage_budget")
    expense = db.session.get(Expense, expense_id)
    if expense is None or expense.enrollment_id != enrollment.id:
        abort(404)
    restore = request.args.get("restore") == "1"
    breaches = budget.trash_expense(expense, current_user, restore=restore)
    db.session.commit()
    if breaches:
        flash(_("The expense is back in the ledger, marked not claimable: %(reasons)s",
                reasons=" ".join(wording.breach_text(breach, enrollment.program.currency) for breach in breaches)),
              "warning")
    else:
        flash(_("The expense is back in the ledger.") if restore
              else _("The expense is in the trash; it can be put back."), "success")
    return redirect(url_for("compliance.budget_page", slug=slug, enrollment_id=enrollment.id) + "#expenses")


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/expenses/<int:expense_id>/receipt")
def receipt(slug: str, enrollment_id: int, expense_id: int):
    """The receipt of an expense, as an attachment, for those who see the records in full (it may carry a speaker's
    ID number, address and bank account)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "export")
    expense = db.session.get(Expense, expense_id)
    if expense is None or expense.enrollment_id != enrollment.id or expense.receipt is None:
        abort(404)
    # A trashed expense is out of the ledger every reviewer reads: its receipt only for those who may put it back
    # (QA: a reviewer downloaded a trashed one by its sequential id).
    if expense.deleted_at is not None and not can(current_user, "manage_budget", enrollment):
        abort(404)
    return send_blob(expense.receipt, expense.receipt_filename or "receipt")


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/books")
def add_book(slug: str, enrollment_id: int):
    """Add a title to the materials book list."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "manage_budget")
    form = BookForm()
    if form.validate():
        books = url_for("compliance.budget_page", slug=slug, enrollment_id=enrollment.id) + "#books"
        try:
            once = claim(form.once_token, current_user, fallback=books)
            if once.repeat is not None:
                db.session.rollback()
                flash(ALREADY_SAVED, "info")
                return redirect(once.repeat)
            budget.add_book(enrollment, form.title.data, form.author.data, form.relevance.data, current_user)
            once.answered(books)
            db.session.commit()
            flash(_("The title is on the book list."), "success")
            return redirect(books)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
    return _budget_page(community, enrollment, book_form=form, status=422)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/books/<int:book_id>/remove")
def remove_book(slug: str, enrollment_id: int, book_id: int):
    """Take a title off the book list (a second time: it is already off, said so)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "view")
    item = db.session.get(BookListItem, book_id)
    if item is None or item.enrollment_id != enrollment.id:
        abort(404)
    change_and_say(current_user, "remove", item, lambda: budget.remove_book(item, current_user),
                   _("The title is off the book list."))
    return redirect(url_for("compliance.budget_page", slug=slug, enrollment_id=enrollment.id) + "#books")


# --- submissions, decisions, appraisals, deliverables ------------------------------------------------------


def _standing_of(enrollment: Enrollment) -> services.Standing:
    return services.standings([enrollment])[0]


def _panel_with(community: Any, status: int = 422, **forms: Any) -> Response:
    context = _panel_context(community)
    context.update(forms)
    return render_page("compliance/panel.html", status=status, **context)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/submit")
def submit(slug: str, enrollment_id: int):
    """Hand the enrolment's standing to the reviewers (a new round after a return, answering its comments)."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "submit")
    form = SubmitForm()
    if form.validate():
        try:
            submitted = review.submit(_standing_of(enrollment), form.note.data, current_user)
            db.session.commit()
            # Once the round is recorded, whoever listens (exports: the files handed in are frozen) is told.
            review.submission_recorded.send(submitted, actor=current_user, language=str(get_locale() or "zh_Hant"))
            flash(_("Submitted to the reviewers."), "success")
            return redirect(url_for("compliance.panel", slug=slug) + f"#submissions-{enrollment.id}")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            if isinstance(error, Conflict):  # the round moved meanwhile (another tab): said above the rounds
                return _panel_with(community, status=409, submit_form=form, submit_for=enrollment.id)
    return _panel_with(community, submit_form=form, submit_for=enrollment.id)


def _load_submission(enrollment: Enrollment, submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.enrollment_id != enrollment.id:
        abort(404)
    return submission


Refused = Callable[[Any, Enrollment, Submission, DecisionForm, int], Response]


def _decide(slug: str, enrollment_id: int, submission_id: int, refused: Refused) -> Response:
    """Record a reviewer's decision; a refusal (no comment to a return, the round decided meanwhile: 409) is
    answered by `refused`, the page the decision was sent from, with what was typed and why."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "decide")
    submission = _load_submission(enrollment, submission_id)
    form = DecisionForm()
    if form.validate():
        try:
            review.decide(submission, form.decision.data == "approve", form.comment.data, current_user)
            db.session.commit()
            flash(_("The submission is approved.") if form.decision.data == "approve"
                  else _("The submission is returned to the convener with your comments."), "success")
            return redirect(url_for("compliance.panel", slug=slug) + f"#submissions-{enrollment.id}")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            if isinstance(error, Conflict):  # another reviewer decided meanwhile: said where the form was
                return refused(community, enrollment, submission, form, 409)
    return refused(community, enrollment, submission, form, 422)


def _refused_on_panel(community: Any, _enrollment: Enrollment, submission: Submission, form: DecisionForm,
                      status: int) -> Response:
    return _panel_with(community, status=status, decision_form=form, decision_for=submission.id)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>/decide")
def decide(slug: str, enrollment_id: int, submission_id: int):
    """A reviewer approves the submission or returns it with comments, from the panel's rounds."""
    return _decide(slug, enrollment_id, submission_id, _refused_on_panel)


def _submission_page(community: Any, enrollment: Enrollment, found: Submission, status: int = 200,
                     **refused: Any) -> Response:
    return render_page("compliance/submission.html", status=status, community=community, enrollment=enrollment,
                       submission=found, results=review.snapshot_results(found),
                       program=found.snapshot.get("program", {}), wording=wording, **refused)


def _refused_as_submitted(community: Any, enrollment: Enrollment, submission: Submission, form: DecisionForm,
                          status: int) -> Response:
    return _submission_page(community, enrollment, submission, status, decision_form=form)


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>")
def submission(slug: str, enrollment_id: int, submission_id: int):
    """A submission as it was handed in: every rule's result that day, under the rules as they were then."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "view")
    return _submission_page(community, enrollment, _load_submission(enrollment, submission_id))


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>")
def decide_as_submitted(slug: str, enrollment_id: int, submission_id: int):
    """A reviewer approves the submission or returns it with comments from its "As submitted" page, where a refusal
    comes back at the page's own address, with the comment typed and the error beside it (QA13: the whole panel
    came back in its place)."""
    return _decide(slug, enrollment_id, submission_id, _refused_as_submitted)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/appraisal")
def appraise(slug: str, enrollment_id: int):
    """A reviewer records the enrolment's appraisal (rating and comment) at the end of the period."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "appraise")
    form = _appraisal_form(AppraisalForm())
    if form.validate():
        try:
            review.appraise(enrollment, form.rating.data, form.comment.data, current_user)
            db.session.commit()
            flash(_("The appraisal is recorded."), "success")
            return redirect(url_for("compliance.panel", slug=slug) + f"#submissions-{enrollment.id}")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
    return _panel_with(community, appraisal_form=form, appraisal_for=enrollment.id)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/deliverables")
def mark_deliverable(slug: str, enrollment_id: int):
    """Mark a deliverable done, with its file (the results report, the application …)."""
    community, enrollment = _enrollment_action(slug, enrollment_id, "manage_budget")
    form = DeliverableForm()
    form.item.choices = [(item, wording.item_text(item)) for item in review.DELIVERABLE_ITEMS]
    valid = form.validate()
    stored = chosen_file(form, "file", current_user.id)
    if valid and not form.file.errors:
        try:
            review.mark_done(enrollment, form.item.data, form.done_on.data, form.note.data, current_user,
                             stored=stored)
            db.session.commit()
            flash(_("The deliverable is marked done."), "success")
            return redirect(url_for("compliance.panel", slug=slug) + f"#deliverables-{enrollment.id}")
        except DomainError as error:
            attach_error(form, error)
    held_name = hold_chosen_file(form, "file", stored, current_user.id)
    db.session.rollback()
    return _panel_with(community, deliverable_form=form, deliverable_for=enrollment.id,
                       held_deliverable_file=held_name)


def _load_deliverable(enrollment: Enrollment, deliverable_id: int) -> Deliverable:
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.enrollment_id != enrollment.id or deliverable.deleted_at is not None:
        abort(404)
    return deliverable


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/deliverables/<int:deliverable_id>/remove")
def unmark_deliverable(slug: str, enrollment_id: int, deliverable_id: int):
    """Take a deliverable back (it was marked by mistake; a second time: it is already taken back, said so)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "view")
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.enrollment_id != enrollment.id:
        abort(404)
    change_and_say(current_user, "remove", deliverable, lambda: review.unmark(deliverable, current_user),
                   _("The deliverable is no longer marked done."))
    return redirect(url_for("compliance.panel", slug=slug) + f"#deliverables-{enrollment.id}")


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/deliverables/<int:deliverable_id>/file")
def deliverable_file(slug: str, enrollment_id: int, deliverable_id: int):
    """A deliverable's file, as an attachment, for those who see the records in full (it may carry personal data)."""
    _community, enrollment = _enrollment_action(slug, enrollment_id, "export")
    deliverable = _load_deliverable(enrollment, deliverable_id)
    if deliverable.blob is None:
        abort(404)
    return send_blob(deliverable.blob, deliverable.filename or "deliverable")


# --- the reviewers' table ----------------------------------------------------------------------------------

@bp.get("/review/compliance/")
@cache_page(depends=[EVERYTHING], expires=SECONDS_TO_MIDNIGHT_BUCKET)  # every community in scope: any write
def review_table():
    """Every enrolled community the reviewer reviews: status per rule, activities, participants, money; the
    totals per school (附件1). ?program=<id> filters, ?sort=name|status|activities|remaining, ?attention=1
    keeps the communities with a rule at risk or not met."""
    require(can(current_user, "review"), hide=True)
    program_id = parse_id(request.args.get("program")) if request.args.get("program") else None
    if request.args.get("program") and program_id is None:
        abort(404)
    sort = request.args.get("sort", "status")
    if sort not in review.ROW_ORDERS:
        sort = "status"
    attention = request.args.get("attention") == "1"
    every = review.review_table(current_user, program_id=program_id)
    rows = review.sort_rows(review.needing_attention(every) if attention else every, sort)
    # The totals (附件1) from every row in scope: a display filter never changes the county's figures, and they
    # agree with the summary download beside them.
    return render_page("compliance/review.html", rows=rows, totals=review.school_totals(every),
                       overall=review.currency_totals(every), headcount=review.headcount(every), sort=sort,
                       program_id=program_id, attention=attention,
                       programs=services.programs() + services.programs(archived=True), wording=wording)


audit.register()
