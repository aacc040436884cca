"""Account forms; every message is translated and shown beside its field."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from workspace.auth.labels import title_choices
from workspace.communities.forms import school_choices
from workspace.core.forms import CHOOSE_SCHOOL, REQUIRED, SelectField, WorkspaceForm
from workspace.core.i18n import LOCALE_NAMES, LOCALES


def locale_choices(blank: bool = True) -> list[tuple[str, str]]:
    choices = [(code, LOCALE_NAMES[code]) for code in LOCALES]
    return ([("", _l("Same as my browser"))] if blank else []) + choices


def with_school_and_language(form: Any) -> Any:
    """Fill the school and language choices of a form about a person (sign-up, the profile, an account an
    administrator makes), the same lists in each."""
    form.school_id.choices = school_choices()
    form.locale.choices = locale_choices()
    if hasattr(form, "title"):
        with_titles(form)
    return form


class LoginForm(WorkspaceForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class RegisterForm(WorkspaceForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED), Length(max=1024)])
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))],
    )
    school_id = SelectField(_l("School"), coerce=str, invalid=CHOOSE_SCHOOL, validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[], validators=[Optional()])
    invite = HiddenField()


class ConfirmEmailForm(WorkspaceForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED), Length(max=1024)])


class ForgotPasswordForm(WorkspaceForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ResetPasswordForm(WorkspaceForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(REQUIRED), Length(max=1024)])
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))],
    )


def _title_field() -> SelectField:
    return SelectField(_l("Professional title"), choices=[], default="none",
                       invalid=_l("Choose a title from the list."),
                       description=_l("Urban–rural rules ask that mentors hold an intermediate title or above."))


def _subjects_field() -> StringField:
    return StringField(_l("Subjects taught"), validators=[Optional(), Length(max=600)],
                       description=_l("Separate with commas, e.g. 數學, 自然"))


def with_titles(form: Any) -> Any:
    """Fill the title choices of a form with the teaching-profile fields."""
    form.title.choices = title_choices()
    return form


class ProfileForm(WorkspaceForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    school_id = SelectField(_l("School"), coerce=str, invalid=CHOOSE_SCHOOL, validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[], validators=[Optional()])
    title = _title_field()  # the teaching profile: what the urban–rural and mentoring rules read
    subjects = _subjects_field()


class TeachingProfileForm(WorkspaceForm):
    """An administrator sets a teacher's professional title and subjects."""

    title = _title_field()
    subjects = _subjects_field()


class ChangePasswordForm(WorkspaceForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(REQUIRED)])
    password = PasswordField(_l("New password"), validators=[InputRequired(REQUIRED), Length(max=1024)])
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))],
    )


class LocaleForm(WorkspaceForm):
    locale = SelectField(_l("Language"), choices=[], validators=[DataRequired(REQUIRED)])
    next = HiddenField()
