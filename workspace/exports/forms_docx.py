"""The application form (申請書) and the implementation plan (實施計畫) as DOCX, written from the community's own
data through the one DOCX builder (core/docx.py): its convener(s), type, schools, shared vision and goals,
members, the activities planned in the program's period (held ones and those still to come), and the budget plan
(the program's categories with their caps, and the approved amount).

The two documents hold the same facts in the order each form asks: the application presents the community and
asks for the money; the plan says how the year will run (its goals, who does what, the schedule, the budget).
The members of the application are the community's now; those of the plan are everyone who was a member during
the period (a plan handed in at the end names them all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from workspace.activities import records as activity_records
from workspace.auth.labels import title_label
from workspace.communities import records as community_records
from workspace.communities.labels import community_type_label, role_label
from workspace.communities.models import Role, School
from workspace.compliance import wording as compliance_wording
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.docx import DocxBuilder
from workspace.core.records import local_day
from workspace.exports.files import DOCX, ExportFile, export_filename
from workspace.exports.ledger import method_label, mode_label, time_span
from workspace.extensions import db

CONVENERS = (Role.CONVENER.value, Role.CO_CONVENER.value)
KINDS = ("application", "implementation_plan")


@dataclass(frozen=True)
class FormData:
    """What both forms are written from, read once (a fixed number of queries)."""

    enrollment: Enrollment
    members: tuple[community_records.MemberDuring, ...]
    school_names: dict[int, str]
    community_schools: tuple[str, ...]
    activities: tuple[activity_records.ActivityRecord, ...]
    ledger: Any  # engine.Ledger: the categories with their caps
    today: dt.date

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
    school_ids = {member.school_id for member in members if member.school_id is not None}
    names = dict(db.session.execute(select(School.id, School.name).where(School.id.in_(school_ids)))) \
        if school_ids else {}
    return FormData(enrollment, tuple(members), names,
                    tuple(school.name for school in community_records.schools_of(ids)),
                    tuple(activity_records.activities(ids, period, now=now)), budget.ledger(enrollment),
                    local_day(now))


def application(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """The application form (申請書) in `language`."""
    return _build(enrollment, "application", language, now=now)


def implementation_plan(enrollment: Enrollment, language: str, *, now: dt.datetime | None = None) -> ExportFile:
    """The implementation plan (實施計畫) in `language`."""
    return _build(enrollment, "implementation_plan", language, now=now)


def document_title(kind: str) -> str:
    return _("Application form") if kind == "application" else _("Implementation plan")


def _build(enrollment: Enrollment, kind: str, language: str, *, now: dt.datetime | None) -> ExportFile:
    with force_locale(language):
        data = read(enrollment, kind, now=now)
        community, program = enrollment.community, enrollment.program
        title = document_title(kind)
        builder = DocxBuilder(language=language, title=f"{title} {community.name}",
                              footer=f"{community.name} · {program.name}")
        builder.cover(title, subtitle=community.name, fields=_cover_fields(data))
        for number, section in enumerate((_goals, _members, _activities, _budget), start=1):
            section(builder, data, number)
        _signatures(builder, data)
        filename = export_filename(title, community.name, day=data.today, extension="docx")
        return ExportFile(filename, DOCX, data=builder.to_bytes())


def _cover_fields(data: FormData) -> list[tuple[str, str]]:
    enrollment = data.enrollment
    program = enrollment.program
    currency = data.ledger.currency
    conveners = [member for member in data.conveners if member.role == Role.CONVENER.value]
    co_conveners = [member for member in data.conveners if member.role == Role.CO_CONVENER.value]
    return [
        (_("Community"), enrollment.community.name),
        (_("Community type"), community_type_label(enrollment.community.kind)),
        (_("Schools"), "、".join(data.community_schools)),
        (_("Convener"), "、".join(member.display_name for member in conveners)),
        (_("Co-conveners"), "、".join(member.display_name for member in co_conveners)),
        (_("Members"), str(len(data.members))),
        (_("Program"), program.name),
        (_("Period"), f"{program.first_day.isoformat()} – {program.last_day.isoformat()}"),
        (_("Approved amount"), compliance_wording.money(enrollment.approved_amount, currency)),
    ]


def _goals(builder: DocxBuilder, data: FormData, number: int) -> None:
    community = data.enrollment.community
    builder.heading(f"{number}. {_('Shared vision and goals')}")
    builder.markdown(community.vision or "", empty="—")
    builder.heading(_("Description"), level=2)
    builder.markdown(community.description or "", empty="—")


def _members(builder: DocxBuilder, data: FormData, number: int) -> None:
    builder.heading(f"{number}. {_('Members')}")
    rows = [[member.display_name, role_label(member.role), data.school_names.get(member.school_id or 0, ""),
             title_label(member.title), "、".join(member.subjects)] for member in data.members]
    builder.table(rows, header=[_("Full name"), _("Role"), _("School"), _("Professional title"), _("Subjects")])


def _activities(builder: DocxBuilder, data: FormData, number: int) -> None:
    builder.heading(f"{number}. {_('Planned activities')}")
    if not data.activities:
        builder.paragraph(_("No activity is planned in the program's period yet."))
        return
    rows = [[local_day(activity.starts_at).isoformat(), time_span(activity), activity.title,
             method_label(activity.method), mode_label(activity.mode), _format_hours(activity.hours),
             _("Held") if activity.held else _("Scheduled")] for activity in data.activities]
    builder.table(rows, header=[_("Date"), _("Time"), _("Title"), _("Method"), _("Mode"), _("Hours"),
                                _("Status")])
    total = sum(activity.hours for activity in data.activities)
    builder.paragraph(_("%(count)s activities, %(hours)s hours in all.", count=len(data.activities),
                        hours=_format_hours(total)))


def _budget(builder: DocxBuilder, data: FormData, number: int) -> None:
    """The program's categories (in its order) with their caps, then the approved amount."""
    builder.heading(f"{number}. {_('Budget plan')}")
    ledger = data.ledger
    lines = {line.key: line for line in ledger.lines}
    rows = []
    for category in budget.categories(data.enrollment):
        line = lines.get(category["key"])
        caps = "; ".join(compliance_wording.cap_text(cap, ledger.currency) for cap in line.caps) if line else ""
        rows.append([category.get("name", category["key"]), caps])
    builder.table(rows, header=[_("Category"), _("Caps")])
    builder.fields([(_("Approved amount"), compliance_wording.money(ledger.approved, ledger.currency))])


def _signatures(builder: DocxBuilder, data: FormData) -> None:
    builder.paragraph()
    names: Sequence[community_records.MemberDuring] = data.conveners
    builder.fields([(role_label(member.role), f"{member.display_name}    ______________________")
                    for member in names] or [(_("Convener"), "______________________")])


def _format_hours(hours: float) -> str:
    return f"{hours:g}"
