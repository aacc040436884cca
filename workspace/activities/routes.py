"""Activity pages: the list and month calendar, planning, one activity, the sign-in by QR code with its
live board, the attendance table, leave requests, the printable sign-in sheet and the minutes.

Every route loads the community through the one policy (outsiders get 404), then the activity, and asks
can() for the action. Forms work without JavaScript; htmx swaps the regions that change.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import segno
from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Connection, select

from workspace.activities import audit, records, services
from workspace.activities.forms import (
    ActivityForm,
    CancelForm,
    FeedbackForm,
    LeaveForm,
    MinutesForm,
    MonthlyPlanForm,
    NewActivityForm,
    PeriodForm,
)
from workspace.activities.models import Activity, AttendanceStatus, Evidence, LeaveRequest
from workspace.auth.models import User
from workspace.communities import records as community_records
from workspace.communities.access import load_community
from workspace.communities.models import Community, Role
from workspace.core import links
from workspace.core.cache import COMMUNITY, cache_page, current_generation, poll_unchanged
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, DomainError, NotAllowed
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.i18n import local_datetime, local_span
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import (
    FIRST_DAY,
    LAST_DAY,
    arg,
    form_value,
    numbers,
    parse_id,
    parse_month,
    parse_page,
    read,
)
from workspace.core.permissions import can, deny, public, require
from workspace.core.security import login_redirect
from workspace.core.storage import UploadRejected, make_thumbnail, send_blob, store_uploads
from workspace.core.text import clean_line
from workspace.core.urls import external_url
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.plans import services as co_planning
from workspace.resources.models import Resource

bp = Blueprint("activities", __name__)
SCAN_COOKIE = "sign_in_scan"  # a visitor's browser, to which the scan receipt in the login's way back is bound


def load_activity(slug: str, activity_id: int, action: str = "view") -> Activity:
    """Return the activity if the user reads this community's activities and this one (else 404: a pair's private
    meeting is not there for the others) and may do `action` (else 403)."""
    community = load_community(slug, "read_activities")
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.community_id != community.id or (activity.private and not can(
            current_user, "view", activity)):
        abort(404)
    if action != "view":
        require(can(current_user, action, activity))
    return activity


@bp.app_template_global()
def when_of(activity: Activity, style: str = "medium") -> str:
    """When an activity takes place, in the reader's language: the date, then 14:00–16:00 (24-hour, local)."""
    return local_span(activity.starts_at, activity.ends_at, style)


def _labels() -> dict[str, Any]:
    return {"method_labels": services.METHOD_LABELS, "mode_labels": services.MODE_LABELS,
            "status_labels": services.STATUS_LABELS, "to_local": services.to_local, "hours_of": services.hours_of,
            "tag_label": records.tag_label}



# --- the list and the calendar -------------------------------------------------------------------


@bp.get("/c/<slug>/activities/")
@cache_page(depends=[COMMUNITY], expires=300)  # upcoming turns past with time
def index(slug: str):
    """Upcoming and past activities, with attendance counts and the reader's own status."""
    community = load_community(slug, "read_activities")
    when = "past" if request.args.get("when") == "past" else "upcoming"
    page = services.list_activities(community, current_user, when=when, page=arg("page", parse_page, 1))
    return render_page("activities/index.html", "activities/_list.html", community=community, page=page,
                       **_labels())


@bp.get("/c/<slug>/activities/calendar")
@cache_page(depends=[COMMUNITY], expires=300)  # today moves
def calendar(slug: str):
    """A month of activities (?month=YYYY-MM, this month by default)."""
    community = load_community(slug, "read_activities")
    today = services.to_local(utcnow()).date()
    first = arg("month", parse_month, today.replace(day=1))
    # No way out of the accepted years: the month before the first one and after the last one are not shown.
    previous = (first - dt.timedelta(days=1)).replace(day=1) if first > FIRST_DAY else None
    following = (first + dt.timedelta(days=32)).replace(day=1) if first < LAST_DAY.replace(day=1) else None
    return render_page("activities/calendar.html", community=community, first=first, today=today,
                       weeks=services.month_calendar(community, first.year, first.month, current_user),
                       previous=previous, following=following, **_labels())


# --- planning ------------------------------------------------------------------------------------


def _form_choices(form: ActivityForm, community: Community) -> None:
    members = services.community_members(community)
    form.recorder_id.choices = [("", "—")] + [(str(user.id), user.display_name) for user in members]
    form.school_ids.choices = [(school.id, school.name) for school in community.schools]


