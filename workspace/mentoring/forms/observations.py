"""Forms of classroom observations: the pre-conference, a note, the post-conference, the reflection, a reopening,
and an observation form's rows and levels. The services check the rules; these read what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FileField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from workspace.core.forms import REQUIRED, DateField, IntegerField, SelectField, WorkspaceForm
from workspace.core.once import OnceTokenField
from workspace.mentoring.services.observations import MAX_MINUTE, MINUTE_RANGE


class PlanForm(WorkspaceForm):
    """The pre-conference (觀課前會談): whom, when, on which form, and the focus."""

    observed_id = SelectField(_l("Teacher observed"), validate_choice=False)
    observed_on = DateField(_l("Date of the lesson"), validators=[InputRequired(REQUIRED)])
    lesson_starts_at = TimeField(_l("The lesson starts at"), validators=[Optional()],
                                 description=_l("Notes are stamped with the minute of the lesson from this time."))
    subject = StringField(_l("Subject and class"), validators=[Length(max=100)])
    focus = TextAreaField(_l("Focus agreed at the pre-conference"), validators=[Length(max=20_000)],
                          render_kw={"rows": 4})
    form_id = SelectField(_l("Observation form"), validate_choice=False)
    pairing_id = HiddenField()
    public_lesson_id = HiddenField()
    once_token = OnceTokenField()  # a new observation started twice is one (core/once.py)


class NoteForm(WorkspaceForm):
    """A note taken during the lesson (the device's key makes a repeat harmless)."""

    client_key = HiddenField()
    minute = IntegerField(_l("Minute"),
                          validators=[Optional(), NumberRange(min=0, max=MAX_MINUTE, message=MINUTE_RANGE)])
    row_key = SelectField(_l("Rubric row"), validate_choice=False)
    text = TextAreaField(_l("Note"), validators=[Length(max=4_000)], render_kw={"rows": 3})
    photo = FileField(_l("Photo"))
    typed_at = HiddenField()

    @staticmethod
    def minute_range() -> str:
        """How a minute out of range is refused, as here and in the service: for the note script, which checks a
        note before it is queued offline."""
        return str(MINUTE_RANGE % {"min": 0, "max": MAX_MINUTE})


class FeedbackForm(WorkspaceForm):
    """The observer's side of the post-conference (觀課後會談)."""

    strengths = TextAreaField(_l("Strengths"), validators=[Length(max=20_000)], render_kw={"rows": 4})
    suggestions = TextAreaField(_l("Suggestions"), validators=[Length(max=20_000)], render_kw={"rows": 4})


class ReflectionForm(WorkspaceForm):
    """The observed teacher's reflection."""

    reflection = TextAreaField(_l("Your reflection"), validators=[Length(max=20_000)], render_kw={"rows": 5})


class ReopenForm(WorkspaceForm):
    """Why a finalized observation is opened again (kept in its trail)."""

    reason = StringField(_l("Reason for reopening"), validators=[Length(max=500)])


class ObservationFormForm(WorkspaceForm):
    """An observation form (觀課紀錄表): its rubric rows and levels, one a line."""

    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED), Length(max=200)])
    rows = TextAreaField(_l("Rubric rows"), render_kw={"rows": 8},
                         description=_l("One row a line: label | hint, e.g. 教學實施 | 提問引導思考. A row "
                                                     "of three parts starts with its own key: key | label | hint."))
    levels = TextAreaField(_l("Levels"), render_kw={"rows": 5},
                           description=_l("One level a line, lowest first: value | label, e.g. 4 | 優良. Leave it "
                                       "empty for a form of notes only, whose rows are not rated."))
