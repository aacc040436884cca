"""The budget ledger (經費): expenses checked against the program's caps before they are kept, the materials
book list, and the ledger by category.

An expense that would break a cap is refused with the rule and the numbers (`BudgetRefused`); the convener may
keep it anyway marked not claimable (`keep_unclaimable`), so nothing typed is lost and the claimable totals stay
within the rules. Any expense may be marked not claimable, whether it breaks a cap or not (after the approved amount
was lowered, say), and a not-claimable one made claimable again is checked against the caps.
Money is an integer of the program currency's minor units throughout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace.activities import records as activity_records
from workspace.compliance import engine, wording
from workspace.compliance.facts import ExpenseFact
from workspace.compliance.gather import gather, program_period
from workspace.compliance.models import BookListItem, Enrollment, Expense
from workspace.core.database import utcnow
from workspace.core.errors import Checks, Conflict, ValidationError
from workspace.core.i18n import local_date
from workspace.core.models import record_event
from workspace.core.records import local_day
from workspace.core.storage import ALLOWED_TYPES
from workspace.core.text import clean_line
from workspace.extensions import db

MAX_PAYEE = 200
MAX_DESCRIPTION = 500
MAX_TITLE = 300
MAX_AUTHOR = 200
MAX_RELEVANCE = 2000
MAX_HOURS = 1000
MAX_PERSONS = 100_000
RECEIPT_CATEGORIES = frozenset({"image", "document"})  # a photo or scan of the receipt, or a PDF / office file


class BudgetRefused(ValidationError):
    """The expense breaks one or more caps of the program: each breach said in words, with its numbers."""

    def __init__(self, breaches: list[engine.Breach]) -> None:
        self.breaches = breaches
        super().__init__(" ".join(wording.breach_text(breach) for breach in breaches), "amount")


@dataclass(frozen=True)
class ExpenseFields:
    """What a convener types for one expense (amount in minor units, already read from the form)."""

    category: str
    spent_on: dt.date | None
    amount: int | None
    hours: float | None = None
    persons: int | None = None
    payee: str = ""
    description: str = ""
    activity_id: int | None = None
    keep_unclaimable: bool = False  # marked not claimable (kept, outside the claimable total), cap broken or not


def categories(enrollment: Enrollment) -> list[dict[str, Any]]:
    """The program's budget categories (key, name, group), in its order."""
    return list(enrollment.program.definition.get("budget", {}).get("categories", []))


def category_names(enrollment: Enrollment) -> dict[str, str]:
    """The program's category names by key, in its order and in the reader's script (wording.category_name)."""
    return {category["key"]: wording.category_name(category.get("name", category["key"]), category.get("names"))
            for category in categories(enrollment)}


@dataclass(frozen=True)
class Needs:
    """What the program's caps ask of an expense, by category name: hours (a fee by the hour), the number of
    people (a cost per person and session), a book list. The budget page shows only the help that applies."""

    hourly: tuple[str, ...] = ()
    per_person: tuple[str, ...] = ()
    book_list: tuple[str, ...] = ()


def needs(enrollment: Enrollment) -> Needs:
    """What the program's budget rules ask for, and for which of its categories (in the program's order)."""
    names = category_names(enrollment)
    found: dict[str, set[str]] = {"hourly": set(), "per_person": set(), "book_list": set()}
    for rule in enrollment.program.definition.get("rules", []):
        if rule.get("kind") != "budget_cap":
            continue
        scope = engine.rule_categories(rule)
        keys = set(names) if scope is None else scope & set(names)
        if "per_hour_max" in rule or "hours_max" in rule:
            found["hourly"] |= keys
        if "per_person_session_max" in rule:
            found["per_person"] |= keys
        if rule.get("requires_book_list"):
            found["book_list"] |= keys
    return Needs(**{need: tuple(name for key, name in names.items() if key in keys) for need, keys in found.items()})


def expenses_of(enrollment: Enrollment, *, trashed: bool = False) -> list[Expense]:
    """The enrolment's expenses by date (one query); the trashed ones only when asked."""
    query = select(Expense).where(Expense.enrollment_id == enrollment.id)
    query = query.where(~Expense.live if trashed else Expense.live)
    return list(db.session.scalars(query.order_by(Expense.spent_on, Expense.id)))