def _fields(form: ActivityForm) -> services.ActivityFields:
    return services.ActivityFields(
        title=form.title.data or "", method=form.method.data or "", mode=form.mode.data or "offline",
        starts_at=form.starts_at.data, ends_at=form.ends_at.data, place=form.place.data or "",
        meeting_url=form.meeting_url.data or "", agenda=form.agenda.data or "", subjects=form.subjects.data or "",
        tags=form.tags.data or "", school_ids=form.school_ids.data or [], recorder_id=read(
            form.recorder_id.data, parse_id),
        speakers=[services.SpeakerFields(name=entry.form.name.data or "", affiliation=entry.form.affiliation.data or "",
                                         external=bool(entry.form.external.data), hours=entry.form.hours.data or 0,
                                         topic=entry.form.topic.data or "") for entry in form.speakers])


def _fill(form: ActivityForm, fields: services.ActivityFields) -> None:
    form.title.data, form.method.data, form.mode.data = fields.title, fields.method, fields.mode
    form.starts_at.data, form.ends_at.data = fields.starts_at, fields.ends_at
    form.place.data, form.meeting_url.data, form.agenda.data = fields.place, fields.meeting_url, fields.agenda
    # the app's own tags in the reader's script (#公开课 on a Simplified page), kept as shipped when saved back
    form.subjects.data, form.tags.data = ", ".join(fields.subjects), ", ".join(map(records.tag_label, fields.tags))
    form.school_ids.data = list(fields.school_ids)
    form.recorder_id.data = str(fields.recorder_id) if fields.recorder_id else ""
    while len(form.speakers) < max(len(fields.speakers) + 1, 2):
        form.speakers.append_entry()
    for entry, speaker in zip(form.speakers, fields.speakers, strict=False):
        entry.form.name.data, entry.form.affiliation.data = speaker.name, speaker.affiliation
        entry.form.external.data, entry.form.hours.data = speaker.external, str(speaker.hours or "")
        entry.form.topic.data = speaker.topic


@bp.get("/c/<slug>/activities/new")
def new(slug: str):
    """The form to plan an activity (?copy=<id> starts from an earlier one, a week later)."""
    community = load_community(slug, "manage_activities")
    form = NewActivityForm(formdata=None)
    _form_choices(form, community)
    copied = arg("copy", parse_id)
    if copied is not None:
        source = db.session.get(Activity, copied)
        # A pair's private meeting is not copied: its title names the pair, and the copy would be everyone's.
        if source is not None and source.community_id == community.id and not source.private:
            fields = services.fields_of(source)
            fields.starts_at += dt.timedelta(weeks=1)
            fields.ends_at += dt.timedelta(weeks=1)
            _fill(form, fields)
    return render_page("activities/new.html", community=community, form=form, **_labels())


@bp.post("/c/<slug>/activities/new")
def create(slug: str):
    """Plan one activity, or a weekly or monthly series."""
    community = load_community(slug, "manage_activities")
    form = NewActivityForm()
    _form_choices(form, community)
    if validate_all(form, lambda: services.check_activity(community, _fields(form), repeat=form.repeat.data or None,
                                                          count=form.count.data or 1)):
        try:
            once = claim(form.once_token, current_user, fallback=url_for("activities.index", slug=slug))
            if once.repeat is not None:
                db.session.rollback()
                flash(ALREADY_SAVED, "info")
                return redirect(once.repeat)
            fields = _fields(form)
            if form.repeat.data:
                made = services.create_series(community, fields, actor=current_user, repeat=form.repeat.data,
                                              count=form.count.data or 1)
            else:
                made = [services.create_activity(community, fields, actor=current_user)]
            notices = services.dating_notices(made)
            once.answered(url_for("activities.show", slug=slug, activity_id=made[0].id) if len(made) == 1
                          else url_for("activities.index", slug=slug))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            for notice in notices:  # outside every enrolled program's period: planned all the same
                flash(notice, "warning")
            if len(made) > 1:
                flash(_("%(count)d activities planned.", count=len(made)), "success")
                return redirect(url_for("activities.index", slug=slug))
            return redirect(url_for("activities.show", slug=slug, activity_id=made[0].id))
    community = load_community(slug, "manage_activities")
    _form_choices(form, community)
    return render_page("activities/new.html", community=community, form=form, status=422, **_labels())


@bp.get("/c/<slug>/activities/<int:activity_id>/edit")
def edit(slug: str, activity_id: int):
    activity = load_activity(slug, activity_id, "manage")
    form = ActivityForm(formdata=None, base_version=str(activity.version))
    _form_choices(form, activity.community)
    _fill(form, services.fields_of(activity))
    return render_page("activities/edit.html", community=activity.community, activity=activity, form=form,
                       **_labels())


