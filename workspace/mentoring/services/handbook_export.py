"""The development handbook as a Word document, through the one builder (core/docx.DocxBuilder), in the new
teacher's language (their User.locale), whoever exports it."""

from __future__ import annotations

import flask_babel
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.docx import EMPTY, DocxBuilder
from workspace.core.i18n import current_locale_code
from workspace.core.storage import titled_filename
from workspace.extensions import db
from workspace.mentoring.models import Handbook, Pairing
from workspace.mentoring.services.handbook import section_title


def teacher_language(handbook: Handbook) -> str:
    """The language the teacher reads the site in (the site's default when they never chose)."""
    return handbook.teacher.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def handbook_title(handbook: Handbook) -> str:
    """'Development handbook of <teacher>, school year <year>' in the current language."""
    return _("Development handbook of %(name)s, school year %(year)s", name=handbook.teacher.display_name,
             year=_school_year_label(handbook.school_year))


def _school_year_label(year: int) -> str:
    # Taiwan counts school years from the founding of the ROC (115 學年度); a reader of simplified Chinese counts
    # by the calendar, to whom an ROC year says nothing.
    if current_locale_code() == "zh_Hans":
        return _("%(start)d–%(end)d school year", start=year, end=year + 1)
    return _("%(start)d–%(end)d (ROC %(roc)d)", start=year, end=year + 1, roc=year - 1911)


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
            (_("New teacher"), handbook.teacher.display_name),
            (_("Mentor"), "、".join(mentor_names) or EMPTY),
            (_("Community"), handbook.community.name),
            (_("School year"), _school_year_label(handbook.school_year)),
        ])
        for section in handbook.sections:
            builder.heading(section_title(section), level=1)
            builder.markdown(section.body, empty=EMPTY)
            if section.comment:
                builder.heading(_("Mentor's comment"), level=2)
                builder.markdown(section.comment)
        name = titled_filename(_("Development handbook %(name)s %(year)d", name=handbook.teacher.display_name,
                                 year=handbook.school_year), "docx")
    return builder.to_bytes(), name


def mentor_names(handbook: Handbook) -> list[str]:
    """The names of the teacher's mentors in the handbook's community (one query)."""
    return list(db.session.scalars(select(User.display_name).join(Pairing, Pairing.mentor_id == User.id).where(
        Pairing.community_id == handbook.community_id, Pairing.mentee_id == handbook.teacher_id).distinct()))

