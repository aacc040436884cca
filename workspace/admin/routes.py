"""Administration pages: schools, users (deactivate, admin, reset links, reviewer scopes), audit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from workspace.admin.forms import ReviewerScopeForm, SchoolForm
from workspace.auth import services as auth_services
from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.communities.forms import EmptyForm
from workspace.communities.models import Community, ReviewerScope, School
from workspace.core.errors import DomainError
from workspace.core.forms import attach_error
from workspace.core.htmx import render_page
from workspace.core.models import AuditEvent
from workspace.core.parsing import arg, parse_id, parse_page, read
from workspace.core.permissions import admin_required
from workspace.core.text import clean_line
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
    return render_page("admin/index.html", figures=figures)


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
    """Show a school's form."""
    school = db.get_or_404(School, school_id)
    return render_page("admin/school.html", school=school, form=SchoolForm(obj=school))


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
    return render_page("admin/school.html", school=school, form=form, status=422)


# --- users ---------------------------------------------------------------------------------------


@bp.get("/users/")
@admin_required
def users():
    """List users, searchable by name or email, a page at a time."""
    query_text = clean_line(request.args.get("q", ""))[:100]
    query = select(User).options(selectinload(User.school)).order_by(User.display_name, User.id)
    if query_text:
        # Escape the wildcards rather than dropping them: "lin_ming@" must find lin_ming@….
        escaped = query_text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(or_(User.display_name.ilike(like, escape="\\"), User.email.ilike(like, escape="\\")))
    page = db.paginate(query, page=arg("page", parse_page, 1), per_page=PER_PAGE, error_out=False)
    return render_page("admin/users.html", "admin/_user_rows.html", page=page, q=query_text)


def _user_context(user: User, scope_form: ReviewerScopeForm | None = None, reset_link: str | None = None) -> dict:
    scope_form = scope_form or ReviewerScopeForm()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    scope_form.school_id.choices = [("all", _("All schools"))] + [(str(s.id), s.name) for s in schools]
    scopes = db.session.scalars(select(ReviewerScope).where(ReviewerScope.user_id == user.id)).all()
    return {
        "target": user,
        "scopes": scopes,
        "scope_form": scope_form,
        "actions": EmptyForm(),
        "reset_link": reset_link,
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
    link = url_for("auth.reset_password", token=token, _external=True)
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
    return render_page("admin/audit.html", page=page)
