"""Program documents: the JSON Schema check, the checks a schema cannot express, line numbers, the presets.

`parse_program_text()` serves the admin's raw-JSON editor: every error carries its JSON path and the line of
the text it belongs to (a syntax error its own line), so the editor shows it beside that line. Days may be typed
in the ROC calendar (民國115年8月1日, 115/08/01): the document is kept with 2026-08-01 (`normalise_dates`). Errors are
codes with parameters (`wording.program_error_text` says them in the reader's language): a schema error
carries the jsonschema validator that refused it (`kind`: minimum, type, required …) with its limit and the
offending value, a syntax error json's own problem; their English (`detail`) is kept for logs only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match

from workspace.core.i18n import is_known_currency
from workspace.core.parsing import parse_roc_date

HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "schema" / "program.schema.json"
PRESETS = HERE / "presets"
MAX_NUMBER = 10**12  # any figure of a program: far above any count or grant (minor units), within a BIGINT

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class ProgramError:
    """One thing wrong with a program document: where (JSON path and line), a code, its parameters."""

    path: str  # e.g. rules[3].target; "" for the document itself
    line: int | None
    code: str  # syntax, schema, duplicate_id, period_order, invalid_date, window_outside, window_order,
    # unknown_category, duplicate_category, invalid_month_day, range_order, unknown_currency, key_taken, name_taken,
    # too_large
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # jsonschema's or json's own English message

    @property
    def message(self) -> str:
        """A plain English line for logs and tests (the interface uses wording.program_error_text)."""
        return self.detail or f"{self.code}: {self.params}"


@cache
def schema() -> dict[str, Any]:
    """The program document's JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def path_text(path: Path_) -> str:
    """A JSON path as the editor shows it: rules[3].target."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


# --- where each value starts in the text ------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"[ \t\n\r]*")


def positions(text: str) -> dict[Path_, int]:
    """The line (from 1) on which each value of a valid JSON text starts, by path; a key's line for members."""
    lines: dict[Path_, int] = {}
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        low, high = 0, len(newlines)
        while low < high:
            middle = (low + high) // 2
            if newlines[middle] < offset:
                low = middle + 1
            else:
                high = middle
        return low + 1

    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()

    def value(i: int, path: Path_) -> int:
        i = skip(i)
        lines.setdefault(path, line_of(i))
        char = text[i]
        if char == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                i = skip(i)
                key, end = scanstring(text, i + 1)
                lines[(*path, key)] = line_of(i)
                i = skip(end)
                i = value(i + 1, (*path, key))  # past the colon
                i = skip(i)
                if text[i] == "}":
                    return i + 1
                i += 1  # the comma
        if char == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = skip(value(i, (*path, index)))
                if text[i] == "]":
                    return i + 1
                i += 1
                index += 1
        if char == '"':
            return scanstring(text, i + 1)[1]
        for literal in ("true", "false", "null", "NaN", "Infinity", "-Infinity"):  # Python's json takes the last three
            if text.startswith(literal, i):
                return i + len(literal)
        return _NUMBER.match(text, i).end()

    value(0, ())
    return lines


def _line(lines: dict[Path_, int] | None, path: Path_) -> int | None:
    if lines is None:
        return None
    path = tuple(path)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# --- the checks -------------------------------------------------------------------------------------------


def _nearest(error: SchemaError) -> SchemaError:
    """The error of the oneOf / anyOf branch meant: for an object or a list, a branch of that shape (a window given
    as dates whose first day is no day: that day, not "not one of period, semester, month")."""
    branches = list(error.context or ())
    if isinstance(error.instance, (dict, list)):
        shaped = [found for found in branches
                  if found.relative_path or found.validator not in {"enum", "type", "const"}]
        branches = shaped or branches
    else:  # a string or a number: the branch of its type ("2027/13/01" is a day written wrong, not "no object")
        typed = [found for found in branches if found.validator != "type"]
        branches = typed or branches
    return best_match(branches) or error


