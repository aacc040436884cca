"""The engine's results in the reader's language: statuses, figures ("14 of 18 activities"), gaps ("the activity
of 3 May 2011 has no photo"), budget breaches ("per-hour fee NT$1,800 > cap NT$1,600"), caps and the program
editor's errors. The engine speaks in codes and numbers; this is the one place they become sentences, in the
words of shared/design/GLOSSARY.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from flask import url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workspace.auth.labels import title_label
from workspace.compliance.engine.results import Breach, Gap, RuleResult, Status
from workspace.compliance.programs import ProgramError
from workspace.core.i18n import format_money, in_reader_script, listing, local_date, month_year, with_currency
from workspace.core.templating import current_locale

STATUS_LABELS = {
    Status.MET: _l("Met"),
    Status.ON_TRACK: _l("On track"),
    Status.AT_RISK: _l("At risk"),
    Status.NOT_MET: _l("Not met"),
    Status.NOT_APPLICABLE: _l("Not applicable"),
    Status.WAIVED: _l("Waived"),
}

EVIDENCE_LABELS = {
    "photo": _l("photo"),
    "video": _l("video"),
    "minutes": _l("minutes"),
    "attendance": _l("attendance"),
    "sheet": _l("sign-in sheet"),
    "document": _l("written record"),
}

ITEM_LABELS = {
    "results_report": _l("results report"),
    "activity_video": _l("activity video"),
    "book_list": _l("book list"),
    "monthly_plan": _l("monthly plan"),
    "application": _l("application form"),
    "implementation_plan": _l("implementation plan"),
}

WHO_LABELS = {"mentees": _l("mentees"), "mentors": _l("mentors"), "members": _l("members")}
OF_LABELS = {"subjects": _l("subjects"), "schools": _l("schools"), "methods": _l("methods")}


def status_label(status: Status | str) -> str:
    """A status in the reader's language (已達成, 進度正常, 進度落後, 未達成, 不適用, 豁免)."""
    return str(STATUS_LABELS[Status(status)])


STATUS_ICONS = {  # shown beside the words, never instead of them
    Status.MET: "✓",
    Status.ON_TRACK: "↗",
    Status.AT_RISK: "!",
    Status.NOT_MET: "✗",
    Status.NOT_APPLICABLE: "–",
    Status.WAIVED: "⊘",
}


def status_icon(status: Status | str) -> str:
    """The icon that goes with a status's colour and words."""
    return STATUS_ICONS[Status(status)]


def money(amount: int, currency: str = "TWD") -> str:
    """An amount in minor units as the reader writes money (core's one formatter): NT$1,600."""
    return format_money(amount, currency)


def category_name(name: str, names: Mapping[str, str] | None = None) -> str:
    """A budget category's name in the reader's language: its `names` entry for the reader's language when the
    program gives one, else the other Chinese script's, else its `name`, in the reader's script (the funder defines
    it: PLC-100's 外聘講座鐘點費 reads 外聘讲座钟点费 to a Simplified reader, "External speaker hourly fee" in
    English), as rule messages are chosen."""
    return _in_reader_language(names or {}, name)


def all_communities(currency: str) -> str:
    """The label of a total over every community funded in one currency: All communities (NT$), 全部社群（¥）."""
    return with_currency(_("All communities"), currency)


def rule_message(program: dict[str, Any], result: RuleResult) -> str:
    """The rule's plain-language message in the reader's language: its `messages` entry for the reader's
    language when the program gives one, else its `message`."""
    rule = next((rule for rule in program.get("rules", ()) if rule.get("id") == result.rule_id), {})
    return rule_text(rule) or result.message


SENTENCE_ENDS = ".。．!！?？;；:："  # what a rule's message may end with, dropped before a status is joined to it


def status_text(program: dict[str, Any], result: RuleResult) -> str:
    """The rule and its status as one phrase for a screen reader, joined as the reader's language joins a label to
    its value (「…至少18次：未達成」, "… at least 18 activities: Not met"), without the message's own full stop."""
    message = rule_message(program, result).rstrip().rstrip(SENTENCE_ENDS).rstrip()
    return _("%(label)s: %(value)s", label=message, value=status_label(result.status))


def rule_text(rule: dict[str, Any]) -> str:
    """A rule of a program's definition in the reader's language: its `messages` entry for the reader's language,
    else the other Chinese script's, else its `message`; the funder's Chinese in the reader's script."""
    return _in_reader_language(rule.get("messages") or {}, rule.get("message", ""))


def _in_reader_language(texts: Mapping[str, str], fallback: str) -> str:
    """A program's text in the reader's language: the entry of `texts` for it, else the other Chinese script's, else
    `fallback`, in the reader's script."""
    locale = current_locale()
    if texts.get(locale):
        return texts[locale]
    other = {"zh_Hant": "zh_Hans", "zh_Hans": "zh_Hant"}.get(locale)
    return in_reader_script(texts.get(other) if other and texts.get(other) else fallback)


def counted_ids(result: RuleResult, kind: str) -> list[int]:
    """The ids of the records of one kind that count for a rule (e.g. its activities), in the engine's order."""
    return [record_id for record_kind, record_id in result.counted if record_kind == kind]


