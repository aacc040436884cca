"""The application form (申請書) and the implementation plan (實施計畫) as DOCX, written from the community's own
data through the one DOCX builder (core/docx.py). The two answer different questions, each in its own order, from
sections they share:

- the **application** is what the community asks for: who it is (its convener(s), type, schools, shared vision
  and goals, its members now), what it means to do (the activities planned in the program's period, in one list
  with their count and hours) and the money it asks (the budget plan: the program's categories with their caps,
  and the approved amount);
- the **implementation plan** is how it will run them: its goals, who does what (everyone who was a member during
  the period, with their roles; mentor pairings), what the program asks (its rules in the reader's language, each
  with the clause it comes from), the schedule by month (each activity with who leads it, its speakers or else the
  convener, and the evidence the program's rules will ask of it) and the speakers (whom and on what: PLC-100 pays
  speakers' fees only for a plan that names them).

What the community and its program have decides what else is written, so that a form says nothing empty: an
urban–rural community (教共體) adds its schools with their roles and the agreement's term, and its exchanged
teachers (交流教師), in both; the budget plan is written only for a program with budget categories or an approved
amount; the speakers only when the planned activities have any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from workspace.activities import records as activity_records
from workspace.auth.labels import title_label
from workspace.communities import records as community_records
from workspace.communities.labels import community_type_label, role_label, school_role_label
from workspace.communities.models import ROLE_ORDER, Role, School
from workspace.compliance import wording as compliance_wording
from workspace.compliance.engine.activities import evidence_asked
from workspace.compliance.facts import ActivityFact
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.docx import DocxBuilder, keep_together, table_widths
from workspace.core.i18n import format_hours, in_reader_script, local_date, month_day, month_year
from workspace.core.records import Period, local_day
from workspace.exports import wording as export_wording
from workspace.exports.content import roc_period_field
from workspace.exports.files import DOCX, ExportFile, ascii_export_name, export_filename
from workspace.exports.ledger import activity_status_label, method_label, mode_label, time_span
from workspace.extensions import db
from workspace.mentoring import records as mentoring_records

CONVENERS = (Role.CONVENER.value, Role.CO_CONVENER.value)
KINDS = ("application", "implementation_plan")


@dataclass(frozen=True)
class FormData:
    """What both forms are written from, read once (a fixed number of queries)."""

    enrollment: Enrollment
    members: tuple[community_records.MemberDuring, ...]
    school_names: dict[int, str]
    schools: tuple[community_records.CommunitySchool, ...]  # the core school first (urban–rural)
    activities: tuple[activity_records.ActivityRecord, ...]
    ledger: Any  # engine.Ledger: the categories with their caps
    today: dt.date
    speakers: tuple[activity_records.SpeakerRecord, ...] = ()
    exchanged: tuple[community_records.ExchangedTeacherRow, ...] = ()
    pairings: tuple[mentoring_records.MenteeRow, ...] = ()
    people: dict[int, str] = field(default_factory=dict)  # the names of the pairings' mentors and new teachers
    pairings_named: bool = True  # False for a reader who may see only how many pairs there are (a reviewer)

    @property
    def community_schools(self) -> tuple[str, ...]:
        return tuple(school.name for school in self.schools)

    @property
    def conveners(self) -> list[community_records.MemberDuring]:
        """The convener first, then the co-conveners (departed ones left out of the signature lines)."""
        found = [member for member in self.members if member.role in CONVENERS and member.current]
        return sorted(found, key=lambda member: (CONVENERS.index(member.role), member.display_name))


def read(enrollment: Enrollment, kind: str, *, now: dt.datetime | None = None) -> FormData:
    """The community's members (now for the application, during the period for the plan), schools, planned
    activities and budget lines."""
    now = now or utcnow()
    period = program_period(enrollment.program)
    ids = [enrollment.community_id]
    members = (community_records.current_members(ids) if kind == "application"
               else community_records.members_during(ids, period))
    # The convener first, as a form lists its people: by role (convener, co-convener, …), then by name.
    ranks = {role.value: rank for role, rank in ROLE_ORDER.items()}
    members = sorted(members, key=lambda member: ranks.get(member.role, len(ranks)))
    school_ids = {member.school_id for member in members if member.school_id is not None}
    names = dict(db.session.execute(select(School.id, School.name).where(School.id.in_(school_ids))).all()) \
        if school_ids else {}
    pairings = tuple(mentoring_records.mentees(ids, period))
    people = {member.user_id: member.display_name for member in members}
    if any(pairing.mentor_id not in people or pairing.user_id not in people for pairing in pairings):
        # a mentor or new teacher who is not among the members above (one who has left since, or joined after
        # the period) was a member during the pairings' terms
        terms = Period(min(pairing.starts_on for pairing in pairings), max(pairing.ends_on for pairing in pairings))
        people |= {member.user_id: member.display_name for member in community_records.members_during(ids, terms)}
    activities = tuple(activity_records.activities(ids, period, now=now))
    return FormData(enrollment, tuple(members), names, tuple(community_records.schools_of(ids)),
                    activities, budget.ledger(enrollment),
                    local_day(now), speakers=tuple(activity_records.speakers(ids, period)),
                    exchanged=tuple(community_records.exchanged_teachers(ids)),
                    pairings=pairings, people=people)


def application(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """The application form (申請書) in `language`."""
    return _build(enrollment, "application", language, now=now)


def implementation_plan(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None,
                        pairings_named: bool = True) -> ExportFile:
    """The implementation plan (實施計畫) in `language`. Without `pairings_named` (a reader who may not see who
    guides whom, as a reviewer), its mentoring section says how many pairs there are, not who or when."""
    return _build(enrollment, "implementation_plan", language, now=now, pairings_named=pairings_named)


def document_title(kind: str) -> str:
    return _("Application form") if kind == "application" else _("Implementation plan")


def _build(enrollment: Enrollment, kind: str, language: str, *, now: dt.datetime | None,
           pairings_named: bool = True) -> ExportFile:
    with force_locale(language):
        data = replace(read(enrollment, kind, now=now), pairings_named=pairings_named)
        community, program = enrollment.community, enrollment.program
        title = document_title(kind)
        builder = DocxBuilder(language=language, title=f"{title} {community.name}",
                              footer=f"{community.name} · {in_reader_script(program.name)}")
        builder.cover(title, subtitle=community.name, fields=_cover_fields(data, kind))
        # a withdrawn enrolment's form says so first, and its name carries the mark, as its report and ledgers do
        withdrawn = export_wording.withdrawn_on(enrollment, now or utcnow())
        if withdrawn is not None:
            builder.paragraph(export_wording.withdrawn_text(withdrawn), bold=True)
        sections = _application_sections(data) if kind == "application" else _plan_sections(data)
        for number, section in enumerate(sections, start=1):
            section(builder, data, number)
        _signatures(builder, data)
        filename = export_filename(title, community.name, program=program.code, day=data.today, extension="docx",
                                   mark=export_wording.withdrawn_mark(withdrawn))
        return ExportFile(filename, DOCX, data=builder.to_bytes(),
                          ascii_name=ascii_export_name(kind.replace("_", "-"), program=program.code, day=data.today,
                                                       withdrawn=withdrawn is not None, extension="docx"))


def _cover_fields(data: FormData, kind: str) -> list[tuple[str, str]]:
    """The community, its conveners and program; the application adds the amount (the money is what it asks)."""
    enrollment = data.enrollment
    program = enrollment.program
    currency = data.ledger.currency
    conveners = [member for member in data.conveners if member.role == Role.CONVENER.value]
    co_conveners = [member for member in data.conveners if member.role == Role.CO_CONVENER.value]
    return [
        (_("Community"), enrollment.community.name),
        (_("Community type"), community_type_label(enrollment.community.kind)),
        (_("Schools"), _school_list(data)),
        (_("Convener"), compliance_wording.listing(member.display_name for member in conveners)),
        (_("Co-conveners"), compliance_wording.listing(member.display_name for member in co_conveners)),
        (_("Members"), str(len(data.members))),
        (_("Program"), in_reader_script(program.name)),
        (_("Period"), _("%(first)s to %(last)s", first=local_date(program.first_day),
                        last=local_date(program.last_day))),
        *roc_period_field(program.first_day, program.last_day, currency),
        *([(_("Approved amount"), compliance_wording.money(enrollment.approved_amount, currency))]
          if kind == "application" else []),
    ]


def _urban_rural(data: FormData) -> bool:
    return data.enrollment.community.is_urban_rural


def _who(data: FormData) -> list[Any]:
    """The sections both forms open with: the goals, then who the community is (its schools when urban–rural,
    its members, its exchanged teachers)."""
    sections: list[Any] = [_goals]
    if _urban_rural(data):
        sections.append(_schools)
    sections.append(_members)
    if _urban_rural(data) or data.exchanged:
        sections.append(_exchanged_teachers)
    return sections


def _application_sections(data: FormData) -> list[Any]:
    """The application's sections, in order: who the community is, what it will do, the money it asks."""
    sections = _who(data)
    sections.append(_activities)
    if budget.categories(data.enrollment) or data.ledger.approved:
        sections.append(_budget)
    return sections


