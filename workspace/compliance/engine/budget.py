"""The budget: the budget_cap kind, the ledger per category, and what a new or edited expense would break.

Money is an integer in the currency's minor unit; percentages and hours are compared exactly (fractions),
never as floats, so sundries of 600 on operating costs of 10,000 (6.0 %) pass and 601 (6.01 %) break.
Only claimable expenses count toward caps and totals: one marked not claimable has already been set aside.
A budget_cap rule names its `category` (or `categories`; none: every expense) and any of these caps:
`per_item_max` (with `per_item_unit`: item, time or session, the word the funder caps by), `per_hour_max`,
`per_person_session_max`, `total_max`, `claims_max`, `hours_max`,
`range` {min, max} on the total, `share` {max_percent, of_groups | of_categories} (its own categories left
out of the base), `max_percent_of_approved` with `until` (spending before the second instalment),
`allowed_groups` / `allowed_categories`, `requires_book_list`, `requires_receipt`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from workspace.compliance.engine.context import Context, result
from workspace.compliance.engine.results import Breach, Gap, RuleResult, Status
from workspace.compliance.facts import CommunityFacts, ExpenseFact

HARD = Status.NOT_MET


def categories_of(program: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The program's budget categories by key."""
    return {category["key"]: category for category in program.get("budget", {}).get("categories", [])}


def rule_categories(rule: dict[str, Any]) -> set[str] | None:
    """The categories a budget rule is about (None: every expense)."""
    if "category" in rule:
        return {rule["category"]}
    return set(rule["categories"]) if "categories" in rule else None


def _ordered(expenses: list[ExpenseFact] | tuple[ExpenseFact, ...]) -> list[ExpenseFact]:
    return sorted((e for e in expenses if e.claimable), key=lambda e: (e.day, e.id))


def share_base(rule: dict[str, Any], program: dict[str, Any], expenses: list[ExpenseFact]) -> int:
    """The total a `share` cap is a percentage of: its groups and categories, the rule's own categories left out."""
    share = rule["share"]
    groups = set(share.get("of_groups", []))
    known = categories_of(program)
    base_categories = set(share.get("of_categories", [])) | {k for k, c in known.items() if c.get("group") in groups}
    base_categories -= rule_categories(rule) or set()
    return sum(e.amount for e in _ordered(expenses) if e.category in base_categories)


