"""What the compliance engine reads: a community's records for one program period, as plain frozen rows.

The engine (`workspace.compliance.engine`) is pure: it takes these facts, a program's rules and today's local
date, and returns a result per rule. It never touches the database. `workspace.compliance.gather` builds the
facts from the area read modules (activities, communities, plans, resources) and from compliance's own
tables (expenses, deliverables, book list). Every date here is a local calendar day in the deployment's time
zone, so a window "2011-01-01 to 2012-06-30" includes its first and last day; money is in integer minor units
(NT$ has no minor unit in practice, but the unit is the currency's smallest, never a float).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SchoolFact:
    """A school taking part: the community's own school, or one of an urban–rural community's schools."""

    id: int
    name: str
    class_count: int
    in_evaluation_programme: bool
    role: str = "own"  # own (the community's school), core (URC core school) or member (URC member school)


@dataclass(frozen=True)
class MemberFact:
    """A person who was a member at some time in the period (a member who left counts for their time).

    One per person: one who left and came back has `stints` (joined_on, left_on) of the period, oldest first, and
    is a member only within them; `joined_on` is the first stint's, `left_on` the last's."""

    user_id: int
    name: str
    role: str  # convener, co_convener, member, mentor, guest_expert
    school_id: int | None
    in_evaluation_programme: bool
    joined_on: dt.date
    left_on: dt.date | None  # None: still a member
    title: str = ""  # professional title (職稱), e.g. 中級 / intermediate; URC's mentor rule reads it
    subjects: tuple[str, ...] = ()
    stints: tuple[tuple[dt.date, dt.date | None], ...] = ()  # empty: the one (joined_on, left_on)

    @property
    def spans(self) -> tuple[tuple[dt.date, dt.date | None], ...]:
        """Their stints, oldest first: (joined_on, left_on or None)."""
        return self.stints or ((self.joined_on, self.left_on),)


@dataclass(frozen=True)
class ActivityFact:
    """An activity that is not cancelled, dated in the period (held or still to come)."""

    id: int
    title: str
    day: dt.date  # the local day it starts
    minutes: int  # its length
    method: str  # activities.models.Method value
    mode: str  # offline, online, hybrid
    held: bool  # over by now; an activity still to come counts for nothing yet
    subjects: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # e.g. 同步課堂, 送教下鄉
    school_ids: tuple[int, ...] = ()  # the schools it was held at or sent to (URC)
    has_minutes: bool = False
    photos: int = 0
    videos: int = 0
    documents: int = 0
    sheets: int = 0  # scanned sign-in sheets
    attendees: frozenset[int] = frozenset()  # user ids marked present, late or left early
    attendance_taken: bool = False  # anyone marked at all
    marked: frozenset[int] = frozenset()  # user ids with any mark (come or not)
    named_only: bool = False  # only those marked were expected (a pair's meeting recorded by mentoring)
    private: bool = False  # a pair's meeting or observation: named only to the pair, the conveners and admins
    report_videos: int = 0  # of `videos`, those the results report may cite (activities.records: none of a private one)


@dataclass(frozen=True)
class ExpenseFact:
    """One expense of the enrolment's budget ledger."""

    id: int
    category: str  # a category key of the program's budget rules, e.g. external_speaker_hourly
    day: dt.date
    amount: int  # minor units
    hours: float | None = None  # for per-hour caps
    persons: int | None = None  # for per-person-session caps
    claimable: bool = True  # False: kept in the ledger, marked not claimable (it broke a cap)
    activity_id: int | None = None
    has_receipt: bool = False
    payee: str = ""  # whom it was paid to: names the expense in a gap ("the expense of 3 May to 林講師")
    description: str = ""  # what it was for: names it when no payee was typed ("the 研習茶水 of 3 May")


@dataclass(frozen=True)
class LinkedActivityFact:
    """An activity an expense belongs to that counts for nothing: cancelled, or dated outside the period."""

    id: int
    day: dt.date  # the local day it starts
    cancelled: bool  # False: not cancelled, but outside the period (moved out of it)


@dataclass(frozen=True)
class DeliverableFact:
    """A deliverable that exists: a results report, a video, a book list, an application …, by the day it was done."""

    kind: str  # results_report, activity_video, book_list, application, implementation_plan, …
    done_on: dt.date
    ref: str = ""  # what it is, for the panel's "records that count" (a title, a file name)


@dataclass(frozen=True)
class MonthlyPlanFact:
    """A monthly plan (月計畫): the month it plans and the day it was submitted (None: not yet)."""

    month: dt.date  # first day of the planned month
    submitted_on: dt.date | None


@dataclass(frozen=True)
class PublicLessonFact:
    """A public lesson (公開課) given by a teacher, not cancelled (mentoring's read module fills these)."""

    teacher_id: int
    day: dt.date
    held: bool = True


@dataclass(frozen=True)
class PairingTermFact:
    """The term of one pairing of a new teacher (mentoring's read module fills these): its first day and its last
    (the day it was ended, when ended early). A new teacher re-paired has a term per pairing."""

    mentee_id: int
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class BookFact:
    """A title of the materials book list, with its relevance to the community written or not."""

    title: str
    relevance: str


@dataclass(frozen=True)
class ExchangedTeacherFact:
    """An exchanged teacher of an urban–rural community (交流教師): name, school, subject."""

    name: str
    school_id: int
    subject: str


@dataclass(frozen=True)
class CommunityFacts:
    """Everything the rules of one program may read about one community, for the program's period."""

    community_id: int
    community_name: str
    community_type: str
    schools: tuple[SchoolFact, ...]  # the community's own school first (URC: the core school first)
    members: tuple[MemberFact, ...]
    activities: tuple[ActivityFact, ...]  # oldest first
    expenses: tuple[ExpenseFact, ...] = ()
    approved_amount: int = 0  # minor units
    deliverables: tuple[DeliverableFact, ...] = ()
    monthly_plans: tuple[MonthlyPlanFact, ...] = ()
    public_lessons: tuple[PublicLessonFact, ...] = ()
    mentees: tuple[int, ...] = ()  # user ids of new teachers paired with a mentor
    mentors: tuple[int, ...] = ()  # user ids of the mentors of those pairings (the role "mentor" counts too)
    pairing_terms: tuple[PairingTermFact, ...] = ()  # the terms of those pairings (the mentoring term's rule)
    # An urban–rural community's agreement term (None until set): its activities outside it are not the
    # partnership's and are left out of `activities`; how many were left out, for the panel to say.
    agreement_first: dt.date | None = None
    agreement_last: dt.date | None = None
    outside_agreement: int = 0
    book_list: tuple[BookFact, ...] = ()
    # The activities the expenses belong to that are cancelled or dated outside the period (`activities` leaves
    # them out): a claimable expense of one is asked about on the ledger.
    linked_activities: tuple[LinkedActivityFact, ...] = ()
    exchanged_teachers: tuple[ExchangedTeacherFact, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)  # for kinds added later; the engine ignores unknown keys