def counted_records(result: RuleResult, facts: Any, currency: str = "TWD") -> list[tuple[str, str, tuple[str, ...]]]:
    """The records other than activities that count for a rule, each (kind, words, written): an expense ("2025年9月20日
    · 影印店 · NT$180"), an exchanged teacher ("林老師 · 石門國小 · 數學"), a member, a public lesson. A budget rule's
    figure, or a school covered, now shows what it was counted from, as an activity rule's does. `written`: what
    people wrote among the words (names, a payee), for the page to mark with its language (`|mark_within`)."""
    expenses = {expense.id: expense for expense in facts.expenses}
    members = {member.user_id: member.name for member in facts.members}
    schools = {school.id: school.name for school in facts.schools}
    rows = []
    for kind, record in result.counted:
        if kind == "expense" and record in expenses:
            expense = expenses[record]
            who = expense.payee or expense.description
            rows.append((kind, " · ".join(part for part in (day_text(expense.day), who, money(expense.amount, currency))
                                          if part), (who,)))
        elif kind == "exchanged_teacher" and isinstance(record, int) and record < len(facts.exchanged_teachers):
            teacher = facts.exchanged_teachers[record]
            written = (teacher.name, schools.get(teacher.school_id, ""), teacher.subject)
            rows.append((kind, " · ".join(part for part in written if part), written))
        elif kind == "member" and record in members:
            rows.append((kind, members[record], (members[record],)))
        elif kind == "public_lesson" and isinstance(record, str) and ":" in record:
            teacher_id, _colon, day = record.partition(":")
            name = members.get(int(teacher_id)) if teacher_id.isdigit() else None
            rows.append((kind, " · ".join(part for part in (name or "", day_text(_day(day))) if part), (name or "",)))
    return rows


def written_in(gap: Gap) -> tuple[str, ...]:
    """What people wrote among a gap's words (an activity's title, a payee, a teacher's name, the schools or
    subjects not covered yet), for the panel to mark with its language (`|mark_within`)."""
    p = gap.params
    found = [p.get(key) for key in ("title", "payee", "description", "name")]
    found += [str(value) for value in p.get("missing") or () if gap.code == "not_covered"]
    return tuple(value for value in found if isinstance(value, str) and value)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def day_text(day: dt.date | None) -> str:
    """A day as the reader's language writes it."""
    return local_date(day) if day else ""


def evidence_text(missing: Iterable[str]) -> str:
    """What evidence is missing: photo, minutes or written record."""
    parts = []
    for need in missing:
        options = [str(EVIDENCE_LABELS.get(kind, kind)) for kind in need.split("|")]
        parts.append(options[0] if len(options) == 1 else _("%(first)s or %(second)s", first=listing(options[:-1]),
                                                               second=options[-1]))
    return listing(parts)


def item_text(item: str) -> str:
    """A deliverable's name."""
    return str(ITEM_LABELS.get(item, item))


def figure_text(result: RuleResult, currency: str = "TWD") -> str:
    """A result's figure against its target: 14 of 18 activities, 3 of 4 members, NT$1,200 of NT$1,500."""
    figure, target, unit = result.figure, result.target, result.unit
    if figure is None:
        return ""
    if target is None:
        if unit in ("members", "in_evaluation_programme"):  # no minimum known (a community with no school)
            return ngettext("%(num)d member", "%(num)d members", figure)
        return money(figure, currency) if unit == "money" else str(figure)
    n = target
    if unit == "money":
        return _("%(figure)s of %(target)s", figure=money(figure, currency), target=money(target, currency))
    if unit == "activities":
        return ngettext("%(figure)s of %(num)d activity", "%(figure)s of %(num)d activities", n, figure=figure)
    if unit in ("members", "in_evaluation_programme", "conveners") and figure > target:
        # Past the target: "6 of 4 members" read as a fraction. The engine's target is the maximum only where the
        # count is over it (a gap says so), else the minimum.
        over = any(gap.code == "membership_over" for gap in result.gaps)
        if unit == "conveners":
            return (_("%(figure)s conveners (at most %(target)s)", figure=figure, target=target) if over
                    else _("%(figure)s conveners (at least %(target)s)", figure=figure, target=target))
        return (_("%(figure)s members (at most %(target)s)", figure=figure, target=target) if over
                else _("%(figure)s members (at least %(target)s)", figure=figure, target=target))
    if unit in ("members", "in_evaluation_programme"):
        return ngettext("%(figure)s of %(num)d member", "%(figure)s of %(num)d members", n, figure=figure)
    if unit == "conveners":
        return ngettext("%(figure)s of %(num)d convener", "%(figure)s of %(num)d conveners", n, figure=figure)
    if unit == "subjects":
        return ngettext("%(figure)s of %(num)d subject", "%(figure)s of %(num)d subjects", n, figure=figure)
    if unit == "schools":
        return ngettext("%(figure)s of %(num)d school", "%(figure)s of %(num)d schools", n, figure=figure)
    if unit == "people":
        return ngettext("%(figure)s of %(num)d person", "%(figure)s of %(num)d people", n, figure=figure)
    if unit == "public_lessons":
        return ngettext("%(figure)s of %(num)d public lesson", "%(figure)s of %(num)d public lessons", n,
                        figure=figure)
    if unit == "attendance_percent":
        return _("attended %(figure)s%% (at least %(target)s%%)", figure=figure, target=target)
    if unit == "tenure_days":
        return ngettext("%(figure)s of %(num)d day", "%(figure)s of %(num)d days", n, figure=figure)
    if unit == "claims":
        return ngettext("%(figure)s of %(num)d claim", "%(figure)s of %(num)d claims", n, figure=figure)
    return _("%(figure)s of %(target)s", figure=figure, target=target)


def window_text(result: RuleResult) -> str:
    """A result's window: 1 Jan 2011 – 30 Jun 2012."""
    if result.window_first is None or result.window_last is None:
        return ""
    return _("%(first)s – %(last)s", first=day_text(result.window_first), last=day_text(result.window_last))


def part_label(part: RuleResult) -> str:
    """What a part of a result is: a month (2011年3月), a semester's dates, or a person's name."""
    if part.part_kind != "window":
        return part.label
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", part.label):
        return month_year(dt.date(int(part.label[:4]), int(part.label[5:]), 1))
    return window_text(part)


