"""Activity forms: planning (with speakers and a series), cancelling, leave, minutes.

Times are typed as the deployment's local wall-clock time (datetime-local inputs); the service stores UTC.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from workspace.activities.models import Method, Mode
from workspace.activities.services import MAX_SERIES, MAX_TITLE, METHOD_LABELS, MODE_LABELS
from workspace.communities.labels import lazy_label
from workspace.core.forms import (
    REQUIRED,
    DateField,
    DateTimeLocalField,
    IntegerField,
    MultiCheckboxField,
    RadioField,
    SelectField,
    WorkspaceForm,
    WorkspaceSubform,
    coerce_id,
)
from workspace.core.once import OnceTokenField


class SpeakerForm(WorkspaceSubform):
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    affiliation = StringField(_l("School or organisation"), validators=[Optional(), Length(max=200)])
    external = BooleanField(_l("External (外聘)"))
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=6)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])


class ActivityForm(WorkspaceForm):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=MAX_TITLE)])
    method = SelectField(_l("Method (進行方式)"), choices=[], validators=[DataRequired(REQUIRED)])
    mode = RadioField(_l("Where"), choices=[], default=Mode.OFFLINE.value)
    starts_at = DateTimeLocalField(_l("Starts"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    meeting_url = StringField(_l("Meeting link"), validators=[Optional(), Length(max=500)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=100_000)],
                           description=_l("Markdown: a list of the points works well."))
    subjects = StringField(_l("Subjects"), validators=[Optional(), Length(max=600)],
                           description=_l("Separate with commas, e.g. 數學, 自然"))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=600)],
                       description=_l("What a funder counts, e.g. 同步課堂, 送教下鄉"))
    school_ids = MultiCheckboxField(_l("Schools involved"), choices=[], coerce=coerce_id, validate_choice=False,
                                    invalid=_l("Choose schools from the list."))
    recorder_id = SelectField(_l("Writes the minutes"), choices=[], validators=[Optional()])
    speakers = FieldList(FormField(SpeakerForm), min_entries=2, max_entries=6)
    repeat = SelectField(_l("Repeat"), choices=[("", _l("Once")), ("weekly", _l("Every week")),
                                                ("monthly", _l("Every month"))], validators=[Optional()])
    count = IntegerField(_l("How many times"), default=1,
                         validators=[Optional(), NumberRange(min=1, max=MAX_SERIES)])
    base_version = HiddenField()
    # Shown only once moving a held activity to a time still to come was refused: the second word that moves it.
    move_ahead = BooleanField(_l("Move it anyway"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = [("", "—")] + [(method.value, lazy_label(METHOD_LABELS[method])) for method in Method]
        self.mode.choices = [(mode.value, lazy_label(MODE_LABELS[mode])) for mode in Mode]


class NewActivityForm(ActivityForm):
    once_token = OnceTokenField()  # planned twice (Send again after a lost answer): kept once (core/once.py)


class CancelForm(WorkspaceForm):
    id_prefix = "cancel"  # beside the member's leave request, which has a reason too
    reason = StringField(_l("Why is it cancelled?"), validators=[Optional(), Length(max=500)])


class LeaveForm(WorkspaceForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=500)])


class MinutesForm(WorkspaceForm):
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=100_000)],
                            description=_l("Markdown. Start from the headings; write what was decided."))
    outcomes = TextAreaField(_l("Outcomes"), validators=[Optional(), Length(max=100_000)],
                             description=_l("What the activity produced: plans, materials, links."))
    base_version = HiddenField()


class FeedbackForm(WorkspaceForm):
    satisfaction = RadioField(_l("How useful was it for you?"), choices=[(str(n), str(n)) for n in range(1, 6)],
                              validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)],
                            description=_l("Other members never see who wrote it."))


class PeriodForm(WorkspaceSubform):
    """The participation page's period (?start=&end=, a GET form: no CSRF token), checked beside its fields."""

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        """A period that ends before it starts is said beside the end (it was once turned round silently)."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(str(_l("The end must not come before the start.")))


class MonthlyPlanForm(WorkspaceForm):
    month = HiddenField()
    note = TextAreaField(_l("Note to the plan"), validators=[Optional(), Length(max=5000)],
                         description=_l("Goals of the month, what is new, what changed."))
