"""Submissions to the reviewers (submit, return with comments, answer and submit again, approve), the
reviewers' appraisal at the end of a period, deliverables marked done, and the reviewers' table of every
enrolled community in scope with the county's totals per school (附件1).

A submission keeps a snapshot: the program's definition and every rule's result on the day it was handed in,
so what was judged is never rewritten by a later edit of the program or the records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workspace.communities.models import Community
from workspace.compliance import engine, wording
from workspace.compliance.engine import RuleResult, Status
from workspace.compliance.engine.membership import MEMBER_ROLES, member_within
from workspace.compliance.models import (
    Appraisal,
    Deliverable,
    Enrollment,
    Program,
    Submission,
    SubmissionStatus,
)
from workspace.compliance.services import notices
from workspace.compliance.services.standing import STATUS_ORDER, Standing, standings
from workspace.core.cache import EPOCH_SCOPE, SITE_SCOPE, CacheCounter, community_scope, store
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, ValidationError
from workspace.core.i18n import local_date
from workspace.core.models import record_event
from workspace.core.permissions import scope
from workspace.core.records import add_months, local_day
from workspace.core.text import clean_line
from workspace.extensions import db

MAX_NOTE = 4000
RATINGS = {"excellent": _l("Excellent (優等)"), "good": _l("Good (甲等)"), "fair": _l("Fair (乙等)"),
           "poor": _l("Poor (丙等)")}
logger = logging.getLogger(__name__)
DELIVERABLE_ITEMS = ("results_report", "application", "implementation_plan")  # marked by hand, with a file

submission_recorded = Namespace().signal("compliance.submission-recorded")
"""Sent by the submit route once a round is committed (sender: the Submission; `actor=`, `language=`): the exports
area freezes the files handed in with it. Compliance does not know who listens (exports reads compliance)."""


# --- snapshots -------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A result as JSON can keep it (dates as ISO text, statuses as their value)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Status):
        return value.value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value):
        return _plain(dataclasses.asdict(value))
    return value


def snapshot(standing: Standing) -> dict[str, Any]:
    """What a submission keeps of the standing: the program as it was and each rule's result that day."""
    enrollment = standing.enrollment
    ledger = standing.ledger
    return {"today": standing.today.isoformat(), "program": enrollment.program.definition,
            "program_version": enrollment.program.version, "approved_amount": enrollment.approved_amount,
            "results": [_plain(result) for result in standing.results],
            "ledger": {"approved": ledger.approved, "spent": ledger.spent, "remaining": ledger.remaining}}


class EnrollmentAsSubmitted:
    """An enrolment as one of its submissions saw it: the program's definition, period, name and currency, and the
    approved amount, as the snapshot kept them; everything else (its community, its records) read live.

    The files frozen with a submission are built by a job that runs after the round is committed: built from the
    live program, a rule changed in that minute made the kept report contradict the round's own page. Its program
    is a Program never added to a session (nothing of it can be written)."""

    def __init__(self, enrollment: Enrollment, submission: Submission) -> None:
        kept = submission.snapshot or {}
        definition = kept.get("program") or enrollment.program.definition
        live = enrollment.program
        period = definition.get("period") or {}
        self._enrollment = enrollment
        self.program = Program(
            id=live.id, key=live.key, name=definition.get("name", live.name),
            currency=definition.get("currency", live.currency),
            first_day=dt.date.fromisoformat(period["first"]) if period.get("first") else live.first_day,
            last_day=dt.date.fromisoformat(period["last"]) if period.get("last") else live.last_day,
            definition=definition, preset_key=live.preset_key,
            version=kept.get("program_version", live.version), archived_at=live.archived_at)
        self.approved_amount = kept.get("approved_amount", enrollment.approved_amount)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._enrollment, name)


DAY_PARAMS = frozenset({"day", "by", "due", "month", "joined", "left", "term_last", "spent_on"})  # gap params: days


