"""The site admin's program editor: the figures form (each rule's numbers and messages, beside their fields) and
the JSON editor (each error beside its line), in the admin's language."""

from __future__ import annotations

import re

from tests.compliance.helpers import program_copy
from tests.factories import make_user
from workspace.compliance.models import Program


def _text(response) -> str:
    return response.get_data(as_text=True)


def _index(program: Program, rule_id: str) -> int:
    return next(number for number, rule in enumerate(program.definition["rules"]) if rule["id"] == rule_id)


def _label(html: str, field: str) -> str:
    """The text of the label of a figures-form field."""
    fid = "figure-" + field.replace(".", "-")
    return re.search(rf'<label class="label" for="{re.escape(fid)}">([^<]*)</label>', html).group(1)


def test_the_printing_range_is_labelled_as_amounts_not_dates_in_chinese(client, ctx):
    program = program_copy()
    index = _index(program, "plc.budget.printing_report")
    for locale, low, high in (("zh_Hant", "最低金額（NT$）", "最高金額（NT$）"),
                              ("zh_Hans", "最低金额（NT$）", "最高金额（NT$）"),
                              ("en", "Lowest amount (NT$)", "Highest amount (NT$)")):
        client.login(make_user(is_admin=True, locale=locale))
        html = _text(client.get(f"/admin/programs/{program.id}/edit"))
        assert (_label(html, f"rules.{index}.range.min"), _label(html, f"rules.{index}.range.max")) == (low, high)
