"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workspace.core.forms import CHOOSE_SCHOOL, REQUIRED, IntegerField, SelectField, WorkspaceForm


class SchoolForm(WorkspaceForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    class_count = IntegerField(
        _l("Number of classes"),
        default=0,
        validators=[InputRequired(REQUIRED), NumberRange(0, 1000, _l("Enter a number between 0 and 1000."))],
    )
    in_evaluation_programme = BooleanField(_l("Takes part in the teacher-evaluation programme"))


class ReviewerScopeForm(WorkspaceForm):
    id_prefix = "scope"  # beside the user's school form, which has a school_id too
    school_id = SelectField(_l("Reviews"), choices=[], invalid=CHOOSE_SCHOOL, validators=[DataRequired(REQUIRED)])


class SchoolDomainForm(WorkspaceForm):
    domain = StringField(
        _l("Email domain"), validators=[DataRequired(REQUIRED), Length(max=253)],
        description=_l("Confirmed addresses at this domain belong to the school, e.g. guanghua.edu.tw."))


class UserSchoolForm(WorkspaceForm):
    school_id = SelectField(_l("Belongs to"), choices=[], invalid=CHOOSE_SCHOOL, validators=[Optional()])


class NewUserForm(WorkspaceForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    school_id = SelectField(_l("School"), choices=[], invalid=CHOOSE_SCHOOL, validators=[Optional()],
                            description=_l("Left empty, the school whose email domain the address is at, if any."))
    locale = SelectField(_l("Language"), choices=[], validators=[Optional()])
    is_admin = BooleanField(_l("Site administrator"))
