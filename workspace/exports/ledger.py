"""The activity ledger (活動紀錄) of an enrolment's period, as XLSX and as CSV.

XLSX sheets, headers in the chosen language:

1. activities: each activity of the period (held and still to come) with its status, its day as a date cell,
   times, method and mode in the activities area's words, hours, attendance (attendees, expected, rate; "not
   taken" for a held one where nobody was marked), minutes and evidence, then a row of totals over the held ones
   only (what the panel, the report and 附件1 count; attendance over those with a roll call, and a line saying how
   many had none), under it the two rates by their names, as the report names them (the overall rate, attended
   over expected, and the average of the activities' rates, which the participation page shows);
2. attendance: members × held activities, each cell the member's mark in words, with totals per member and per
   activity, as Moodle's attendance export lays it out;
3. feedback: per held activity, the answers, the average and the distribution 1–5 (no names);
4. expenses: each expense (with its hours, persons and whether its receipt is attached), then each category
   with its caps, spent, claimable and what is left, and the totals of the budget: the compliance panel's own
   ledger.

The CSV is the activities sheet's rows alone (UTF-8 with a BOM, the same headers, text neutralized, ISO dates).
A withdrawn enrolment's workbook says so on the first row of every sheet, and both files' names carry the mark
(the CSV stays rows alone, for the tools that read it).
Every sheet prints on A4 landscape, one page wide, its header row repeated on each page.
Every figure comes from the activities read module and the compliance engine's standing: nothing is counted
here a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from workspace.activities import records as activity_records
from workspace.activities.services import METHOD_LABELS, MODE_LABELS, STATUS_LABELS, to_local
from workspace.compliance import services as compliance
from workspace.compliance import wording as compliance_wording
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.records import local_day
from workspace.exports import wording as export_wording
from workspace.exports.files import CSV, XLSX, ExportFile, ascii_export_name, export_filename
from workspace.exports.spreadsheet import Money, Percent, Sheet, Workbook, csv_bytes


@dataclass(frozen=True)
class LedgerData:
    """What the ledger is written from, read once: the period's activities, participation, marks, feedback, the
    expenses and the standing (its ledger is the panel's)."""

    enrollment: Enrollment
    activities: tuple[activity_records.ActivityRecord, ...]
    participation: activity_records.Participation
    marks: tuple[activity_records.AttendanceMark, ...]
    feedback: tuple[activity_records.ActivityFeedback, ...]
    expenses: tuple[Any, ...]
    standing: compliance.Standing
    today: dt.date
    withdrawn_on: dt.date | None = None  # the day the enrolment was withdrawn (export_wording.withdrawn_on)


def read(enrollment: Enrollment, *, now: dt.datetime | None = None) -> LedgerData:
    """Read what the ledger shows (a fixed number of queries, whatever the number of activities and members)."""
    now = now or utcnow()
    period = program_period(enrollment.program)
    ids = [enrollment.community_id]
    return LedgerData(
        enrollment,
        tuple(activity_records.activities(ids, period, now=now)),
        activity_records.participation(ids, period, now=now),
        tuple(activity_records.attendance(ids, period, now=now)),
        tuple(activity_records.feedback(ids, period, now=now)),
        tuple(budget.expenses_of(enrollment)),
        compliance.standings([enrollment], now=now)[0],
        local_day(now), export_wording.withdrawn_on(enrollment, now))


def method_label(method: str) -> str:
    """An activity's method in the activities area's words (its key when unknown)."""
    label = METHOD_LABELS.get(method)  # type: ignore[call-overload]
    return _(label) if label else method


def mode_label(mode: str) -> str:
    label = MODE_LABELS.get(mode)  # type: ignore[call-overload]
    return _(label) if label else mode


def status_label(status: str) -> str:
    """An attendance mark in words (present, late, left early, excused, absent)."""
    label = STATUS_LABELS.get(status)  # type: ignore[call-overload]
    return _(label) if label else status


def activity_status_label(activity: activity_records.ActivityRecord) -> str:
    """Whether an activity was held or is still to come, in words (the read module leaves cancelled ones out)."""
    return _("Held") if activity.held else _("Scheduled")


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def time_span(activity: activity_records.ActivityRecord) -> str:
    """14:00–16:00, local wall-clock time."""
    return f"{to_local(activity.starts_at):%H:%M}–{to_local(activity.ends_at):%H:%M}"


def attendees_label() -> str:
    """The header of an activity's attendance: how many people came (出席人數), not how many times one person
    came (出席次數, the participation page's "Attended" beside a member's name)."""
    return _("Attendees")


def activity_header() -> list[str]:
    return [_("Date"), _("Time"), _("Title"), _("Status"), _("Method"), _("Mode"), _("Hours"), attendees_label(),
            _("Members expected"), _("Attendance rate"), _("Minutes"), _("Photos"), _("Videos"), _("Subjects"),
            _("Tags")]


def activity_rows(data: LedgerData) -> list[list[Any]]:
    """A row per activity of the period, with its status (held or still to come); for one still to come,
    attendance is left empty, and so are its minutes until some are written (nothing is missing yet); a held one
    where nobody was marked says its attendance was not taken, with no attendees or members expected (its 0 of 6
    are marks never made, which no total counts: the columns add up to the totals row)."""
    held = {row.activity.id: row for row in data.participation.activities}
    rows = []
    for activity in data.activities:
        counted = held.get(activity.id)
        minutes = yes_no(activity.has_minutes) if activity.held or activity.has_minutes else None
        rows.append([local_day(activity.starts_at), time_span(activity), activity.title,
                     activity_status_label(activity), method_label(activity.method), mode_label(activity.mode),
                     activity.hours, counted.attended if counted and counted.taken else None,
                     counted.members if counted and counted.taken else None, _rate_cell(counted), minutes,
                     activity.photos, activity.videos, compliance_wording.listing(activity.subjects),
                     compliance_wording.listing(activity.tags)])
    return rows


def _rate_cell(counted: activity_records.ActivityAttendance | None) -> Any:
    """An activity's attendance rate; "Not taken" for a held one where nobody was marked (its 0 attendees are
    marks never made, not people who stayed away)."""
    if counted is None:
        return None
    return Percent(counted.rate) if counted.taken else _("Not taken")


def not_taken_note(data: LedgerData) -> str | None:
    """The line under the attendance totals saying how many held activities had no roll call (None: all had)."""
    left_out = data.participation.not_taken
    if not left_out:
        return None
    return ngettext("%(num)d held activity without a roll call is not counted in the attendance figures.",
                    "%(num)d held activities without a roll call are not counted in the attendance figures.",
                    left_out)


def held_totals(data: LedgerData) -> list[Any]:
    """The activities sheet's totals row, under the same columns, over the held activities only (those the
    compliance panel, the report and 附件1 count): how many, their hours, attendees of members expected over those
    with attendance taken, how many have minutes, their photos and videos. No rate: the rows under it give the
    two, each by its name (`rate_rows`)."""
    held = [activity for activity in data.activities if activity.held]
    participation = data.participation
    return [ngettext("Total of %(num)d held activity", "Total of %(num)d held activities", len(held)), None, None,
            None, None, None, activity_records.total_hours(held), participation.attended, participation.expected,
            None, sum(1 for activity in held if activity.has_minutes), sum(activity.photos for activity in held),
            sum(activity.videos for activity in held)]


RATE_COLUMN = 9  # the activities sheet's "Attendance rate"


def rate_rows(data: LedgerData) -> list[list[Any]]:
    """The rates under the totals, in the attendance rate's column, each labelled as the report labels it: the
    overall rate (attended over expected: 15 of 16, 93.8%) and the average of the activities' rates (95.8%, the
    participation page's 平均出席率). A bare "Attendance rate" of 93.8% was read against the page's 96%."""
    participation = data.participation
    return [[label, *[None] * (RATE_COLUMN - 1), Percent(rate)] for label, rate in (
        (_("Overall attendance rate"), participation.overall_rate),
        (_("Average attendance rate per activity"), participation.average_rate))]


def _ledger_file(ledger_data: LedgerData, media_type: str, extension: str, data: bytes) -> ExportFile:
    enrollment, today, withdrawn = ledger_data.enrollment, ledger_data.today, ledger_data.withdrawn_on
    return ExportFile(export_filename(_("Activity ledger"), enrollment.community.name, program=enrollment.program.code,
                                      mark=export_wording.withdrawn_mark(withdrawn), day=today, extension=extension),
                      media_type, data=data,
                      ascii_name=ascii_export_name("activity-ledger", program=enrollment.program.code, day=today,
                                                   withdrawn=withdrawn is not None, extension=extension))


def ledger_xlsx(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """The activity ledger as an XLSX workbook in `language` (zh_Hant, zh_Hans, en)."""
    with force_locale(language):
        data = read(enrollment, now=now)
        title = _("Activity ledger")
        book = Workbook(title=f"{title} {enrollment.community.name}")
        _activities_sheet(book, data)
        _attendance_sheet(book, data)
        _feedback_sheet(book, data)
        _expenses_sheet(book, data)
        return _ledger_file(data, XLSX, "xlsx", book.to_bytes())


def ledger_csv(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """The activities sheet of the ledger as CSV (UTF-8 with a BOM, text neutralized, ISO dates)."""
    with force_locale(language):
        data = read(enrollment, now=now)
        body = csv_bytes(activity_header(), activity_rows(data))
        # the media type alone: the response adds "; charset=utf-8" to a text type (once)
        return _ledger_file(data, CSV, "csv", body)


def sheet_names() -> tuple[str, str, str, str]:
    """The four sheets' names in the current language."""
    return _("Activities"), _("Attendance"), _("Feedback"), _("Expenses")


def _sheet(book: Workbook, data: LedgerData, index: int) -> Sheet:
    """The ledger's sheet `index`; a withdrawn enrolment's starts with a line saying so, above its header (a sheet
    handed on alone still says it)."""
    sheet = book.sheet(sheet_names()[index])
    if data.withdrawn_on is not None:
        sheet.note(export_wording.withdrawn_text(data.withdrawn_on))
    return sheet


def _activities_sheet(book: Workbook, data: LedgerData) -> None:
    """Every activity with its status, then a bold row of the held ones' totals (the CSV, for other tools, has
    the rows alone)."""
    sheet = _sheet(book, data, 0)
    # 15 columns on one page: the text columns at 20 characters (10 Chinese ones), wrapped beyond; the date, time
    # and title repeated should it still print across pages
    sheet.print_wide(naming_columns=3, one_page=True, max_width=20)
    sheet.header(activity_header())
    for row in activity_rows(data):
        sheet.row(row)
    if data.activities:
        sheet.row(held_totals(data), bold=True, label_runs_over=True)
        for row in rate_rows(data):
            sheet.row(row, bold=True, label_runs_over=True)
        note = not_taken_note(data)
        if note:
            sheet.note(note)


def _attendance_sheet(book: Workbook, data: LedgerData) -> None:
    """Members (rows, by name) × held activities (columns: day and title); the member's totals at the row's end,
    the activity's totals in the rows below (attended, expected, rate, then the marks of each status). A pair's
    private meetings and observations have no column (marks or totals under them would name the pair, and no
    member's totals count them); a line under the table says how many there were."""
    sheet = _sheet(book, data, 1)
    sheet.print_wide()
    held = [row for row in data.participation.activities if not row.activity.private]
    kept_to_pairs = len(data.participation.activities) - len(held)
    marks = {(mark.activity_id, mark.user_id): mark.status for mark in data.marks}
    sheet.header([_("Member"), *(f"{local_day(row.activity.starts_at).isoformat()} {row.activity.title}"
                                 for row in held), _("Attended"), _("Held"), _("Attendance rate")])
    for member in sorted(data.participation.members, key=lambda row: (row.display_name, row.user_id)):
        statuses = [status_label(marks[(row.activity.id, member.user_id)])
                    if (row.activity.id, member.user_id) in marks else None for row in held]
        sheet.row([member.display_name, *statuses, member.attended, member.held, Percent(member.rate)])
    # an activity without a roll call: no attendees or members expected, "not taken" (no member's total counts it)
    sheet.row([attendees_label(), *(row.attended if row.taken else None for row in held)], bold=True)
    sheet.row([_("Members expected"), *(row.members if row.taken else None for row in held)], bold=True)
    sheet.row([_("Attendance rate"), *(_rate_cell(row) for row in held)], bold=True)
    for status in STATUS_LABELS:  # each mark counted per activity, as the read module tallies them
        sheet.row([status_label(status), *(dict(row.statuses).get(status.value, 0) for row in held)])
    if kept_to_pairs:
        sheet.blank_row()
        sheet.note(ngettext("%(num)d mentoring meeting or observation kept to its pair is not listed here; it "
                            "counts among the activities held.",
                            "%(num)d mentoring meetings or observations kept to their pairs are not listed here; "
                            "they count among the activities held.", kept_to_pairs))
    note = not_taken_note(data)
    if note:
        if not kept_to_pairs:
            sheet.blank_row()
        sheet.note(note)


def _feedback_sheet(book: Workbook, data: LedgerData) -> None:
    sheet = _sheet(book, data, 2)
    sheet.print_wide(naming_columns=2, one_page=True)  # the date and the title name a row
    sheet.header([_("Date"), _("Title"), _("Responses"), _("Average satisfaction"),
                  *(_("Satisfaction %(score)s", score=score) for score in range(1, 6))])
    by_id = {activity.id: activity for activity in data.activities}
    for summary in data.feedback:
        activity = by_id.get(summary.activity_id)
        if activity is None:
            continue
        sheet.row([local_day(activity.starts_at), activity.title, summary.responses, summary.average,
                   *summary.distribution])


def expense_header() -> list[str]:
    # the hours and persons the per-hour and per-person caps were judged on, and whether the receipt is attached:
    # what a funder's auditor ticks off against the paper receipts; the note says why one is not claimable, or
    # which cap a claimable one breaks since the cap was lowered (as the ledger page marks its row)
    return [_("Date"), _("Category"), _("Payee"), _("What it was for"), _("Amount"), _("Claimable"), _("Hours"),
            _("Persons"), _("Receipt"), _("Note")]


def expense_note(expense: Any, ledger: Any) -> str | None:
    """What the ledger page says on the expense's row: why a not-claimable one is set aside, judged by the rules as
    they are now (or that it may be claimed again); what a claimable one breaks now; and the question on a claimable
    one whose activity was cancelled or moved out of the period."""
    currency = ledger.currency
    if not expense.claimable:
        return " ".join(compliance_wording.not_claimable_reasons(expense, ledger)) or None
    notes = []
    if now := ledger.breaking.get(expense.id):
        notes.append(_("%(label)s: %(value)s", label=_("Breaks a cap now"),
                       value=" ".join(compliance_wording.breach_text(breach, currency) for breach in now)))
    if doubt := ledger.activity_doubts.get(expense.id):
        notes.append(compliance_wording.activity_doubt_text(doubt, currency))
    return " ".join(notes) or None


def _expenses_sheet(book: Workbook, data: LedgerData) -> None:
    """Each expense, then each category's caps and figures, then the budget's totals: the panel's ledger."""
    sheet = _sheet(book, data, 3)
    # one page: the date, the category and the payee name a row, repeated should it still print across pages
    sheet.print_wide(naming_columns=3, one_page=True, max_width=30)
    ledger = data.standing.ledger
    currency = ledger.currency
    names = {line.key: compliance_wording.category_name(line.name, line.names) for line in ledger.lines}
    sheet.header(expense_header())
    for expense in data.expenses:
        sheet.row([expense.spent_on, names.get(expense.category, expense.category), expense.payee,
                   expense.description, Money(expense.amount, currency), yes_no(expense.claimable), expense.hours,
                   expense.persons, yes_no(expense.receipt_blob_id is not None), expense_note(expense, ledger)])
    sheet.blank_row()
    # The same figures, under the same words, as the ledger page and the results report: the claims and the
    # amount that count against the caps and the approved amount, then what is kept but not claimable beside
    # them (a "Spent" that added both once read 2,700 here against the page's 1,200).
    sheet.row([_("Category"), _("Caps"), _("Claims"), _("Spent (claimable)"), _("Not claimable"),
               _("Remaining under the cap")], bold=True)
    for line in ledger.lines:
        caps = compliance_wording.caps_text(line.caps, currency)
        left = None if line.left_under_ceiling is None else Money(line.left_under_ceiling, currency)
        sheet.row([names[line.key], caps, line.claims, Money(line.claimable, currency),
                   Money(line.spent - line.claimable, currency), left])
    sheet.blank_row()
    for label, amount in budget_totals(ledger):
        sheet.row([label, Money(amount, currency)], bold=True)


def budget_totals(ledger: Any) -> Sequence[tuple[str, int]]:
    """The budget's totals as the panel shows them: approved, spent (claimable), not claimable, remaining."""
    return ((_("Approved"), ledger.approved), (_("Spent (claimable)"), ledger.spent),
            (_("Not claimable"), ledger.not_claimable), (_("Remaining"), ledger.remaining))
