"""Program documents as the admin types them: schema errors on the right line, a syntax error's line, an unknown
kind, duplicate ids, and the checks the schema cannot express (dates, windows, categories).
"""

from __future__ import annotations

import json

import pytest

from workspace.compliance.programs import load_presets, parse_program_text, positions, schema, validate_program

GOOD = """{
  "key": "school-plc",
  "name": "校內社群",
  "period": {"first": "2024-08-01", "last": "2025-07-31"},
  "rules": [
    {
      "id": "meetings",
      "version": 1,
      "kind": "count",
      "target": 6,
      "message": "At least 6 meetings.", "citation": "每學期至少6次"
    },
    {
      "id": "report",
      "version": 1,
      "kind": "deliverable",
      "item": "results_report",
      "message": "The report.", "citation": "期末繳交成果報告"
    }
  ],
  "budget": {"categories": [{"key": "materials", "name": "資料"}]}
}
"""


def _edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def test_a_good_document_passes():
    data, errors = parse_program_text(GOOD)
    assert errors == [] and data["key"] == "school-plc"


def test_a_syntax_error_gives_its_line():
    data, [error] = parse_program_text(_edit('"target": 6,', '"target": 6,,'))
    assert data is None and error.code == "syntax" and error.line == 10


def test_an_unclosed_document_gives_a_line():
    _, [error] = parse_program_text(GOOD[:200])
    assert error.code == "syntax" and error.line is not None


def test_a_document_that_ends_too_early_is_told_at_its_last_line_with_what_closes_it():
    """QA: without its final } the error's line was past the last line ("at character 1, a comma is missing")."""
    for text, marks in ((GOOD.rstrip()[:-1], "}"), (GOOD.rstrip()[:-1] + "\n\n", "}"),
                        (GOOD[:GOOD.index("  ],")], "]}")):
        _, [error] = parse_program_text(text)
        last = len(text.rstrip().splitlines())
        assert (error.code, error.line, error.params["problem"]) == ("syntax", last, "end")
        assert error.params["marks"] == marks
        assert error.params["column"] == len(text.rstrip().splitlines()[-1]) + 1


def test_a_comma_missing_at_the_end_of_a_line_is_told_on_that_line_where_it_is_typed():
    _, [error] = parse_program_text(_edit('"target": 6,', '"target": 6'))
    assert (error.line, error.params["column"]) == (10, len('      "target": 6') + 1)
    assert error.params["problem"] == "Expecting ',' delimiter"


def test_a_wrong_value_is_reported_on_its_line_with_its_path():
    _, [error] = parse_program_text(_edit('"target": 6,', '"target": "six",'))
    assert (error.code, error.path, error.line) == ("schema", "rules[0].target", 10)
    assert "six" in error.message


def test_a_misspelt_key_is_reported_on_its_line():
    _, [error] = parse_program_text(_edit('"target": 6,', '"target": 6, "tagz": ["x"],'))
    assert (error.path, error.line, error.params) == ("rules[0].tagz", 10, {"key": "tagz"})


def test_an_unknown_kind():
    _, errors = parse_program_text(_edit('"kind": "deliverable"', '"kind": "checklist"'))
    assert [(e.path, e.line) for e in errors] == [("rules[1].kind", 16)]
    assert "checklist" in errors[0].message


def test_a_missing_parameter_names_the_rule():
    _, errors = parse_program_text(_edit('      "target": 6,\n', ""))
    assert [(e.path, e.line, e.message) for e in errors] == [("rules[0]", 6, "'target' is a required property")]


def test_a_rule_without_its_citation_or_with_an_empty_one_is_refused_beside_the_rule():
    """Every rule carries the funder's clause it comes from (QA: a rule without one was saved)."""
    _, errors = parse_program_text(_edit(', "citation": "每學期至少6次"', ""))
    assert [(e.path, e.line, e.params.get("missing")) for e in errors] == [("rules[0]", 6, "citation")]
    _, errors = parse_program_text(_edit('"citation": "每學期至少6次"', '"citation": ""'))
    assert [(e.path, e.line, e.params.get("kind")) for e in errors] == [("rules[0].citation", 11, "minLength")]


def test_duplicate_ids():
    _, [error] = parse_program_text(_edit('"id": "report"', '"id": "meetings"'))
    assert (error.code, error.path, error.line, error.params) == ("duplicate_id", "rules[1].id", 14, {"id": "meetings"})


def test_the_period_must_not_end_before_it_starts_nor_name_a_day_that_does_not_exist():
    _, [error] = parse_program_text(_edit('"last": "2025-07-31"', '"last": "2024-07-31"'))
    assert (error.code, error.path, error.line) == ("period_order", "period.last", 4)
    _, [error] = parse_program_text(_edit('"first": "2024-08-01"', '"first": "2024-02-30"'))
    assert (error.code, error.path) == ("invalid_date", "period.first")


