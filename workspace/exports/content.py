"""What the results report says, gathered once: the single place its figures come from.

`report_content(enrollment)` reads the compliance engine's standing (facts, ledger) and the areas' read modules
(activities, resources, plans) with one `now`, and returns a frozen `ReportContent`. The DOCX builder, a funder's
template, the ledgers and the evidence pack all read this one object, so the report's numbers are the panel's
numbers, computed once. Labels that depend on the reader's language are not kept here: the codes are (method,
mode), and `method_label` / `mode_label` word them inside the build's `force_locale`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from flask_babel import gettext, ngettext
from sqlalchemy import select

from workspace.activities import records as activity_records
from workspace.activities.services import METHOD_LABELS, MODE_LABELS
from workspace.compliance import engine
from workspace.compliance import services as compliance
from workspace.compliance import wording as compliance_wording
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.i18n import current_locale_code, in_reader_script, local_date
from workspace.core.parsing import ROC_OFFSET, roc_date
from workspace.core.permissions import MANAGERS
from workspace.core.records import local_day
from workspace.core.urls import external_url
from workspace.exports import wording as export_wording
from workspace.exports.files import ascii_export_name, export_filename
from workspace.exports.models import ReportText
from workspace.extensions import db
from workspace.plans import records as plan_records
from workspace.resources import records as resource_records

CONVENER, CO_CONVENER = "convener", "co_convener"


def method_label(method: str) -> str:
    """An activity method in the reader's words (the activities area's own labels; the code when unknown)."""
    label = METHOD_LABELS.get(method)  # type: ignore[call-overload]
    return gettext(label) if label else method


def mode_label(mode: str) -> str:
    """An activity mode (in person, online, both) in the reader's words."""
    label = MODE_LABELS.get(mode)  # type: ignore[call-overload]
    return gettext(label) if label else mode


@dataclass(frozen=True)
class ReportActivity:
    """A held activity as the report shows it: day, method, mode, hours, who came, and its minutes (Markdown)."""

    id: int
    title: str
    day: dt.date
    method: str
    mode: str
    hours: float
    place: str
    minutes: str
    outcomes: str
    attended: int
    expected: int  # members at the time (or marked)
    rate: float | None
    photos: int
    videos: int
    length_minutes: float  # what totals add (`hours` is rounded, to show)
    attendance_taken: bool = True  # False: no one was marked (the report says so rather than "0 of 6")
    private: bool = False  # a pair's meeting or observation: counted, its minutes and photos kept to the pair
    has_minutes: bool = False  # whether minutes were written (for a private one, not what they say)


@dataclass(frozen=True)
class MethodFigure:
    """How many held activities used one method (or mode), and their hours."""

    code: str
    activities: int
    hours: float


@dataclass(frozen=True)
class Material:
    """A material or curriculum developed in the period, with its absolute link in the library."""

    kind: str  # resource (a library item), plan (a co-planned lesson) or adaptation (of one made before)
    title: str
    detail: str  # subject and grade, when known
    url: str
    adaptations: int = 0  # of a plan: its teachers' adaptations of the period, shown with it and not as rows


@dataclass(frozen=True)
class Photo:
    """A photo of a held activity's evidence, with what the report writes under it."""

    evidence_id: int
    activity_id: int
    activity_title: str
    day: dt.date
    caption: str
    filename: str
    blob_id: int
    sha256: str


@dataclass(frozen=True)
class Video:
    """The activity video the report cites: its activity's title and day, and the file's name."""

    activity_id: int
    activity_title: str
    day: dt.date
    filename: str
    blob_id: int


@dataclass(frozen=True)
class Comment:
    """A feedback comment chosen for the report, with its activity."""

    id: int
    activity_id: int
    activity_title: str
    satisfaction: int
    comment: str


@dataclass(frozen=True)
class Satisfaction:
    """Teacher satisfaction (1–5) over the held activities: answers, the average of all answers, per activity."""

    responses: int
    average: float | None
    distribution: tuple[int, int, int, int, int]
    by_activity: tuple[tuple[int, str, int, float | None], ...]  # (activity id, title, answers, average)


@dataclass(frozen=True)
class BudgetLine:
    """One budget category: what is spent and claimable, how many claims, and its caps (engine codes)."""

    key: str
    name: str  # in the report's language
    claims: int
    spent: int  # claimable, minor units (what counts against the approved amount)
    not_claimable: int
    caps: tuple[object, ...]