def rule_breaches(rule: dict[str, Any], program: dict[str, Any], facts: CommunityFacts,
                  expenses: list[ExpenseFact]) -> list[Breach]:
    """Every breach of one budget rule by these expenses (claimable ones only), oldest expense first."""
    found: list[Breach] = []
    scope = rule_categories(rule)
    known = categories_of(program)
    mine = [e for e in _ordered(expenses) if scope is None or e.category in scope]

    def breach(code: str, expense: ExpenseFact | None, **params: Any) -> None:
        found.append(Breach(rule["id"], rule.get("message", ""), code, params, expense.id if expense else None))

    total = hours = 0
    for number, expense in enumerate(mine, start=1):
        if "per_item_max" in rule and expense.amount > rule["per_item_max"]:
            breach("per_item", expense, amount=expense.amount, cap=rule["per_item_max"],
                   unit=rule.get("per_item_unit", "item"))
        if "per_hour_max" in rule:
            if not expense.hours:
                breach("hours_missing", expense)
            elif expense.amount > Fraction(str(expense.hours)) * rule["per_hour_max"]:
                breach("per_hour", expense, amount=int(expense.amount / Fraction(str(expense.hours))),
                       cap=rule["per_hour_max"], hours=expense.hours)
        if "per_person_session_max" in rule:
            if not expense.persons:
                breach("persons_missing", expense)
            elif expense.amount > expense.persons * rule["per_person_session_max"]:
                breach("per_person_session", expense, amount=expense.amount, persons=expense.persons,
                       cap=rule["per_person_session_max"], allowed=expense.persons * rule["per_person_session_max"])
        if "claims_max" in rule and number > rule["claims_max"]:
            breach("claims", expense, claims=number, cap=rule["claims_max"])
        total += expense.amount
        if "total_max" in rule and total > rule["total_max"]:
            breach("total", expense, total=total, cap=rule["total_max"])
        if "range" in rule and "max" in rule["range"] and total > rule["range"]["max"]:
            breach("range_high", expense, total=total, cap=rule["range"]["max"])
        if "hours_max" in rule:
            hours += Fraction(str(expense.hours or 0))
            if hours > rule["hours_max"]:
                breach("hours", expense, hours=float(hours), cap=rule["hours_max"])
        category = known.get(expense.category)
        if rule.get("allowed_groups") and (category is None or category.get("group") not in rule["allowed_groups"]):
            breach("category_not_allowed", expense, category=expense.category,
                   group=category.get("group") if category else None)
        if rule.get("allowed_categories") and expense.category not in rule["allowed_categories"]:
            breach("category_not_allowed", expense, category=expense.category)
        if rule.get("known_categories_only") and category is None:
            breach("unknown_category", expense, category=expense.category)
        if rule.get("requires_receipt") and not expense.has_receipt:
            breach("missing_receipt", expense, amount=expense.amount)
    if mine and rule.get("requires_book_list"):
        if not facts.book_list:
            breach("no_book_list", None)
        for book in facts.book_list:
            if not book.relevance.strip():
                breach("book_without_relevance", None, title=book.title)
    if "share" in rule and mine:
        share = rule["share"]
        base = share_base(rule, program, expenses)
        percent = Fraction(str(share["max_percent"]))
        if total * 100 > base * percent:
            breach("share", None, total=total, base=base, percent=share["max_percent"],
                   allowed=int(base * percent / 100))
    if "max_percent_of_approved" in rule:
        until = rule.get("until")
        spent = sum(e.amount for e in mine if until is None or e.day.isoformat() <= until)
        percent = Fraction(str(rule["max_percent_of_approved"]))
        if spent * 100 > facts.approved_amount * percent:
            breach("share_of_approved", None, total=spent, approved=facts.approved_amount,
                   percent=rule["max_percent_of_approved"], allowed=int(facts.approved_amount * percent / 100),
                   until=until)
    return found


def _figure(rule: dict[str, Any], program: dict[str, Any], expenses: list[ExpenseFact])\
        -> tuple[int, int | None, str]:
    scope = rule_categories(rule)
    mine = [e for e in _ordered(expenses) if scope is None or e.category in scope]
    total = sum(e.amount for e in mine)
    for key in ("total_max",):
        if key in rule:
            return total, rule[key], "money"
    if "range" in rule:
        return total, rule["range"].get("max"), "money"
    if "share" in rule:
        allowed = share_base(rule, program, expenses) * Fraction(str(rule["share"]["max_percent"])) / 100
        return total, int(allowed), "money"
    if "claims_max" in rule:
        return len(mine), rule["claims_max"], "claims"
    return total, None, "money"


def evaluate_budget_cap(rule: dict[str, Any], context: Context) -> RuleResult:
    """Evaluate a budget rule: not met while a claimable expense breaks it, a missing receipt is at risk while open."""
    expenses = list(context.facts.expenses)
    found = rule_breaches(rule, context.program, context.facts, expenses)
    closed = context.period.closed(context.today)
    figure, target, unit = _figure(rule, context.program, expenses)
    named = {expense.id: {"spent_on": expense.day, "payee": expense.payee, "description": expense.description}
             for expense in expenses}
    # A gap names its expense (day and payee), so the panel can say which one and link to it.
    gaps = [Gap(f"budget_{b.code}", {**b.params, "expense_id": b.expense_id, **named.get(b.expense_id, {})})
            for b in found]
    hard = [b for b in found if b.code != "missing_receipt"]
    minimum = rule.get("range", {}).get("min")
    # Under its minimum, a total is final once the period is over, or once every claim the rule allows is made
    # (the results report's printing: one claim of NT$1,000–1,500; a single NT$500 claim can never be made up).
    scope = rule_categories(rule)
    counted = tuple(("expense", e.id) for e in _ordered(expenses) if scope is None or e.category in scope)
    claims_used = "claims_max" in rule and len(counted) >= rule["claims_max"]
    if minimum is not None and figure < minimum and (closed or claims_used):
        code = "range_low" if closed or not claims_used else "range_low_final"
        low = {"total": figure, "min": minimum, **({"cap": rule["claims_max"]} if code == "range_low_final" else {})}
        hard.append(Breach(rule["id"], rule.get("message", ""), code, low))
        gaps.append(Gap(f"budget_{code}", low))
    if hard or (found and closed):
        status = Status.NOT_MET
    elif found:
        status = Status.AT_RISK
    else:
        status = Status.MET
    return result(rule, status, figure=figure, target=target, unit=unit, window_first=context.period.first,
                  window_last=context.period.last, counted=counted, gaps=tuple(gaps))