def is_monthly_part(part: RuleResult) -> bool:
    """Whether a part is one month's plan of a monthly deliverable (its window: the month, then its due day)."""
    return part.kind == "deliverable" and part.part_kind == "window" and bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}",
                                                                                          part.label))


def part_text(part: RuleResult, currency: str = "TWD") -> str:
    """What a window's part covers, with its figure: 1 Sep 2011 to 31 Jan 2012 3 of 4 activities; a month's plan
    as the month and its due day (The monthly plan for December 2026 (due 20 November 2026)), never as a range
    that ends before it starts."""
    if is_monthly_part(part) and part.window_first and part.window_last:
        return _("The monthly plan for %(month)s (due %(day)s)", month=month_year(part.window_first),
                 day=day_text(part.window_last))
    span = _("%(first)s to %(last)s", first=day_text(part.window_first),
             last=day_text(part.window_last)) if part.window_first and part.window_last else ""
    figure = figure_text(part, currency)
    return f"{span} {figure}".strip()


def _membership(code: str, p: dict[str, Any]) -> str:
    measure = p.get("measure")
    if code == "membership_short":
        if measure == "conveners":
            return _("The community has no convener.")
        if measure == "in_evaluation_programme":
            return _("%(figure)s members take part in the teacher-evaluation programme; at least %(min)s are needed.",
                     figure=p["figure"], min=p["min"])
        return _("The community has %(figure)s members; at least %(min)s are needed.", figure=p["figure"],
                 min=p["min"])
    if measure == "conveners":
        return _("The community has %(figure)s conveners (%(names)s); it elects exactly one.", figure=p["figure"],
                 names=listing(p.get("names", ())))
    return _("The community has %(figure)s members; at most %(max)s are allowed.", figure=p["figure"], max=p["max"])


def _person(p: dict[str, Any]) -> str:
    measure, name = p["measure"], p["name"]
    if measure == "public_lessons":
        if p["figure"] == 0:
            return _("%(name)s has no public lesson this semester.", name=name)
        return _("%(name)s has given %(figure)s of %(target)s public lessons.", name=name, figure=p["figure"],
                 target=p["target"])
    if measure == "attendance_percent":
        return _("%(name)s attended %(figure)s%% of the activities; at least %(target)s%% is asked for.", name=name,
                 figure=p["figure"], target=p["target"])
    if measure == "title":
        return _("The professional title of %(name)s (%(title)s) is not one the rule accepts.", name=name,
                 title=title_label(p.get("title")) or _("No title"))
    if p.get("term_last"):
        return _("The pairing of %(name)s is set to end on %(last)s, after %(planned)s days in all of the %(target)s "
                 "asked for (%(figure)s served so far). Move its end on the pairing's page, or pair again.", name=name,
                 last=local_date(p["term_last"]), planned=p["planned"], target=p["target"], figure=p["figure"])
    return _("%(name)s served %(figure)s days of a %(target)s-day term.", name=name, figure=p["figure"],
             target=p["target"])


def _budget(code: str, p: dict[str, Any], currency: str) -> str:
    amounts = ("amount", "cap", "total", "allowed", "base", "approved", "min", "claimable", "already")
    m = {key: money(value, currency) for key, value in p.items() if key in amounts and isinstance(value, int)}
    texts = {
        "per_item": lambda: per_item_breach(p.get("unit"), m),
        "per_hour": lambda: _("Per-hour fee %(amount)s > cap %(cap)s.", **m),
        "per_person_session": lambda: _("%(amount)s for %(persons)s people is over %(cap)s a person (at most "
                                        "%(allowed)s).", persons=p["persons"], **m),
        "claims": lambda: _("Claim %(claims)s of at most %(cap)s.", claims=p["claims"], cap=p["cap"]),
        "hours": lambda: _("%(hours)s hours claimed; at most %(cap)s.", hours=format_decimal(p["hours"]),
                           cap=p["cap"]),
        "total": lambda: total_breach(p, m),
        "range_high": lambda: total_breach(p, m),
        "range_low": lambda: _("The total of %(total)s is under the %(min)s required.", **m),
        "range_low_final": lambda: _("The total of %(total)s is under the %(min)s required, and every claim "
                                     "allowed is made (at most %(claims)s): correct the amount.", claims=p["cap"],
                                     **m),
        "share": lambda: _("%(total)s is over %(percent)s%% of %(base)s (at most %(allowed)s).",
                           percent=p["percent"], **m),
        "share_of_approved": lambda: _("%(total)s spent is over %(percent)s%% of the %(approved)s approved (at most "
                                       "%(allowed)s).", percent=p["percent"], **m),
        "over_approved": lambda: _("Claiming %(amount)s would take the claimable spending to %(total)s, past the "
                                   "%(approved)s approved (%(claimable)s is already claimable).", **m),
        "category_not_allowed": lambda: _("Expenses of “%(category)s” are not fundable.", category=p["category"]),
        "unknown_category": lambda: _("“%(category)s” is not a budget category of this program.",
                                      category=p["category"]),
        "missing_receipt": lambda: missing_receipt(p, m),
        "no_book_list": lambda: _("Materials need a book list."),
        "book_without_relevance": lambda: _("The book list does not say why “%(title)s” matters to the community.",
                                            title=p["title"]),
        "hours_missing": lambda: _("An hourly fee needs its hours."),
        "persons_missing": lambda: _("A cost per person needs the number of people."),
        "outside_period": lambda: _("Dated %(day)s, outside the period %(first)s – %(last)s.",
                                    day=day_text(p["day"]), first=day_text(dt.date.fromisoformat(p["first"])),
                                    last=day_text(dt.date.fromisoformat(p["last"]))),
    }
    return texts[code]() if code in texts else code