def _plan_sections(data: FormData) -> list[Any]:
    """The implementation plan's sections, in order: goals, who does what, what the program asks, the schedule by
    month (who leads, what evidence), the speakers."""
    sections = _who(data)
    if data.pairings:
        sections.append(_pairings)
    if data.enrollment.program.definition.get("rules"):
        sections.append(_requirements)
    sections.append(_schedule)
    if data.speakers:
        sections.append(_speakers)
    return sections


def _school_list(data: FormData) -> str:
    """The schools, each with its role in an urban–rural community: 光華國小（核心學校）、山腰國小（成員學校）."""
    if not _urban_rural(data):
        return compliance_wording.listing(data.community_schools)
    return compliance_wording.listing(
        _("%(school)s (%(role)s)", school=school.name, role=school_role_label(school.role)) for school in data.schools)


def _heading(builder: DocxBuilder, number: int, title: str) -> None:
    """A numbered section heading: 1. 共同願景與目標."""
    builder.heading(f"{number}. {title}")


def _goals(builder: DocxBuilder, data: FormData, number: int) -> None:
    community = data.enrollment.community
    _heading(builder, number, _("Shared vision and goals"))
    builder.markdown(community.vision or "", empty="—")
    builder.heading(_("Description"), level=2)
    builder.markdown(community.description or "", empty="—")


