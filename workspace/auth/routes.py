"""Account pages: login, logout, register, forgotten password, reset link, profile, language."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from workspace.auth import services
from workspace.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LocaleForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    locale_choices,
)
from workspace.communities import services as community_services
from workspace.core.errors import DomainError
from workspace.core.forms import attach_error, safe_next, school_choices
from workspace.core.htmx import render_page
from workspace.core.i18n import LOCALES
from workspace.core.mail import mail_configured, send_mail
from workspace.core.parsing import parse_id
from workspace.core.permissions import public
from workspace.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _start_session(user: services.User, remember: bool = False) -> None:
    """Log the user in on a fresh session (no fixation), keeping only the language choice."""
    locale = session.get("locale")
    session.clear()
    if locale and not user.locale:
        user.locale = locale
    login_user(user, remember=remember)


@bp.get("/login")
@public
def login():
    """Show the login form (a logged-in user goes straight on)."""
    target = safe_next(request.args.get("next"), url_for("communities.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm(next=target)
    return render_page("auth/login.html", form=form, allow_registration=current_app.config["ALLOW_REGISTRATION"])


@bp.post("/login")
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_post():
    """Log in, throttled per account (in the database) and per address (Flask-Limiter)."""
    form = LoginForm()
    context = {"form": form, "allow_registration": current_app.config["ALLOW_REGISTRATION"]}
    if not form.validate():
        return render_page("auth/login.html", status=422, **context)
    if services.account_locked(form.email.data):
        form.form_errors.append(_("Too many failed attempts for this account. Wait a few minutes and try again."))
        return render_page("auth/login.html", status=429, **context)
    user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
    if user is None:
        db.session.commit()  # the failed attempt counts
        form.form_errors.append(_("The email address or password is not right."))
        form.password.data = ""
        return render_page("auth/login.html", status=422, **context)
    _start_session(user, remember=bool(form.remember.data))
    db.session.commit()
    return redirect(safe_next(form.next.data, url_for("communities.index")))


@bp.post("/logout")
@public
def logout():
    """Log out and return to the login page."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _register_form() -> RegisterForm:
    form = RegisterForm()
    form.school_id.choices = school_choices()
    form.locale.choices = locale_choices()
    return form


@bp.get("/register")
@public
def register():
    """Show the sign-up form (prefilled from an invitation when there is one)."""
    token = request.args.get("invite", "")
    invitation = community_services.find_invitation(token) if token else None
    if not current_app.config["ALLOW_REGISTRATION"] and invitation is None:
        return render_page("auth/registration_closed.html", status=403)
    if current_user.is_authenticated:
        if invitation is not None:
            return redirect(url_for("communities.show_invitation", token=token))
        return redirect(url_for("communities.index"))
    form = _register_form()
    if invitation is not None:
        form.invite.data = token
        if invitation.email:
            form.email.data = invitation.email
    return render_page("auth/register.html", form=form, invitation=invitation)


@bp.post("/register")
@public
@limiter.limit(_login_limit, methods=["POST"])
def register_post():
    """Create an account, log in, and join the inviting community when there is an invitation."""
    form = _register_form()
    invitation = community_services.find_invitation(form.invite.data) if form.invite.data else None
    if not current_app.config["ALLOW_REGISTRATION"] and invitation is None:
        return render_page("auth/registration_closed.html", status=403)
    if not form.validate():
        return render_page("auth/register.html", form=form, invitation=invitation, status=422)
    try:
        user = services.register_user(
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            locale=form.locale.data or session.get("locale"),
            school_id=parse_id(form.school_id.data),
        )
        membership = community_services.accept_invitation(invitation, user) if invitation else None
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_page("auth/register.html", form=form, invitation=invitation, status=422)
    _start_session(user)
    db.session.commit()
    if membership is not None:
        flash(_("Welcome to %(name)s!", name=membership.community.name), "success")
        return redirect(url_for("communities.show", slug=membership.community.slug))
    flash(_("Your account is ready."), "success")
    return redirect(url_for("communities.index"))


@bp.get("/forgot")
@public
def forgot_password():
    """Ask for a reset link by email (or learn to ask an administrator when mail is off)."""
    return render_page("auth/forgot.html", form=ForgotPasswordForm(), mail_enabled=mail_configured())