MARKED_BY_HAND = frozenset({"application", "implementation_plan"})  # deliverables the panel's form marks (with
# the results report, said on its own); the others count from records (an activity's video, the monthly plans)


def missing_receipt(p: dict[str, Any], m: dict[str, str]) -> str:
    """An expense without its receipt, named by its day and payee (else what it was for) when the gap carries
    them (older snapshots do not)."""
    if p.get("spent_on") and p.get("payee"):
        return _("The expense of %(day)s to %(payee)s (%(amount)s) has no receipt.", day=day_text(p["spent_on"]),
                 payee=p["payee"], **m)
    if p.get("spent_on") and p.get("description"):
        return _("The expense of %(day)s for %(description)s (%(amount)s) has no receipt.",
                 day=day_text(p["spent_on"]), description=p["description"], **m)
    if p.get("spent_on"):
        return _("The expense of %(day)s (%(amount)s) has no receipt.", day=day_text(p["spent_on"]), **m)
    return _("An expense of %(amount)s has no receipt.", **m)


def gap_link(gap: Gap, community: Any, enrollment: Any, *, manage: bool, read_records: bool) -> str | None:
    """Where a gap that names a record is fixed, for this reader: the activity's page (for those who read the
    records), the expense's edit form (for those who manage the budget; the budget page for the others), the
    panel's deliverable form, the pairings (a mentoring term set to end short, for those who keep them), the
    members page, the community's settings (a community with no school, for those who manage it); None when the gap
    names nothing to open."""
    p = gap.params
    if p.get("activity_id") and read_records:
        return url_for("activities.show", slug=community.slug, activity_id=p["activity_id"])
    if gap.code.startswith("budget_") and p.get("expense_id"):
        if manage:
            return url_for("compliance.edit_expense", slug=community.slug, enrollment_id=enrollment.id,
                           expense_id=p["expense_id"], _anchor="expense-form")
        return url_for("compliance.budget_page", slug=community.slug, enrollment_id=enrollment.id)
    if gap.code.startswith("budget_") and gap.code in ("budget_no_book_list", "budget_book_without_relevance"):
        return url_for("compliance.budget_page", slug=community.slug, enrollment_id=enrollment.id)
    if gap.code in ("deliverable_missing", "deliverable_late") and not p.get("month") and manage \
            and (p.get("item") == "results_report" or p.get("item") in MARKED_BY_HAND):
        return url_for("compliance.panel", slug=community.slug, _anchor=f"deliver-{enrollment.id}")
    if gap.code == "person_short" and p.get("term_last"):  # a pairing set to end short: moved on its page
        return url_for("mentoring.index", slug=community.slug) if manage else None
    if gap.code == "no_school":  # set in the community's settings, by those who may change them
        return url_for("communities.edit", slug=community.slug) if manage else None
    if gap.code in ("membership_short", "membership_over") or (gap.code == "person_short" and p.get("user_id")):
        return url_for("communities.members", slug=community.slug)
    return None


def missing_deliverables(result: RuleResult) -> list[tuple[RuleResult, Gap]]:
    """A deliverable rule's parts not done yet (the single item, or each month's plan) with their gap, in order: one
    done late is done and is missing nothing."""
    return [(unit, gap) for unit in (result.parts or (result,)) for gap in unit.gaps
            if gap.code == "deliverable_missing"]


def due_anchor(enrollment_id: int, rule_id: str, gap: Gap) -> str:
    """The id of a deliverable part's line among the enrolment's deliverables still due (`still_due`), where a
    reminder's Open lands: due-<enrolment>-<rule>, and -YYYY-MM for a month's plan."""
    month = gap.params.get("month")
    return f"due-{enrollment_id}-{rule_id}" + (f"-{month:%Y-%m}" if month else "")


def still_due(enrollment_id: int, results: Iterable[RuleResult]) -> list[tuple[str, str, Gap]]:
    """The enrolment's deliverables not done yet that a convener acts on, by due day, as (anchor, status, gap): every
    part overdue or at risk, and each rule's next part (so the one a reminder names, a week before at most, is here
    whatever the program's warning days). A deliverable settled (met, waived, not applicable) is not listed."""
    due: list[tuple[dt.date, str, str, Gap]] = []
    for result in results:
        if result.kind != "deliverable" or result.status in (Status.MET, Status.WAIVED, Status.NOT_APPLICABLE):
            continue
        next_found = False
        for unit, gap in missing_deliverables(result):
            upcoming = not gap.params.get("overdue")
            if unit.status == Status.ON_TRACK and upcoming and next_found:
                continue
            next_found = next_found or upcoming
            due.append((gap.params["due"], due_anchor(enrollment_id, result.rule_id, gap), str(unit.status), gap))
    return [(anchor, status, gap) for _day_due, anchor, status, gap in sorted(due, key=lambda row: row[0])]


def _overdue(p: dict[str, Any], *, in_document: bool) -> str:
    """A deliverable not done by its day, once the day has gone (on the panel, with how to mark it done late)."""
    day = day_text(p["due"])
    if in_document or p["item"] not in MARKED_BY_HAND | {"results_report"}:
        return _("The %(item)s was not done by %(day)s.", item=item_text(p["item"]), day=day)
    if p["item"] == "results_report":
        return _("The results report was not delivered by %(day)s. Once it is handed to the funder, mark it delivered "
                 "under Deliverables on this panel: building or submitting the report does not mark it.", day=day)
    return _("The %(item)s was not done by %(day)s. Once it is handed in, mark it delivered under Deliverables on "
             "this panel.", item=item_text(p["item"]), day=day)


