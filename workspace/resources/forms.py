"""Resource forms: metadata, a new version, a comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workspace.communities.labels import lazy_label
from workspace.core.forms import REQUIRED, RadioField, SelectField, WorkspaceForm
from workspace.core.once import OnceTokenField
from workspace.resources.models import ResourceKind, Visibility
from workspace.resources.services import KIND_LABELS, MAX_TAG, MAX_TAGS, MAX_TITLE, VISIBILITY_LABELS


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, lazy_label(KIND_LABELS[kind])) for kind in ResourceKind]


def visibility_choices() -> list[tuple[str, str]]:
    return [(value.value, lazy_label(VISIBILITY_LABELS[value])) for value in Visibility]


class ResourceForm(WorkspaceForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_TITLE)])
    kind = SelectField(_l("Kind"), choices=[], validators=[DataRequired(REQUIRED)])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=60)])
    grade = StringField(_l("Grade"), validators=[Optional(), Length(max=30)])
    # Far too long to hold 20 tags: say both limits (one 3,000-letter tag was told "at most 20 tags"), not
    # WTForms' character count.
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=2000, message=_l(
                           "Use at most %(count)d tags, each of at most %(length)d characters.", count=MAX_TAGS,
                           length=MAX_TAG))],
                       description=_l("Separate tags with commas, for example: 分數, 五年級, 差異化教學"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown: **bold**, lists, links."))
    visibility = RadioField(_l("Who can see it"), choices=[], default="community")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self.visibility.choices = visibility_choices()


class NewResourceForm(ResourceForm):
    # Only a new resource may be left untitled (its file names it); an edited one keeps a title.
    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_TITLE)],
                        description=_l("Left empty, each file is named after the file. With several files, each "
                                       "is named after the title and its file."))
    # "From the file" first and chosen: the server files a photo as courseware, a video as a video (kind_of_file);
    # the form's script shows that kind as soon as a file is picked, unless the person chose one.
    kind = SelectField(_l("Kind"), choices=[], default="", validators=[Optional()],
                       description=_l("From the file: a video as a video; a picture, a recording or slides as "
                                      "courseware; another document or a text as a lesson plan."))
    source = RadioField(_l("Add"), choices=[("files", _l("Files")), ("text", _l("A text written here"))],
                        default="files")
    files = MultipleFileField(_l("Files"))
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=200000)],
                         description=_l("Markdown. The preview shows how it will look."))
    # Sent twice (Send again after a lost answer): added once (core/once.py). The upload script sends each file
    # in a request of its own with the page's one token: those requests do not claim it.
    once_token = OnceTokenField()


    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("From the file")), *kind_choices()]


class VersionForm(WorkspaceForm):
    id_prefix = "version"  # beside the comment form, which has a body too
    file = MultipleFileField(_l("New file"))
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=200000)])
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=500)])


class CommentForm(WorkspaceForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(REQUIRED), Length(max=10000)])