@bp.post("/c/<slug>/activities/<int:activity_id>/edit")
def update(slug: str, activity_id: int):
    """Save changes; someone else's save in between is refused with the typed values kept."""
    activity = load_activity(slug, activity_id, "manage")
    form = ActivityForm()
    _form_choices(form, activity.community)
    conflict = False
    if validate_all(form, lambda: services.check_activity(activity.community, _fields(form))):
        before = activity.starts_at
        try:
            services.update_activity(activity, _fields(form), actor=current_user,
                                     base_version=read(form.base_version.data, numbers(), 0),
                                     move_ahead=bool(form.move_ahead.data))
            notices = services.dating_notices([activity], before)
        except Conflict as error:
            db.session.rollback()
            attach_error(form, error)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            for notice in notices:  # it left a program's period: saved all the same, the convener told
                flash(notice, "warning")
            return redirect(url_for("activities.show", slug=slug, activity_id=activity.id))
    activity = load_activity(slug, activity_id, "manage")
    _form_choices(form, activity.community)
    if conflict:  # the saved version is shown above the form, and the next save starts from it
        form.base_version.raw_data, form.base_version.data = None, str(activity.version)
    return render_page("activities/edit.html", community=activity.community, activity=activity, form=form,
                       conflict=conflict, status=422, **_labels())


@bp.post("/c/<slug>/activities/<int:activity_id>/cancel")
def cancel(slug: str, activity_id: int):
    """Cancel an activity: it stays in the list, marked cancelled, with its reason."""
    activity = load_activity(slug, activity_id, "manage")
    form = CancelForm()
    try:
        services.cancel_activity(activity, form.reason.data or "", actor=current_user)
    except DomainError as error:  # a reason over the limit: shown beside the field, not a server error
        db.session.rollback()
        attach_error(form, error)
        activity = load_activity(slug, activity_id, "manage")
        return render_page("activities/show.html", status=422, **_show_context(activity, cancel_form=form))
    db.session.commit()
    flash(_("The activity is cancelled. It stays in the records."), "success")
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id))


@bp.post("/c/<slug>/activities/<int:activity_id>/reinstate")
def reinstate(slug: str, activity_id: int):
    activity = load_activity(slug, activity_id, "manage")
    services.reinstate_activity(activity, actor=current_user)
    db.session.commit()
    flash(_("The activity takes place again."), "success")
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id))


# --- one activity --------------------------------------------------------------------------------


def _show_context(activity: Activity, **extra: Any) -> dict[str, Any]:
    managing = can(current_user, "manage", activity)
    evidence = services.evidence_of(activity, include_deleted=managing)
    summary = services.feedback_summary(activity) if can(current_user, "view_feedback", activity) else None
    live = [item for item in evidence if item.live]
    may_add = _may_add_evidence(activity)
    now = utcnow()
    mark = services.my_attendance(activity, current_user)
    # A mark given ahead (the teacher of a public lesson to come) makes them expected, and says nothing yet of who came
    mine = None if mark is None or services.is_marked_ahead(activity, mark, now) else mark
    return {
        "community": activity.community, "activity": activity, "managing": managing,
        "mine": mine, "leave": services.my_leave(activity, current_user),
        "expected": services.is_expected(activity, current_user, mine=mark),
        "leave_form": extra.pop("leave_form", None) or LeaveForm(formdata=None),
        "feedback_form": extra.pop("feedback_form", None) or FeedbackForm(formdata=None),
        "my_feedback": services.my_feedback(activity, current_user),
        "cancel_form": CancelForm(formdata=None), "came": services.signed_in(activity, now=now),
        "pending": services.pending_leave(activity) if managing else [], "now": now,
        "evidence": evidence, "may_add": may_add, "summary": summary,
        # whom a member without the upload sends their photos to (read only for them)
        "evidence_keepers": [] if may_add else _evidence_keepers(activity),
        "resources": services.linked_resources(activity),
        "threads": discussions.threads_about(activity),
        "plans": co_planning.plans_linked_to(activity)
        if can(current_user, "read_material", activity.community) else [],
        "checklist": services.checklist(activity, live, summary.count if summary else None, now=now), **_labels(),
        **extra,
    }


def _started(connection: Connection) -> bool:
    """Whether the activity of this request has started: its page changes then, without any write."""
    starts = connection.scalar(select(Activity.starts_at).where(Activity.id == request.view_args["activity_id"]))
    return starts is not None and utcnow() >= starts


@bp.get("/c/<slug>/activities/<int:activity_id>")
@cache_page(depends=[COMMUNITY], vary=_started)
def show(slug: str, activity_id: int):
    """An activity: when, where, who speaks, the reader's own status, leave, the minutes."""
    return render_page("activities/show.html", **_show_context(load_activity(slug, activity_id)))


# --- sign-in -------------------------------------------------------------------------------------


