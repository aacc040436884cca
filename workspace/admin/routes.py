"""Administration pages: schools (and their email domains), users (create, approve, school, deactivate, admin,
reset links, reviewer scopes), audit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from workspace.admin.forms import NewUserForm, ReviewerScopeForm, SchoolDomainForm, SchoolForm, UserSchoolForm
from workspace.auth import services as auth_services
from workspace.auth.forms import TeachingProfileForm, with_school_and_language, with_titles
from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.communities.forms import school_choices
from workspace.communities.models import Community, ReviewerScope, School, SchoolEmailDomain
from workspace.compliance import services as compliance_services
from workspace.core.audit import describe_events
from workspace.core.errors import DomainError
from workspace.core.forms import EmptyForm, attach_error, validate_all
from workspace.core.htmx import render_page
from workspace.core.i18n import listing
from workspace.core.mail import mail_configured, send_mail
from workspace.core.models import AuditEvent
from workspace.core.pagination import require_page
from workspace.core.parsing import arg, parse_id, parse_page, read
from workspace.core.permissions import admin_required
from workspace.core.text import clean_line
from workspace.core.urls import external_url
from workspace.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.get("/")
@admin_required
def index():
    """Show the site's figures and the ways into administration."""
    figures = {
        "users": db.session.scalar(select(func.count(User.id))),
        "schools": db.session.scalar(select(func.count(School.id))),
        "communities": db.session.scalar(select(func.count(Community.id)).where(Community.archived_at.is_(None))),
        "reviewers": db.session.scalar(select(func.count(func.distinct(ReviewerScope.user_id)))),
    }
    # What waits for an administrator, each with its way in: on a new school's site nobody else can do it.
    waiting = {"accounts": auth_services.pending_counts()["accounts"],
               "enrollments": compliance_services.waiting_enrollments()}
    return render_page("admin/index.html", figures=figures, waiting=waiting, first_steps=_first_steps())


def _first_steps() -> dict[str, bool] | None:
    """What a fresh install has done of its first steps (admin/_first_steps.html), or None once it has a school and
    a program of its own (a copy: the shipped presets are there from the start)."""
    school = db.session.scalar(select(School.id).limit(1)) is not None
    program = any(program.preset_key is None for program in compliance_services.programs())
    if school and program:
        return None
    accounts = db.session.scalar(select(User.id).where(User.is_admin.is_(False)).limit(1)) is not None
    return {"school": school, "program": program, "accounts": accounts}


# --- schools -------------------------------------------------------------------------------------


@bp.get("/schools/")
@admin_required
def schools():
    """List schools with the form to add one."""
    rows = db.session.scalars(select(School).order_by(School.name)).all()
    return render_page("admin/schools.html", schools=rows, form=SchoolForm())