def _schema_errors(data: object, lines: dict[Path_, int] | None) -> list[ProgramError]:
    found: list[ProgramError] = []
    refused: set[Path_] = set()
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        if error.context:  # oneOf / anyOf: the branch that came nearest says more than "not valid under any"
            error = _nearest(error)
        path = tuple(error.absolute_path)
        if path in refused and error.validator != "additionalProperties":
            continue  # one fix, one message: an empty citation is too short and blank, said once
        refused.add(path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for extra in [key for key in error.instance if key not in allowed]:
                found.append(ProgramError(path_text((*path, extra)), _line(lines, (*path, extra)), "schema",
                                          {"key": extra}, f"unknown key '{extra}'"))
            continue
        found.append(ProgramError(path_text(path), _line(lines, path), "schema", _schema_params(error),
                                  _detail(error)))
    return found


# The validators whose value is a limit the message names (the minimum, the type, the pattern …).
_LIMITED = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "type", "const",
                      "pattern", "format", "minItems", "maxItems", "minLength", "maxLength", "minProperties",
                      "maxProperties", "uniqueItems"})


@cache
def _pattern_forms() -> dict[str, str]:
    """The schema's patterns by the form of value they stand for (a pattern is never shown to a person: the
    wording says the form in words)."""
    doc = schema()
    defs = doc["$defs"]
    semester_key = doc["properties"]["semesters"]["items"]["properties"]["key"]["pattern"]
    return {defs["date"]["pattern"]: "date", defs["month_day"]["pattern"]: "month_day",
            defs["key"]["pattern"]: "key", doc["properties"]["currency"]["pattern"]: "currency",
            semester_key: "semester_key"}


def _schema_params(error: SchemaError) -> dict[str, Any]:
    """What a schema error's message needs: the validator (`kind`), the value refused and the limit it broke (for
    a pattern, the form of value it stands for instead: `date`, `key` …)."""
    params: dict[str, Any] = {"kind": error.validator, "value": error.instance}
    if error.validator == "pattern":
        params["form"] = _pattern_forms().get(error.validator_value, "")
    elif error.validator in _LIMITED:
        params["limit"] = error.validator_value
    elif error.validator == "enum":
        params["choices"] = list(error.validator_value)
    elif error.validator == "required" and isinstance(error.instance, dict):
        params["missing"] = next((key for key in error.validator_value if key not in error.instance), "")
    return params


def _detail(error: SchemaError) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(repr, error.validator_value))}"
    return error.message


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _bounds(rule: dict[str, Any]) -> list[tuple[Path_, Any, Any, str]]:
    """A rule's lower bounds, each with the upper bound it may not pass, the path its error is shown beside and the
    error's code: a membership rule's min (and each min by class count) against its max, and a budget range's min
    against its max (said as amounts), each beside the min, where the person who typed it looks."""
    if rule.get("kind") == "membership":
        pairs: list[tuple[Path_, Any, Any, str]] = [(("min",), rule.get("min"), rule.get("max"), "min_above_max")]
        pairs += [(("min_by_class_count", index, "min"), step.get("min"), rule.get("max"), "min_above_max")
                  for index, step in enumerate(rule.get("min_by_class_count") or []) if isinstance(step, dict)]
        return pairs
    if rule.get("kind") == "budget_cap" and isinstance(rule.get("range"), dict):
        return [(("range", "min"), rule["range"].get("min"), rule["range"].get("max"), "range_order")]
    return []