def _activity_for_sign_in(slug: str, activity_id: int, token: str) -> Activity:
    """The activity a sign-in link names. Someone who may not read it gets 404 as everywhere, unless the
    link carries the activity's genuine code (they are in the room): then the page says why they cannot."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.community.slug != slug:
        abort(404)
    if activity.private and not can(current_user, "view", activity):
        abort(404)  # a pair's meeting: not there for the others, code or not (its title names the pair)
    if not can(current_user, "read_activities", activity.community) and not services.token_names(activity, token):
        abort(404)
    return activity


def _scan_cookie_path(slug: str, activity_id: int) -> str:
    return url_for("activities.sign_in_page", slug=slug, activity_id=activity_id)


def _visitor_scan(slug: str, activity_id: int, token: str) -> Response:
    """A visitor scanned a code: off to the login page, and back here afterwards.

    When the code is good now, the way back carries a scan receipt (the moment of this scan, signed) bound to a
    random cookie of this browser, so the code is still taken after a login that outlasts its grace, in this
    browser only. Any other address goes to the login page as the login gate would send it.
    """
    activity = db.session.get(Activity, activity_id) if 0 < activity_id < 2**63 else None
    if activity is None or activity.community.slug != slug:
        return login_redirect()
    browser = request.cookies.get(SCAN_COOKIE) or secrets.token_urlsafe(18)
    try:
        receipt = services.scan_receipt(activity, token, browser=browser)
    except DomainError:
        return login_redirect()
    back = url_for("activities.sign_in_page", slug=slug, activity_id=activity_id, t=token, r=receipt)
    response = redirect(url_for("auth.login", next=back))
    response.set_cookie(SCAN_COOKIE, browser, max_age=int(services.login_grace().total_seconds()),
                        path=_scan_cookie_path(slug, activity_id), httponly=True, samesite="Lax",
                        secure=current_app.session_interface.get_cookie_secure(current_app))
    return response


@bp.get("/c/<slug>/activities/<int:activity_id>/sign-in")
@public  # a visitor is sent to log in below, with the moment of the scan kept for afterwards
def sign_in_page(slug: str, activity_id: int):
    """What the QR code opens: one button to sign in (the code is checked again when it is pressed)."""
    token, receipt = request.args.get("t", ""), request.args.get("r", "")
    if not current_user.is_authenticated:
        return _visitor_scan(slug, activity_id, token)
    activity = _activity_for_sign_in(slug, activity_id, token)
    problem = None
    try:
        moment = services.scan_moment(activity, token, receipt, actor=current_user,
                                      browser=request.cookies.get(SCAN_COOKIE, ""))
        # The button may be pressed after the code's grace: the form carries this scan's moment.
        receipt = services.scan_receipt(activity, token, user=current_user, now=moment)
        if not can(current_user, "sign_in", activity):
            problem = _("Only members of the community can sign in. Ask the convener to add you.")
    except DomainError as error:
        problem, receipt = error.message, ""
    status = 200 if problem is None else 403 if not can(current_user, "sign_in", activity) else 422
    return render_page("activities/sign_in.html", community=activity.community, activity=activity, token=token,
                       receipt=receipt, problem=problem, mine=services.my_attendance(activity, current_user),
                       **_labels(), status=status)


@bp.post("/c/<slug>/activities/<int:activity_id>/sign-in")
def sign_in(slug: str, activity_id: int):
    """Sign the person who is logged in (and only them) in."""
    token, receipt = request.form.get("t", ""), request.form.get("r", "")
    activity = _activity_for_sign_in(slug, activity_id, token)
    try:
        services.sign_in(activity, token, actor=current_user, receipt=receipt,
                         browser=request.cookies.get(SCAN_COOKIE, ""))
    except DomainError as error:
        db.session.rollback()
        return render_page("activities/sign_in.html", community=activity.community, activity=activity,
                           token=token, receipt="", problem=error.message,
                           mine=services.my_attendance(activity, current_user),
                           status=403 if isinstance(error, NotAllowed) else 422, **_labels())
    db.session.commit()
    response = render_page("activities/sign_in.html", community=activity.community, activity=activity, token=token,
                           receipt="", problem=None, mine=services.my_attendance(activity, current_user), done=True,
                           **_labels())
    response.delete_cookie(SCAN_COOKIE, path=_scan_cookie_path(slug, activity_id))
    return response


def _qr_svg(url: str) -> Markup:
    """The sign-in address as an inline SVG QR code (no script, no style: fine under the CSP)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=8, dark="#1d2a2b", light="#ffffff",  # noqa: S704
                                                        border=2, omitsize=True))


