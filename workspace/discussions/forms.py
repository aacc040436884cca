"""Discussion board forms: a thread, a reply, an edit, a report, a section, a move.

Length limits of post bodies are checked by the service (its message says how long the text is);
a hidden submission key makes a double-sent form create one post.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workspace.core.forms import REQUIRED, IntegerField, SelectField, WorkspaceForm
from workspace.discussions.services import MAX_CATEGORY, MAX_REASON, MAX_TITLE

BODY_HELP = _l("Markdown: **bold**, lists, tables, links. Type @ and a name to mention a member.")


def new_submission_key() -> str:
    return secrets.token_urlsafe(18)


class PostForm(WorkspaceForm):
    body = TextAreaField(_l("Message"), description=BODY_HELP)
    files = MultipleFileField(_l("Attach images or files"))
    submission_key = HiddenField(default=new_submission_key)


class ThreadForm(PostForm):
    category_id = SelectField(_l("Section"), choices=[], validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=MAX_TITLE)])
    link_kind = HiddenField()
    link_id = HiddenField()


class EditPostForm(WorkspaceForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Message"), description=BODY_HELP)
    base_version = IntegerField(validators=[Optional()])


class ReportForm(WorkspaceForm):
    reason = TextAreaField(_l("What is wrong with this post?"), validators=[Length(max=MAX_REASON)],
                           description=_l("Only the conveners see your report."))


class CategoryForm(WorkspaceForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=MAX_CATEGORY)])
    questions = BooleanField(_l("Questions: a reply can be marked as the answer"))
    managers_only = BooleanField(_l("Only conveners start threads here"))


class MoveForm(WorkspaceForm):
    category_id = SelectField(_l("Move to section"), choices=[], validators=[DataRequired(REQUIRED)])