def receipts_of(enrollment: Enrollment) -> list[Expense]:
    """The live expenses that have a receipt, by date, each with its receipt's blob (one query): what the evidence
    pack files under its receipts folder for the funder's audit of earmarked spending (專款專用)."""
    return list(db.session.scalars(
        select(Expense).options(joinedload(Expense.receipt))
        .where(Expense.enrollment_id == enrollment.id, Expense.live, Expense.receipt_blob_id.is_not(None))
        .order_by(Expense.spent_on, Expense.id)))


def books_of(enrollment: Enrollment) -> list[BookListItem]:
    """The materials book list, in the order the titles were added (one query)."""
    return list(db.session.scalars(select(BookListItem).where(
        BookListItem.enrollment_id == enrollment.id, BookListItem.live).order_by(BookListItem.id)))


@dataclass(frozen=True)
class ActivityChoice:
    """An activity the expense form offers: its id, local day and title, and why it may not be chosen anew
    (`cancelled`, `outside_period`; "" for one that may)."""

    id: int
    day: dt.date
    title: str
    state: str = ""


def activity_choices(enrollment: Enrollment, keep: int | None = None) -> list[ActivityChoice]:
    """The activities an expense may belong to: the community's, in the program's period, not cancelled, read from
    the activities area alone (the ledger's facts are not gathered a second time); and the one an edited expense
    belongs to (`keep`) even when it was cancelled or moved out of the period since, marked so, so that saving the
    expense (to file its receipt) keeps its link instead of dropping it."""
    period = program_period(enrollment.program)
    choices = [ActivityChoice(row.id, local_day(row.starts_at), row.title)
               for row in activity_records.activities([enrollment.community_id], period)]
    if keep is None or any(choice.id == keep for choice in choices):
        return choices
    for row in activity_records.linked_activities([keep]):
        if row.community_id == enrollment.community_id:
            day = local_day(row.starts_at)
            choices.append(ActivityChoice(row.id, day, row.title, "cancelled" if row.cancelled else
                                          "outside_period" if not period.first <= day <= period.last else ""))
    return sorted(choices, key=lambda choice: (choice.day, choice.id))


def ledger(enrollment: Enrollment) -> engine.Ledger:
    """Approved, spent and remaining, per category and in total, as the engine counts them."""
    return engine.ledger(enrollment.program.definition, gather([enrollment])[enrollment.id])


def _checked(enrollment: Enrollment, fields: ExpenseFields, today: dt.date | None = None) -> tuple[str, str, str]:
    checks = Checks()
    today = today or local_day(utcnow())
    keys = {category["key"] for category in categories(enrollment)}
    with checks:
        if fields.category not in keys:
            raise ValidationError(_("Choose a budget category of the program."), "category")
    with checks:
        if fields.spent_on is None:
            raise ValidationError(_("Enter the date of the expense, such as 2027-03-05 or 116/03/05."), "spent_on")
        if fields.spent_on > today:  # an expense dated ahead would be claimed before it is paid
            raise ValidationError(_("An expense is recorded once it is paid: enter a day up to today, %(today)s.",
                                    today=local_date(today)), "spent_on")
    with checks:
        if fields.amount is None or fields.amount < 1:  # minor units: NT$1, ¥0.01
            raise ValidationError(_("Enter an amount of at least %(min)s.",
                                    min=wording.money(1, enrollment.program.currency)), "amount")
    with checks:
        if fields.hours is not None and not 0 < fields.hours <= MAX_HOURS:
            raise ValidationError(_("Enter the hours as a number more than 0, such as 2 or 1.5."), "hours")
    with checks:
        if fields.persons is not None and not 0 < fields.persons <= MAX_PERSONS:
            raise ValidationError(_("Enter the number of persons, 1 or more."), "persons")
    with checks:
        payee = clean_line(fields.payee or "")
        if len(payee) > MAX_PAYEE:
            raise ValidationError(_("Keep the payee under %(max)d characters.", max=MAX_PAYEE), "payee")
    with checks:
        description = clean_line(fields.description or "")
        if len(description) > MAX_DESCRIPTION:
            raise ValidationError(_("Keep the description under %(max)d characters.", max=MAX_DESCRIPTION),
                                  "description")
    checks.done()
    return fields.category, payee, description