def _code_context(activity: Activity) -> dict[str, Any]:
    """What the board's code region shows now: its state, the window, and while open the code of this step."""
    now = utcnow()
    state, step = services.sign_in_state(activity, now), services.code_step(now)
    link = external_url("activities.sign_in_page", slug=activity.community.slug, activity_id=activity.id,
                        t=services.sign_in_token(activity, now)) if state == "open" else ""
    opens, closes = services.sign_in_window(activity)
    return {"state": state, "step": step, "link": link, "qr": _qr_svg(link) if link else "", "opens": opens,
            "closes": closes, "code_seconds": services.code_seconds(),
            # Asked often and answered with 204 until the step changes, so a new code shows within a few seconds.
            "code_poll": min(3, services.code_seconds())}


@bp.get("/c/<slug>/activities/<int:activity_id>/board")
def board(slug: str, activity_id: int):
    """The sign-in board for the room's screen: the QR code and who has signed in, updating by itself."""
    activity = load_activity(slug, activity_id, "manage")
    return render_page("activities/board.html", community=activity.community, activity=activity,
                       came=services.signed_in(activity), generation=current_generation(), **_code_context(activity),
                       **_labels())


@bp.get("/c/<slug>/activities/<int:activity_id>/board/code")
@public  # the login is checked below, after the cheap answer that tells nothing
def board_code(slug: str, activity_id: int):
    """The board's code poll: 204 while ?step= is the time step now (no database), else the code region anew."""
    if request.args.get("step", "") == str(services.code_step()):
        return Response(status=204)
    if not current_user.is_authenticated:
        return login_redirect()
    activity = load_activity(slug, activity_id, "manage")
    return render_page("activities/_board_code.html", community=activity.community, activity=activity,
                       **_code_context(activity))


@bp.get("/c/<slug>/activities/<int:activity_id>/board/attendees")
@public  # the login is checked below, after the cheap answer that tells nothing
def board_attendees(slug: str, activity_id: int):
    """The live board's poll: 204 while nothing was written anywhere since ?gen=, else the current list."""
    if poll_unchanged():
        return Response(status=204)
    if not current_user.is_authenticated:
        return login_redirect()
    activity = load_activity(slug, activity_id, "manage")
    return render_page("activities/_attendees.html", community=activity.community, activity=activity,
                       came=services.signed_in(activity), generation=current_generation(), **_labels())


@bp.post("/c/<slug>/activities/<int:activity_id>/board/new-code")
def new_code(slug: str, activity_id: int):
    """Void the QR codes shown so far and show a new one (e.g. a photo of the code went around)."""
    activity = load_activity(slug, activity_id, "manage")
    services.regenerate_sign_in(activity, actor=current_user)
    db.session.commit()
    flash(_("A new sign-in code is shown; the old one no longer works."), "success")
    return redirect(url_for("activities.board", slug=slug, activity_id=activity.id))


# --- attendance and leave ------------------------------------------------------------------------


@bp.get("/c/<slug>/activities/<int:activity_id>/attendance")
def attendance(slug: str, activity_id: int):
    """The convener's table: everyone at once, with keyboard-friendly choices."""
    activity = load_activity(slug, activity_id, "manage")
    return render_page("activities/attendance.html", community=activity.community, activity=activity,
                       rows=services.roster(activity), statuses=list(AttendanceStatus), errors={}, **_labels())


