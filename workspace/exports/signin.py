"""The sign-in sheets (簽到表) of an enrolment's period as one printable DOCX: a page per activity of the period,
held or still to come (cancelled ones left out), with its title, method, date and time (as the reader's language
writes them: 2026年9月30日 16:00–16:50), place, and a table of names with a signature column.

The names are those of the activities area's paper sheet (`activities.services.members_for_sheet`: the
community's members who take part in activities, by name). A pair's private meeting or observation has no sheet:
mentoring marked the two present, and a sheet would name them to whoever prints the sheets. The names are the
same on every page, so they are read once (`community_members`), and their table is built once and copied
(python-docx builds a cell in about 0.2 ms: 300 sheets of 60 names took 14 s built one by one, 4 s copied).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from docx.shared import Mm
from flask_babel import force_locale
from flask_babel import gettext as _

from workspace.activities import records as activity_records
from workspace.activities.services import community_members
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.core.database import utcnow
from workspace.core.docx import TEXT_WIDTH, DocxBuilder
from workspace.core.i18n import in_reader_script, local_span
from workspace.core.records import local_day
from workspace.exports import wording as export_wording
from workspace.exports.files import DOCX, ExportFile, ascii_export_name, export_filename
from workspace.exports.ledger import method_label

SPARE_ROWS = 3  # empty rows for a guest or a newcomer, as on the paper sheet
ROW_HEIGHT = Mm(11)  # room to sign
WIDTHS = (Mm(12), Mm(50), TEXT_WIDTH - Mm(12) - Mm(50) - Mm(40), Mm(40))


def sign_in_sheets(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """One DOCX with a sign-in sheet per activity of the enrolment's period, a page each."""
    now = now or utcnow()
    with force_locale(language):
        community, program = enrollment.community, enrollment.program
        period = program_period(program)
        ids = [enrollment.community_id]
        # A pair's private meeting or observation has no sheet: mentoring marked the two present, and a sheet
        # would name them to whoever prints the sheets (the reviewers too).
        activities = [activity for activity in activity_records.activities(ids, period, now=now)
                      if not activity.private]
        places = activity_records.activity_texts(ids, period)
        names = [member.display_name for member in community_members(community)]
        title = _("Sign-in sheets")
        builder = DocxBuilder(language=language, title=f"{title} {community.name}",
                              footer=f"{community.name} · {in_reader_script(program.name)}")
        withdrawn = export_wording.withdrawn_on(enrollment, now)
        if withdrawn is not None:  # said first, and in the file's name, as the enrolment's other files say it
            builder.paragraph(export_wording.withdrawn_text(withdrawn), bold=True)
        if not activities:
            builder.heading(title)
            builder.paragraph(_("No activity is planned in the program's period yet."))
        template: Any = None  # the first community page's table of names (its XML element)
        for index, activity in enumerate(activities):
            if index:
                builder.page_break()
            builder.heading(_("Sign-in sheet"))
            text = places.get(activity.id)
            builder.fields([
                (_("Community"), community.name),
                (_("Activity"), activity.title),
                (_("Method"), method_label(activity.method)),
                (_("Date and time"), local_span(activity.starts_at, activity.ends_at)),
                (_("Place"), text.place if text else ""),
            ])
            spacer = builder.paragraph()
            if template is None:
                template = _names_table(builder, names)
            else:  # the same names on every page: a copy of the first page's table, not a table built again
                spacer._p.addnext(copy.deepcopy(template))
            builder.paragraph()
            builder.paragraph(_("%(label)s: %(value)s", label=_("Convener's signature"), value="____________________"))
        filename = export_filename(title, community.name, program=program.code, day=local_day(now),
                                   mark=export_wording.withdrawn_mark(withdrawn), extension="docx")
        return ExportFile(filename, DOCX, data=builder.to_bytes(),
                          ascii_name=ascii_export_name("sign-in-sheet", program=program.code, day=local_day(now),
                                                       withdrawn=withdrawn is not None, extension="docx"))


def _names_table(builder: DocxBuilder, names: list[str]) -> Any:
    """The table of names to sign by (numbered, with a signature and a note column, and spare rows), rows tall
    enough to sign in; its XML element, to copy onto the other pages."""
    rows = [[str(number), name, "", ""] for number, name in enumerate(names, start=1)]
    rows += [["", "", "", ""] for _spare in range(SPARE_ROWS)]
    table = builder.table(rows, header=["#", _("Full name"), _("Signature"), _("Note")], widths=WIDTHS)
    for row in table.rows[1:]:
        row.height = ROW_HEIGHT
    return table._tbl