def _breaches(enrollment: Enrollment, fields: ExpenseFields, expense_id: int | None,
              has_receipt: bool) -> list[engine.Breach]:
    facts = gather([enrollment])[enrollment.id]
    candidate = ExpenseFact(id=expense_id if expense_id is not None else -1, category=fields.category,
                            day=fields.spent_on, amount=fields.amount, hours=fields.hours, persons=fields.persons,
                            claimable=True, activity_id=fields.activity_id, has_receipt=has_receipt)
    return engine.check_expense(enrollment.program.definition, facts, candidate)


def _apply(expense: Expense, fields: ExpenseFields, payee: str, description: str,
           breaches: list[engine.Breach]) -> None:
    expense.category = fields.category
    expense.spent_on = fields.spent_on
    expense.amount = fields.amount
    expense.hours = fields.hours
    expense.persons = fields.persons
    expense.payee = payee
    expense.description = description
    expense.activity_id = fields.activity_id
    _keep_breaches(expense, breaches, claimable=not fields.keep_unclaimable)


def _keep_breaches(expense: Expense, breaches: list[engine.Breach], *, claimable: bool = True) -> None:
    """Claimable when it breaks nothing and is not marked otherwise; else kept not claimable with what it breaks
    (shown in the ledger)."""
    expense.claimable = claimable and not breaches
    expense.breaches = [{"rule_id": breach.rule_id, "code": breach.code,
                         "params": {key: (value.isoformat() if isinstance(value, dt.date) else value)
                                    for key, value in breach.params.items()}} for breach in breaches]


def _check_activity(enrollment: Enrollment, activity_id: int | None, known_ids: set[int]) -> None:
    if activity_id is not None and activity_id not in known_ids:
        raise ValidationError(_("Choose an activity of this community in the program's period."), "activity_id")


def add_expense(enrollment: Enrollment, fields: ExpenseFields, actor: Any, *, receipt: Any = None,
                activity_ids: set[int] | None = None, today: dt.date | None = None) -> Expense:
    """Keep an expense paid up to today (local); refused (BudgetRefused) when it breaks a cap, unless marked not
    claimable."""
    _category, payee, description = _checked(enrollment, fields, today)
    _check_activity(enrollment, fields.activity_id, activity_ids or set())
    breaches = _breaches(enrollment, fields, None, receipt is not None)
    if breaches and not fields.keep_unclaimable:
        raise BudgetRefused(breaches)
    expense = Expense(enrollment_id=enrollment.id, created_by_id=getattr(actor, "id", None))
    _apply(expense, fields, payee, description, breaches)
    _attach(expense, receipt)
    db.session.add(expense)
    db.session.flush()
    record_event(actor, "expense.added", expense, enrollment.community, program=enrollment.program.name,
                 amount=expense.amount, category=expense.category, claimable=expense.claimable)
    return expense


def update_expense(expense: Expense, fields: ExpenseFields, actor: Any, *, version: int, receipt: Any = None,
                   activity_ids: set[int] | None = None, today: dt.date | None = None) -> Expense:
    """Change an expense (refused if someone changed it since `version`); checked again against the caps."""
    if version != expense.version:
        raise Conflict(_("Someone else changed this expense after you opened it. Reload to see their changes."))
    enrollment = expense.enrollment
    _category, payee, description = _checked(enrollment, fields, today)
    _check_activity(enrollment, fields.activity_id, activity_ids or set())
    breaches = _breaches(enrollment, fields, expense.id, receipt is not None or expense.receipt_blob_id is not None)
    # An edit that leaves what the caps judge as it was (a receipt filed, a payee corrected) makes no breach: a
    # claimable expense over a cap lowered since it was kept stays claimable, marked on the ledger, and takes its
    # receipt (QA: its receipt was refused, so the evidence pack could never hold it).
    judged_as_before = expense.claimable and not fields.keep_unclaimable and (
        fields.category, fields.spent_on, fields.amount, fields.hours, fields.persons) == (
        expense.category, expense.spent_on, expense.amount, expense.hours, expense.persons)
    if judged_as_before:
        breaches = []
    if breaches and not fields.keep_unclaimable:
        raise BudgetRefused(breaches)
    _apply(expense, fields, payee, description, breaches)
    _attach(expense, receipt)
    expense.version += 1
    expense.updated_at = utcnow()
    record_event(actor, "expense.changed", expense, enrollment.community, program=enrollment.program.name,
                 amount=expense.amount, category=expense.category, claimable=expense.claimable)
    return expense


