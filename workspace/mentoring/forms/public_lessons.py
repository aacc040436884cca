"""Public lesson forms: schedule or change one (the day and times in the deployment's local wall clock), cancel."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from workspace.core.forms import REQUIRED, DateField, SelectField, WorkspaceForm
from workspace.core.once import OnceTokenField
from workspace.core.parsing import parse_id
from workspace.mentoring.services.public_lessons import MAX_TOPIC, LessonFields, plan_label


class LessonForm(WorkspaceForm):
    teacher_id = SelectField(_l("Teacher"), choices=[], validators=[DataRequired(REQUIRED)])
    topic = StringField(_l("Topic (課題)"), validators=[DataRequired(REQUIRED), Length(max=MAX_TOPIC)])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=60)])
    day = DateField(_l("Day"), validators=[Optional()])
    starts = TimeField(_l("Starts"), validators=[Optional()])
    ends = TimeField(_l("Ends"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    plan_id = SelectField(_l("Plan document (集體備課)"), choices=[], validators=[Optional()])
    form_id = SelectField(_l("Observation form"), choices=[], validators=[Optional()])
    once_token = OnceTokenField()  # scheduled twice: one lesson, one activity (core/once.py)

    def set_choices(self, teachers: list[Any], plans: list[Any], forms: list[Any]) -> None:
        """The people, plans and observation forms this person may choose from."""
        self.teacher_id.choices = [(str(teacher.user_id), teacher.display_name) for teacher in teachers]
        self.plan_id.choices = [("", "—")] + [
            (str(plan.id), plan_label(plan.topic, plan.adaptation, plan.owner.display_name if plan.owner else None))
            for plan in plans]
        self.form_id.choices = [("", "—")] + [(str(form.id), form.shown_title) for form in forms]

    def fields(self) -> LessonFields:
        """What was typed, for the service (an unreadable id or time is None: the service names the field)."""
        return LessonFields(teacher_id=parse_id(self.teacher_id.data), topic=self.topic.data or "",
                            day=self.day.data, starts=self.starts.data, ends=self.ends.data,
                            subject=self.subject.data or "", place=self.place.data or "",
                            plan_id=parse_id(self.plan_id.data), form_id=parse_id(self.form_id.data))

    def fill(self, fields: LessonFields) -> None:
        """Show a lesson's values (to edit it)."""
        self.teacher_id.data = str(fields.teacher_id or "")
        self.topic.data, self.subject.data, self.place.data = fields.topic, fields.subject, fields.place
        self.day.data, self.starts.data, self.ends.data = fields.day, fields.starts, fields.ends
        self.plan_id.data = str(fields.plan_id or "")
        self.form_id.data = str(fields.form_id or "")


class CancelLessonForm(WorkspaceForm):
    reason = StringField(_l("Why is it cancelled?"), validators=[Optional(), Length(max=500)])