# --- the ledger and the check of one expense --------------------------------------------------------------


@dataclass(frozen=True)
class CategoryLine:
    """One category of the ledger: its caps (as codes), what was spent, what is claimable, how many claims."""

    key: str
    name: str
    group: str
    caps: tuple[Gap, ...]
    spent: int
    claimable: int
    claims: int
    hours: float
    ceiling: int | None = None  # the most its claimable total may reach today (its tightest money cap), if any
    names: Mapping[str, str] = field(default_factory=dict)  # the name in each language the program gives

    @property
    def left_under_ceiling(self) -> int | None:
        """What may still be claimed in the category before its tightest money cap (None without one)."""
        return None if self.ceiling is None else self.ceiling - self.claimable


@dataclass(frozen=True)
class Ledger:
    """The budget at a glance: a line per category, the approved amount, what is spent (claimable) and left."""

    lines: tuple[CategoryLine, ...]
    approved: int
    spent: int
    not_claimable: int
    remaining: int
    currency: str
    # What each claimable expense breaks now, by expense id: one kept within a cap that was lowered afterwards is
    # marked on the ledger's row, not only named on the panel (a missing receipt has the row's own badge).
    breaking: Mapping[int, tuple[Breach, ...]] = field(default_factory=dict)
    # What claiming each not-claimable expense would break under the rules as they are now, by expense id (an empty
    # tuple: nothing, it may be claimed again): the reason kept when it was set aside may be stale (a cap raised).
    if_claimed: Mapping[int, tuple[Breach, ...]] = field(default_factory=dict)
    # A question on each claimable expense whose activity counts for nothing (cancelled, or dated outside the
    # period), by expense id: is the expense still claimable? (a gap, `budget_activity_cancelled` or
    # `budget_activity_outside_period`).
    activity_doubts: Mapping[int, Gap] = field(default_factory=dict)

    @property
    def over_approved(self) -> int:
        """How far the claimable spending is past the approved amount (0 within it, or with nothing approved)."""
        return max(self.spent - self.approved, 0) if self.approved > 0 else 0


CAP_KEYS = ("per_item_max", "per_hour_max", "per_person_session_max", "total_max", "claims_max", "hours_max")


def caps_of(program: dict[str, Any], key: str) -> tuple[Gap, ...]:
    """The caps the program's budget rules put on one category, as codes and numbers for the wording."""
    caps = []
    for rule in program.get("rules", []):
        if rule["kind"] != "budget_cap" or (rule_categories(rule) is not None and key not in rule_categories(rule)):
            continue
        for cap in CAP_KEYS:
            if cap in rule and rule_categories(rule) is not None:
                caps.append(Gap(cap, {"cap": rule[cap], "unit": rule.get("per_item_unit", "item")}
                                if cap == "per_item_max" else {"cap": rule[cap]}))
        if "range" in rule:
            caps.append(Gap("range", dict(rule["range"])))
        if "share" in rule:
            caps.append(Gap("share", {"percent": rule["share"]["max_percent"]}))
        if rule.get("requires_book_list"):
            caps.append(Gap("requires_book_list", {}))
    return tuple(caps)


