"""Programs: installed from the shipped presets, created from a document, edited, copied, archived."""


from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from workspace.compliance.models import Program
from workspace.compliance.programs import load_presets, normal_key, validate_program
from workspace.compliance.wording import listing, program_error_text, rule_text, taken_text
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, ValidationError
from workspace.core.forms import money_refusal
from workspace.core.i18n import LOCALE_NAMES, currency_digits, money_input, with_currency
from workspace.core.models import record_event
from workspace.core.parsing import parse_money, parse_signed_decimal
from workspace.extensions import db

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$")




def _apply_document(program: Program, document: dict[str, Any]) -> None:
    program.key = document["key"]
    program.name = document["name"]
    program.currency = document.get("currency", "TWD")
    program.first_day = dt.date.fromisoformat(document["period"]["first"])
    program.last_day = dt.date.fromisoformat(document["period"]["last"])
    program.definition = document


def _same_name(name: str) -> str:
    """A name as two programs' names are compared: case and spaces around and between words ignored."""
    return " ".join(name.split()).casefold()


def taken_fields(document: dict[str, Any], *, program: Program | None = None) -> dict[str, str]:
    """The fields of the document ("key", "name") that another program than `program` has already, archived ones
    too, each with that program's value: a key names a program's files, and two programs of one name are two
    identical rows in Programs, the enrol list and the reviewers' filter (QA 9)."""
    others = select(Program.key, Program.name).order_by(Program.id)
    if program is not None and program.id is not None:
        others = others.where(Program.id != program.id)
    rows = db.session.execute(others).all()
    found = {}
    if (key := document.get("key")) in {other for other, _name in rows}:
        found["key"] = key
    name = document.get("name")
    if isinstance(name, str) and (same := [other for _key, other in rows if _same_name(other) == _same_name(name)]):
        found["name"] = same[0]
    return found


def _check_document(document: dict[str, Any], *, program: Program | None = None) -> None:
    errors = validate_program(document)
    if errors:
        raise ValidationError(ngettext("The program has %(num)d error: %(first)s",
                                       "The program has %(num)d errors: %(first)s", len(errors),
                                       first=program_error_text(errors[0])), "definition")
    for field, value in taken_fields(document, program=program).items():
        raise ValidationError(taken_text(field, value), field)


def install_presets() -> list[Program]:
    """Add each shipped preset never installed before (an admin who archived one does not get it back)."""
    installed = set(db.session.scalars(select(Program.preset_key).where(Program.preset_key.is_not(None))))
    added = []
    for document in load_presets():
        if document["key"] in installed:
            continue
        if db.session.scalar(select(Program.id).where(Program.key == document["key"])) is not None:
            continue  # an admin's own program took the key first
        program = Program(preset_key=document["key"])
        _apply_document(program, document)
        db.session.add(program)
        added.append(program)
    db.session.flush()
    return added


def create_program(document: dict[str, Any], actor: Any) -> Program:
    """A new program from a validated document."""
    _check_document(document)
    program = Program(created_by_id=getattr(actor, "id", None))
    _apply_document(program, document)
    db.session.add(program)
    db.session.flush()
    record_event(actor, "program.created", program, name=program.name)
    return program


def update_program(program: Program, document: dict[str, Any], actor: Any, *, version: int) -> list[dict[str, Any]]:
    """Replace a program's document (validated); `version` is the one the editor started from. What changed
    (`program_changes`) is logged with the event and returned; a document that changes nothing is not saved: no new
    version, no event (QA: an untouched save, or the same days typed in the ROC calendar, added a version each)."""
    if version != program.version:
        raise Conflict(_("Someone else saved this program after you opened it. Reload to see their changes."))
    _check_document(document, program=program)
    document = with_versions_raised(program.definition, document)
    changes = program_changes(program.definition, document)
    if not changes:
        return []
    _apply_document(program, document)
    program.version += 1
    program.updated_at = utcnow()
    record_event(actor, "program.changed", program, name=program.name, changes=changes)
    return changes


_ABSENT = object()