def _not_shareable(p: dict[str, Any]) -> str:
    """A video for the results report still missing although an activity has one: only a pair's private record
    has a video, which stays with the pair (no report or evidence pack carries it)."""
    if p.get("overdue"):
        return ngettext("No shareable video was kept by %(day)s: the video on %(num)d mentoring record kept to its "
                        "pair stays with the pair, and no report can carry it.",
                        "No shareable video was kept by %(day)s: the videos on %(num)d mentoring records kept to "
                        "their pairs stay with the pairs, and no report can carry them.",
                        p["not_shareable"], day=day_text(p["due"]))
    return ngettext("No shareable video yet: the video on %(num)d mentoring record kept to its pair stays with the "
                    "pair, and no report can carry it. Add a video to another activity by %(day)s.",
                    "No shareable video yet: the videos on %(num)d mentoring records kept to their pairs stay with "
                    "the pairs, and no report can carry them. Add a video to another activity by %(day)s.",
                    p["not_shareable"], day=day_text(p["due"]))


def gap_text(gap: Gap, currency: str = "TWD", *, hidden: Collection[int] = (), in_document: bool = False) -> str:
    """A gap in the reader's language: the activity of 3 May 2011 has no photo; 林老師 has no public lesson …
    An activity in `hidden` (a pair's private one, for a reader who does not see the pairings) is not named.
    `in_document`: for a document handed to the funder, what is missing without how to mark it on the panel."""
    code, p = gap.code, gap.params
    if code == "activity_missing_evidence":
        private = p.get("private") or p.get("activity_id") in hidden
        title = _("a mentoring record kept to the pair") if private else p["title"]
        return _("The activity of %(day)s (%(title)s) has no %(missing)s.", day=day_text(p["day"]), title=title,
                 missing=evidence_text(p["missing"]))
    if code == "count_short":
        if p.get("expected"):
            return ngettext("Behind the even pace, which asks for %(expected)s by today: %(num)d more activity is "
                            "needed by %(day)s.", "Behind the even pace, which asks for %(expected)s by today: "
                            "%(num)d more activities are needed by %(day)s.", p["needed"], expected=p["expected"],
                            day=day_text(p["by"]))
        return ngettext("%(num)d more activity is needed by %(day)s.", "%(num)d more activities are needed by "
                        "%(day)s.", p["needed"], day=day_text(p["by"]))
    if code == "not_covered":
        if p.get("missing"):
            return _("Not covered yet: %(missing)s.", missing=listing(p["missing"]))
        return _("%(needed)s more %(of)s are needed by %(day)s.", needed=p["needed"],
                 of=str(OF_LABELS.get(p["of"], p["of"])), day=day_text(p["by"]))
    if code in ("membership_short", "membership_over"):
        return _membership(code, p)
    if code == "not_applicable":
        return _("No school of the community takes part in the teacher-evaluation programme.")
    if code == "no_school":
        return _("This community has no school yet, and this rule depends on its school (its number of classes, the "
                 "teacher-evaluation programme). Choose the school in the community's settings.")
    if code == "nothing_to_cover":
        return _("There is nothing to cover: the community has no %(of)s to reach.",
                 of=str(OF_LABELS.get(p["of"], p["of"])))
    if code == "nobody":
        return _("The community has no %(who)s.", who=str(WHO_LABELS.get(p["who"], p["who"])))
    if code in ("deliverable_missing", "deliverable_late"):
        if p.get("month"):
            if code == "deliverable_late":
                return _("The monthly plan for %(month)s was submitted after %(day)s.", month=month_year(p["month"]),
                         day=day_text(p["due"]))
            if p.get("overdue"):
                return _("The monthly plan for %(month)s was not submitted by %(day)s.",
                         month=month_year(p["month"]), day=day_text(p["due"]))
            return _("The monthly plan for %(month)s is due on %(day)s.", month=month_year(p["month"]),
                     day=day_text(p["due"]))
        if code == "deliverable_late":
            return _("The %(item)s was done after its due day, %(day)s.", item=item_text(p["item"]),
                     day=day_text(p["due"]))
        if p.get("not_shareable"):  # only a pair's private record has the video: the report cannot carry it
            return _not_shareable(p)
        if p.get("overdue"):  # the day has gone: what was not done by then, never "due on" a day in the past
            return _overdue(p, in_document=in_document)
        if in_document:  # the funder reads what is due, not the panel's buttons
            return _("The %(item)s is due on %(day)s.", item=item_text(p["item"]), day=day_text(p["due"]))
        if p["item"] == "results_report":  # building or submitting the report does not mark it: the funder's copy does
            return _("The results report is due on %(day)s. Once it is handed to the funder, mark it delivered under "
                     "Deliverables on this panel (or with “Mark the results report delivered” beside the report "
                     "frozen with a submission): building or submitting the report does not mark it.",
                     day=day_text(p["due"]))
        if p["item"] in MARKED_BY_HAND:
            return _("The %(item)s is due on %(day)s. Once it is handed in, mark it delivered under Deliverables on "
                     "this panel.", item=item_text(p["item"]), day=day_text(p["due"]))
        return _("The %(item)s is due on %(day)s.", item=item_text(p["item"]), day=day_text(p["due"]))
    if code == "person_short":
        return _person(p)
    if code.startswith("budget_"):
        text = _budget(code.removeprefix("budget_"), p, currency)
        if not p.get("spent_on") or code == "budget_missing_receipt":  # the ledger as a whole, or named already
            return text
        # Which expense: two claims over a cap lowered after they were kept read as two identical lines.
        day = p["spent_on"] if isinstance(p["spent_on"], dt.date) else dt.date.fromisoformat(str(p["spent_on"])[:10])
        which = (_("The expense of %(day)s to %(payee)s", day=day_text(day), payee=p["payee"]) if p.get("payee")
                 else _("The expense of %(day)s", day=day_text(day)))
        return _("%(label)s: %(value)s", label=which, value=text)
    return code