def ceiling_of(program: dict[str, Any], key: str, expenses: Sequence[ExpenseFact]) -> int | None:
    """The tightest cap on a category's claimable total: a total, the top of a range, or a share of other
    categories' claimable spending as it stands (sundries: 6 % of operating costs); None when nothing caps it."""
    ceilings = []
    for rule in program.get("rules", []):
        scope = rule_categories(rule)
        if rule["kind"] != "budget_cap" or scope is None or key not in scope:
            continue
        if "total_max" in rule:
            ceilings.append(rule["total_max"])
        if "max" in rule.get("range", {}):
            ceilings.append(rule["range"]["max"])
        if "share" in rule:
            ceilings.append(int(share_base(rule, program, list(expenses))
                                * Fraction(str(rule["share"]["max_percent"])) / 100))
    return min(ceilings) if ceilings else None


def ledger(program: dict[str, Any], facts: CommunityFacts) -> Ledger:
    """The ledger of a community's expenses under a program (unknown categories get a line of their own)."""
    known = categories_of(program)
    keys = list(known) + sorted({e.category for e in facts.expenses} - set(known))
    lines = []
    for key in keys:
        mine = [e for e in facts.expenses if e.category == key]
        claimable = [e for e in mine if e.claimable]
        category = known.get(key, {})
        lines.append(CategoryLine(key=key, name=category.get("name", key), names=category.get("names") or {},
                                  group=category.get("group", ""),
                                  caps=caps_of(program, key), spent=sum(e.amount for e in mine),
                                  claimable=sum(e.amount for e in claimable), claims=len(claimable),
                                  hours=float(sum(Fraction(str(e.hours or 0)) for e in claimable)),
                                  ceiling=ceiling_of(program, key, facts.expenses)))
    spent = sum(line.claimable for line in lines)
    breaking: dict[int, list[Breach]] = defaultdict(list)
    for rule in program.get("rules", []):
        if rule.get("kind") == "budget_cap":
            for breach in rule_breaches(rule, program, facts, list(facts.expenses)):
                if breach.expense_id is not None and breach.code != "missing_receipt" \
                        and breach not in breaking[breach.expense_id]:
                    breaking[breach.expense_id].append(breach)
    # Each expense set aside is judged again as a claim made now (check_expense), so that its row says what it
    # would break today, not what it broke on the day it was kept.
    if_claimed = {expense.id: tuple(check_expense(program, facts, expense))
                  for expense in facts.expenses if not expense.claimable}
    return Ledger(lines=tuple(lines), approved=facts.approved_amount, spent=spent,
                  not_claimable=sum(line.spent - line.claimable for line in lines),
                  remaining=facts.approved_amount - spent, currency=program.get("currency", "TWD"),
                  breaking={expense_id: tuple(found) for expense_id, found in breaking.items()},
                  if_claimed=if_claimed, activity_doubts=activity_doubts(facts))


def activity_doubts(facts: CommunityFacts) -> dict[int, Gap]:
    """The claimable expenses whose activity counts for nothing, by expense id: it was cancelled, or it is dated
    outside the period (the facts' `linked_activities`). Not a breach: the funder may still pay for it (a speaker
    paid for a session called off), so it is asked, not refused."""
    gone = {activity.id: activity for activity in facts.linked_activities}
    doubts = {}
    for expense in facts.expenses:
        activity = gone.get(expense.activity_id) if expense.activity_id is not None else None
        if expense.claimable and activity is not None:
            code = "budget_activity_cancelled" if activity.cancelled else "budget_activity_outside_period"
            doubts[expense.id] = Gap(code, {"activity_id": activity.id, "activity_day": activity.day,
                                            "expense_id": expense.id, "spent_on": expense.day,
                                            "payee": expense.payee, "amount": expense.amount})
    return doubts


def _key(breach: Breach) -> tuple[str, str, int | None]:
    return breach.rule_id, breach.code, breach.expense_id