def _value_changes(before: Any, after: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Each value that differs between two JSON values, by its path (a key absent on one side is None there)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in dict.fromkeys([*before, *after]):
            found += _value_changes(before.get(key, _ABSENT), after.get(key, _ABSENT), f"{path}.{key}" if path else key)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [change for index, (old, new) in enumerate(zip(before, after, strict=True))
                for change in _value_changes(old, new, f"{path}[{index}]")]
    if before is not _ABSENT and after is not _ABSENT and before == after and type(before) is type(after):
        return []
    return [(path, None if before is _ABSENT else before, None if after is _ABSENT else after)]


def program_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What a save changes in a program's document, for its audit event: each changed value as {"rule": the rule's
    id (None outside the rules), "field": its path in the rule or document, "before", "after"}, a rule added or
    removed as {"rule", "change": "added" | "removed"}; rules are matched by id, so moving one is no change of its
    values (a new order is one change of "rules", the ids before and after). [] when nothing changed."""
    rest = ({key: value for key, value in document.items() if key != "rules"} for document in (before, after))
    changes: list[dict[str, Any]] = [{"rule": None, "field": field, "before": old, "after": new}
                                     for field, old, new in _value_changes(*rest, "")]
    old_rules = {rule.get("id"): rule for rule in before.get("rules", ())}
    new_rules = {rule.get("id"): rule for rule in after.get("rules", ())}
    for rule_id, rule in new_rules.items():
        if rule_id not in old_rules:
            changes.append({"rule": rule_id, "change": "added"})
            continue
        changes += [{"rule": rule_id, "field": field, "before": old, "after": new}
                    for field, old, new in _value_changes(old_rules[rule_id], rule, "")]
    changes += [{"rule": rule_id, "change": "removed"} for rule_id in old_rules if rule_id not in new_rules]
    kept = [rule_id for rule_id in new_rules if rule_id in old_rules]
    if kept != [rule_id for rule_id in old_rules if rule_id in new_rules]:
        changes.append({"rule": None, "field": "rules", "before": list(old_rules), "after": list(new_rules)})
    return changes


# What a rule says in words: changing these leaves what it asks, and so its version, as it was.
_WORDING = frozenset({"message", "messages", "citation", "version"})


def with_versions_raised(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`after`, each rule whose meaning changed from `before` (the same id, other figures or conditions) carrying a
    version above its old one unless the editor raised it already: a submission names a rule by id and version,
    and "plc.budget.external_hourly v1" once named a cap of NT$1,600 and, after the figures form, one of NT$1,500."""
    old = {rule.get("id"): rule for rule in before.get("rules", ()) if isinstance(rule, dict)}
    raised = copy.deepcopy(after)
    for rule in raised.get("rules", ()):
        earlier = old.get(rule.get("id")) if isinstance(rule, dict) else None
        if earlier is None:
            continue
        meaning = {key: value for key, value in rule.items() if key not in _WORDING}
        if meaning != {key: value for key, value in earlier.items() if key not in _WORDING}:
            rule["version"] = max(int(rule.get("version", 1)), int(earlier.get("version", 1)) + 1)
    return raised


def copy_document(program: Program) -> dict[str, Any]:
    """The program's document under a free key and a free name ("… (copy)", "… (copy 2)"), for an admin to change
    and save."""
    document = copy.deepcopy(program.definition)  # the copy is changed by its editor, never the original
    base = program.key[:50]
    taken = set(db.session.scalars(select(Program.key).where(Program.key.like(f"{base}-copy%"))))
    number = 1
    while (key := f"{base}-copy" + (f"-{number}" if number > 1 else "")) in taken:
        number += 1
    document["key"] = key
    names = {_same_name(name) for name in db.session.scalars(select(Program.name))}
    number = 1
    while _same_name(name := _("%(name)s (copy %(number)d)", name=program.name, number=number) if number > 1
                     else _("%(name)s (copy)", name=program.name)) in names:
        number += 1
    document["name"] = name
    return document


def set_archived(program: Program, archived: bool, actor: Any) -> None:
    """Archive (no new enrolments; existing ones are still judged) or bring back a program."""
    program.archived_at = utcnow() if archived else None
    record_event(actor, "program.archived" if archived else "program.unarchived", program, name=program.name)