def _members(builder: DocxBuilder, data: FormData, number: int) -> None:
    _heading(builder, number, _("Members"))
    rows = [[member.display_name, role_label(member.role), data.school_names.get(member.school_id or 0, ""),
             title_label(member.title), compliance_wording.listing(member.subjects)] for member in data.members]
    builder.table(rows, header=[_("Full name"), _("Role"), _("School"), _("Professional title"), _("Subjects")])


def _schools(builder: DocxBuilder, data: FormData, number: int) -> None:
    """An urban–rural community's schools, the core school first, and the agreement's term."""
    community = data.enrollment.community
    _heading(builder, number, _("Schools and their roles"))
    rows = [[school.name, school_role_label(school.role), str(school.class_count)] for school in data.schools]
    if rows:
        builder.table(rows, header=[_("School"), _("Role"), _("Classes")])
    else:
        builder.paragraph(_("No school is set for this community yet."))
    if community.agreement_starts_on or community.agreement_ends_on:
        builder.paragraph(_("Agreement: %(first)s to %(last)s",
                            first=local_date(community.agreement_starts_on) or "…",
                            last=local_date(community.agreement_ends_on) or "…"))
    else:
        builder.paragraph(_("Agreement term not set."))


def _exchanged_teachers(builder: DocxBuilder, data: FormData, number: int) -> None:
    _heading(builder, number, _("Exchanged teachers"))
    if not data.exchanged:
        builder.paragraph(_("No exchanged teacher is listed yet."))
        return
    builder.table([[teacher.name, teacher.school_name, teacher.subject] for teacher in data.exchanged],
                  header=[_("Full name"), _("School"), _("Subject")])