def _day(key: str, value: Any) -> Any:
    """A gap's day parameter as a date again (JSON kept it as ISO text)."""
    if key in DAY_PARAMS and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def snapshot_results(submission: Submission) -> list[RuleResult]:
    """The results a submission kept, as the engine's rows again (for the same template as the live panel)."""
    def revive(data: dict[str, Any]) -> RuleResult:
        values = dict(data)
        values["status"] = Status(values["status"])
        for key in ("window_first", "window_last"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        values["counted"] = tuple(tuple(pair) for pair in values.get("counted", ()))
        values["gaps"] = tuple(engine.Gap(gap["code"], {key: _day(key, value) for key, value in
                                                        gap.get("params", {}).items()})
                               for gap in values.get("gaps", ()))
        values["parts"] = tuple(revive(part) for part in values.get("parts", ()))
        return RuleResult(**values)

    return [revive(data) for data in submission.snapshot.get("results", ())]


# --- submissions -----------------------------------------------------------------------------------------


def submissions_of(enrollment_ids: Sequence[int]) -> dict[int, list[Submission]]:
    """Every round of submission of these enrolments, oldest first, with who decided each (two queries)."""
    found: dict[int, list[Submission]] = defaultdict(list)
    if enrollment_ids:
        for submission in db.session.scalars(
                select(Submission).where(Submission.enrollment_id.in_(list(enrollment_ids)))
                .options(selectinload(Submission.decided_by))
                .order_by(Submission.enrollment_id, Submission.number)):
            found[submission.enrollment_id].append(submission)
    return found


def _note(text: str | None, field: str = "note") -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError(_("Keep it under %(max)d characters.", max=MAX_NOTE), field)
    return text


def submit(standing: Standing, note: str, actor: Any) -> Submission:
    """Hand the enrolment's standing to the reviewers (a new round after a return); the reviewers in scope are told."""
    enrollment = standing.enrollment
    if not enrollment.confirmed:
        raise ValidationError(_("The enrolment is not confirmed yet: it cannot be submitted."))
    rounds = submissions_of([enrollment.id]).get(enrollment.id, [])
    if rounds and rounds[-1].status == SubmissionStatus.SUBMITTED.value:
        raise Conflict(_("This enrolment is already with the reviewers."))
    if rounds and rounds[-1].status == SubmissionStatus.APPROVED.value:
        raise Conflict(_("This enrolment is approved: there is nothing to submit."))
    text = _note(note)
    if rounds and not text:
        raise ValidationError(_("Answer the reviewer's comments before submitting again."), "note")
    submission = Submission(enrollment_id=enrollment.id, number=len(rounds) + 1, note=text,
                            snapshot=snapshot(standing), submitted_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:  # the same round sent by another request meanwhile (a double click on a slow line)
        raise Conflict(_("This enrolment is already with the reviewers.")) from None
    record_event(actor, "submission.submitted", submission, enrollment.community, program=enrollment.program.name,
                 number=submission.number)
    notices.submitted(submission, actor)
    return submission


def decide(submission: Submission, approve: bool, comment: str, actor: Any) -> None:
    """A reviewer approves the submission, or returns it with comments (required) for the convener to answer; the
    community's conveners are told, with the comment."""
    if submission.status != SubmissionStatus.SUBMITTED.value:
        raise Conflict(_("This submission was already decided."))
    text = _note(comment, "comment")
    if not approve and not text:
        raise ValidationError(_("Say what the convener should change: the comment goes back with the submission."),
                              "comment")
    submission.status = (SubmissionStatus.APPROVED if approve else SubmissionStatus.RETURNED).value
    submission.comment = text
    submission.decided_by_id = getattr(actor, "id", None)
    submission.decided_at = utcnow()
    enrollment = submission.enrollment
    record_event(actor, "submission.approved" if approve else "submission.returned", submission,
                 enrollment.community, program=enrollment.program.name, number=submission.number)
    notices.decided(submission, actor)


# --- appraisal and deliverables ----------------------------------------------------------------------------


def appraise(enrollment: Enrollment, rating: str, comment: str, actor: Any) -> Appraisal:
    """Record (or replace) the reviewer's appraisal of the enrolment."""
    if rating not in RATINGS:
        raise ValidationError(_("Choose a rating."), "rating")
    text = _note(comment, "comment")
    appraisal = db.session.scalar(select(Appraisal).where(Appraisal.enrollment_id == enrollment.id))
    before = appraisal.rating if appraisal is not None else None
    if appraisal is None:
        appraisal = Appraisal(enrollment_id=enrollment.id)
        db.session.add(appraisal)
    appraisal.rating, appraisal.comment = rating, text
    appraisal.appraised_by_id, appraisal.appraised_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    record_event(actor, "enrollment.appraised", appraisal, enrollment.community, program=enrollment.program.name,
                 before=before, after=rating)
    return appraisal


def appraisals_of(enrollment_ids: Sequence[int]) -> dict[int, Appraisal]:
    """The appraisals of these enrolments (one query)."""
    if not enrollment_ids:
        return {}
    return {appraisal.enrollment_id: appraisal for appraisal in db.session.scalars(
        select(Appraisal).where(Appraisal.enrollment_id.in_(list(enrollment_ids))))}


def _live_deliverable(enrollment: Enrollment, item: str) -> Deliverable | None:
    return db.session.scalar(select(Deliverable).where(Deliverable.enrollment_id == enrollment.id,
                                                       Deliverable.item == item, Deliverable.live))


def _same_mark(current: Deliverable | None, done_on: dt.date, stored: Any) -> bool:
    """Whether marking again says nothing new: the same item, the same day and no other file (a double submit)."""
    return (current is not None and current.done_on == done_on
            and (stored is None or getattr(stored.blob, "id", None) == current.blob_id))


def mark_done(enrollment: Enrollment, item: str, done_on: dt.date | None, note: str, actor: Any, *,
              stored: Any = None, today: dt.date | None = None) -> Deliverable:
    """Mark a deliverable done on a day up to today (local), with its file (a results report, the application …).

    An item has one live record. The same mark again (same day, no other file: a double submit) is that record;
    a mark with another day or another file (a corrected report) supersedes it, the old one kept out of the live
    set with a pointer to the new one (the funder's first delivery still dates the rule: see gather)."""
    if item not in DELIVERABLE_ITEMS:
        raise ValidationError(_("Choose what was delivered."), "item")
    if done_on is None:
        raise ValidationError(_("Enter the day it was done, such as 2027-06-20 or 116/06/20."), "done_on")
    today = today or local_day(utcnow())
    if done_on > today:  # a deliverable marked ahead would count as on time before it exists
        # the item named: a refusal for the application said 成果 (results) when it named none
        raise ValidationError(_("The %(item)s is marked done once it is done: enter a day up to today, %(today)s.",
                                item=wording.item_text(item), today=local_date(today)), "done_on")
    earliest = add_months(enrollment.program.first_day, -12)
    latest = add_months(enrollment.program.last_day, 12)
    if not earliest <= done_on <= latest:  # a year either side of the period: a slip of the keyboard beyond
        raise ValidationError(_("Enter a day from %(first)s to %(last)s: the program's period, with a year either "
                                "side.", first=local_date(earliest), last=local_date(latest)), "done_on")
    text = clean_line(note or "")[:500]
    current = _live_deliverable(enrollment, item)
    if _same_mark(current, done_on, stored):
        if text and text != current.note:
            current.note = text
        return current
    deliverable = Deliverable(enrollment_id=enrollment.id, item=item, done_on=done_on, note=text,
                              created_by_id=getattr(actor, "id", None))
    if stored is not None:
        deliverable.blob, deliverable.filename = stored.blob, stored.filename
    try:
        with db.session.begin_nested():
            if current is not None:
                current.deleted_at = utcnow()
                db.session.flush()  # out of the live set before the new row takes its place (one live per item)
            db.session.add(deliverable)
            db.session.flush()
    except IntegrityError:  # the same item marked meanwhile by another request (two presses of "Mark done")
        db.session.expire_all()
        found = _live_deliverable(enrollment, item)
        if _same_mark(found, done_on, stored):
            return found
        raise Conflict(_("This deliverable was marked meanwhile: look at the panel again before marking it.")) \
            from None
    if current is not None:
        current.superseded_by_id = deliverable.id
        db.session.flush()
        record_event(actor, "deliverable.replaced", deliverable, enrollment.community,
                     program=enrollment.program.name, item=item, replaced=current.id)
    else:
        record_event(actor, "deliverable.marked", deliverable, enrollment.community, program=enrollment.program.name,
                     item=item)
    return deliverable


def unmark(deliverable: Deliverable, actor: Any) -> None:
    """Take a deliverable back (kept, removed)."""
    deliverable.deleted_at = utcnow()
    record_event(actor, "deliverable.unmarked", deliverable, deliverable.enrollment.community,
                 item=deliverable.item)


def deliverables_of(enrollment_ids: Sequence[int]) -> dict[int, list[Deliverable]]:
    """What is marked done for these enrolments (one live record per item: the latest), by enrolment, by day
    (one query)."""
    found: dict[int, list[Deliverable]] = defaultdict(list)
    if enrollment_ids:
        for deliverable in db.session.scalars(
                select(Deliverable).where(Deliverable.enrollment_id.in_(list(enrollment_ids)), Deliverable.live)
                .order_by(Deliverable.done_on, Deliverable.id)):
            found[deliverable.enrollment_id].append(deliverable)
    return found


# --- the reviewers' table ----------------------------------------------------------------------------------

ROW_SECONDS = 3600  # as the panel's page: statuses move with the date (a window closes), so re-judged hourly
ROW_FORMAT = 6  # bump when RowFigures changes (its shape, or how a figure is counted), so that rows kept in the
# store before are not read


def in_status_order(tally: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """A tally of rules per status in one fixed order, the worst first, so that a column reads down alike."""
    return tuple(sorted(tally.items(), key=lambda item: STATUS_ORDER.index(item[0])
                        if item[0] in STATUS_ORDER else len(STATUS_ORDER)))


@dataclass(frozen=True)
class RowFigures:
    """What the reviewers' table shows of one enrolment's standing: small enough to keep per enrolment."""

    tally: tuple[tuple[str, int], ...]  # (status, how many rules), the worst first (STATUS_ORDER)
    worst: str  # the worst status of its rules (waived and not applicable left out)
    held: int  # every activity held in the period so far
    participants: int  # members during the period
    schools: tuple[str, ...]
    approved: int
    spent: int
    remaining: int
    currency: str
    members: tuple[int, ...] = ()  # who they are (user ids): a community in two programs counts its people once
    counted: int | None = None  # the activities the program's main count rule accepts so far (the panel's chart)
    target: int | None = None  # that rule's target (None: the program has no activity count)

    @classmethod
    def of(cls, standing: Standing) -> RowFigures:
        """The figures of a standing judged now."""
        ledger = standing.ledger
        # The community's people, as its member rule counts them: a guest expert is no participant (the panel's
        # "6 members" and the table's 7 disagreed), nor one who was a member at the end of no day of the period
        # (QA13: the admin who created the community and left three minutes later made 6 of its 5 members).
        program = standing.enrollment.program
        members = tuple(sorted({member.user_id for member in standing.facts.members if member.role in MEMBER_ROLES
                                and member_within(member, program.first_day, program.last_day)}))
        chart = standing.burn_up
        return cls(in_status_order(standing.tally),
                   engine.results.worst([result.status for result in standing.results]).value,
                   sum(1 for activity in standing.facts.activities if activity.held), len(members),
                   tuple(school.name for school in standing.facts.schools),
                   ledger.approved, ledger.spent, ledger.remaining, ledger.currency, members,
                   chart.counted if chart is not None else None, chart.target if chart is not None else None)

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RowFigures:
        values = json.loads(data)
        values["tally"] = tuple((status, count) for status, count in values["tally"])
        values["schools"] = tuple(values["schools"])
        values["members"] = tuple(values.get("members", ()))
        return cls(**values)


@dataclass(frozen=True)
class ReviewRow:
    """One enrolled community in a reviewer's table."""

    enrollment: Enrollment
    figures: RowFigures
    last_submission: Submission | None
    appraisal: Appraisal | None

    @property
    def worst(self) -> str:
        """The worst status of its rules (waived and not applicable left out): what the row is sorted by."""
        return self.figures.worst

    @property
    def tally(self) -> dict[str, int]:
        """How many rules are in each status, the worst first (not met, at risk, on track, met)."""
        return dict(in_status_order(dict(self.figures.tally)))

    @property
    def held(self) -> int:
        """Every activity held in the period so far (whether or not a rule counts it)."""
        return self.figures.held

    @property
    def counted(self) -> int | None:
        """The activities the main count rule accepts so far, as the panel's chart counts them (None: no such rule)."""
        return self.figures.counted

    @property
    def participants(self) -> int:
        return self.figures.participants

    @property
    def schools(self) -> tuple[str, ...]:
        return self.figures.schools

    @property
    def ledger(self) -> RowFigures:
        """Approved, spent, remaining and the currency (the figures carry them)."""
        return self.figures


@dataclass(frozen=True)
class Funds:
    """Money of one currency in a total (NT$ and ¥ are never added together): approved and left over, of the
    confirmed enrolments only; what is left sums the enrolments with something left, their overruns summed apart
    (`overrun`: one community's overspending never eats another's unspent funds); and the amounts of enrolments
    waiting for confirmation (`waiting`: a figure the convener typed, not an approved grant), never added in."""

    currency: str
    approved: int
    remaining: int
    overrun: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class SchoolTotal:
    """The county's figures for one school (附件1): the communities it leads with a confirmed enrolment and their
    names (each once, however many programs it is enrolled in), their participants (each community's people once),
    the funds approved and left in each currency; the communities it takes part in that another school leads
    (`partners`: (community, lead school)), whose figures are counted at that school; and its communities whose
    enrolments all wait for confirmation (`waiting`), named apart, their amounts in `Funds.waiting`."""

    school: str
    communities: tuple[str, ...]
    participants: int
    funds: tuple[Funds, ...] = ()
    partners: tuple[tuple[str, str], ...] = ()
    waiting: tuple[str, ...] = ()  # its communities with no confirmed enrolment yet: named apart, not counted


@dataclass(frozen=True)
class CurrencyTotal:
    """All the rows funded in one currency: the communities with a confirmed enrolment (each once, their
    participants once), approved, left, overrun, and the amounts waiting for confirmation (as `Funds`)."""

    currency: str
    communities: int
    participants: int
    approved: int
    remaining: int
    overrun: int = 0
    waiting: int = 0


def _row_keys(enrollments: Sequence[Enrollment], now: dt.datetime) -> dict[int, str]:
    """The store key of each enrolment's figures: its community's write counter and the site's (programs,
    schools and names bump the site), and the hour (one query). Any write that could change a standing bumps
    one of them, so a kept row is never stale beyond the hour the panel's page also keeps."""
    community_ids = sorted({enrollment.community_id for enrollment in enrollments})
    counters = {(kind, scope_id): value for kind, scope_id, value in db.session.execute(
        select(CacheCounter.kind, CacheCounter.scope_id, CacheCounter.value).where(or_(
            and_(CacheCounter.kind == community_scope(0)[0], CacheCounter.scope_id.in_(community_ids)),
            and_(CacheCounter.kind == SITE_SCOPE[0], CacheCounter.scope_id == SITE_SCOPE[1]),
            and_(CacheCounter.kind == EPOCH_SCOPE[0], CacheCounter.scope_id == EPOCH_SCOPE[1]))))}
    site = f"{counters.get(SITE_SCOPE, 0)}.{counters.get(EPOCH_SCOPE, 0)}"  # a restore makes every kept row stale
    bucket = int(now.timestamp() // ROW_SECONDS)
    return {enrollment.id: hashlib.sha256(
        f"compliance-row/{ROW_FORMAT}/{enrollment.id}/{enrollment.program_id}/"
        f"{counters.get(community_scope(enrollment.community_id), 0)}/{site}/{bucket}".encode()).hexdigest()
        for enrollment in enrollments}


def row_figures(enrollments: Sequence[Enrollment], *, now: dt.datetime | None = None) -> dict[int, RowFigures]:
    """Each enrolment's figures, by enrolment id: kept ones from the page store (under their community's write
    counter), the others judged now in one gathering for all of them and kept. A write in one community
    re-judges that community only; with the page cache off (PAGE_CACHE=0) every one is judged."""
    now = now or utcnow()
    keys = _row_keys(enrollments, now) if current_app.config.get("PAGE_CACHE", True) else {}
    found: dict[int, RowFigures] = {}
    for enrollment in enrollments:
        kept = store.get(keys[enrollment.id]) if enrollment.id in keys else None
        if kept is not None:
            try:
                found[enrollment.id] = RowFigures.from_json(kept[0])
            except (ValueError, TypeError, KeyError):
                logger.warning("compliance: a kept row of enrolment %s could not be read", enrollment.id)
    missing = [enrollment for enrollment in enrollments if enrollment.id not in found]
    for standing in standings(missing, now=now) if missing else ():
        figures = found[standing.enrollment.id] = RowFigures.of(standing)
        if standing.enrollment.id in keys:
            store.put(keys[standing.enrollment.id], figures.to_json(), "application/json")
    return found


def review_table(viewer: Any, *, program_id: int | None = None) -> list[ReviewRow]:
    """Every live enrolment of a community the viewer reviews (all for an admin), judged today, in a fixed
    number of queries whatever the number of communities, activities or expenses (the standings gathered only
    for the communities written in since they were last judged: see row_figures)."""
    query = (select(Enrollment).join(Community, Community.id == Enrollment.community_id)
             .where(Enrollment.live, scope(viewer, "review", Community))
             .options(selectinload(Enrollment.program), selectinload(Enrollment.community))
             .order_by(Community.name, Enrollment.id))
    if program_id is not None:
        query = query.where(Enrollment.program_id == program_id)
    enrollments = list(db.session.scalars(query))
    if not enrollments:
        return []
    figures = row_figures(enrollments)
    ids = [enrollment.id for enrollment in enrollments]
    rounds, appraisals = submissions_of(ids), appraisals_of(ids)
    return [ReviewRow(enrollment, figures[enrollment.id], (rounds.get(enrollment.id) or [None])[-1],
                      appraisals.get(enrollment.id)) for enrollment in enrollments]


ATTENTION = frozenset({"not_met", "at_risk"})


def _money_order(row: ReviewRow, amount: int) -> tuple[str, int, str]:
    """A money sort's key: the currency first (¥ kept in fen and NT$ in dollars never compared), then the amount,
    the largest first, then the name."""
    return row.figures.currency, -amount, row.enrollment.community.name


ROW_ORDERS: dict[str, Any] = {
    "status": lambda row: (STATUS_ORDER.index(row.worst), row.enrollment.community.name),
    "name": lambda row: (row.enrollment.community.name,),
    "activities": lambda row: (-row.held, row.enrollment.community.name),
    "remaining": lambda row: _money_order(row, row.figures.remaining),
}
"""How the reviewers' table may be sorted (?sort=): every money sort groups the rows by currency."""


def sort_rows(rows: Sequence[ReviewRow], order: str) -> list[ReviewRow]:
    """The rows in one of ROW_ORDERS (an unknown one: by status, the worst first)."""
    return sorted(rows, key=ROW_ORDERS.get(order, ROW_ORDERS["status"]))


def needing_attention(rows: Sequence[ReviewRow]) -> list[ReviewRow]:
    """The rows with a rule at risk or not met (a display filter: the totals are counted from every row)."""
    return [row for row in rows if row.worst in ATTENTION]


def _community_people(rows: Iterable[ReviewRow]) -> dict[int, set[int]]:
    """The people of each community across its enrolments (one set per community, whatever its programs)."""
    people: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        people[row.enrollment.community_id].update(row.figures.members)
    return people


def _headcount(people: dict[int, set[int]], community_ids: Iterable[int]) -> int:
    """The teachers taking part in these communities, each once: one in two communities of a school is one of its
    participants (QA: 6 + 5 made 11 for 8 teachers)."""
    return len(set().union(*(people[community_id] for community_id in community_ids)))


MONEY = ("approved", "remaining", "overrun", "waiting")  # the amounts a total adds up, in Funds' order


def row_money(row: ReviewRow) -> dict[str, int]:
    """What one row adds to a total: a confirmed enrolment its approved amount, what is left (nothing when it is
    overspent) and its overrun (how far past the approved amount); an enrolment waiting for confirmation only its
    amount as `waiting`, which is not an approved grant (the convener typed it)."""
    figures = row.figures
    if not row.enrollment.confirmed:
        return {"approved": 0, "remaining": 0, "overrun": 0, "waiting": figures.approved}
    return {"approved": figures.approved, "remaining": max(figures.remaining, 0),
            "overrun": max(-figures.remaining, 0), "waiting": 0}


def _add(money: dict[str, int], row: ReviewRow) -> None:
    for key, amount in row_money(row).items():
        money[key] = money.get(key, 0) + amount


def _funds(money: dict[str, dict[str, int]]) -> tuple[Funds, ...]:
    return tuple(Funds(currency, *(amounts.get(key, 0) for key in MONEY)) for currency, amounts
                 in sorted(money.items()))


def school_totals(rows: Sequence[ReviewRow]) -> list[SchoolTotal]:
    """The rows summed per school, as the county's form asks. A community counts once at its school, however many
    programs it is enrolled in: its name once, its participants each once over all the school's communities (a
    teacher in two of them is one participant), the amounts of each of its enrolments added (each is a grant). A
    community of several schools (an urban–rural one: a core school and member schools) counts once, at its first
    school (the core school), so that the column of approved amounts adds up to what was granted;
    the other schools list it among the communities they take part in. Money is totalled per currency (NT$ and ¥
    never add up). Only confirmed enrolments are grants: a community whose enrolments all wait for confirmation is
    named apart (`waiting`) and not counted, and amounts waiting for confirmation are summed apart (see row_money).
    Pass every row in scope: the totals must not follow a display filter."""
    people = _community_people(row for row in rows if row.enrollment.confirmed)
    totals: dict[str, dict[str, Any]] = {}

    def entry(school: str) -> dict[str, Any]:
        return totals.setdefault(school, {"communities": {}, "waiting": {}, "money": {}, "partners": {}})

    for row in rows:
        community = row.enrollment.community
        lead, *others = row.schools or (_("(no school)"),)
        counted = entry(lead)
        if row.enrollment.confirmed:
            counted["communities"].setdefault(community.id, community.name)
            for school in others:
                entry(school)["partners"].setdefault(community.id, (community.name, lead))
        else:
            counted["waiting"].setdefault(community.id, community.name)
        _add(counted["money"].setdefault(row.figures.currency, {}), row)
    return [SchoolTotal(school, tuple(values["communities"].values()),
                        _headcount(people, values["communities"]),
                        _funds(values["money"]), tuple(values["partners"].values()),
                        tuple(name for community_id, name in values["waiting"].items()
                              if community_id not in values["communities"]))
            for school, values in sorted(totals.items())]


def currency_totals(rows: Sequence[ReviewRow]) -> list[CurrencyTotal]:
    """All the rows summed per currency: the communities funded in it by a confirmed enrolment (each once, every
    participant once), the amounts approved, left over and overrun, and those waiting for confirmation apart
    (see row_money). Pass every row in scope."""
    people = _community_people(row for row in rows if row.enrollment.confirmed)
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = totals.setdefault(row.figures.currency, {"communities": set(), "money": {}})
        if row.enrollment.confirmed:
            entry["communities"].add(row.enrollment.community_id)
        _add(entry["money"], row)
    return [CurrencyTotal(currency, len(values["communities"]), _headcount(people, values["communities"]),
                          *(values["money"].get(key, 0) for key in MONEY))
            for currency, values in sorted(totals.items())]


def headcount(rows: Sequence[ReviewRow]) -> tuple[int, int]:
    """The communities funded by a confirmed enrolment and their participants, each once whatever the currency:
    the line under the per-currency totals when there are several (a community in an NT$ and a ¥ program was in
    both, and adding the two lines counted it, and its people, twice)."""
    confirmed = [row for row in rows if row.enrollment.confirmed]
    communities = {row.enrollment.community_id for row in confirmed}
    return len(communities), _headcount(_community_people(confirmed), communities)


def pending_count(viewer: Any) -> int:
    """How many submissions wait for this reviewer (one query)."""
    return db.session.scalar(
        select(func.count(Submission.id)).join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Community, Community.id == Enrollment.community_id)
        .where(Submission.status == SubmissionStatus.SUBMITTED.value, scope(viewer, "review", Community))) or 0