def _semantic_errors(data: dict[str, Any], lines: dict[Path_, int] | None) -> list[ProgramError]:
    found: list[ProgramError] = []

    def error(path: Path_, code: str, **params: Any) -> None:
        found.append(ProgramError(path_text(path), _line(lines, path), code, params))

    currency = data.get("currency")
    if isinstance(currency, str) and not is_known_currency(currency):
        error(("currency",), "unknown_currency", currency=currency)
    period = data.get("period", {})
    first, last = _date(period.get("first")), _date(period.get("last"))
    for end in ("first", "last"):
        if isinstance(period.get(end), str) and _date(period[end]) is None:
            error(("period", end), "invalid_date", value=period[end])
    if first and last and last < first:
        error(("period", "last"), "period_order", first=first, last=last)
    for index, semester in enumerate(data.get("semesters", [])):
        for end in ("first", "last"):
            try:
                dt.date(2000, *(int(part) for part in semester[end].split("-")))  # 2000: 29 February exists
            except (ValueError, TypeError):
                error(("semesters", index, end), "invalid_month_day", value=semester[end])
    keys = [category.get("key") for category in data.get("budget", {}).get("categories", [])]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            error(("budget", "categories", index, "key"), "duplicate_category", key=key)
    seen: set[str] = set()
    for index, rule in enumerate(data.get("rules", [])):
        where = ("rules", index)
        if rule.get("id") in seen:
            error((*where, "id"), "duplicate_id", id=rule["id"])
        seen.add(rule.get("id"))
        window = rule.get("window")
        if isinstance(window, dict):
            start, end = _date(window.get("first")), _date(window.get("last"))
            for side, day in (("first", start), ("last", end)):
                if day is None:
                    error((*where, "window", side), "invalid_date", value=window.get(side))
            if start and end and end < start:
                error((*where, "window", "last"), "window_order", first=start, last=end)
            if start and end and first and last and (start < first or end > last):
                error((*where, "window"), "window_outside", first=start, last=end, period_first=first,
                      period_last=last)
        for key in ("due", "until"):
            if isinstance(rule.get(key), str) and _date(rule[key]) is None:
                error((*where, key), "invalid_date", value=rule[key])
        for path, low, high, code in _bounds(rule):
            if isinstance(low, int) and isinstance(high, int) and low > high:
                error((*where, *path), code, min=low, max=high)
        if rule.get("kind") == "budget_cap":
            named = [("category", rule["category"])] if "category" in rule else []
            named += [(("categories", i), key) for i, key in enumerate(rule.get("categories", []))]
            named += [(("allowed_categories", i), key) for i, key in enumerate(rule.get("allowed_categories", []))]
            named += [(("share", "of_categories", i), key)
                      for i, key in enumerate(rule.get("share", {}).get("of_categories", []))]
            for step, key in named:
                if key not in keys:
                    steps = step if isinstance(step, tuple) else (step,)
                    error((*where, *steps), "unknown_category", category=key)
    return found


def _date_values(data: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Where a program document holds a day (the period's ends, a rule's window ends, `due` and `until`), as
    (the object, its key)."""
    found: list[tuple[dict[str, Any], str]] = []
    period = data.get("period")
    if isinstance(period, dict):
        found += [(period, end) for end in ("first", "last") if end in period]
    for rule in data.get("rules") or ():
        if not isinstance(rule, dict):
            continue
        window = rule.get("window")
        if isinstance(window, dict):
            found += [(window, end) for end in ("first", "last") if end in window]
        found += [(rule, key) for key in ("due", "until") if isinstance(rule.get(key), str)]
    return found


def normalise_dates(data: object) -> None:
    """Write each day of a document as the program keeps it (2026-08-01), however it was typed: in the ROC calendar
    as funders write it (民國115年8月1日, 115/08/01, full-width digits) or as 2026/8/1 (core.parsing.parse_roc_date).
    A text that is no day is left as typed, for the checks to point out."""
    if not isinstance(data, dict):
        return
    for holder, key in _date_values(data):
        value = holder[key]
        day = parse_roc_date(value) if isinstance(value, str) else None
        if day is not None:
            holder[key] = day.isoformat()


def normal_key(key: str) -> str:
    """A program's key as it is kept: in small letters, however it was typed (PLC-115, as its files and the funders
    write it, is plc-115). Only A–Z are lowered: any other letter is for the checks to refuse."""
    return "".join(character.lower() if "A" <= character <= "Z" else character for character in key.strip())


def normalise_key(data: object) -> None:
    """Write a document's key in small letters (`normal_key`); a key that is no text is left for the checks."""
    if isinstance(data, dict) and isinstance(data.get("key"), str):
        data["key"] = normal_key(data["key"])