def _pairings(builder: DocxBuilder, data: FormData, number: int) -> None:
    """The mentor pairings in the program's period: who guides whom, from when to when (for a reader who may not
    see that, how many new teachers are paired)."""
    _heading(builder, number, _("Mentor pairings"))
    if not data.pairings_named:
        builder.paragraph(ngettext("%(num)d new teacher is paired with a mentor in the period.",
                                   "%(num)d new teachers are paired with mentors in the period.",
                                   len({pairing.user_id for pairing in data.pairings})))
        return
    builder.table([[data.people.get(pairing.mentor_id, "—"), data.people.get(pairing.user_id, "—"),
                    local_date(pairing.starts_on), local_date(pairing.ends_on)] for pairing in data.pairings],
                  header=[_("Mentor"), _("New teacher"), _("Starts"), _("Ends")])


def _requirements(builder: DocxBuilder, data: FormData, number: int) -> None:
    """What the program asks, rule by rule, in the reader's language, with the clause each comes from."""
    _heading(builder, number, _("What the program asks"))
    rules = data.enrollment.program.definition.get("rules", [])
    builder.table([[compliance_wording.rule_text(rule), in_reader_script(rule.get("citation", ""))]
                   for rule in rules], header=[_("Requirement"), _("Source")])


def _activities(builder: DocxBuilder, data: FormData, number: int) -> None:
    _heading(builder, number, _("Planned activities"))
    if not data.activities:
        builder.paragraph(_("No activity is planned in the program's period yet."))
        return
    rows = [[local_date(local_day(activity.starts_at)), time_span(activity), activity.title,
             method_label(activity.method), mode_label(activity.mode), format_hours(activity.hours),
             activity_status_label(activity)] for activity in data.activities]
    builder.table(rows, header=[_("Date"), _("Time"), _("Title"), _("Method"), _("Mode"), _("Hours"),
                                _("Status")])
    total = activity_records.total_hours(data.activities)
    builder.paragraph(_("%(count)s activities, %(length)s in all.", count=len(data.activities),
                        length=format_hours(total)))


def _schedule(builder: DocxBuilder, data: FormData, number: int) -> None:
    """The activities month by month over the whole period (a month with none says so), each with who leads it and
    the evidence the program will ask of it."""
    _heading(builder, number, _("Schedule by month"))
    if not data.activities:
        builder.paragraph(_("No activity is planned in the program's period yet."))
        return
    leads = _leads(data)
    program = data.enrollment.program.definition
    months: dict[dt.date, list[activity_records.ActivityRecord]] = {
        month: [] for month in _months(data.enrollment.program.first_day, data.enrollment.program.last_day)}
    for activity in data.activities:
        months.setdefault(local_day(activity.starts_at).replace(day=1), []).append(activity)
    header = [_("Date"), _("Time"), _("Title"), _("Method and mode"), _("Led by"), _("Evidence to keep"), _("Status")]
    rows = {activity.id: [month_day(local_day(activity.starts_at)), time_span(activity), activity.title,
                          f"{method_label(activity.method)} · {mode_label(activity.mode)}", leads[activity.id],
                          compliance_wording.evidence_text(evidence_asked(_fact(activity), program)) or None,
                          activity_status_label(activity)] for activity in data.activities}
    # One set of widths for every month, from all the months' rows: each month's table measured alone had widths
    # of its own, and a month of short titles gave its titles less room than its times. Under its month's heading
    # a day is written without its year (10月15日, Oct 15), leaving the titles the room.
    widths = table_widths([header, *rows.values()], header=True)
    for month, activities in sorted(months.items()):
        builder.heading(month_year(month), level=2)
        if not activities:  # every month of the period: a plan says where the year is still open
            builder.paragraph(_("No activity was held in this month.") if month < data.today.replace(day=1)
                              else _("No activity is scheduled in this month yet."))
            continue
        builder.table([rows[activity.id] for activity in activities], header=header, widths=widths)
    builder.paragraph(_("%(count)s activities, %(length)s in all.", count=len(data.activities),
                        length=format_hours(activity_records.total_hours(data.activities))))


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each calendar month from `first`'s to `last`'s."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return found