@dataclass(frozen=True)
class RuleLine:
    """One of the funder's rules as the panel shows it on the report's day: what it asks, where it comes from, the
    figure, the status in words and what is missing (the gaps, in the report's language)."""

    message: str
    citation: str
    figure: str
    status: str
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookLine:
    """A title of the materials book list (書單) with why it matters to the community: the funder asks for it."""

    title: str
    author: str
    relevance: str


@dataclass(frozen=True)
class ReportContent:
    """Everything the results report says about one enrolment, read once (see the module's docstring)."""

    enrollment_id: int
    community_id: int
    community_name: str
    community_slug: str
    schools: tuple[str, ...]
    program_name: str
    period_first: dt.date
    period_last: dt.date
    conveners: tuple[str, ...]  # the convener (召集人): one, by the rules, or none after they left
    co_conveners: tuple[str, ...]  # the co-conveners (副召集人), by name
    member_names: tuple[str, ...]
    members: int  # people who were members during the period, departed ones too (the reviewers' "participants"):
    # labelled "Members during the period", beside the rules' members of today
    activities: tuple[ReportActivity, ...]  # held, oldest first
    by_method: tuple[MethodFigure, ...]  # most activities first
    by_mode: tuple[MethodFigure, ...]
    by_month: tuple[tuple[dt.date, int], ...]  # (first day of the month, activities held), each month of the period
    # up to the report's day: a report of a program still running does not chart the months to come as zeros
    hours: float  # hours of held activities
    attended: int  # attendance marks present / late / left early, over held activities with attendance taken
    expected: int  # members expected, over held activities with attendance taken
    attendance_rate: float | None  # the participation page's average rate (0–1): the mean of each activity's rate
    satisfaction: Satisfaction
    chosen_comments: tuple[Comment, ...]
    materials: tuple[Material, ...]
    photos: tuple[Photo, ...]
    video: Video | None
    ledger: engine.Ledger
    budget: tuple[BudgetLine, ...]
    preface: str  # Markdown, the convener's
    culture_change: str  # Markdown, the convener's
    generated_on: dt.date
    currency: str = "TWD"
    photos_left_out: int = 0  # photos of the period not placed (photos_per_activity): the evidence pack has them
    rules: tuple[RuleLine, ...] = ()  # the program's rules, in its order, as the panel judged them
    books: tuple[BookLine, ...] = ()  # the book list, as kept on the budget page
    not_taken: int = 0  # held activities where nobody was marked: in no attendance figure (the report says how many)
    program_code: str = ""  # PLC-100: in the file's name (a community in two programs gets two reports)
    # The day the enrolment was withdrawn (wording.withdrawn_on): the report says so at its top, and gives its rules
    # without a status, the panel judging them no more.
    withdrawn_on: dt.date | None = None
    built_at: dt.datetime | None = None  # a background build's moment: its file's name carries the local time too

    @property
    def overall_rate(self) -> float | None:
        """Attended over expected, all held activities together (15 of 16: 93.8%); beside the average per activity
        (`attendance_rate`), which weighs a two-person meeting as much as a meeting of the whole community."""
        return self.attended / self.expected if self.expected else None

    def photos_per_activity(self, most: int | None) -> ReportContent:
        """The same content with at most `most` photos of each activity (the first ones kept), and the count of
        the others; None keeps them all. A report of 300 activities with every photo is hundreds of MB."""
        if most is None:
            return self
        placed: dict[int, int] = {}
        kept = []
        for photo in self.photos:
            placed[photo.activity_id] = placed.get(photo.activity_id, 0) + 1
            if placed[photo.activity_id] <= most:
                kept.append(photo)
        return replace(self, photos=tuple(kept), photos_left_out=self.photos_left_out + len(self.photos) - len(kept))

    @property
    def photos_kept_to_pairs(self) -> int:
        """Held activities whose photos stay with their pair (a pair's private meeting or observation): the panel
        counts them among the activities with photos, and the report places none of theirs."""
        return sum(1 for activity in self.activities if activity.private and activity.photos)

    @property
    def held(self) -> int:
        """Activities held in the period."""
        return len(self.activities)

    @property
    def school(self) -> str:
        """The schools, on one line."""
        return compliance_wording.listing(self.schools)

    @property
    def convener(self) -> str:
        """The convener (召集人), on one line; the co-conveners are `co_convener`."""
        return compliance_wording.listing(self.conveners)

    @property
    def co_convener(self) -> str:
        """The co-conveners (副召集人), on one line ("" when there are none)."""
        return compliance_wording.listing(self.co_conveners)


