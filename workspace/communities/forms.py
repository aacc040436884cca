"""Community forms: create and edit, invitations, roles, convenership transfer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from workspace.communities.labels import COMMUNITY_TYPE_LABELS, ROLE_LABELS, lazy_label
from workspace.communities.models import ASSIGNABLE_ROLES, CommunityType
from workspace.core.forms import IntegerField, coerce_id

REQUIRED = _l("This field is required.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def type_choices() -> list[tuple[str, str]]:
    return [(kind.value, lazy_label(COMMUNITY_TYPE_LABELS[kind])) for kind in CommunityType]


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, lazy_label(ROLE_LABELS[role])) for role in ASSIGNABLE_ROLES]


class CommunityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Type"), choices=[], validators=[DataRequired(REQUIRED)])
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(REQUIRED), Length(max=60)],
        description=_l("Lower-case letters, digits and hyphens; the community lives at /c/<address>/."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown: **bold**, lists, links."))
    vision = TextAreaField(_l("Shared vision and goals"), validators=[Optional(), Length(max=20000)])
    school_ids = MultiCheckboxField(_l("Schools"), coerce=coerce_id, choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = type_choices()


class InvitationForm(FlaskForm):
    how = RadioField(
        _l("Invite"),
        choices=[("email", _l("By email address")), ("link", _l("By a shareable link"))],
        default="email",
    )
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[], default="member")
    single_use = BooleanField(_l("The link works only once"), default=True)
    days = IntegerField(_l("Valid for (days)"), default=14,
                        validators=[DataRequired(REQUIRED), NumberRange(1, 90, _l("Choose between 1 and 90 days."))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class TransferForm(FlaskForm):
    membership_id = SelectField(_l("New convener"), coerce=coerce_id, choices=[], validate_choice=False)


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that act (remove, archive, leave)."""
