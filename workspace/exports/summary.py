"""The reviewers' cross-community summary (附件1) as XLSX: the compliance review table of the communities in the
viewer's scope, and its totals per school, as the county's form asks (GRANT_RULES.md, "What the county/city
collects": per school the communities, their names and count, participants, funds approved and left over).

Sheet 1, a row per enrolled community: its schools, name, program, how many rules are in each status and the
worst, every activity held, those the program's main count rule accepts (the panel's chart) and that rule's target
(the page's 4／18 as two numbers, the programs' targets differing), participants, the currency, approved, spent,
remaining, the last submission's state (尚未送審 when there is none) and whether the enrolment is confirmed.
Sheet 2, a row per school (a community counts once, at its core school, however many programs it is enrolled in),
with a further row for each other currency its communities are funded in (the amounts of a currency beside its
code: NT$ and ¥ are never added); then a total row per currency, labelled with it. Only confirmed enrolments are
approved funds: the amounts still waiting for confirmation have a column of their own, never added to the approved
or left-over ones, and so do the overruns (left over sums what is left where something is left).
The rows are the review page's own (`compliance.services.review.review_table`): the viewer's scope, judged today;
with none (a program none of the viewer's communities is in), both sheets say so in the page's words, and no total
of nothing is written in a currency the program may not count in.
Both sheets print A4 landscape with the header row repeated on every page: the totals one page wide, the
communities' 20 columns as few pages across as keep them legible (`Sheet.fit_legibly`: two for a usual table),
the school, community and program repeated at the left of each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from workspace.compliance import wording as compliance_wording
from workspace.compliance.models import Program
from workspace.compliance.services import review
from workspace.core.database import utcnow
from workspace.core.i18n import in_reader_script
from workspace.core.records import local_day
from workspace.exports.files import XLSX, ExportFile, ascii_export_name, export_filename
from workspace.exports.spreadsheet import Money, Workbook
from workspace.extensions import db

STATUSES = tuple(status.value for status in compliance_wording.STATUS_LABELS)


def submission_label(row: review.ReviewRow) -> str:
    """The last submission's state in words, as the review page says it (a blank cell said nothing)."""
    if row.last_submission is None:
        return _("Not submitted yet")
    return {"submitted": _("With the reviewers"), "returned": _("Returned"),
            "approved": _("Approved by the reviewers")}.get(row.last_submission.status, row.last_submission.status)


def no_community() -> str:
    """What both sheets say when no community in the viewer's scope is enrolled (in the program asked for), as the
    review page says it."""
    return _("No community you review is enrolled in a program (with these filters).")


def sheet_names() -> tuple[str, str]:
    return _("Communities"), _("Totals per school")


def community_header() -> list[str]:
    return [_("Schools"), _("Community"), _("Program"), _("Status"),
            *(compliance_wording.status_label(status) for status in STATUSES),
            _("All activities held"), _("Counted toward the activity target"), _("Activity target"),
            _("Participants"), _("Currency"),
            _("Approved"), _("Spent"), _("Remaining"),
            _("Submission"), _("Enrolment")]


def school_header() -> list[str]:
    return [_("School"), _("Number of communities"), _("Communities"), _("Participants"), _("Currency"),
            _("Approved"), _("Left over"), _("Overrun"), _("Waiting for confirmation (not approved)")]


def _funds(funds: review.Funds | review.CurrencyTotal | None) -> list[Any]:
    """The currency, approved, left over, overrun and waiting cells of a total's row (empty for a school that only
    takes part; an overrun or a waiting amount of nothing left blank)."""
    if funds is None:
        return [None] * 5
    return [funds.currency, Money(funds.approved, funds.currency), Money(funds.remaining, funds.currency),
            *(Money(amount, funds.currency) if amount else None for amount in (funds.overrun, funds.waiting))]


def review_summary(viewer: Any, language: str, *, program_id: int | None = None,
                   now: dt.datetime | None = None) -> ExportFile:
    """The 附件1 workbook of the communities `viewer` reviews (all for an admin), in `language`."""
    now = now or utcnow()
    with force_locale(language):
        rows = review.review_table(viewer, program_id=program_id)
        totals = review.school_totals(rows)
        title = _("Review summary (附件1)")  # the file's title, capitalised as the others' (no "reviewers' …")
        book = Workbook(title=title)
        communities, schools = sheet_names()
        sheet = book.sheet(communities)
        # a dozen columns or more: landscape, as few pages wide as legible, the header row on every page and the
        # school, community and program at the left of each page across
        sheet.print_wide(naming_columns=3)
        sheet.header(community_header())
        if not rows:
            sheet.note(no_community())
        for row in rows:
            figures = row.figures
            tally = row.tally
            sheet.row([compliance_wording.listing(row.schools), row.enrollment.community.name,
                       in_reader_script(row.enrollment.program.name),
                       compliance_wording.status_label(row.worst), *(tally.get(status, 0) for status in STATUSES),
                       figures.held, figures.counted, figures.target,
                       figures.participants, figures.currency,
                       Money(figures.approved, figures.currency),
                       Money(figures.spent, figures.currency), Money(figures.remaining, figures.currency),
                       submission_label(row),
                       _("Confirmed") if row.enrollment.confirmed else _("Waiting for confirmation")])
        sheet = book.sheet(schools)
        sheet.print_wide()
        sheet.header(school_header())
        for total in totals:
            names = [*total.communities, *(_("Also in %(community)s (counted at %(school)s)", community=community,
                                              school=lead) for community, lead in total.partners),
                     *(_("%(community)s (waiting for confirmation, not counted)", community=community)
                       for community in total.waiting)]
            first, *more = total.funds or (None,)
            sheet.row([total.school, len(total.communities), compliance_wording.listing(names), total.participants,
                       *_funds(first)])
            for funds in more:  # the school's communities funded in another currency: its amounts, counted once above
                sheet.row([total.school, None, None, None, *_funds(funds)])
        if not rows:  # no total of nothing, labelled NT$ for a ¥ program
            sheet.note(no_community())
        per_currency = review.currency_totals(rows)
        for overall in per_currency:
            sheet.row([compliance_wording.all_communities(overall.currency), overall.communities, "",
                       overall.participants, *_funds(overall)], bold=True)
        if len(per_currency) > 1:  # the communities and people once: the lines above would count one twice
            communities_count, participants = review.headcount(rows)
            sheet.row([_("All communities, every currency"), communities_count, "", participants, *_funds(None)],
                      bold=True)
        day = local_day(now)
        # One program's summary names it (PLC-100): the summaries of two programs are two files.
        program = db.session.get(Program, program_id) if program_id is not None else None
        code = program.code if program is not None else ""
        filename = export_filename(title, program=code, day=day, extension="xlsx")
        # The Chinese title's ASCII is only "(1)": old clients get a name that says what the file is.
        return ExportFile(filename, XLSX, data=book.to_bytes(),
                          ascii_name=ascii_export_name("review-summary", program=code, day=day, extension="xlsx"))