def report_text_of(enrollment: Enrollment) -> ReportText | None:
    """The convener's kept texts of the enrolment's report, or None before anything was written."""
    return db.session.scalar(select(ReportText).where(ReportText.enrollment_id == enrollment.id))


def report_content(enrollment: Enrollment, *, now: dt.datetime | None = None, timed: bool = False) -> ReportContent:
    """Gather the report of `enrollment` as of `now`: the standing's facts and ledger, and the read modules'
    rows of the program's period (one `now` for all, so every figure is of the same moment). `timed`: a background
    build, whose file's name carries the time of `now` as well as its day."""
    now = now or utcnow()
    standing = compliance.standings([enrollment], now=now)[0]
    facts = standing.facts
    period = program_period(enrollment.program)
    ids = [enrollment.community_id]
    participation = activity_records.participation(ids, period, now=now)
    texts = activity_records.activity_texts(ids, period)
    held_ids = {row.activity.id for row in participation.activities}

    activities = tuple(
        ReportActivity(row.activity.id, row.activity.title, local_day(row.activity.starts_at), row.activity.method,
                       row.activity.mode, row.activity.hours, texts[row.activity.id].place if row.activity.id in texts
                       else "", texts[row.activity.id].minutes if row.activity.id in texts else "",
                       texts[row.activity.id].outcomes if row.activity.id in texts else "", row.attended, row.members,
                       row.rate, row.activity.photos, row.activity.videos, row.activity.minutes,
                       attendance_taken=bool(row.statuses), private=row.activity.private,
                       has_minutes=row.activity.has_minutes)
        for row in participation.activities)
    titles = {activity.id: activity.title for activity in activities}
    days = {activity.id: activity.day for activity in activities}

    kept = report_text_of(enrollment)
    chosen = set(kept.chosen_feedback_ids or ()) if kept else set()
    comments = tuple(Comment(row.id, row.activity_id, titles.get(row.activity_id, ""), row.satisfaction, row.comment)
                     for row in activity_records.feedback_comments(ids, period, now=now) if row.id in chosen)

    photos = tuple(Photo(row.id, row.activity_id, titles[row.activity_id], days[row.activity_id], row.caption,
                         row.filename, row.blob_id, row.sha256)
                   for row in activity_records.evidence_files(ids, period, kinds=("photo",))
                   if row.activity_id in held_ids)
    # the videos the compliance rule "an activity video for the results report" counts, and no other
    videos = activity_records.report_videos(ids, period, now=now)
    wanted = kept.video_activity_id if kept else None
    cited = next((row for row in videos if row.activity_id == wanted), None) or (videos[0] if videos else None)
    video = (Video(cited.activity_id, titles[cited.activity_id], days[cited.activity_id], cited.filename,
                   cited.blob_id) if cited else None)

    ledger = standing.ledger
    managers = sorted({(member.role, member.name) for member in facts.members
                       if member.role in MANAGERS and member.left_on is None})
    return ReportContent(
        enrollment_id=enrollment.id, community_id=enrollment.community_id, community_name=facts.community_name,
        community_slug=enrollment.community.slug, schools=tuple(school.name for school in facts.schools),
        program_name=in_reader_script(enrollment.program.name), program_code=enrollment.program.code,
        period_first=period.first, period_last=period.last,
        conveners=tuple(name for role, name in managers if role == CONVENER),
        co_conveners=tuple(name for role, name in managers if role == CO_CONVENER),
        member_names=tuple(sorted({member.name for member in facts.members})),
        members=len({member.user_id for member in facts.members}),
        activities=activities, by_method=_figures(activities, "method"), by_mode=_figures(activities, "mode"),
        by_month=_by_month(activities, period.first, min(period.last, local_day(now))),
        hours=activity_records.total_hours(row.activity for row in participation.activities),
        attended=participation.attended, expected=participation.expected,
        attendance_rate=participation.average_rate, not_taken=participation.not_taken,
        satisfaction=_satisfaction(activity_records.feedback(ids, period, now=now), titles),
        chosen_comments=comments, materials=_materials(enrollment, ids, period), photos=photos, video=video,
        ledger=ledger, budget=tuple(BudgetLine(line.key, compliance_wording.category_name(line.name, line.names),
                                               line.claims, line.claimable, line.spent - line.claimable,
                                               tuple(line.caps))
                                    for line in ledger.lines),
        preface=kept.preface if kept else "", culture_change=kept.culture_change if kept else "",
        generated_on=local_day(now), currency=ledger.currency, rules=_rules(enrollment, standing, ledger.currency),
        books=tuple(BookLine(book.title, book.author, book.relevance) for book in budget.books_of(enrollment)),
        withdrawn_on=export_wording.withdrawn_on(enrollment, now), built_at=now if timed else None)


