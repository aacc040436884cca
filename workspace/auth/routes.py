"""Account pages: login, logout, sign-up and its confirmation, forgotten password, reset link, profile and logins,
language."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from workspace.activities import services as activity_services
from workspace.auth import audit, browsers, notices, services, throttle
from workspace.auth.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ForgotPasswordForm,
    LocaleForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    locale_choices,
    with_school_and_language,
)
from workspace.auth.labels import title_label
from workspace.communities import services as community_services
from workspace.core.errors import DomainError
from workspace.core.forms import EmptyForm, attach_error, safe_next, validate_all
from workspace.core.htmx import render_page
from workspace.core.i18n import LOCALES, choose_locale, listing
from workspace.core.mail import mail_configured, send_mail
from workspace.core.parsing import parse_id
from workspace.core.permissions import can, public, require
from workspace.core.urls import external_url, page_to_show
from workspace.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _flood_limit() -> str:
    return current_app.config["ACCOUNT_REQUESTS_LIMIT_PER_ADDRESS"]


def _address_and_target() -> str:
    """A sign-up's or reset's rate-limit key: the address (an IPv6 one by its /64) and what is asked about (the
    typed email, or the link's token), hashed. A school's teachers share one address behind its NAT: counted by
    address alone, one pupil's twenty requests kept every teacher there from asking for a reset link."""
    target = request.view_args.get("token") if request.view_args else None
    target = target or services.normalize_email(request.form.get("email"))
    digest = hashlib.sha256(target.encode()).hexdigest()[:24]
    return f"{throttle.network_of(request.remote_addr)}|{digest}"


def _network() -> str:
    return throttle.network_of(request.remote_addr)


# Sign-up and reset requests: a limit per address and account (or link), and a far higher one per address over
# them all, which only a flood of made-up addresses reaches (what the per-address limit alone once was).
_account_requests = (limiter.limit(_login_limit, key_func=_address_and_target, methods=["POST"]),
                    limiter.shared_limit(_flood_limit, scope="account-requests", key_func=_network, methods=["POST"]))


def _limit_account_requests(view: Callable[..., Any]) -> Callable[..., Any]:
    """Both limits of a sign-up or reset request (see `_account_requests`)."""
    for decorate in reversed(_account_requests):
        view = decorate(view)
    return view


def _start_session(user: services.User, remember: bool = False) -> None:
    """Log the user in on a fresh session (no fixation) with a login of its own, keeping only the language."""
    locale = session.get("locale")
    user.mail_locale = choose_locale(None)  # as the login page was read: the session's choice, else the browser's
    session.clear()
    if locale and not user.locale:
        user.locale = locale
    services.start_session(user, user_agent=request.user_agent.string, address=request.remote_addr,
                           remember=remember)
    login_user(user, remember=remember)
    browsers.remember(user.email)


def _refusal_message(refusal: throttle.Refusal) -> str:
    """Say in the user's language how long to wait (rounded up), never whether the account exists."""
    seconds = refusal.seconds
    if seconds >= 3600:
        wait = dt.timedelta(hours=math.ceil(seconds / 3600))
    elif seconds >= 60:
        wait = dt.timedelta(minutes=math.ceil(seconds / 60))
    else:
        wait = dt.timedelta(seconds=max(seconds, 1))
    text = format_timedelta(wait, threshold=1)
    if refusal.reason == throttle.ACCOUNT and not mail_configured():  # no reset link can be mailed: say who can
        return _("After many failed attempts from elsewhere, logging in to this account with its password is "
                 "paused for %(wait)s. To get in now, log in from a device you have used here before, or ask a site "
                 "administrator for a link to choose a new password.", wait=text)
    if refusal.reason == throttle.ACCOUNT:
        return _("After many failed attempts from elsewhere, logging in to this account with its password is "
                 "paused for %(wait)s. To get in now, use “Forgot your password?”, or log in from a device you "
                 "have used here before.", wait=text)
    # Counted by the network address: on a school's network that may be someone else's guesses (QA round 13: a
    # teacher with the right password read only "too many failed attempts" and waited).
    if refusal.reason == throttle.NETWORK and not mail_configured():
        return _("Someone on this network (perhaps you) has entered a wrong password for this account several "
                 "times. Wait %(wait)s, then try again. To get in now, log in from a device you have used here "
                 "before, or ask a site administrator for a link to choose a new password.", wait=text)
    if refusal.reason == throttle.NETWORK:
        return _("Someone on this network (perhaps you) has entered a wrong password for this account several "
                 "times. Wait %(wait)s, then try again. To get in now, use “Forgot your password?”: the link we "
                 "email is not held back and logs you in at once.", wait=text)
    return _("Too many failed attempts. Wait %(wait)s, then try again.", wait=text)


@bp.get("/login")
@public
def login():
    """Show the login form (a logged-in user goes straight on)."""
    target = page_to_show(request.args.get("next"), url_for("communities.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm(next=target)
    return render_page("auth/login.html", form=form, allow_registration=current_app.config["ALLOW_REGISTRATION"],
                       purpose=activity_services.sign_in_purpose(target))


@bp.post("/login")
@public
def login_post():
    """Log in, throttled per account and browser or address; a busy address or account only slows (auth/throttle.py)."""
    form = LoginForm()
    context = {"form": form, "allow_registration": current_app.config["ALLOW_REGISTRATION"],
               "purpose": activity_services.sign_in_purpose(safe_next(form.next.data, ""))}
    if not form.validate():
        return render_page("auth/login.html", status=422, **context)
    client = throttle.Client(address=throttle.network_of(request.remote_addr), browser=browsers.known(form.email.data))
    refusal = services.login_refusal(form.email.data, client)
    if refusal is not None:
        form.form_errors.append(_refusal_message(refusal))
        form.password.data = ""
        # A reset link is never held back by the throttle: offered beside the message, where it gets her in now.
        context["offer_reset"] = refusal.reason != throttle.DELAY and mail_configured()
        response = render_page("auth/login.html", status=429, **context)
        response.headers["Retry-After"] = str(refusal.seconds)
        return response
    user = services.authenticate(form.email.data, form.password.data, client)
    if user is None:
        db.session.commit()  # the failed attempt counts
        form.form_errors.append(_("The email address or password is not right."))
        form.password.data = ""
        return render_page("auth/login.html", status=422, **context)
    if not user.approved:
        return _not_yet_approved(user, form, context)
    _start_session(user, remember=bool(form.remember.data))
    db.session.commit()
    return redirect(page_to_show(form.next.data, url_for("communities.index")))


def _not_yet_approved(user: services.User, form: LoginForm, context: dict):
    """The right password for an account whose address is not confirmed yet: send a new link (or say that an
    administrator lets it in), and log nobody in."""
    db.session.commit()  # the attempt counts
    if mail_configured():
        _send_confirmation(user)
        form.form_errors.append(_("Confirm your email address first: we have sent a new link to %(email)s.",
                                  email=user.email))
    else:
        form.form_errors.append(_("Your account is waiting for a site administrator's approval. Try again later."))
    form.password.data = ""
    return render_page("auth/login.html", status=403, **context)


@bp.post("/logout")
@public
def logout():
    """Log out: this login ends on the server too (a copied cookie stops working); back to the login page."""
    locale = session.get("locale")
    if current_user.is_authenticated and current_user.login is not None:
        services.end_session(current_user.login)
        db.session.commit()
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _register_form() -> RegisterForm:
    return with_school_and_language(RegisterForm())


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
@_limit_account_requests
def register_post():
    """Sign up: the address is confirmed by a mailed link (or the account approved by an administrator) before
    it is used; the answer is the same whether or not the address already has an account. An invitation sent
    to this very address needs no confirmation: the account joins the community at once."""
    form = _register_form()
    invitation = community_services.find_invitation(form.invite.data) if form.invite.data else None
    if not current_app.config["ALLOW_REGISTRATION"] and invitation is None:
        return render_page("auth/registration_closed.html", status=403)
    if not form.validate():
        return render_page("auth/register.html", form=form, invitation=invitation, status=422)
    invited = invitation is not None and invitation.email == services.normalize_email(form.email.data)
    try:
        if invitation is not None:
            problem = community_services.invitation_problem(invitation)
            if problem is None and invitation.email and not invited:
                problem = _("This invitation was sent to %(email)s. Log in with that address to accept it.",
                            email=community_services.mask_email(invitation.email))
            if problem:
                raise DomainError(problem)
        signed_up = services.sign_up(
            email=form.email.data, display_name=form.display_name.data, password=form.password.data,
            locale=form.locale.data or session.get("locale"), school_id=parse_id(form.school_id.data),
            invited=invited, invitation_id=invitation.id if invitation is not None else None)
        membership = community_services.accept_invitation(invitation, signed_up.user) if invited else None
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_page("auth/register.html", form=form, invitation=invitation, status=422)
    if membership is not None:
        _start_session(signed_up.user)
        db.session.commit()
        flash(_("Welcome to %(name)s!", name=membership.community.name), "success")
        return redirect(url_for("communities.show", slug=membership.community.slug))
    if not signed_up.taken:
        notices.signed_up(signed_up.user)  # without mail, the administrators are the way in: they hear of it
    db.session.commit()
    if signed_up.taken:
        _send_already_registered(signed_up.user)
    else:
        _send_confirmation(signed_up.user, invite=invitation.token if invitation is not None else "")
    return render_page("auth/register_sent.html", email=signed_up.user.email if mail_configured() else None,
                       mail_enabled=mail_configured(), invitation=invitation)


def _send_confirmation(user: services.User, invite: str = "") -> bool:
    """Mail the link that confirms a new account's address (nothing without a mail server)."""
    if not mail_configured():
        return False
    link = external_url("auth.confirm_email", token=services.confirmation_token(user, invite=invite))
    return send_mail(user.email, _("Confirm your email address"),
                     _("Hello %(name)s,\n\nOpen this link within %(hours)d hours to confirm your address and "
                       "finish creating your account:\n\n%(link)s\n\nIf you did not sign up, ignore this "
                       "message: without the link no account is used.", name=user.display_name,
                       hours=current_app.config["CONFIRM_LINK_HOURS"], link=link))


def _send_already_registered(user: services.User) -> bool:
    """Tell the owner of an address that someone signed up with it again (the page said nothing about it)."""
    if not mail_configured():
        return False
    with force_locale(user.locale or session.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return send_mail(user.email, _("You already have an account"),
                         _("Someone, perhaps you, tried to create an account with this address, which already has "
                           "one.\n\nLog in: %(login)s\nForgot your password? %(forgot)s\n\nIf it was not you, "
                           "ignore this message: your account has not changed.",
                           login=external_url("auth.login"),
                           forgot=external_url("auth.forgot_password")))


@bp.get("/confirm/<token>")
@public
def confirm_email(token: str):
    """Show the confirmation of a new account's address: the password chosen at sign-up finishes it."""
    confirmation = services.read_confirmation(token)
    if confirmation.already:
        flash(confirmation.problem or "", "info")
        return redirect(url_for("auth.login"))
    if confirmation.problem:
        return render_page("auth/confirm.html", problem=confirmation.problem, form=None, token=token, status=410)
    return render_page("auth/confirm.html", problem=None, form=ConfirmEmailForm(), token=token,
                       email=confirmation.user.email)


@bp.post("/confirm/<token>")
@public
@_limit_account_requests
def confirm_email_post(token: str):
    """Confirm the address with the sign-up's password, log in, and join the inviting community if any."""
    form = ConfirmEmailForm()
    confirmation = services.read_confirmation(token)
    if confirmation.problem or confirmation.user is None:
        return render_page("auth/confirm.html", problem=confirmation.problem, form=None, token=token, status=410)
    context = {"problem": None, "form": form, "token": token, "email": confirmation.user.email}
    if not form.validate():
        return render_page("auth/confirm.html", status=422, **context)
    try:
        user = services.confirm_email(token, form.password.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_page("auth/confirm.html", status=422, **context)
    membership = None
    user.pending_invitation_id = None  # confirmed by mail: the link's own invitation is taken up here, if any
    invitation = community_services.find_invitation(confirmation.invite) if confirmation.invite else None
    if invitation is not None and community_services.invitation_problem(invitation, user) is None:
        membership = community_services.accept_invitation(invitation, user)
    _start_session(user)
    db.session.commit()
    flash(_("Your email address is confirmed. Welcome!"), "success")
    if membership is not None:
        return redirect(url_for("communities.show", slug=membership.community.slug))
    return redirect(url_for("communities.index"))


@bp.get("/forgot")
@public
def forgot_password():
    """Ask for a reset link by email (or learn to ask an administrator when mail is off)."""
    return render_page("auth/forgot.html", form=ForgotPasswordForm(), mail_enabled=mail_configured())


@bp.post("/forgot")
@public
@_limit_account_requests
def forgot_password_post():
    """Email a reset link when the address has an account; the answer is the same either way."""
    form = ForgotPasswordForm()
    if not form.validate():
        return render_page("auth/forgot.html", form=form, mail_enabled=mail_configured(), status=422)
    if mail_configured():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            token = services.create_password_reset(user, hours=1, mailed=True)
            db.session.commit()
            link = external_url("auth.reset_password", token=token)
            send_mail(user.email, _("Reset your password"),
                      _("Open this link within an hour to choose a new password:\n\n%(link)s\n\n"
                        "If you did not ask for it, ignore this message.", link=link))
    return render_page("auth/forgot_sent.html", mail_enabled=mail_configured())


@bp.get("/reset/<token>")
@public
def reset_password(token: str):
    """Show the new-password form for a valid reset link, or say why the link does not work."""
    reset = services.find_password_reset(token)
    problem = services.reset_link_problem(reset)
    if problem or reset is None:
        return render_page("auth/reset.html", problem=problem, form=None, token=token, status=410)
    # An account an administrator made, never used yet: its owner chooses a first password, not a new one.
    first = reset.created_by_id is not None and reset.user.last_login_at is None
    return render_page("auth/reset.html", problem=None, form=ResetPasswordForm(), token=token, first=first,
                       email=reset.user.email)


@bp.post("/reset/<token>")
@public
@_limit_account_requests
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
        school_id=str(current_user.requested_school_id or current_user.school_id or ""),
        locale=current_user.locale or "",
        title=current_user.title,
        subjects=listing(current_user.subjects or []),
    )
    return with_school_and_language(profile), password or ChangePasswordForm()


def _account_page(profile: ProfileForm, password: ChangePasswordForm, status: int = 200):
    return render_page("auth/account.html", profile=profile, password=password, status=status,
                       logins=services.active_sessions(current_user), this_login=current_user.login,
                       device_label=services.device_label, actions=EmptyForm())


@bp.get("/account")
def account():
    """Show one's profile, password and the devices where one is logged in."""
    profile, password = _profile_forms()
    return _account_page(profile, password)


@bp.post("/account/sessions/<int:session_id>/end")
def end_session(session_id: int):
    """Log out one device (one's own logins only; another's answers 404)."""
    login = services.find_session(current_user, session_id)
    if login is None:
        abort(404)
    require(can(current_user, "end", login), hide=True)
    services.end_session(login)
    db.session.commit()
    if login is current_user.login:  # this very device: the same as logging out
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That device is logged out."), "success")
    return redirect(url_for("auth.account") + "#sessions")


@bp.post("/account/sessions/end-others")
def end_other_sessions():
    """Log out everywhere else: every other device's login ends, this one stays."""
    if not EmptyForm().validate():
        abort(400)
    ended = services.end_other_sessions(current_user, keep=current_user.login, actor=current_user)
    db.session.commit()
    flash(_("Logged out on %(count)d other devices.", count=ended) if ended != 1
          else _("Logged out on one other device."), "success")
    return redirect(url_for("auth.account") + "#sessions")


@bp.post("/account")
def update_account():
    """Save one's name, school, language, professional title and subjects."""
    profile, password = _profile_forms(ProfileForm())
    if validate_all(profile, lambda: services.check_teaching_profile(profile.title.data, profile.subjects.data)):
        try:
            services.update_profile(current_user, display_name=profile.display_name.data,
                                    locale=profile.locale.data, school_id=parse_id(profile.school_id.data),
                                    # A form without the profile fields (sent from an older page) keeps them.
                                    title=profile.title.data if "title" in request.form else None,
                                    subjects=profile.subjects.data or "")
        except DomainError as error:
            attach_error(profile, error)
        else:
            db.session.commit()
            if current_user.requested_school_id is not None:
                flash(_("Saved. Your school counts once a site administrator confirms it."), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("auth.account"))
    db.session.rollback()
    return _account_page(profile, password, status=422)


@bp.post("/account/password")
def change_password():
    """Change one's password (the current one is asked again); other sessions are signed out."""
    profile, password = _profile_forms(password=ChangePasswordForm())
    if password.validate():
        if not services.verify_password(current_user, password.current_password.data):
            password.current_password.errors = [_("This is not your current password.")]
        else:
            try:
                services.set_password(current_user, password.password.data, keep=current_user.login)
            except DomainError as error:
                attach_error(password, error)
            else:
                db.session.commit()
                flash(_("Your new password is set."), "success")
                return redirect(url_for("auth.account"))
    db.session.rollback()
    return _account_page(profile, password, status=422)


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


# What core shows of this area is registered with its blueprint: core imports no area.
bp.add_app_template_global(title_label)
bp.record_once(lambda _setup: audit.register())
