"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from workspace.core.forms import IntegerField

REQUIRED = _l("This field is required.")


class SchoolForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    class_count = IntegerField(
        _l("Number of classes"),
        default=0,
        validators=[InputRequired(REQUIRED), NumberRange(0, 1000, _l("Enter a number between 0 and 1000."))],
    )
    in_evaluation_programme = BooleanField(_l("Takes part in the teacher-evaluation programme"))


class ReviewerScopeForm(FlaskForm):
    school_id = SelectField(_l("Reviews"), choices=[], validators=[DataRequired(REQUIRED)])
