"""Co-planning forms: a plan's fields, a section's text, comments, lessons taught, links, templates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from workspace.core.forms import DateField, IntegerField, MultiCheckboxField, SelectField, WorkspaceForm, coerce_id
from workspace.core.once import OnceTokenField

# Lengths are checked by the services (with the error beside the field and the text kept), not here:
# a form validator would refuse silently-trimmed text with a less helpful message.


class PlanForm(WorkspaceForm):
    template = SelectField(_l("Template"), choices=[], validate_choice=False)
    topic = StringField(_l("Lesson topic"), description=_l("e.g. 分數的加減"))
    subject = StringField(_l("Subject"))
    grade = StringField(_l("Grade"))
    unit = StringField(_l("Textbook unit"))
    lead_id = SelectField(_l("Lead planner (主備人)"), choices=[], validate_choice=False)
    planned_on = DateField(_l("Planned teaching date"), validators=[Optional()])
    teacher_ids = MultiCheckboxField(
        _l("Teachers who will teach it"), choices=[], coerce=coerce_id, validate_choice=False,
        description=_l("Each of them can make their own adaptation (二次備課) of the plan."))
    base_version = HiddenField()


class NewPlanForm(PlanForm):
    once_token = OnceTokenField()  # a plan started twice (Send again after a lost answer) is made once (core/once.py)


class LibraryAdaptationForm(WorkspaceForm):
    """Adapt a plan published to the library (改編): the community where the new plan is started."""

    once_token = OnceTokenField()  # sent twice (a double click), one plan is started
    community = SelectField(_l("Community"), choices=[], validate_choice=False,
                            description=_l("One of your communities where you can start a plan."))


class SectionForm(WorkspaceForm):
    body = TextAreaField(_l("Section text"), description=_l("Markdown: headings, lists and tables are kept in the "
                                                           "Word export; @name tells a member when you save."))
    base_version = IntegerField(validators=[Optional()])
    resolving = HiddenField()
    shared_version = HiddenField()  # settling a conflict with the shared plan: the shared version it holds


class CommentForm(WorkspaceForm):
    body = TextAreaField(_l("Comment"), description=_l("Markdown; @name tells a member."))
    parent_id = HiddenField()


class LessonForm(WorkspaceForm):
    once_token = OnceTokenField()  # a lesson recorded twice (a double click) is kept once (core/once.py)
    taught_on = DateField(_l("Taught on"), validators=[Optional()])
    class_name = StringField(_l("Class"), description=_l("e.g. 五年二班"))
    reflection = TextAreaField(_l("Reflection (課後反思)"),
                               description=_l("What worked, what did not, what to change next time."))


class LinkForm(WorkspaceForm):
    target = SelectField(_l("Resource or activity"), choices=[], validate_choice=False)
    role = SelectField(_l("As"), choices=[], validate_choice=False)


class TemplateForm(WorkspaceForm):
    name = StringField(_l("Template name"))


class TemplateSectionForm(WorkspaceForm):
    title = StringField(_l("Section title"))
    guidance = TextAreaField(_l("Guidance for the writer"))