def programs(*, archived: bool = False) -> list[Program]:
    """The programs, newest period first; archived ones only when asked."""
    query = select(Program).order_by(Program.first_day.desc(), Program.name, Program.id)
    query = query.where(~Program.live if archived else Program.live)
    return list(db.session.scalars(query))


# --- the figures form: a program's period and each rule's numbers, without touching the JSON -------------

FIGURE_LABELS = {
    "target": _l("Target"), "min": _l("At least"), "max": _l("At most"), "grace_days": _l("Days allowed after"),
    "claims_max": _l("Claims at most"), "hours_max": _l("Hours at most"), "per_hour_max": _l("At most an hour"),
    "per_item_max": _l("At most an item"), "per_person_session_max": _l("At most a person a session"),
    "total_max": _l("At most in all"),
    # an amount's range: not the dates' "From"/"To", which Chinese says as 起始日期/結束日期
    "range.min": _l("Lowest amount"), "range.max": _l("Highest amount"),
    "share.max_percent": _l("At most (%)"), "due.days": _l("Days after the date"),
}
# The member minimum by the school's class count: each band's class limit and minimum (the last has no limit).
BAND_LABELS = {"up_to": _l("Up to (classes)"), "min": _l("Members at least"),
               "last": _l("Members at least, more classes")}
# Labels that say what the figure is reckoned by, from the rule: a cap per time (每次) or per session (每場), a day
# counted from the period's first or last day.
PER_ITEM_LABELS = {"time": _l("At most a time"), "session": _l("At most a session")}
DUE_LABELS = {"period_first": _l("Days after the period starts"), "period_last": _l("Days after the period ends")}


def _figure_label(key: str, rule: dict[str, Any]) -> str:
    if key == "per_item_max":
        return str(PER_ITEM_LABELS.get(rule.get("per_item_unit"), FIGURE_LABELS[key]))
    if key == "due.days" and isinstance(rule.get("due"), dict):
        return str(DUE_LABELS.get(rule["due"].get("after"), FIGURE_LABELS[key]))
    return str(FIGURE_LABELS[key])


# The figures that are money: kept in the program's minor units, typed and shown in its main unit (¥16.00).
MONEY_FIGURES = frozenset({"per_hour_max", "per_item_max", "per_person_session_max", "total_max", "range.min",
                           "range.max"})
# The figures the schema lets have decimals (hours, percentages); the others are whole numbers.
DECIMAL_FIGURES = frozenset({"hours_max", "share.max_percent"})


@dataclass(frozen=True)
class Figure:
    """One number of one rule that the figures form shows: where it is in the document, its label, its value."""

    name: str  # the form field: rules.<index>.<key>[.<sub-key>]
    label: str
    value: int | float
    currency: str | None = None  # money: the value is in this currency's minor units
    whole: bool = True  # a count: 1.5 cannot be read

    @property
    def shown(self) -> str:
        """The value as the form shows it (money in the currency's main unit: 1600, 16.00)."""
        return money_input(int(self.value), self.currency) if self.currency else str(self.value)

    def read(self, typed: str) -> int | float | None:
        """A typed value of this figure (money in minor units), or None when it cannot be read. A number below its
        least or past MAX_NUMBER is read: the program's checks then say so beside the field ("-18 is less than the
        minimum of 1", "… is too large"), where a hint on how to write a number would mislead."""
        if self.currency:
            return parse_money(typed, self.currency)
        number = parse_signed_decimal(typed)
        if number is None or (self.whole and not isinstance(number, int)):
            return None
        return number

    def refusal(self, typed: str) -> str:
        """Why a typed value cannot be read, with an example this figure accepts: an amount in the program's
        currency (whole NT$; ¥ with at most two decimals), a whole number, or a number with decimals."""
        if self.currency:
            return str(money_refusal(typed, self.currency))
        if self.whole:
            return _("Enter a whole number, such as 18.")
        return _("Enter a number, such as 4 or 1.5.")