@bp.post("/forgot")
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password_post():
    """Email a reset link when the address has an account; the answer is the same either way."""
    form = ForgotPasswordForm()
    if not form.validate():
        return render_page("auth/forgot.html", form=form, mail_enabled=mail_configured(), status=422)
    if mail_configured():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            token = services.create_password_reset(user, hours=1)
            db.session.commit()
            link = url_for("auth.reset_password", token=token, _external=True)
            send_mail(user.email, _("Reset your password"),
                      _("Open this link within an hour to choose a new password:\n\n%(link)s\n\n"
                        "If you did not ask for it, ignore this message.", link=link))
    return render_page("auth/forgot_sent.html", mail_enabled=mail_configured())


@bp.get("/reset/<token>")
@public
def reset_password(token: str):
    """Show the new-password form for a valid reset link, or say why the link does not work."""
    problem = services.reset_link_problem(services.find_password_reset(token))
    if problem:
        return render_page("auth/reset.html", problem=problem, form=None, token=token, status=410)
    return render_page("auth/reset.html", problem=None, form=ResetPasswordForm(), token=token)


@bp.post("/reset/<token>")
@public
@limiter.limit(_login_limit, methods=["POST"])
def reset_password_post(token: str):
    """Set the new password through the link and log in."""
    form = ResetPasswordForm()
    problem = services.reset_link_problem(services.find_password_reset(token))
    if problem:
        return render_page("auth/reset.html", problem=problem, form=None, token=token, status=410)
    if not form.validate():
        return render_page("auth/reset.html", problem=None, form=form, token=token, status=422)
    try:
        user = services.use_password_reset(token, form.password.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_page("auth/reset.html", problem=None, form=form, token=token, status=422)
    _start_session(user)
    db.session.commit()
    flash(_("Your new password is set."), "success")
    return redirect(url_for("communities.index"))


def _profile_forms(profile: ProfileForm | None = None, password: ChangePasswordForm | None = None):
    profile = profile or ProfileForm(
        display_name=current_user.display_name,
        school_id=str(current_user.school_id or ""),
        locale=current_user.locale or "",
    )
    profile.school_id.choices = school_choices()
    profile.locale.choices = locale_choices()
    return profile, password or ChangePasswordForm()


@bp.get("/account")
def account():
    """Show one's profile and password forms."""
    profile, password = _profile_forms()
    return render_page("auth/account.html", profile=profile, password=password)


@bp.post("/account")
def update_account():
    """Save one's name, school and language."""
    profile, password = _profile_forms(ProfileForm())
    if profile.validate():
        try:
            services.update_profile(current_user, display_name=profile.display_name.data,
                                    locale=profile.locale.data, school_id=parse_id(profile.school_id.data))
        except DomainError as error:
            attach_error(profile, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("auth.account"))
    db.session.rollback()
    return render_page("auth/account.html", profile=profile, password=password, status=422)


@bp.post("/account/password")
def change_password():
    """Change one's password (the current one is asked again); other sessions are signed out."""
    profile, password = _profile_forms(password=ChangePasswordForm())
    if password.validate():
        if not services.verify_password(current_user, password.current_password.data):
            password.current_password.errors = [_("This is not your current password.")]
        else:
            try:
                services.set_password(current_user, password.password.data)
            except DomainError as error:
                attach_error(password, error)
            else:
                # The real user, not the proxy: Flask-Login stores what it is given in `g`, and the
                # proxy would then resolve to itself (endless recursion on the next access).
                login_user(current_user._get_current_object())  # keep this session under the new nonce
                db.session.commit()
                flash(_("Your new password is set."), "success")
                return redirect(url_for("auth.account"))
    db.session.rollback()
    return render_page("auth/account.html", profile=profile, password=password, status=422)


@bp.post("/locale")
@public
def set_locale():
    """Switch the interface language (saved on the account when logged in)."""
    form = LocaleForm()
    form.locale.choices = locale_choices(blank=False)
    came_from = form.next.data or (request.referrer and _path_of(request.referrer))
    target = safe_next(came_from, url_for("communities.index"))
    if form.validate() and form.locale.data in LOCALES:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(target)


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
