"""The exports' forms: the results report's texts (convener) and a funder's template upload (admins)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from workspace.core.forms import IntegerField, MultiCheckboxField, SelectField, WorkspaceForm, coerce_id
from workspace.exports.report import MAX_TEXT


def _optional_id(value: object) -> int | None:
    """A select's value: an id, or None for the blank choice."""
    if value in (None, "", "None"):
        return None
    return coerce_id(value)


class ReportTextsForm(WorkspaceForm):
    """What the convener writes for the results report, and the comments and video it cites."""

    preface = TextAreaField(_l("Preface (前言)"), validators=[Optional(), Length(max=MAX_TEXT)],
                            description=_l("Why the community met, what it set out to do. Markdown."))
    culture_change = TextAreaField(_l("Change in school culture"), validators=[Optional(), Length(max=MAX_TEXT)],
                                   description=_l("What changed in how teachers work together. Markdown."))
    chosen_feedback_ids = MultiCheckboxField(_l("Comments quoted in the report"), choices=[], coerce=coerce_id,
                                             validate_choice=False)
    video_activity_id = SelectField(_l("The activity whose video the report cites"), choices=[],
                                    coerce=_optional_id, validate_choice=False)
    version = IntegerField(validators=[Optional()])


class TemplateForm(WorkspaceForm):
    """An admin uploads a funder's DOCX template."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("Such as the county's 成果報告 format. The file's name when left blank."))
    program_id = SelectField(_l("For the program"), choices=[], coerce=_optional_id, validate_choice=False,
                             invalid=_l("Choose a program from the list."))
    file = FileField(_l("Word document (.docx)"))