def stored_breach_text(stored: dict[str, Any], currency: str = "TWD") -> str:
    """A breach kept with an expense that was kept not claimable (as the ledger stored it: dates as text)."""
    params = {key: (dt.date.fromisoformat(value) if key == "day" and isinstance(value, str) else value)
              for key, value in (stored.get("params") or {}).items()}
    return _budget(stored.get("code", ""), params, currency)


def not_claimable_reasons(expense: Any, ledger: Any) -> list[str]:
    """Why an expense kept not claimable is set aside, judged by the rules as they are now (`Ledger.if_claimed`),
    not as they were on the day it was kept: what claiming it would break, with today's numbers; for one kept
    because it broke a cap that it breaks none now (a cap raised since), that it may be marked claimable; nothing
    for one marked by hand that breaks nothing. The budget page and the ledger's Excel note say the same."""
    now = ledger.if_claimed.get(expense.id)
    if now is None:  # a ledger that did not judge it: the reason kept with it
        return [stored_breach_text(breach, ledger.currency) for breach in expense.breaches]
    if now:
        return [breach_text(breach, ledger.currency) for breach in now]
    return [_("Within the caps now: it can be marked claimable.")] if expense.breaches else []


ACTIVITY_STATES = {"cancelled": _l("cancelled"), "outside_period": _l("outside the program's period")}


def activity_state_text(state: str) -> str:
    """Why an activity may no longer be chosen for an expense: cancelled, or outside the program's period."""
    return str(ACTIVITY_STATES.get(state, state))


def activity_doubt_text(gap: Gap, currency: str = "TWD", *, named: bool = False) -> str:
    """The question a claimable expense of a cancelled activity (or one dated outside the period) raises: on its
    ledger row, or `named` with the expense's day, payee and amount (the panel)."""
    p = gap.params
    day = day_text(p["activity_day"])
    cancelled = gap.code == "budget_activity_cancelled"
    if not named:
        return (_("The activity of %(day)s was cancelled: is this expense still claimable?", day=day) if cancelled
                else _("The activity of %(day)s is outside the program's period: is this expense still claimable?",
                       day=day))
    expense = {"spent_on": day_text(p["spent_on"]), "amount": money(p["amount"], currency)}
    if p.get("payee"):
        return (_("The activity of %(day)s was cancelled: is the expense of %(spent_on)s to %(payee)s (%(amount)s) "
                  "still claimable?", day=day, payee=p["payee"], **expense) if cancelled
                else _("The activity of %(day)s is outside the program's period: is the expense of %(spent_on)s to "
                       "%(payee)s (%(amount)s) still claimable?", day=day, payee=p["payee"], **expense))
    return (_("The activity of %(day)s was cancelled: is the expense of %(spent_on)s (%(amount)s) still claimable?",
              day=day, **expense) if cancelled
            else _("The activity of %(day)s is outside the program's period: is the expense of %(spent_on)s "
                   "(%(amount)s) still claimable?", day=day, **expense))


def breach_text(breach: Breach, currency: str = "TWD") -> str:
    """What an expense breaks, with the numbers: Per-hour fee NT$1,800 > cap NT$1,600."""
    return _budget(breach.code, breach.params, currency)


def breach_rule(definition: dict[str, Any], breach: Breach) -> tuple[str, str]:
    """The rule a breach breaks as the panel names it: its message in the reader's language and its citation
    (the funder's clause), each "" when the breach is not of one of the program's rules (the approved amount, the
    period)."""
    rule = next((rule for rule in definition.get("rules", ()) if rule.get("id") == breach.rule_id), None)
    if rule is None:
        return "", ""
    return rule_text(rule), in_reader_script(rule.get("citation") or "")


# The expense form's field each breach concerns: a cap on hours to the hours, a category or a claim count to the
# category, a day outside the period to the date, a missing receipt to the receipt; every other cap to the amount.
BREACH_FIELDS = {"hours": "hours", "claims": "category", "category_not_allowed": "category",
                 "unknown_category": "category", "no_book_list": "category", "book_without_relevance": "category",
                 "outside_period": "spent_on", "missing_receipt": "receipt"}


def breaches_by_field(breaches: Iterable[Breach], currency: str = "TWD") -> dict[str, list[str]]:
    """A refused expense's breaches in words, by the form field each concerns (shown beside it)."""
    found: dict[str, list[str]] = {}
    for breach in breaches:
        found.setdefault(BREACH_FIELDS.get(breach.code, "amount"), []).append(breach_text(breach, currency))
    return found


def total_breach(p: dict[str, Any], m: dict[str, str]) -> str:
    """A category's total over its cap: with what was already claimed and this expense when an expense made it."""
    if p.get("already"):
        return _("The total of %(total)s (%(already)s already claimed and this %(amount)s) is over the cap of "
                 "%(cap)s.", **m)
    return _("The total of %(total)s is over the cap of %(cap)s.", **m)


def per_item_cap(unit: str | None, cap: str) -> str:
    """A per-item cap in the word its rule caps by (per_item_unit): at most NT$200 a session, NT$1,000 a time."""
    if unit == "session":
        return _("at most %(cap)s a session", cap=cap)
    if unit == "time":
        return _("at most %(cap)s a time", cap=cap)
    return _("at most %(cap)s an item", cap=cap)


