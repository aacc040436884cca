"""Community forms: create and edit, invitations, roles, convenership transfer."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from workspace.communities.labels import COMMUNITY_TYPE_LABELS, ROLE_LABELS, lazy_label
from workspace.communities.models import ASSIGNABLE_ROLES, CommunityType, Role, School
from workspace.core.forms import (
    CHOOSE_SCHOOL,
    REQUIRED,
    DateField,
    IntegerField,
    MultiCheckboxField,
    RadioField,
    SelectField,
    WorkspaceForm,
    coerce_id,
)
from workspace.extensions import db


def school_choices(blank_label: str | None = None) -> list[tuple[str, str]]:
    """The schools as select choices, by name."""
    rows = db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    blank = [("", blank_label or str(_l("— none —")))]
    return blank + [(str(school_id), name) for school_id, name in rows]


def type_choices() -> list[tuple[str, str]]:
    return [(kind.value, lazy_label(COMMUNITY_TYPE_LABELS[kind])) for kind in CommunityType]


def role_choices(roles: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """The roles to offer, labelled: `roles` (what the person may grant, see grantable_roles) or all."""
    offered = [Role(role) for role in roles] if roles is not None else list(ASSIGNABLE_ROLES)
    return [(role.value, lazy_label(ROLE_LABELS[role])) for role in offered]


class CommunityForm(WorkspaceForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Type"), choices=[], validators=[DataRequired(REQUIRED)])
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=60)],
        # No angle brackets here: a lazy string renders as markup (flask-babel's LazyString has __html__).
        description=_l("The community's own web address, …/c/address/, to bookmark and share: lower-case "
                       "letters, digits and hyphens. It is made from the name; you can change it."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown: **bold**, lists, links."))
    vision = TextAreaField(_l("Shared vision and goals"), validators=[Optional(), Length(max=20000)])
    school_ids = MultiCheckboxField(_l("Schools"), coerce=coerce_id, choices=[], validate_choice=False,
                                    invalid=_l("Choose schools from the list."),
                                    description=_l("Its school's reviewers see the community, and the formation "
                                                   "rules read the school's number of classes."))
    # An urban–rural community only (the settings page shows them for that type): the core school among its
    # schools (the others are member schools) and the agreement's term.
    core_school_id = SelectField(_l("Core school"), choices=[], invalid=CHOOSE_SCHOOL, validators=[Optional()],
                                 description=_l("The school that leads; the other schools ticked above are "
                                                "member schools."))
    agreement_starts_on = DateField(_l("Agreement starts"), validators=[Optional()])
    agreement_ends_on = DateField(_l("Agreement ends"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = type_choices()


class NewCommunityForm(CommunityForm):
    """A new community's form: once the site has schools, the community is given one (a community without a school
    is seen by no school reviewer, and its formation rule has no class count to read)."""

    def validate_school_ids(self, field: MultiCheckboxField) -> None:
        if field.choices and not field.data:
            raise ValidationError(str(_l("Choose the community's school: its reviewers and the formation rules read "
                                         "the community through it.")))


class InvitationForm(WorkspaceForm):
    how = RadioField(
        _l("Invite"),
        choices=[("email", _l("By email address")), ("link", _l("By a shareable link"))],
        default="email",
    )
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[], default="member")
    # A shareable link is for a staff meeting or a group chat (several people): once only is the exception.
    single_use = BooleanField(_l("The link works only once"), default=False)
    days = IntegerField(_l("Valid for (days)"), default=14,
                        validators=[InputRequired(REQUIRED), NumberRange(1, 90, _l("Choose between 1 and 90 days."))])

    def __init__(self, *args, roles: Sequence[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(roles)


class RoleForm(WorkspaceForm):
    role = SelectField(_l("Role"), choices=[])

    def __init__(self, *args, roles: Sequence[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(roles)


class TransferForm(WorkspaceForm):
    membership_id = SelectField(_l("New convener"), coerce=coerce_id, choices=[], validate_choice=False)


class ExchangedTeacherForm(WorkspaceForm):
    """An exchanged teacher of an urban–rural community: name, school, subject, account, note."""

    name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)],
                       description=_l("Left empty, the linked member's name is used."))
    school_id = SelectField(_l("School"), choices=[], invalid=CHOOSE_SCHOOL, validators=[DataRequired(REQUIRED)])
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(max=60)],
                          description=_l("e.g. 數學"))
    user_id = SelectField(_l("Member account"), choices=[], validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