def _attach(expense: Expense, receipt: Any) -> None:
    if receipt is None:
        return
    expense.receipt = receipt.blob
    expense.receipt_filename = receipt.filename


def check_receipt(stored: Any) -> None:
    """A receipt is a picture or a document (a scan, a photo, a PDF); anything else is refused beside the field."""
    if ALLOWED_TYPES.get(stored.media_type) not in RECEIPT_CATEGORIES:
        # Not named: the file's name is the person's own (text named photo.png is refused by the store itself).
        raise ValidationError(_("A receipt is a photo, a scan or a document (PDF, Word, Excel): the file chosen is "
                                "none of these."), "receipt")


def trash_expense(expense: Expense, actor: Any, *, restore: bool = False) -> list[engine.Breach]:
    """Move an expense to the trash (out of the ledger) or back. A claimable expense brought back is checked
    again: what was added meanwhile may leave no room for it under a cap or the approved amount, and then it comes
    back kept, not claimable, with what it breaks (returned), so that the claimable totals stay within the rules."""
    breaches: list[engine.Breach] = []
    if restore and expense.claimable and expense.deleted_at is not None:
        # checked while still in the trash, as a new expense would be: the ledger as it stands, and this one added
        fields = ExpenseFields(expense.category, expense.spent_on, expense.amount, hours=expense.hours,
                               persons=expense.persons, activity_id=expense.activity_id)
        breaches = _breaches(expense.enrollment, fields, None, expense.receipt_blob_id is not None)
        if breaches:
            _keep_breaches(expense, breaches)
    expense.deleted_at = None if restore else utcnow()
    record_event(actor, "expense.restored" if restore else "expense.trashed", expense, expense.enrollment.community,
                 program=expense.enrollment.program.name, amount=expense.amount, category=expense.category)
    return breaches


def add_book(enrollment: Enrollment, title: str, author: str, relevance: str, actor: Any) -> BookListItem:
    """Add a title to the materials book list, with its relevance to the community."""
    checks = Checks()
    with checks:
        title = clean_line(title or "")
        if not title:
            raise ValidationError(_("Enter the title."), "title")
        if len(title) > MAX_TITLE:
            raise ValidationError(_("Keep the title under %(max)d characters.", max=MAX_TITLE), "title")
    with checks:
        author = clean_line(author or "")
        if len(author) > MAX_AUTHOR:
            raise ValidationError(_("Keep the author under %(max)d characters.", max=MAX_AUTHOR), "author")
    with checks:
        relevance = (relevance or "").strip()
        if not relevance:
            raise ValidationError(_("Say how the title serves the community: the funder asks for it."), "relevance")
        if len(relevance) > MAX_RELEVANCE:
            raise ValidationError(_("Keep the relevance under %(max)d characters.", max=MAX_RELEVANCE), "relevance")
    checks.done()
    item = BookListItem(enrollment_id=enrollment.id, title=title, author=author, relevance=relevance)
    db.session.add(item)
    db.session.flush()
    record_event(actor, "book.added", item, enrollment.community, title=title)
    return item


def remove_book(item: BookListItem, actor: Any) -> None:
    """Take a title off the book list (kept, removed)."""
    item.deleted_at = utcnow()
    record_event(actor, "book.removed", item, item.enrollment.community, title=item.title)