def per_item_breach(unit: str | None, m: dict[str, str]) -> str:
    """An expense over a per-item cap, in the word its rule caps by."""
    if unit == "session":
        return _("An expense of %(amount)s is over the cap of %(cap)s a session.", **m)
    if unit == "time":
        return _("An expense of %(amount)s is over the cap of %(cap)s a time.", **m)
    return _("An expense of %(amount)s is over the cap of %(cap)s an item.", **m)


def caps_text(caps: Iterable[Gap], currency: str = "TWD") -> str:
    """A category's caps in one line, joined by the reader's separator: at most NT$1,000 a time; at most 2 claims
    (每次最多 NT$1,000；最多申請 2 次)."""
    return _("; ").join(cap_text(cap, currency) for cap in caps)


def cap_text(cap: Gap, currency: str = "TWD") -> str:
    """A category's cap in the ledger: at most NT$1,600 an hour."""
    p = cap.params
    texts = {
        "per_item_max": lambda: per_item_cap(p.get("unit"), money(p["cap"], currency)),
        "per_hour_max": lambda: _("at most %(cap)s an hour", cap=money(p["cap"], currency)),
        "per_person_session_max": lambda: _("at most %(cap)s a person a session", cap=money(p["cap"], currency)),
        "total_max": lambda: _("at most %(cap)s in all", cap=money(p["cap"], currency)),
        "claims_max": lambda: ngettext("at most %(num)d claim", "at most %(num)d claims", p["cap"]),
        "hours_max": lambda: _("at most %(cap)s hours", cap=format_decimal(p["cap"])),
        "range": lambda: _("%(first)s – %(last)s", first=money(p.get("min", 0), currency),
                           last=money(p["max"], currency) if "max" in p else "…"),
        "share": lambda: _("at most %(percent)s%% of operating costs", percent=p["percent"]),
        "requires_book_list": lambda: _("a book list is required"),
    }
    return texts[cap.code]() if cap.code in texts else cap.code


# What json said was wrong with a document's text, in the reader's words (json.JSONDecodeError.msg).
SYNTAX_PROBLEMS = {
    "Expecting ',' delimiter": _l("a comma (,) is missing"),
    "Expecting ':' delimiter": _l("a colon (:) is missing after the key"),
    "Expecting value": _l("a value is missing (or there is one comma too many)"),
    "Expecting property name enclosed in double quotes": _l("a key in double quotes is expected here (or there is "
                                                            "one comma too many)"),
    "Unterminated string starting at": _l("a text is not closed with its double quote"),
    "Invalid control character at": _l("a text holds a line break or a tab"),
    "Invalid \\escape": _l("a backslash starts an escape that JSON does not know"),
    "Invalid \\uXXXX escape": _l("a backslash starts an escape that JSON does not know"),
    "Extra data": _l("there is more text after the end of the document"),
    "nested": _l("the document is nested too deeply"),
}

# The JSON types a schema asks for, as the reader names them.
TYPE_LABELS = {
    "integer": _l("a whole number"),
    "number": _l("a number"),
    "string": _l("a text in double quotes"),
    "boolean": _l("true or false"),
    "object": _l("an object ({…})"),
    "array": _l("a list ([…])"),
}


def _shown(value: Any) -> str:
    """A value of the document as JSON writes it, shortened: 1.5, ["x", …]; a text in the quotes of the reader's
    language (「abc」, “abc”), as a name is quoted: JSON's straight quotes stood out inside Chinese text."""
    if isinstance(value, str):
        text = value if len(value) <= 38 else value[:37] + "…"
        return _("“%(text)s”", text=text)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _type_text(names: str | list[str]) -> str:
    labels = [str(TYPE_LABELS.get(name, name)) for name in (names if isinstance(names, list) else [names])]
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s or %(second)s", first=listing(labels[:-1]), second=labels[-1])


def _syntax_text(error: ProgramError) -> str:
    if error.params.get("problem") == "end":
        return _("JSON syntax error: the text ends too early: %(marks)s is missing at its end.",
                 marks=error.params.get("marks", "}"))
    problem = next((text for start, text in SYNTAX_PROBLEMS.items()
                    if str(error.params.get("problem", "")).startswith(start)), None)
    problem = str(problem) if problem is not None else _("the text is not valid JSON")
    if error.params.get("column"):
        return _("JSON syntax error: at character %(column)s, %(problem)s.", column=error.params["column"],
                 problem=problem)
    return _("JSON syntax error: %(detail)s", detail=problem)


def _pattern_text(value: str, form: str) -> str:
    """A value not in the form it takes, the form said in words (the schema's regular expression never shown)."""
    texts = {
        "date": lambda: _("%(value)s is not a day: write a day as 2026-08-01 or 民國115年8月1日.", value=value),
        "month_day": lambda: _("%(value)s is not a month and day: write it as 08-01 (1 August), the month first.",
                               value=value),
        "key": lambda: _("%(value)s is not a key: use small letters a–z, digits and - _ . (at most 64 characters), "
                         "starting with a letter or a digit.", value=value),
        "semester_key": lambda: _("%(value)s is not a semester key: use small letters a–z, digits, - and _ (at "
                                  "most 32 characters).", value=value),
        "currency": lambda: _("%(value)s is not a currency code: write three capital letters, such as TWD, CNY or "
                              "USD.", value=value),
    }
    if form in texts:
        return texts[form]()
    return _("%(value)s is not written the way this value is (the rules guide describes each value).", value=value)


