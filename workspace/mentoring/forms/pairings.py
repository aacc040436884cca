"""The forms of pairings: pair a mentor with new teachers, end and re-pair, a pairing's milestones and the
community's mentoring settings (term, default milestones)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workspace.core.forms import (
    REQUIRED,
    DateField,
    IntegerField,
    MultiCheckboxField,
    SelectField,
    WorkspaceForm,
    WorkspaceSubform,
    coerce_id,
)
from workspace.mentoring.models import MilestoneKind, Owner
from workspace.mentoring.services.pairings import DAYS_RANGE, MAX_MILESTONE_DAYS, MAX_TERM_MONTHS, MONTHS_RANGE

OWNER_LABELS = {Owner.MENTOR.value: _l("Mentor"), Owner.MENTEE.value: _l("New teacher")}
KIND_LABELS = {
    MilestoneKind.MEETING.value: _l("A meeting log"),
    MilestoneKind.OBSERVATION.value: _l("The mentor's observation of the new teacher"),
    MilestoneKind.OBSERVE_MENTOR.value: _l("The new teacher's observation of the mentor"),
    MilestoneKind.PUBLIC_LESSON.value: _l("A public lesson"),
    MilestoneKind.GOAL.value: _l("A goal"),
    MilestoneKind.HANDBOOK.value: _l("The development handbook"),
    MilestoneKind.OTHER.value: _l("Ticked by hand"),
}


def owner_choices() -> list[tuple[str, Any]]:
    """Who a milestone falls to, as a select offers it."""
    return list(OWNER_LABELS.items())


def kind_choices() -> list[tuple[str, Any]]:
    """What ticks a milestone off, as a select offers it."""
    return list(KIND_LABELS.items())


def _coerce_optional_id(value: Any) -> int | None:
    return None if value in ("", None) else coerce_id(value)


class PairingForm(WorkspaceForm):
    """A convener pairs one mentor with one or more new teachers (one pairing each)."""

    mentor_id = SelectField(_l("Mentor"), choices=[], coerce=_coerce_optional_id, validate_choice=False)
    mentee_ids = MultiCheckboxField(_l("New teachers"), choices=[], coerce=coerce_id, validate_choice=False)
    starts_on = DateField(_l("Starts on"), validators=[Optional()], description=_l("Today when left empty."))
    ends_on = DateField(_l("Ends on"), validators=[Optional()],
                        description=_l("The end of the community's term when left empty."))


class EndForm(WorkspaceForm):
    """End a pairing, saying why."""

    ends_on = DateField(_l("Last day"), validators=[Optional()], description=_l("Today when left empty."))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class RepairForm(WorkspaceForm):
    """Pair the new teacher with another mentor from a day on (the pairing ends the day before)."""

    id_prefix = "repair"  # beside the form that ends the pairing, which has a reason too

    mentor_id = SelectField(_l("New mentor"), choices=[], coerce=_coerce_optional_id, validate_choice=False)
    starts_on = DateField(_l("From"), validators=[Optional()],
                          description=_l("Today when left empty; not after today, nor after the term ends."))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class MilestoneForm(WorkspaceForm):
    """One milestone of a pairing."""

    title = StringField(_l("Milestone"), validators=[DataRequired(REQUIRED), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[DataRequired(REQUIRED)])
    owner = SelectField(_l("Falls to"), choices=owner_choices())
    kind = SelectField(_l("Ticked off by"), choices=kind_choices())


class TickForm(WorkspaceForm):
    """Tick a milestone off (done=1) or take the tick back (done=0)."""

    done = HiddenField(default="1")


class MilestoneRowForm(WorkspaceSubform):
    """One default milestone of the community (a blank title drops the row)."""

    title = StringField(_l("Milestone"), validators=[Optional(), Length(max=200)])
    days = IntegerField(_l("Days after the start"),
                        validators=[Optional(), NumberRange(min=0, max=MAX_MILESTONE_DAYS, message=_l(DAYS_RANGE))])
    # A blank row is dropped whatever its selects say; the service checks the choices of the rows kept.
    owner = SelectField(_l("Falls to"), choices=owner_choices(), validate_choice=False)
    kind = SelectField(_l("Ticked off by"), choices=kind_choices(), validate_choice=False)


class SettingsForm(WorkspaceForm):
    """The community's mentoring term and the milestones each new pairing starts with."""

    term_months = IntegerField(_l("Term (months)"),
                               validators=[InputRequired(REQUIRED),
                                           NumberRange(min=1, max=MAX_TERM_MONTHS, message=_l(MONTHS_RANGE))])
    milestones = FieldList(FormField(MilestoneRowForm), min_entries=1, max_entries=31)

    def items(self) -> list[dict[str, Any]]:
        """The rows as the service takes them."""
        return [{"title": entry.form.title.data or "", "days": entry.form.days.data, "owner": entry.form.owner.data,
                 "kind": entry.form.kind.data} for entry in self.milestones]
