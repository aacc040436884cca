"""The forms of meeting logs, goals and the development handbook. The services check every rule again (and name
the field of each refusal); the forms read what was typed, keeping it for the page that shows the errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workspace.core.forms import (
    REQUIRED,
    DateField,
    IntegerField,
    MultiCheckboxField,
    SelectField,
    WorkspaceForm,
    coerce_id,
)
from workspace.core.once import OnceTokenField
from workspace.mentoring.services.goals import MAX_CRITERIA, MAX_TITLE, STATUS_LABELS
from workspace.mentoring.services.logs import MAX_MINUTES, MAX_NOTES, MAX_TOPICS, MINUTES_RANGE

STEPS_HELP = _l("One step per line.")


class LogForm(WorkspaceForm):
    """A meeting log: the meeting, its notes, the next steps agreed, the open steps ticked off at it."""

    held_on = DateField(_l("Date of the meeting"), validators=[DataRequired(REQUIRED)])
    duration_minutes = IntegerField(_l("Duration (minutes)"),
                                    validators=[InputRequired(REQUIRED),
                                                NumberRange(min=1, max=MAX_MINUTES, message=MINUTES_RANGE)])
    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=MAX_TOPICS)],
                         description=_l("Such as: classroom management, the unit plan for week 5."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=MAX_NOTES)],
                          description=_l("Read by the two of you (and by the conveners if you share the log)."))
    private_notes = TextAreaField(_l("Private notes (only you see them)"),
                                  validators=[Optional(), Length(max=MAX_NOTES)],
                                  description=_l("Never shown to the new teacher, the conveners or the admins."))
    mentee_steps = TextAreaField(_l("Next steps for the new teacher"), validators=[Optional(), Length(max=12_000)],
                                 description=STEPS_HELP)
    mentor_steps = TextAreaField(_l("Next steps for the mentor"), validators=[Optional(), Length(max=12_000)],
                                 description=STEPS_HELP)
    done_steps = MultiCheckboxField(_l("Done since the last meeting"), choices=[], coerce=coerce_id,
                                    validate_choice=False)
    # The editor's done steps of the log: each listed one with a box, left ticked to keep it done.
    listed_done = MultiCheckboxField(choices=[], coerce=coerce_id, validate_choice=False)
    kept_done = MultiCheckboxField(_l("Done steps: untick one to open it again"), choices=[], coerce=coerce_id,
                                   validate_choice=False)
    as_activity = BooleanField(_l("Record it as a community activity (新進教師輔導), with the two of you present"))
    starts_at = TimeField(_l("Started at"), validators=[Optional()],
                          description=_l("For the activity's time; 16:00 when left empty."))
    base_version = IntegerField(validators=[Optional()])
    once_token = OnceTokenField()  # a new log sent twice is kept once (core/once.py)


class GoalForm(WorkspaceForm):
    """A goal of the new teacher."""

    title = StringField(_l("Goal"), validators=[DataRequired(REQUIRED), Length(max=MAX_TITLE)])
    success_criteria = TextAreaField(_l("Success criteria"), validators=[Optional(), Length(max=MAX_CRITERIA)],
                                     description=_l("How the two of you will know it is reached."))
    due_on = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validators=[DataRequired(REQUIRED)])
    base_version = IntegerField(validators=[Optional()])
    once_token = OnceTokenField()  # a new goal sent twice is kept once (core/once.py)


class EvidenceForm(WorkspaceForm):
    """Link a record to a goal as its evidence (the value is kind:id)."""

    target = SelectField(_l("Evidence"), choices=[], validators=[DataRequired(REQUIRED)], validate_choice=False)


class ShareForm(WorkspaceForm):
    """Share an item with the conveners, or stop ("1" or "0")."""

    shared = HiddenField()


class HandbookSectionForm(WorkspaceForm):
    """The teacher's text of a handbook section."""

    body = TextAreaField(_l("Your text"), validators=[Optional(), Length(max=50_000)],
                         description=_l("Markdown: headings, lists and tables are kept in the Word export."))
    base_version = IntegerField(validators=[Optional()])


class HandbookCommentForm(WorkspaceForm):
    """The mentor's comment on a handbook section."""

    comment = TextAreaField(_l("Mentor's comment"), validators=[Optional(), Length(max=50_000)])
    base_comment = HiddenField()