@dataclass(frozen=True)
class RuleFigures:
    """A rule's numbers, with the rule's id and message (in the reader's language), for the figures form."""

    rule_id: str
    message: str
    figures: tuple[Figure, ...]
    messages: tuple[tuple[str, str, str], ...] = ()  # (field, label, text): the rule's message in each language
    # (field, label, text): the funder's clause the rule comes from, which the printed plan quotes beside it
    citation: tuple[str, str, str] | None = None

    @property
    def texts(self) -> tuple[tuple[str, str, str], ...]:
        """The rule's words the form shows: its messages, then its citation."""
        return (*self.messages, *((self.citation,) if self.citation else ()))

    @property
    def fields(self) -> tuple[str, ...]:
        """The form's fields of this rule: its figures, its messages and its citation."""
        return (*(figure.name for figure in self.figures), *(name for name, _label, _text in self.texts))


# The languages a rule's message is written in (`messages`), besides its default `message`.
MESSAGE_LANGUAGES = ("zh_Hant", "zh_Hans", "en")


def _message_fields(index: int, rule: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """The fields of a rule's messages: the default one, Traditional and Simplified Chinese, and English when the
    rule has it apart from the default."""
    messages = rule.get("messages") if isinstance(rule.get("messages"), dict) else {}
    fields = [(f"rules.{index}.message", _("Message (default)"), rule.get("message", ""))]
    for language in MESSAGE_LANGUAGES:
        if language != "en" or messages.get("en"):
            fields.append((f"rules.{index}.messages.{language}",
                           _("Message in %(language)s", language=LOCALE_NAMES[language]), messages.get(language, "")))
    return tuple(fields)


def figures_of(document: dict[str, Any]) -> list[RuleFigures]:
    """Each rule's numbers an admin may change in a form (the rest stays in the JSON editor)."""
    found = []
    currency = document.get("currency") or "TWD"
    for index, rule in enumerate(document.get("rules", [])):
        figures = []
        for key in FIGURE_LABELS:
            label = _figure_label(key, rule)
            head, _dot, sub = key.partition(".")
            value = rule.get(head)
            if sub:
                value = value.get(sub) if isinstance(value, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                money = key in MONEY_FIGURES and rule.get("kind") == "budget_cap"
                figures.append(Figure(f"rules.{index}.{key}", with_currency(label, currency) if money
                                      else label, value, currency if money else None,
                                      whole=key not in DECIMAL_FIGURES))
        bands = rule.get("min_by_class_count")
        for band, limits in enumerate(bands if rule.get("kind") == "membership" and isinstance(bands, list) else []):
            for key in ("up_to", "min"):
                value = limits.get(key) if isinstance(limits, dict) else None
                if isinstance(value, int) and not isinstance(value, bool):
                    label = BAND_LABELS["last" if key == "min" and "up_to" not in limits else key]
                    figures.append(Figure(f"rules.{index}.min_by_class_count.{band}.{key}", str(label), value))
        if figures:
            citation = (f"rules.{index}.citation", _("The funder's clause (citation)"), rule.get("citation", ""))
            found.append(RuleFigures(rule.get("id", ""), rule_text(rule), tuple(figures), _message_fields(index, rule),
                                     citation))
    return found


def _written(figure: Figure) -> list[str]:
    """The ways a message may write a figure's value: 1600 and 1,600; 16, 16.00 and 1,600.00 for money in fen."""
    if figure.currency:
        digits = currency_digits(figure.currency)
        main = Decimal(int(figure.value)).scaleb(-digits)
        forms = [f"{main:.{digits}f}", f"{main:,.{digits}f}"]
        if main == main.to_integral_value():
            forms += [f"{int(main)}", f"{int(main):,}"]
    else:
        forms = [str(figure.value), f"{figure.value:,}"]
    return sorted(set(forms), key=len, reverse=True)


def _says(text: str, forms: list[str]) -> str | None:
    """The form of a figure a text writes (not as part of a longer number: 1600 is not in 11600 or 1600.5)."""
    for form in forms:
        if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", text):
            return form
    return None


def stale_messages(before: dict[str, Any], after: dict[str, Any], *, refused: Collection[str] = ()) -> dict[str, str]:
    """The figures changed while a message of their rule still writes the old value (NT$1,600 an hour after the
    cap became 1,700), each by the figure's field, and while the rule's citation still states it (不得少於18次 for a
    target of 20, which the printed plan would quote beside it), by the citation's field, unless the citation was
    changed and states the new value too: the admin changes the messages and the citation (the funder's new clause)
    in the same form. The figures `refused` (by their field: -18 for a target of at least 1) are left out: their
    own refusal is the one error of that mistake, not also a clause to rewrite for a value that cannot be."""
    errors: dict[str, str] = {}
    for rule_figures in figures_of(before):
        for figure in rule_figures.figures:
            if figure.name in refused:
                continue
            *steps, last = figure.name.split(".")
            place: Any = after
            for step in steps:
                place = place[int(step)] if step.isdigit() else place.get(step, {})
            if place.get(last) == figure.value:
                continue
            rule = after["rules"][int(steps[1])]
            texts = [(_("default"), rule.get("message", ""))]
            texts += [(LOCALE_NAMES.get(language, language), text)
                      for language, text in (rule.get("messages") or {}).items()]
            forms = _written(figure)
            found = [(language, said) for language, text in texts if (said := _says(text, forms))]
            if found:
                errors[figure.name] = _("The rule's message still says %(old)s (%(languages)s): change the message "
                                        "in each language below too.", old=found[0][1],
                                        languages=listing(language for language, _said in found))
            # A funder's clause cannot be reworded to avoid a number (每1個社群 stays when 1 report becomes 2): a
            # changed clause that states the new figure is the funder's new clause.
            citation, earlier = rule.get("citation"), before["rules"][int(steps[1])].get("citation")
            value = place.get(last)
            new = (_written(dataclasses.replace(figure, value=value))
                   if isinstance(value, int | float) and not isinstance(value, bool) else [])
            if (isinstance(citation, str) and (said := _says(citation, forms))
                    and (citation == earlier or not _says(citation, new))):
                errors.setdefault(f"rules.{steps[1]}.citation", _(
                    "The funder's clause still states %(old)s: enter the clause for the new figure (the printed plan "
                    "quotes it beside the rule).", old=said))
    return errors


def _field_of(path: str) -> str:
    """The figures form's field of a document's JSON path: rules[3].range.max → rules.3.range.max."""
    field = re.sub(r"\[(\d+)\]", r".\1", path)
    return {"period.first": "first", "period.last": "last", "period": "last"}.get(field, field)


def figure_errors(document: dict[str, Any], fields: Collection[str]) -> dict[str, str]:
    """What the program's checks refuse in a document changed by the figures form, each by the form's field it
    belongs beside ("" for what no field of the form shows, with its JSON path)."""
    errors: dict[str, str] = {}
    for error in validate_program(document):
        field = _field_of(error.path)
        if field in fields:
            errors.setdefault(field, program_error_text(error))
        else:
            loose = f"{error.path}: {program_error_text(error)}" if error.path else program_error_text(error)
            errors[""] = f"{errors['']} {loose}" if "" in errors else loose
    return errors


def apply_figures(document: dict[str, Any], *, name: str, first: dt.date, last: dt.date,
                  values: dict[str, int | float | str], key: str | None = None) -> dict[str, Any]:
    """A copy of the document with its name, period, the rules' numbers, messages and citations (`values` by field
    name) and, when given, its key changed (in small letters: PLC-115 is plc-115)."""
    changed = copy.deepcopy(document)
    changed["name"] = name
    if key is not None:
        changed["key"] = normal_key(key)
    changed["period"] = {"first": first.isoformat(), "last": last.isoformat()}
    for field, value in values.items():
        *steps, last = field.split(".")  # rules.3.range.max, rules.0.min_by_class_count.1.min
        place: Any = changed
        for step in steps:
            place = place[int(step)] if step.isdigit() else place.setdefault(step, {})  # a rule's first `messages`
        place[last] = value
    return changed