@bp.post("/schools/")
@admin_required
def create_school():
    """Add a school."""
    form = SchoolForm()
    if form.validate():
        try:
            community_services.save_school(None, actor=current_user, name=form.name.data,
                                           class_count=form.class_count.data,
                                           in_evaluation_programme=form.in_evaluation_programme.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.schools"))
    db.session.rollback()
    rows = db.session.scalars(select(School).order_by(School.name)).all()
    return render_page("admin/schools.html", schools=rows, form=form, status=422)


@bp.get("/schools/<int:school_id>")
@admin_required
def edit_school(school_id: int):
    """Show a school's form and its email domains."""
    school = db.get_or_404(School, school_id)
    return render_page("admin/school.html", school=school, form=SchoolForm(obj=school),
                       domain_form=SchoolDomainForm(), actions=EmptyForm(), mail_enabled=mail_configured())


@bp.post("/schools/<int:school_id>/domains")
@admin_required
def add_school_domain(school_id: int):
    """Register an email domain for the school: confirmed addresses there belong to it."""
    school = db.get_or_404(School, school_id)
    form = SchoolDomainForm()
    if form.validate():
        try:
            auth_services.add_school_domain(school, form.domain.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.edit_school", school_id=school_id) + "#domains")
    db.session.rollback()
    school = db.get_or_404(School, school_id)
    return render_page("admin/school.html", school=school, form=SchoolForm(obj=school), domain_form=form,
                       actions=EmptyForm(), mail_enabled=mail_configured(), status=422)


@bp.post("/schools/<int:school_id>/domains/<int:domain_id>/remove")
@admin_required
def remove_school_domain(school_id: int, domain_id: int):
    """Stop trusting an email domain for the school (people who joined through it stay)."""
    row = db.get_or_404(SchoolEmailDomain, domain_id)
    if row.school_id != school_id or not EmptyForm().validate():
        abort(404)
    auth_services.remove_school_domain(row, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.edit_school", school_id=school_id) + "#domains")


@bp.post("/schools/<int:school_id>")
@admin_required
def update_school(school_id: int):
    """Save a school."""
    school = db.get_or_404(School, school_id)
    form = SchoolForm()
    if form.validate():
        try:
            community_services.save_school(school, actor=current_user, name=form.name.data,
                                           class_count=form.class_count.data,
                                           in_evaluation_programme=form.in_evaluation_programme.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.schools"))
    db.session.rollback()
    school = db.get_or_404(School, school_id)
    return render_page("admin/school.html", school=school, form=form, domain_form=SchoolDomainForm(),
                       actions=EmptyForm(), mail_enabled=mail_configured(), status=422)


# --- users ---------------------------------------------------------------------------------------


USER_LISTS = ("waiting", "requests")  # accounts waiting to be let in; people asking to join a school


@bp.get("/users/")
@admin_required
def users():
    """List users, searchable by name or email, a page at a time; ?show=waiting|requests lists what needs a
    decision."""
    query_text = clean_line(request.args.get("q", ""))[:100]
    show = request.args.get("show", "")
    show = show if show in USER_LISTS else ""
    query = (select(User).options(selectinload(User.school), selectinload(User.requested_school))
             .order_by(User.display_name, User.id))
    if query_text:
        # Escape the wildcards rather than dropping them: "lin_ming@" must find lin_ming@….
        escaped = query_text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(or_(User.display_name.ilike(like, escape="\\"), User.email.ilike(like, escape="\\")))
    if show == "waiting":
        query = query.where(User.approved_at.is_(None), User.active.is_(True))
    elif show == "requests":
        query = query.where(User.requested_school_id.is_not(None))
    page = db.paginate(query, page=arg("page", parse_page, 1), per_page=PER_PAGE, error_out=False)
    require_page(page.page, page.total or 0, PER_PAGE)
    return render_page("admin/users.html", "admin/_user_rows.html", page=page, q=query_text, show=show,
                       pending=auth_services.pending_counts())


def _new_user_form(form: NewUserForm | None = None) -> NewUserForm:
    return with_school_and_language(form or NewUserForm())


@bp.get("/users/new")
@admin_required
def new_user():
    """Show the form to create an account for someone."""
    return render_page("admin/new_user.html", form=_new_user_form(), mail_enabled=mail_configured())


@bp.post("/users/new")
@admin_required
def create_user():
    """Create an account (let in, its school granted) and invite its owner to choose a password: by mail, or
    with a one-time link shown to the administrator to hand over when the site sends no mail."""
    form = _new_user_form(NewUserForm())
    # The service's checks run too when the form refuses something: a bad address is told beside the name's.
    if validate_all(form, lambda: auth_services.check_new_user(email=form.email.data,
                                                               display_name=form.display_name.data,
                                                               school_id=parse_id(form.school_id.data or ""))):
        try:
            user = auth_services.create_user(
                email=form.email.data, display_name=form.display_name.data,
                school_id=parse_id(form.school_id.data), locale=form.locale.data or None,
                is_admin=form.is_admin.data, actor=current_user)
            hours = current_app.config["WELCOME_LINK_DAYS"] * 24
            token = auth_services.create_password_reset(user, actor=current_user, hours=hours,
                                                        mailed=mail_configured())
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            link = external_url("auth.reset_password", token=token)
            if mail_configured() and _send_welcome(user, link):
                flash(_("The account is ready. An invitation to choose a password went to %(email)s.",
                        email=user.email), "success")
                return redirect(url_for("admin.show_user", user_id=user.id))
            if mail_configured():  # the mail failed: the link was never mailed, hand it over instead
                auth_services.find_password_reset(token).mailed = False
                db.session.commit()
            return render_page("admin/user.html", **_user_context(user, welcome_link=link))
    db.session.rollback()
    return render_page("admin/new_user.html", form=form, mail_enabled=mail_configured(), status=422)


def _send_welcome(user: User, link: str) -> bool:
    """Invite the owner of a new account to choose a password, in their language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return send_mail(user.email, _("Your account is ready"),
                         _("Hello %(name)s,\n\n%(admin)s made you an account on the workspace of your "
                           "professional learning communities. Open this link within %(days)d days to choose "
                           "your password:\n\n%(link)s\n\nYou then log in with this address, %(email)s.",
                           name=user.display_name, admin=current_user.display_name,
                           days=current_app.config["WELCOME_LINK_DAYS"], link=link, email=user.email))


def _user_context(user: User, scope_form: ReviewerScopeForm | None = None, reset_link: str | None = None,
                  school_form: UserSchoolForm | None = None, welcome_link: str | None = None,
                  profile_form: TeachingProfileForm | None = None) -> dict:
    scope_form = scope_form or ReviewerScopeForm()
    profile_form = with_titles(profile_form or TeachingProfileForm(
        title=user.title, subjects=listing(user.subjects or []), formdata=None))
    school_form = school_form or UserSchoolForm(
        school_id=str(user.requested_school_id or user.school_id or ""), formdata=None)
    school_form.school_id.choices = school_choices(_("— no school —"))
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    scope_form.school_id.choices = [("all", _("All schools"))] + [(str(s.id), s.name) for s in schools]
    scopes = db.session.scalars(select(ReviewerScope).where(ReviewerScope.user_id == user.id)).all()
    return {
        "target": user,
        "pending_invitation": community_services.pending_invitation(user) if not user.approved else None,
        # the school that letting the account in gives it, by its address's domain (said on the button)
        "school_by_domain": auth_services.school_by_domain(user) if not user.approved else None,
        "scopes": scopes,
        "scope_form": scope_form,
        "actions": EmptyForm(),
        "reset_link": reset_link,
        "welcome_link": welcome_link,
        "school_form": school_form,
        "profile_form": profile_form,
        "cards": community_services.communities_of(user, include_archived=True),
    }


@bp.get("/users/<int:user_id>")
@admin_required
def show_user(user_id: int):
    """Show a user: communities, rights, reviewer scopes, reset link."""
    user = db.get_or_404(User, user_id)
    return render_page("admin/user.html", **_user_context(user))


def _user_action(user_id: int, action) -> object:
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        action(user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("admin.show_user", user_id=user_id))


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_active(user_id: int):
    """Deactivate or reactivate an account."""
    active = request.form.get("active") == "1"
    return _user_action(user_id, lambda user: auth_services.set_user_active(user, active, actor=current_user))


@bp.post("/users/<int:user_id>/approve")
@admin_required
def approve_user(user_id: int):
    """Let in an account waiting for its address to be confirmed; one that signed up through an invitation joins
    its community now (or the page says why it could not)."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate():
        abort(400)
    was_waiting = not user.approved
    school = auth_services.approve_account(user, actor=current_user)
    membership, problem = community_services.accept_pending_invitation(user) if was_waiting else (None, None)
    db.session.commit()
    if school is not None:  # the address's domain gave the school, as the button said
        flash(_("Let in, and belongs to %(school)s by its address.", school=school.name), "success")
    if membership is not None:
        flash(_("Let in, and a member of %(community)s, as the invitation said.", community=membership.community.name),
              "success")
    elif problem:
        flash(_("Let in. The invitation it signed up through could not be used: %(problem)s", problem=problem),
              "warning")
    elif school is None:
        flash(_("Saved."), "success")
    return redirect(url_for("admin.show_user", user_id=user_id))


@bp.post("/users/<int:user_id>/school")
@admin_required
def grant_school(user_id: int):
    """Set the school the user belongs to (confirming a request, or correcting it; none takes it away)."""
    user = db.get_or_404(User, user_id)
    form = UserSchoolForm()
    form.school_id.choices = school_choices(_("— no school —"))
    if not form.validate():
        db.session.rollback()
        return render_page("admin/user.html", status=422, **_user_context(user, school_form=form))
    school_id = parse_id(form.school_id.data)
    return _user_action(user_id, lambda user: auth_services.grant_school(
        user, db.session.get(School, school_id) if school_id else None, actor=current_user))


@bp.post("/users/<int:user_id>/profile")
@admin_required
def set_teaching_profile(user_id: int):
    """Set a teacher's professional title and subjects (what the urban–rural and mentoring rules read)."""
    user = db.get_or_404(User, user_id)
    form = with_titles(TeachingProfileForm())
    if validate_all(form, lambda: auth_services.check_teaching_profile(form.title.data, form.subjects.data)):
        try:
            auth_services.set_teaching_profile(user, title=form.title.data, subjects=form.subjects.data or "",
                                               actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.show_user", user_id=user_id) + "#teaching-profile")
    db.session.rollback()
    return render_page("admin/user.html", status=422, **_user_context(user, profile_form=form))


@bp.post("/users/<int:user_id>/school/refuse")
@admin_required
def refuse_school(user_id: int):
    """Turn down the school the user asked for."""
    return _user_action(user_id, lambda user: auth_services.refuse_school_request(user, actor=current_user))


@bp.post("/users/<int:user_id>/admin")
@admin_required
def set_admin(user_id: int):
    """Grant or take away site administration."""
    grant = request.form.get("admin") == "1"
    return _user_action(user_id, lambda user: auth_services.set_user_admin(user, grant, actor=current_user))


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def create_reset_link(user_id: int):
    """Make a one-time password-reset link to hand to the user (shown once)."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate():
        abort(400)
    token = auth_services.create_password_reset(user, actor=current_user)
    db.session.commit()
    link = external_url("auth.reset_password", token=token)
    return render_page("admin/user.html", **_user_context(user, reset_link=link))


@bp.post("/users/<int:user_id>/scopes")
@admin_required
def grant_scope(user_id: int):
    """Give the user reviewer scope over one school or all schools."""
    user = db.get_or_404(User, user_id)
    form = ReviewerScopeForm()
    context = _user_context(user, scope_form=form)
    if form.validate():
        school = None
        if form.school_id.data != "all":
            school = db.session.get(School, read(form.school_id.data, parse_id))
        try:
            community_services.grant_reviewer_scope(user, school, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.show_user", user_id=user_id))
    db.session.rollback()
    return render_page("admin/user.html", status=422, **context)


@bp.post("/users/<int:user_id>/scopes/<int:scope_id>/revoke")
@admin_required
def revoke_scope(user_id: int, scope_id: int):
    """Take a reviewer scope away."""
    scope = db.get_or_404(ReviewerScope, scope_id)
    if scope.user_id != user_id:
        abort(404)
    return _user_action(user_id, lambda _user: community_services.revoke_reviewer_scope(scope, actor=current_user))


# --- audit ---------------------------------------------------------------------------------------


@bp.get("/audit/")
@admin_required
def audit():
    """Show the audit trail, newest first, a page at a time."""
    from sqlalchemy.orm import joinedload

    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.community))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    page = db.paginate(query, page=arg("page", parse_page, 1), per_page=PER_PAGE, error_out=False)
    require_page(page.page, page.total or 0, PER_PAGE)
    return render_page("admin/audit.html", page=page, described=describe_events(page.items))
