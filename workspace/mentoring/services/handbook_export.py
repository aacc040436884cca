"""The development handbook as a Word document, through the one builder (core/docx.DocxBuilder), in the new
teacher's language (their User.locale), whoever exports it; and what its paper and Word forms share: the school
year in the reader's calendar and the signature lines of the new teacher, the mentor and the convener."""

from __future__ import annotations

import flask_babel
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from workspace.auth.models import User
from workspace.auth.services import language_of
from workspace.communities.models import Role
from workspace.communities.records import current_members
from workspace.core.database import utcnow
from workspace.core.docx import EMPTY, DocxBuilder
from workspace.core.i18n import listing
from workspace.core.storage import titled_filename
from workspace.extensions import db
from workspace.mentoring.models import Handbook, Pairing
from workspace.mentoring.services.handbook import section_title
from workspace.mentoring.services.terms import school_year_label


def teacher_language(handbook: Handbook) -> str:
    """The language the teacher reads the site in: the one they chose, else that of their last login (their
    browser's), else the site's default."""
    return language_of(handbook.teacher)


def handbook_title(handbook: Handbook) -> str:
    """'Development handbook of <teacher>, school year <year>' in the current language."""
    return _("Development handbook of %(name)s, school year %(year)s", name=handbook.teacher.display_name,
             year=school_year_label(handbook.school_year))


def signers(handbook: Handbook, mentor_names: list[str]) -> list[tuple[str, str]]:
    """Who signs the handbook, as (role, name) in the current language: the new teacher who wrote it, the mentor
    who guided it and the convener who reviews it for the community (names left blank where nobody holds the
    role, to be written by hand)."""
    conveners = [member.display_name for member in current_members([handbook.community_id],
                                                                   roles=(Role.CONVENER.value,))]
    return [(_("New teacher"), handbook.teacher.display_name), (_("Mentor"), listing(mentor_names)),
            (_("Convener"), listing(conveners))]


def handbook_docx(handbook: Handbook, mentor_names: list[str]) -> tuple[bytes, str]:
    """The DOCX bytes of the handbook and its file name, in the teacher's language: a title, the teacher, mentor,
    community and year, then each section as a Heading 1 with the teacher's text and the mentor's comment."""
    language = teacher_language(handbook)
    with flask_babel.force_locale(language):
        title = handbook_title(handbook)
        footer = _("%(community)s · exported %(date)s", community=handbook.community.name,
                   date=format_date(utcnow(), "medium"))
        builder = DocxBuilder(language=language, title=title, footer=footer)
        builder.cover(title, fields=[
            (_("School year"), school_year_label(handbook.school_year)),
            (_("New teacher"), handbook.teacher.display_name),
            (_("Mentor"), listing(mentor_names) or EMPTY),
            (_("Community"), handbook.community.name),
        ])
        for section in handbook.sections:
            builder.heading(section_title(section), level=1)
            builder.markdown(section.body, empty=EMPTY)
            if section.comment:
                builder.heading(_("Mentor's comment"), level=2)
                builder.markdown(section.comment)
        builder.heading(_("Signatures"), level=1)
        builder.signature_table(signers(handbook, mentor_names))
        name = titled_filename(_("Development handbook %(name)s %(year)d", name=handbook.teacher.display_name,
                                 year=handbook.school_year), "docx")
    return builder.to_bytes(), name


def mentor_names(handbook: Handbook) -> list[str]:
    """The names of the teacher's mentors in the handbook's community (one query)."""
    return list(db.session.scalars(select(User.display_name).join(Pairing, Pairing.mentor_id == User.id).where(
        Pairing.community_id == handbook.community_id, Pairing.mentee_id == handbook.teacher_id).distinct()))