def _rules(enrollment: Enrollment, standing: compliance.Standing, currency: str) -> tuple[RuleLine, ...]:
    """The program's rules as the convener's panel shows them, in the language the report is written in."""
    program = enrollment.program.definition
    return tuple(RuleLine(compliance_wording.rule_message(program, result), in_reader_script(result.citation),
                          compliance_wording.figure_text(result, currency) or "—",
                          compliance_wording.status_label(result.status),
                          tuple(compliance_wording.gap_text(gap, currency, in_document=True) for gap in result.gaps))
                 for result in standing.results)


def _figures(activities: tuple[ReportActivity, ...], attribute: str) -> tuple[MethodFigure, ...]:
    """Activities and hours per method (or mode); the hours from the minutes added, rounded once."""
    counts: dict[str, list[float]] = {}
    for activity in activities:
        counts.setdefault(getattr(activity, attribute), []).append(activity.length_minutes)
    return tuple(sorted((MethodFigure(code, len(minutes), round(sum(minutes) / 60, 2))
                         for code, minutes in counts.items()),
                        key=lambda figure: (-figure.activities, -figure.hours, figure.code)))


def _by_month(activities: tuple[ReportActivity, ...], first: dt.date, last: dt.date) -> tuple[tuple[dt.date, int], ...]:
    counts: dict[dt.date, int] = {}
    for activity in activities:
        month = activity.day.replace(day=1)
        counts[month] = counts.get(month, 0) + 1
    months = []
    month = first.replace(day=1)
    while month <= last and len(months) < 60:  # a program of more than five years is charted by its first five
        months.append((month, counts.get(month, 0)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return tuple(months)


def _satisfaction(rows: list[activity_records.ActivityFeedback], titles: dict[int, str]) -> Satisfaction:
    rows = [row for row in rows if row.activity_id in titles]
    distribution = tuple(sum(row.distribution[index] for row in rows) for index in range(5))
    responses = sum(distribution)
    average = round(sum((index + 1) * count for index, count in enumerate(distribution)) / responses, 2) \
        if responses else None
    return Satisfaction(responses, average, distribution,  # type: ignore[arg-type] - five counts
                        tuple((row.activity_id, titles[row.activity_id], row.responses, row.average) for row in rows))


def _materials(enrollment: Enrollment, ids: list[int], period) -> tuple[Material, ...]:
    """The resources shared in the period, then the finished plans (the plans area's `finished`: drafts and plans
    under review are not developed material yet), each with the number of its adaptations; an adaptation is a
    row of its own only when its plan is not of the period (made before, and not taught in it)."""
    slug = enrollment.community.slug
    found = [Material("resource", row.title, " ".join(part for part in (row.subject, row.grade) if part),
                      external_url("resources.show", slug=slug, resource_id=row.id))
             for row in resource_records.shared_resources(ids, period)]
    plans = plan_records.plans(ids, period)
    listed = {row.id: row for row in plans if not row.adaptation}
    adapted: dict[int, int] = {}
    for row in plans:
        if row.adaptation and row.parent_id in listed:
            adapted[row.parent_id] = adapted.get(row.parent_id, 0) + 1
    for row in plans:
        if not row.finished or (row.adaptation and row.parent_id in listed):
            continue
        found.append(Material("adaptation" if row.adaptation else "plan", row.topic,
                              " ".join(part for part in (row.subject, row.grade) if part),
                              external_url("plans.show", slug=slug, plan_id=row.id), adapted.get(row.id, 0)))
    return tuple(found)


# -- how the report words its figures (the builder and the funders' templates alike) ----------------------


def report_filename(content: ReportContent, *parts: str) -> str:
    """成果報告-<community>[-<parts>]-<program>[-已退出]-<day>[-<time>].docx, in the reader's language: the time
    for a background build, the mark for a withdrawn enrolment."""
    return export_filename(gettext("Results report"), content.community_name, *parts, program=content.program_code,
                           mark=export_wording.withdrawn_mark(content.withdrawn_on), day=content.generated_on,
                           at=content.built_at, extension="docx")


def report_ascii_name(content: ReportContent, kind: str) -> str:
    """The report's plain ASCII name (`kind`: results-report, results-report-template), as `report_filename`."""
    return ascii_export_name(kind, program=content.program_code, withdrawn=content.withdrawn_on is not None,
                             day=content.generated_on, at=content.built_at, extension="docx")


def rules_note(content: ReportContent) -> str:
    """The line over the rules: the day the panel judged them, or, for a withdrawn enrolment, that they are no longer
    checked and so have no status (the panel gives none since; the records may have changed after that day)."""
    if content.withdrawn_on is not None:
        return gettext("The community was withdrawn from this program on %(withdrawn)s: its rules have not been "
                       "checked since, and no status is given. The figures are those of the records on %(day)s.",
                       withdrawn=local_date(content.withdrawn_on), day=local_date(content.generated_on))
    return gettext("As the compliance panel judged them on %(day)s.", day=local_date(content.generated_on))


def photos_kept_to_pairs_text(content: ReportContent) -> str:
    """Why the report places photos of fewer activities than the panel counts: a pair's private records keep
    theirs ("" when none has any), as the evidence pack's note in their folders says."""
    kept = content.photos_kept_to_pairs
    if not kept:
        return ""
    return ngettext("The photos of %(num)d mentoring meeting or observation kept to its pair stay with the pair: the "
                    "compliance panel counts them, and this report does not carry them.",
                    "The photos of %(num)d mentoring meetings or observations kept to their pairs stay with the "
                    "pairs: the compliance panel counts them, and this report does not carry them.", kept)


def percent(rate: float | None) -> str:
    """A rate (0–1) as a percentage with one decimal, or "—"."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def period_text(content: ReportContent) -> str:
    """The program's period, first and last day, in the reader's words, as the panel writes it
    (2026年8月1日至2027年7月31日, Aug 1, 2026 to Jul 31, 2027)."""
    return gettext("%(first)s to %(last)s", first=local_date(content.period_first),
                   last=local_date(content.period_last))


def members_label() -> str:
    """The figures' member count is everyone of the period, departed ones too: named so beside the rules' members of
    today (成員 6 above 5 位成員 read as a mistake)."""
    return gettext("Members during the period")


def not_taken_text(content: ReportContent) -> str:
    """How many held activities had no roll call and are left out of the attendance figures ("" when none)."""
    if not content.not_taken:
        return ""
    return ngettext("%(num)d activity without a roll call is not counted in the attendance figures.",
                    "%(num)d activities without a roll call are not counted in the attendance figures.",
                    content.not_taken)


def roc_day(value: dt.date) -> str:
    """A day in the ROC calendar as the document's language writes it: 民國115年8月1日, 民国115年8月1日, ROC 115/8/1
    (a day before 1912 stays ISO)."""
    written = roc_date(value)
    if not written.startswith("民國"):
        return written
    locale = current_locale_code()
    if locale == "en":
        return f"ROC {value.year - ROC_OFFSET}/{value.month}/{value.day}"
    return in_reader_script(written)


def roc_period_field(first: dt.date, last: dt.date, currency: str) -> list[tuple[str, str]]:
    """A cover's line with the period in the ROC calendar (民國114年8月1日至民國115年7月31日), for a program of a
    Taiwanese funder (in NT$), whose forms date everything so; none for another funder."""
    if currency != "TWD":
        return []
    return [(gettext("Period (ROC calendar)"),
             gettext("%(first)s to %(last)s", first=roc_day(first), last=roc_day(last)))]


def money(amount: int, content: ReportContent) -> str:
    """An amount as the compliance panel writes it."""
    return compliance_wording.money(amount, content.currency)