def _over_approved(facts: CommunityFacts, before: list[ExpenseFact], others: list[ExpenseFact],
                   expense: ExpenseFact) -> list[Breach]:
    """The approved amount as a ceiling of the claimable total: broken when claiming the expense takes the total
    past it and raises the total (an edit that lowers an amount, or leaves it, is not refused for an overrun it
    did not make)."""
    approved = facts.approved_amount
    if approved <= 0:
        return []
    already = sum(e.amount for e in others if e.claimable)
    after = already + expense.amount
    if after <= approved or after <= sum(e.amount for e in before if e.claimable):
        return []
    return [Breach("approved", "", "over_approved", {"approved": approved, "claimable": already,
                                                     "amount": expense.amount, "total": after}, expense.id)]


CUMULATIVE = ("total", "range_high", "claims", "hours")  # caps on what the category adds up to, not on one expense


def _as_added(rule: dict[str, Any], code: str, after: list[ExpenseFact], expense: ExpenseFact) -> Breach:
    """A cap on the category's sum broken by adding `expense`, said once with the sum it makes: what is already
    claimed plus this one (the running sums along the days would each name the cap with a different total)."""
    scope = rule_categories(rule)
    mine = [e for e in _ordered(after) if scope is None or e.category in scope]
    total = sum(e.amount for e in mine)
    if code == "claims":
        params: dict[str, Any] = {"claims": len(mine), "cap": rule["claims_max"]}
    elif code == "hours":
        params = {"hours": float(sum(Fraction(str(e.hours or 0)) for e in mine)), "cap": rule["hours_max"]}
    else:
        cap = rule["total_max"] if code == "total" else rule["range"]["max"]
        params = {"total": total, "cap": cap, "already": total - expense.amount, "amount": expense.amount}
    return Breach(rule["id"], rule.get("message", ""), code, params, expense.id)


def check_expense(program: dict[str, Any], facts: CommunityFacts, expense: ExpenseFact) -> list[Breach]:
    """What a new or edited expense (same id: replaces the old) would break: every cap it breaks itself, and what
    else it would newly break (a third claim, sundries above their share once the base shrinks, a book list
    now needed). An expense dated outside the period or in a category the program does not know breaks too,
    and so does one that takes the claimable spending past the approved amount (or further past it, after the
    amount was lowered); an approved amount of 0 means the ledger holds no approved amount, so only the caps
    apply. The expense is checked as if claimable: the answer is what claiming it would break. A cap on the
    category's sum (total, range, claims, hours) is said once, with what is already claimed plus this one, and a
    range whose top is the same as the total cap is not said twice.
    """
    others = [e for e in facts.expenses if e.id != expense.id]
    before = list(facts.expenses)  # with the expense as it was, when it is an edit
    after = [*others, dataclasses.replace(expense, claimable=True)]
    after_facts = dataclasses.replace(facts, expenses=tuple(after))
    found: list[Breach] = []
    first, last = program["period"]["first"], program["period"]["last"]
    if not first <= expense.day.isoformat() <= last:
        found.append(Breach("period", "", "outside_period", {"day": expense.day, "first": first, "last": last},
                            expense.id))
    if expense.category not in categories_of(program):
        found.append(Breach("categories", "", "unknown_category", {"category": expense.category}, expense.id))
    for rule in program.get("rules", []):
        if rule["kind"] != "budget_cap":
            continue
        old = {_key(b) for b in rule_breaches(rule, program, facts, before)}
        summed: list[str] = []
        for breach in rule_breaches(rule, program, after_facts, after):
            if breach.code == "missing_receipt":
                continue  # a receipt is attached after the expense is entered; the panel keeps asking for it
            if breach.expense_id == expense.id or _key(breach) not in old:
                if breach.code not in CUMULATIVE:
                    found.append(breach)
                elif breach.code not in summed:
                    summed.append(breach.code)
        if "range_high" in summed and "total" in summed and rule["range"]["max"] == rule["total_max"]:
            summed.remove("range_high")
        found.extend(_as_added(rule, code, after, expense) for code in summed)
    found.extend(_over_approved(facts, before, others, expense))
    unique = {_key(b): b for b in found}
    return list(unique.values())