def _too_large(data: object, lines: dict[Path_, int] | None) -> list[ProgramError]:
    """Numbers past MAX_NUMBER (the figures form reads no more, and a column holds no more), each beside its line.
    A walk with its own stack: a document nested 900 deep is refused by the schema, not by Python's recursion."""
    found, stack = [], [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            found.append(ProgramError(path_text(path), _line(lines, path), "too_large",
                                      {"value": value, "limit": MAX_NUMBER}, f"{value} is greater than {MAX_NUMBER}"))
    return found


def validate_program(data: object, lines: dict[Path_, int] | None = None) -> list[ProgramError]:
    """Everything wrong with a program document at once: the schema's errors and numbers too large, and the
    semantic ones (an unknown currency, a minimum above its maximum …) of the parts they can read — not only once
    the schema's are fixed (QA: "6 errors", then two more after fixing them). A path the schema refused already is
    not told twice."""
    errors = _schema_errors(data, lines) + _too_large(data, lines)
    if not isinstance(data, dict):
        return errors
    try:
        semantic = _semantic_errors(data, lines)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        semantic = []  # a document too far from the schema to read: its schema errors say what to fix first
    refused = {error.path for error in errors}
    return errors + [error for error in semantic if error.path not in refused]


def taken(text: str, field: str, value: str) -> ProgramError:
    """The error of a document whose key or name (`field`) another program has, beside that line (found on
    saving): key_taken, name_taken."""
    try:
        line = positions(text).get((field,))
    except RecursionError:
        line = None
    return ProgramError(field, line, f"{field}_taken", {field: value})


_CLOSERS = {"{": "}", "[": "]"}


def _unclosed(text: str) -> str:
    """The closing marks a JSON text still needs at its end, innermost first ("]}"), strings skipped."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _CLOSERS:
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return "".join(_CLOSERS[char] for char in reversed(stack))


def _place(text: str, offset: int) -> tuple[int, int]:
    """The line and column (both from 1) of an offset in the text."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _syntax_error(text: str, error: json.JSONDecodeError) -> ProgramError:
    """json's error, placed where the person types the fix: a text that ends too early at the end of its last line
    (json reports the end, a line past the last, as "a comma is missing"), a comma missing at the end of a line at
    that line's end (json reports the next value, on the next line)."""
    end = len(text.rstrip())
    marks = _unclosed(text) if error.pos >= end else ""
    if marks:
        line, column = _place(text, end)
        return ProgramError("", line, "syntax", {"column": column, "problem": "end", "marks": marks}, error.msg)
    offset = error.pos
    if error.msg.startswith("Expecting ',' delimiter"):
        before = len(text[:offset].rstrip())
        if "\n" in text[before:offset]:
            offset = before
    line, column = _place(text, min(offset, end))
    return ProgramError("", line, "syntax", {"column": column, "problem": error.msg}, error.msg)


def parse_program_text(text: str) -> tuple[dict[str, Any] | None, list[ProgramError]]:
    """Read a program document typed in the raw-JSON editor: (the document, []) or (None, errors with lines)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [_syntax_error(text, error)]
    except RecursionError:
        return None, [ProgramError("", None, "syntax", {"problem": "nested"}, "nested too deeply")]
    try:
        lines: dict[Path_, int] | None = positions(text)
    except RecursionError:  # deep enough for json, too deep for the walk: the errors go without their lines
        lines = None
    normalise_dates(data)  # ROC dates welcome; the document is saved with 2026-08-01 (same paths, same lines)
    normalise_key(data)  # PLC-115 welcome: kept as plc-115
    errors = validate_program(data, lines)
    return (None, errors) if errors else (data, [])


def load_presets(folder: Path = PRESETS) -> list[dict[str, Any]]:
    """The shipped presets (presets/*.json), validated; a broken preset is a programming error and raises."""
    presets = []
    for path in sorted(folder.glob("*.json")):
        data, errors = parse_program_text(path.read_text(encoding="utf-8"))
        if errors:
            raise ValueError(f"{path.name}: " + "; ".join(f"line {e.line} {e.path}: {e.message}" for e in errors))
        presets.append(data)
    return presets