def test_a_window_inside_the_period():
    inside = '"target": 6, "window": {"first": "2024-09-01", "last": "2024-12-31"},'
    assert parse_program_text(_edit('"target": 6,', inside))[1] == []
    outside = '"target": 6, "window": {"first": "2024-09-01", "last": "2025-08-31"},'
    _, [error] = parse_program_text(_edit('"target": 6,', outside))
    assert (error.code, error.path, error.line) == ("window_outside", "rules[0].window", 10)


def test_a_budget_rule_naming_an_unknown_category():
    rule = ('{"id": "cap", "version": 1, "kind": "budget_cap", "category": "snacks", "total_max": 10, '
            '"message": "m", "citation": "c"}')
    text = _edit("  ],\n", f"  ,\n{rule}\n  ],\n").replace("}\n  ,\n", "},\n", 1)
    _, [error] = parse_program_text(text)
    assert (error.code, error.path, error.params) == ("unknown_category", "rules[2].category", {"category": "snacks"})
    assert error.line == 20


def test_validate_program_takes_a_dict_without_lines():
    data = json.loads(_edit('"target": 6,', '"target": 0,'))
    [error] = validate_program(data)
    assert error.path == "rules[0].target" and error.line is None
    assert validate_program([]) and validate_program("text")


def test_positions_of_keys_and_items():
    lines = positions(GOOD)
    assert lines[("rules", 1, "item")] == 17 and lines[("rules", 1)] == 13 and lines[()] == 1


@pytest.mark.parametrize("bad", ["[]", "null", "1", '"x"', "{}", '{"key": "a"}'])
def test_what_is_not_a_program(bad):
    data, errors = parse_program_text(bad)
    assert data is None and errors


def test_nesting_too_deep_is_an_error_not_a_crash():
    data, errors = parse_program_text("[" * 100_000 + "]" * 100_000)
    assert data is None and errors


def test_every_kind_of_the_engine_has_its_schema_entry():
    from workspace.compliance.engine import KINDS

    assert set(schema()["$defs"]["rule"]["properties"]["kind"]["enum"]) == set(KINDS)
    assert {f"{kind}_rule" for kind in KINDS} <= set(schema()["$defs"])


def test_the_presets_pass_their_schema():
    assert [preset["key"] for preset in load_presets()] == ["plc-100", "urc"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-0", "1.5", "true", "null", "[]", "{}"])
def test_odd_numbers_are_refused_on_their_line(value):
    _, errors = parse_program_text(_edit('"target": 6,', f'"target": {value},'))
    assert errors and all((e.path, e.line) in {("rules[0].target", 10), ("rules[0]", 6)} for e in errors)


def test_a_document_nested_deep_still_answers():
    deep = "[" * 900 + "]" * 900
    data, errors = parse_program_text(GOOD.replace('"rules": [', f'"x": {deep}, "rules": ['))
    assert data is None and errors


def test_days_in_the_roc_calendar_are_read_and_kept_as_the_program_keeps_a_day():
    """The period, a window, `due` and `until` may be typed as funders write a day: the document comes back with
    2026-08-01, so the program, its engine and its figures form read one form (county QA, L5)."""
    text = (_edit('"first": "2024-08-01", "last": "2025-07-31"', '"first": "民國113年8月1日", "last": "114/07/31"')
            .replace('"target": 6,', '"target": 6, "window": {"first": "１１３年９月１日", "last": "2024/12/31"},', 1)
            .replace('"item": "results_report",', '"item": "results_report", "due": "民国114年8月14日",', 1))
    document, errors = parse_program_text(text)
    assert errors == []
    assert document["period"] == {"first": "2024-08-01", "last": "2025-07-31"}
    assert document["rules"][0]["window"] == {"first": "2024-09-01", "last": "2024-12-31"}
    assert document["rules"][1]["due"] == "2025-08-14"
    # the checks still read the days: a ROC period that ends before it starts is refused on its line
    _, [error] = parse_program_text(_edit('"last": "2025-07-31"', '"last": "112/07/31"'))
    assert (error.code, error.path, error.line) == ("period_order", "period.last", 4)


@pytest.mark.parametrize("typed", ["民國113年13月1日", "113/02/30", "next August", "2024-8"])
def test_a_text_that_is_no_day_is_left_as_typed_and_refused_by_the_form_it_should_take(typed):
    _, [error] = parse_program_text(_edit('"first": "2024-08-01"', f'"first": "{typed}"'))
    assert (error.path, error.line) == ("period.first", 4)
    assert error.params.get("form") == "date" or error.code == "invalid_date"
    assert "limit" not in error.params  # the regular expression goes nowhere near the reader