@bp.post("/c/<slug>/activities/<int:activity_id>/attendance")
def save_attendance(slug: str, activity_id: int):
    activity = load_activity(slug, activity_id, "manage")
    statuses: dict[int, str] = {}
    for key, value in request.form.items():
        if key.startswith("status-"):  # one field per person, status-<user id>
            user_id = parse_id(key.removeprefix("status-"))
            if user_id is None:  # names nobody the page could have shown
                abort(404)
            statuses[user_id] = value
    try:
        changed = services.set_attendance(activity, statuses, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        activity = load_activity(slug, activity_id, "manage")
        return render_page("activities/attendance.html", community=activity.community, activity=activity,
                           rows=services.roster(activity), statuses=list(AttendanceStatus),
                           errors={error.field: error.message}, status=422, **_labels())
    db.session.commit()
    flash(_("Attendance saved (%(count)d changed).", count=changed), "success")
    return redirect(url_for("activities.attendance", slug=slug, activity_id=activity.id))


@bp.post("/c/<slug>/activities/<int:activity_id>/leave")
def request_leave(slug: str, activity_id: int):
    """Ask to be excused, with a reason, before the activity starts."""
    activity = load_activity(slug, activity_id)
    form = LeaveForm()
    if form.validate():
        try:
            services.request_leave(activity, form.reason.data or "", actor=current_user)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your leave request is sent to the conveners."), "success")
            return redirect(url_for("activities.show", slug=slug, activity_id=activity.id))
    activity = load_activity(slug, activity_id)
    return render_page("activities/show.html", status=422, **_show_context(activity, leave_form=form))


@bp.post("/c/<slug>/activities/<int:activity_id>/leave/<int:leave_id>")
def decide_leave(slug: str, activity_id: int, leave_id: int):
    """Approve (marks the member excused) or decline a leave request."""
    activity = load_activity(slug, activity_id, "manage")
    leave = db.session.get(LeaveRequest, leave_id)
    if leave is None or leave.activity_id != activity.id:
        abort(404)
    decision = request.form.get("decision")
    if decision not in {"approve", "decline"}:
        abort(422)
    back = redirect(url_for("activities.show", slug=slug, activity_id=activity.id))
    if leave.status != "pending":  # decided meanwhile (another convener, a second tab): said, not reversed
        decider = db.session.get(User, leave.decided_by_id) if leave.decided_by_id else None
        name, when = (decider.display_name if decider else _("Someone")), local_datetime(leave.decided_at)
        flash(_("%(name)s already approved this request (%(when)s); nothing was changed.", name=name, when=when)
              if leave.status == "approved" else
              _("%(name)s already declined this request (%(when)s); nothing was changed.", name=name, when=when),
              "info")
        return back
    approve = decision == "approve"
    services.decide_leave(leave, approve, actor=current_user)
    db.session.commit()
    flash(_("Leave approved.") if approve else _("Leave declined."), "success")
    return back


@bp.get("/c/<slug>/activities/<int:activity_id>/sheet")
def sheet(slug: str, activity_id: int):
    """The printable paper sign-in sheet (簽到表) with every member's name and a signature column; a pair's private
    meeting or observation has none (names are never marked against it)."""
    activity = load_activity(slug, activity_id, "manage")
    if activity.private:
        abort(404)
    return render_page("activities/sheet.html", community=activity.community, activity=activity,
                       members=services.members_for_sheet(activity), **_labels())


# --- minutes -------------------------------------------------------------------------------------


def _load_for_minutes(slug: str, activity_id: int) -> Activity:
    """The activity whose minutes the user may write; a pair's private one says why nobody writes them here."""
    activity = load_activity(slug, activity_id)
    if activity.private:
        deny(reason=services.private_minutes_reason())
    require(can(current_user, "write_minutes", activity))
    return activity


@bp.get("/c/<slug>/activities/<int:activity_id>/minutes")
def minutes(slug: str, activity_id: int):
    """Write the minutes: a new record starts from the template's headings, in the writer's language."""
    activity = _load_for_minutes(slug, activity_id)
    form = MinutesForm(formdata=None, minutes=activity.minutes or services.minutes_template(activity, _),
                       outcomes=activity.outcomes, base_version=str(activity.minutes_version))
    return render_page("activities/minutes.html", community=activity.community, activity=activity, form=form,
                       conflict=False, **_labels())


@bp.post("/c/<slug>/activities/<int:activity_id>/minutes")
def save_minutes(slug: str, activity_id: int):
    """Save the minutes and outcomes (a save from an older version is refused with both texts shown)."""
    activity = _load_for_minutes(slug, activity_id)
    form = MinutesForm()
    conflict = False
    if form.validate():
        try:
            services.save_minutes(activity, form.minutes.data or "", form.outcomes.data or "", actor=current_user,
                                  base_version=read(form.base_version.data, numbers(), 0))
        except Conflict as error:
            db.session.rollback()
            attach_error(form, error)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The minutes are saved."), "success")
            return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#minutes")
    activity = _load_for_minutes(slug, activity_id)
    if conflict:
        form.base_version.data = str(activity.minutes_version)
    return render_page("activities/minutes.html", community=activity.community, activity=activity, form=form,
                       conflict=conflict, status=422, **_labels())


# --- evidence ------------------------------------------------------------------------------------


def _load_evidence(activity: Activity, evidence_id: int) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.activity_id != activity.id:
        abort(404)
    return evidence


def _may_add_evidence(activity: Activity) -> bool:
    return can(current_user, "manage", activity) or can(current_user, "add_evidence", activity)


def _evidence_keepers(activity: Activity) -> list[str]:
    """The names of the conveners and co-conveners, who add an activity's photos (with the minutes' recorder)."""
    keepers = community_records.current_members([activity.community_id],
                                                roles=(Role.CONVENER.value, Role.CO_CONVENER.value))
    keepers.sort(key=lambda member: member.role != Role.CONVENER.value)  # the convener first, then by name
    return [member.display_name for member in keepers]


@bp.post("/c/<slug>/activities/<int:activity_id>/evidence")
def add_evidence(slug: str, activity_id: int):
    """Photos, videos, documents, a scanned sign-in sheet: one request per file with progress (upload.js),
    or all at once without JavaScript. Same checks and limits as the library (core/storage)."""
    activity = load_activity(slug, activity_id)
    require(_may_add_evidence(activity))
    one_by_one = request.headers.get("X-Upload") == "1"
    uploads = [upload for upload in request.files.getlist("files") if upload and upload.filename]
    added: list[Evidence] = []
    problem, status = None, 422
    if not uploads:
        problem = _("Choose at least one file.")
    else:
        try:
            for stored in store_uploads(uploads):  # every file checked before the first write
                added.append(services.add_evidence(activity, stored, actor=current_user,
                                                   caption=request.form.get("caption", ""),
                                                   sheet=request.form.get("sheet") == "y"))
        except UploadRejected as error:
            db.session.rollback()
            problem, status = error.message, 413 if error.reason == "too_large" else 422
        except DomainError as error:
            db.session.rollback()
            problem = error.message
    if problem is None:
        db.session.commit()
        if one_by_one:
            return render_page("activities/_uploaded.html", community=activity.community, activity=activity,
                               added=added, status=201)
        flash(ngettext("%(num)d file added.", "%(num)d files added.", len(added)), "success")
        return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#evidence")
    if one_by_one:
        return render_page("activities/_upload_problem.html", problem=problem, status=status)
    flash(problem, "error")
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#evidence")


@bp.get("/c/<slug>/activities/<int:activity_id>/evidence/")
def evidence_gallery(slug: str, activity_id: int):
    """The gallery and files (refreshed by htmx when uploads finish), with the evidence checklist out of band."""
    activity = load_activity(slug, activity_id)
    evidence = services.evidence_of(activity)
    return render_page("activities/_evidence.html", community=activity.community, activity=activity,
                       evidence=evidence, may_add=_may_add_evidence(activity),
                       managing=can(current_user, "manage", activity), refreshed=True,
                       checklist=services.checklist(activity, evidence), **_labels())


@bp.get("/c/<slug>/activities/<int:activity_id>/evidence/<int:evidence_id>")
def evidence_file(slug: str, activity_id: int, evidence_id: int):
    """A photo or video shown in place, any other file downloaded (with the checks of every blob)."""
    activity = load_activity(slug, activity_id)
    evidence = _readable_evidence(activity, evidence_id)
    return send_blob(evidence.blob, evidence.filename, inline=evidence.kind in {"photo", "video", "sheet"})


def _readable_evidence(activity: Any, evidence_id: int) -> Any:
    """An item of evidence the viewer may open: one removed only by those who manage the activity (to restore it),
    its file and its thumbnail alike."""
    evidence = _load_evidence(activity, evidence_id)
    if not evidence.live and not can(current_user, "manage", activity):
        abort(404)
    return evidence


@bp.get("/c/<slug>/activities/<int:activity_id>/evidence/<int:evidence_id>/thumbnail")
def evidence_thumbnail(slug: str, activity_id: int, evidence_id: int):
    """A small image of a photo for the gallery (made once, kept as its own blob)."""
    activity = load_activity(slug, activity_id)
    evidence = _readable_evidence(activity, evidence_id)
    if not evidence.media_type.startswith("image/"):
        abort(404)
    small = make_thumbnail(evidence.blob)
    db.session.commit()
    if small is None:
        abort(404)
    return send_blob(small, evidence.filename, inline=True)


@bp.post("/c/<slug>/activities/<int:activity_id>/evidence/<int:evidence_id>")
def caption_evidence(slug: str, activity_id: int, evidence_id: int):
    """Save a caption (htmx answers with the figure)."""
    activity = load_activity(slug, activity_id)
    require(_may_add_evidence(activity))
    evidence = _load_evidence(activity, evidence_id)
    try:
        services.set_caption(evidence, request.form.get("caption", ""), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    if wants_fragment():
        return render_page("activities/_figure.html", community=activity.community, activity=activity, item=evidence,
                           may_add=True, managing=can(current_user, "manage", activity))
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#evidence")


@bp.post("/c/<slug>/activities/<int:activity_id>/evidence/<int:evidence_id>/remove")
def remove_evidence(slug: str, activity_id: int, evidence_id: int):
    """Take a file out of the bundle (kept: it can be put back)."""
    activity = load_activity(slug, activity_id, "manage")
    evidence = _load_evidence(activity, evidence_id)
    services.remove_evidence(evidence, actor=current_user, restore=request.form.get("restore") == "1")
    db.session.commit()
    flash(_("Put back.") if evidence.live else _("Removed. It can be put back from the activity page."),
          "success")
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#evidence")


# --- feedback ------------------------------------------------------------------------------------


@bp.post("/c/<slug>/activities/<int:activity_id>/feedback")
def feedback(slug: str, activity_id: int):
    """A member's feedback, once: satisfaction 1–5 and a comment (nobody else sees who wrote it)."""
    activity = load_activity(slug, activity_id)
    form = FeedbackForm()
    if validate_all(form, lambda: services.check_feedback(form.satisfaction.data, form.comment.data)):
        try:
            services.give_feedback(activity, form.satisfaction.data, form.comment.data or "", actor=current_user)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you for your feedback."), "success")
            return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#feedback")
    activity = load_activity(slug, activity_id)
    return render_page("activities/show.html", status=422, **_show_context(activity, feedback_form=form))


# --- what an activity produced -------------------------------------------------------------------


@bp.post("/c/<slug>/activities/<int:activity_id>/links")
def link_resource(slug: str, activity_id: int):
    """Link a library resource the activity produced or used."""
    activity = load_activity(slug, activity_id)
    require(_may_add_evidence(activity))
    resource_id = form_value("resource_id", parse_id)
    try:
        services.link_resource(activity, db.session.get(Resource, resource_id) if resource_id else None,
                               actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#produced")


@bp.post("/c/<slug>/activities/<int:activity_id>/links/<int:link_id>/delete")
def unlink(slug: str, activity_id: int, link_id: int):
    """Remove a resource link of the activity."""
    activity = load_activity(slug, activity_id)
    require(_may_add_evidence(activity))
    link = db.session.get(links.Link, link_id)
    if link is None or (link.from_type, link.from_id, link.role) != ("activity", activity.id, services.OUTPUT):
        abort(404)
    services.unlink(activity, link, actor=current_user)
    db.session.commit()
    return redirect(url_for("activities.show", slug=slug, activity_id=activity.id) + "#produced")


@bp.get("/c/<slug>/activities/<int:activity_id>/links/choices")
def link_choices(slug: str, activity_id: int):
    """The options of the link picker, loaded when it is opened (and as the search box is typed in)."""
    activity = load_activity(slug, activity_id)
    require(_may_add_evidence(activity))
    query = clean_line(request.args.get("q", ""))[:100]
    return render_page("activities/_link_choices.html", choices=services.resources_to_link(activity, query))


# --- participation and monthly plans -------------------------------------------------------------


@bp.get("/c/<slug>/activities/participation")
@cache_page(depends=[COMMUNITY], expires=3600)  # the default period ends today
def participation(slug: str):
    """Who came to what, per member and per activity, with charts (?start=&end= as YYYY-MM-DD).

    A date typed wrong (or outside the accepted years) is shown beside its field with what was typed (422);
    the report then covers the year up to today.
    """
    community = load_community(slug, "read_activities")
    today = services.to_local(utcnow()).date()
    form = PeriodForm(request.args)
    valid = form.validate()
    end = (form.end.data if valid else None) or today
    start = (form.start.data if valid else None) or end - dt.timedelta(days=364)
    if start > end:  # only a start after today with no end given: the year from that start
        end = start + dt.timedelta(days=364)
    return render_page("activities/participation.html", community=community, form=form,
                       report=services.participation(community, start, end, viewer=current_user),
                       status=200 if valid else 422,
                       **_labels())


def _plans_page(community: Any, *, refused: dt.date | None = None, typed: str = "", error: str = "",
                status: int = 200):
    """The monthly plans page; after a refusal, the month's form keeps what was typed with the error beside it."""
    today = services.to_local(utcnow()).date()
    upcoming = services.next_month(today)
    months = [upcoming, today.replace(day=1)]
    earlier = today.replace(day=1)
    for _index in range(4):
        earlier = (earlier - dt.timedelta(days=1)).replace(day=1)
        months.append(earlier)
    return render_page("activities/plans.html", community=community, today=today, status=status,
                       statuses=[services.plan_status(community, month, today) for month in months],
                       form=MonthlyPlanForm(formdata=None), refused=refused, typed=typed, error=error, **_labels())


@bp.get("/c/<slug>/activities/plans")
def plans(slug: str):
    """Monthly plans (月計畫): next month's, due by the 20th, and planned versus held for earlier months."""
    return _plans_page(load_community(slug, "read_activities"))


@bp.post("/c/<slug>/activities/plans")
def submit_plan(slug: str):
    """Submit the plan of a month (?month=YYYY-MM-01): the activities planned in it, and a note. A refusal
    answers 422 with the note kept in that month's form and the reason beside it."""
    community = load_community(slug, "manage_activities")
    form = MonthlyPlanForm()
    month = read(form.month.data, parse_month)
    if month is None:  # the form always names its month: none is a month not found, as a malformed one
        abort(404)
    try:
        services.submit_monthly_plan(community, month, form.note.data or "", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return _plans_page(community, refused=month.replace(day=1), typed=form.note.data or "",
                           error=error.message, status=422)
    db.session.commit()
    flash(_("The plan is submitted."), "success")
    return redirect(url_for("activities.plans", slug=slug))


# The calendar feeds (ICS) live in their own module on this blueprint.
from workspace.activities import feed_routes  # noqa: E402, F401

# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())