def _schema_text(error: ProgramError) -> str:
    """A schema error in the reader's language, from the validator that refused the value (its `kind`)."""
    p = error.params
    if "key" in p:
        return _("Unknown key “%(key)s”.", key=p["key"])
    if p.get("missing") == "citation" or error.path.endswith(".citation"):  # absent, empty or blank: one fix
        return _("A rule needs its citation: the funder's clause it comes from (such as 社群活動次數不得少於18次).")
    kind, value, limit = p.get("kind"), _shown(p.get("value")), p.get("limit")
    number = limit if isinstance(limit, int) and not isinstance(limit, bool) else 0
    texts = {
        "minimum": lambda: _("%(value)s is less than the minimum of %(limit)s.", value=value, limit=limit),
        "maximum": lambda: _("%(value)s is more than the maximum of %(limit)s.", value=value, limit=limit),
        "exclusiveMinimum": lambda: _("%(value)s must be more than %(limit)s.", value=value, limit=limit),
        "exclusiveMaximum": lambda: _("%(value)s must be less than %(limit)s.", value=value, limit=limit),
        "multipleOf": lambda: _("%(value)s is not a multiple of %(limit)s.", value=value, limit=limit),
        "type": lambda: _("%(value)s is not %(type)s.", value=value, type=_type_text(limit)),
        "const": lambda: _("%(value)s must be %(limit)s.", value=value, limit=_shown(limit)),
        "enum": lambda: _("%(value)s is not one of: %(choices)s.", value=value,
                          choices=listing(_shown(choice) for choice in p.get("choices", ()))),
        "pattern": lambda: _pattern_text(value, p.get("form", "")),
        "format": lambda: _("%(value)s is not in the %(format)s format.", value=value, format=limit),
        "required": lambda: _("The key “%(key)s” is required here.", key=p.get("missing", "")),
        "minItems": lambda: ngettext("The list needs at least %(num)d item.", "The list needs at least %(num)d "
                                     "items.", number),
        "maxItems": lambda: ngettext("The list may have at most %(num)d item.", "The list may have at most "
                                     "%(num)d items.", number),
        "minLength": lambda: ngettext("The text needs at least %(num)d character.", "The text needs at least "
                                      "%(num)d characters.", number),
        "maxLength": lambda: ngettext("The text may have at most %(num)d character.", "The text may have at most "
                                      "%(num)d characters.", number),
        "minProperties": lambda: ngettext("At least %(num)d key is needed here.", "At least %(num)d keys are "
                                          "needed here.", number),
        "uniqueItems": lambda: _("The list has the same item twice."),
        "oneOf": lambda: _("This matches more than one of the forms it may take: keep only one (the rules guide "
                           "lists them)."),
        "not": lambda: _("These keys may not be given together here."),
    }
    return texts[kind]() if kind in texts else _("This value is not allowed here.")


def program_error_text(error: ProgramError) -> str:
    """A program editor's error in the reader's language (jsonschema's and json's English are for the logs)."""
    p = error.params
    texts = {
        "syntax": lambda: _syntax_text(error),
        "schema": lambda: _schema_text(error),
        "duplicate_id": lambda: _("Another rule already has the id “%(id)s”.", id=p["id"]),
        "period_order": lambda: _("The period ends before it starts."),
        "window_order": lambda: _("The window ends before it starts."),
        "invalid_date": lambda: _("“%(value)s” is not a day of the calendar: write a day as 2026-08-01 or "
                                  "民國115年8月1日.", value=p["value"]),
        "invalid_month_day": lambda: _("“%(value)s” is not a month and day (MM-DD).", value=p["value"]),
        "window_outside": lambda: _("The window is not inside the program's period."),
        "range_order": lambda: _("The lowest amount is above the highest."),
        "min_above_max": lambda: _("The minimum cannot be above the maximum."),
        "unknown_currency": lambda: _("“%(currency)s” is not a currency code in use (ISO 4217, such as TWD, CNY or "
                                      "USD).", currency=p["currency"]),
        "unknown_category": lambda: _("“%(category)s” is not one of the budget categories.", category=p["category"]),
        "duplicate_category": lambda: _("Two budget categories have the key “%(key)s”.", key=p["key"]),
        "key_taken": lambda: _("Another program already has the key “%(key)s”: give this one a key of its own.",
                               key=p["key"]),
        "name_taken": lambda: _("Another program already has the name “%(name)s”: give this one a name of its own.",
                                name=p["name"]),
        "too_large": lambda: _("%(value)s is too large: at most %(limit)s.", value=p["value"], limit=p["limit"]),
    }
    return texts[error.code]() if error.code in texts else error.detail


def taken_text(field: str, value: str) -> str:
    """That another program has this key or name (`field`), in the reader's language."""
    return program_error_text(ProgramError(field, None, f"{field}_taken", {field: value}))


MAX_CHANGES_SAID = 5  # the trail's line names the first few changes of a save; the event keeps them all


def _change_value(value: Any) -> str:
    if value is None:
        return _("(none)")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def program_changes_text(changes: Any) -> str:
    """What a program's save changed, for its audit line: "plc.activities target: 18 → 20; period.last: …"."""
    if not isinstance(changes, list) or not changes:
        return "…"
    said = []
    for change in changes[:MAX_CHANGES_SAID]:
        rule = change.get("rule")
        if change.get("change") == "added":
            said.append(_("rule %(rule)s added", rule=rule))
        elif change.get("change") == "removed":
            said.append(_("rule %(rule)s removed", rule=rule))
        else:
            values = {"field": change.get("field"), "before": _change_value(change.get("before")),
                      "after": _change_value(change.get("after"))}
            said.append(_("%(rule)s %(field)s: %(before)s → %(after)s", rule=rule, **values) if rule
                        else _("%(field)s: %(before)s → %(after)s", **values))
    more = len(changes) - MAX_CHANGES_SAID
    if more > 0:
        said.append(ngettext("%(num)d more change", "%(num)d more changes", more))
    return _("; ").join(said)