def _leads(data: FormData) -> dict[int, str]:
    """Who leads each activity: its speakers when it has any, else the convener; a pair's private meeting or
    observation nobody named (it is counted, the pair not named)."""
    named: dict[int, list[str]] = {}
    for speaker in data.speakers:
        named.setdefault(speaker.activity_id, []).append(speaker.name)
    convener = compliance_wording.listing(member.display_name for member in data.conveners
                                          if member.role == Role.CONVENER.value)
    return {activity.id: "—" if activity.private
            else (compliance_wording.listing(named.get(activity.id, ())) or convener or "—")
            for activity in data.activities}


def _fact(activity: activity_records.ActivityRecord) -> ActivityFact:
    """The activity as the compliance engine reads one (what its rules filter on)."""
    return ActivityFact(activity.id, activity.title, local_day(activity.starts_at), int(activity.minutes),
                        activity.method, activity.mode, activity.held, activity.subjects, activity.tags)


def _speakers(builder: DocxBuilder, data: FormData, number: int) -> None:
    """Who speaks at which activity, on what: a plan that pays speakers' fees must name them and their topics."""
    _heading(builder, number, _("Speakers"))
    activities = {activity.id: activity for activity in data.activities}
    rows = []
    for speaker in data.speakers:
        activity = activities.get(speaker.activity_id)
        rows.append([local_date(local_day(activity.starts_at)) if activity else "", activity.title if activity else "",
                     speaker.name, speaker.affiliation or None, _("External") if speaker.external else _("Internal"),
                     speaker.topic, format_hours(speaker.hours)])
    builder.table(rows, header=[_("Date"), _("Activity"), _("Speaker"), _("Affiliation"), _("Internal or external"),
                                _("Topic"), _("Hours")])


def _budget(builder: DocxBuilder, data: FormData, number: int) -> None:
    """The program's categories (in its order) with their caps, then the approved amount."""
    _heading(builder, number, _("Budget plan"))
    ledger = data.ledger
    lines = {line.key: line for line in ledger.lines}
    rows = []
    for category in budget.categories(data.enrollment):
        line = lines.get(category["key"])
        caps = compliance_wording.caps_text(line.caps, ledger.currency) if line else ""
        name = compliance_wording.category_name(category.get("name", category["key"]), category.get("names"))
        rows.append([name, caps])
    if rows:  # a program may fund without categories: then the approved amount alone
        builder.table(rows, header=[_("Category"), _("Caps")])
    builder.fields([(_("Approved amount"), compliance_wording.money(ledger.approved, ledger.currency))])


def _signatures(builder: DocxBuilder, data: FormData) -> None:
    """The signature lines, kept on one page (QA: the convener's line ended page 2 and 副召集人 stood alone on 3)."""
    builder.paragraph().paragraph_format.keep_with_next = True
    names: Sequence[community_records.MemberDuring] = data.conveners
    table = builder.fields([(role_label(member.role), f"{member.display_name}    ______________________")
                            for member in names] or [(_("Convener"), "______________________")])
    keep_together(table)


