"""The site admin's program editor: the figures form (each rule's numbers and messages, beside their fields) and
the JSON editor (each error beside its line), in the admin's language."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest

from tests.compliance.helpers import program_copy
from tests.factories import make_user
from workspace.compliance.models import Program
from workspace.extensions import db


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


def test_a_cap_per_time_and_a_due_day_say_what_they_are_reckoned_by(client, ctx):
    """Admin QA: the introduction fee, capped per time (每次), read "At most an item"; a deliverable's days read
    "Days after the date" without saying which."""
    program = program_copy()
    per_time = _index(program, next(rule["id"] for rule in program.definition["rules"]
                                    if rule.get("per_item_unit") == "time"))
    per_session = _index(program, next(rule["id"] for rule in program.definition["rules"]
                                       if rule.get("per_item_unit") == "session"))
    due = next(number for number, rule in enumerate(program.definition["rules"])
               if isinstance(rule.get("due"), dict) and "days" in rule["due"])
    after = program.definition["rules"][due]["due"]["after"]
    client.login(make_user(is_admin=True, locale="en"))
    html = _text(client.get(f"/admin/programs/{program.id}/edit"))
    assert _label(html, f"rules.{per_time}.per_item_max") == "At most a time (NT$)"
    assert _label(html, f"rules.{per_session}.per_item_max") == "At most a session (NT$)"
    assert _label(html, f"rules.{due}.due.days") == {"period_first": "Days after the period starts",
                                                      "period_last": "Days after the period ends"}[after]


def _figures_form(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(rules\.[^"]+)" value="([^"]*)"', html))


def _field_error(html: str, field: str) -> str:
    fid = "figure-" + field.replace(".", "-")
    found = re.search(rf'<p class="field-error" id="{re.escape(fid)}-error">([^<]*)</p>', html)
    return html_module.unescape(found.group(1)) if found else ""


def _editor_errors(html: str) -> str:
    return html_module.unescape(" ".join(re.findall(r'<p class="field-error">([^<]*)</p>', html)))


def test_the_json_editor_says_schema_and_syntax_errors_in_the_reader_s_language(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    document = json.dumps(program.definition, ensure_ascii=False, indent=2)
    url = f"/admin/programs/{program.id}/edit"
    cases = (('"target": 18', '"target": -18', "-18 小於最小值 1。"),
             ('"target": 18', '"target": "abc"', '「abc」'),  # the catalog's 「abc」不是整數 once merged
             ('"max_percent": 6', '"max_percent": 150', "150 大於最大值 100。"),
             ('"kind": "count"', '"kind": "tally"', '「tally」'),
             ('"target": 18,', '"target": 18', "JSON 語法錯誤：第 "))
    for old, new, said in cases:
        html = _text(client.post_form(url, {"definition": document.replace(old, new, 1), "version": "1"}))
        assert said in _editor_errors(html), (new, _editor_errors(html))
        for english in ("less than the minimum", "is not of type", "greater than the maximum", "Expecting",
                        "is not one of"):
            assert english not in html
    html = _text(client.post_form(url, {"definition": document.replace('"target": 18,', '"target": 18', 1),
                                        "version": "1"}))
    assert "缺少逗號（,）" in _editor_errors(html)


def test_a_missing_closing_brace_or_comma_is_told_beside_the_line_where_it_is_typed(client, ctx):
    """QA: without the final } the editor said "1 error, shown beside its line", then "at character 1, a comma is
    missing" beside no line; a comma missing at a line's end was told on the next line."""
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    document = json.dumps(program.definition, ensure_ascii=False, indent=2)
    url = f"/admin/programs/{program.id}/edit"
    html = _text(client.post_form(url, {"definition": document.rstrip()[:-1] + "\n", "version": "1"}))
    last = len(document.splitlines()) - 1
    said = "JSON 语法错误：文字提前结束，结尾缺少 }。"
    assert re.search(rf'data-line="{last}".*?<p class="field-error">{re.escape(said)}</p>', html, re.S), \
        _editor_errors(html)
    assert "逗号" not in _editor_errors(html)
    alert = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S).group(1)
    assert "<p>" not in alert.split("</p>", 1)[1]  # nothing left over below the summary: it is beside its line
    missing = document.replace('"target": 18,', '"target": 18', 1)
    html = _text(client.post_form(url, {"definition": missing, "version": "1"}))
    line = _line_of(missing, '"target": 18')
    said = r"JSON 语法错误：第 \d+ 个字符处缺少逗号"
    assert re.search(rf'data-line="{line}".*?<p class="field-error">{said}', html, re.S), _editor_errors(html)


def test_an_error_with_no_line_is_not_said_to_be_beside_its_line(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="en"))
    html = _text(client.post_form(f"/admin/programs/{program.id}/edit",
                                  {"definition": "[" * 100_000 + "]" * 100_000, "version": "1"}))
    alert = html_module.unescape(re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S).group(1))
    assert "The program has 1 error:" in alert and "beside" not in alert and "nested too deeply" in alert


def test_the_figures_form_refuses_a_figure_beside_its_field_in_the_reader_s_language(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    url = f"/admin/programs/{program.id}/edit"
    page = _text(client.get(url))
    target = f"rules.{_index(program, 'plc.activities')}.target"
    share = f"rules.{_index(program, 'plc.budget.sundries')}.share.max_percent"
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    response = client.post_form(f"/admin/programs/{program.id}/figures", {**base, target: "1.5", share: "150"})
    assert response.status_code == 422
    html = _text(response)
    assert _field_error(html, target) == "请输入整数，例如 18。"  # no decimal offered for a count
    assert _field_error(html, share) == "150 大于最大值 100。"
    assert f'name="{target}" value="1.5"' in html and f'name="{share}" value="150"' in html
    assert "is not of type" not in html and "greater than the maximum" not in html
    response = client.post_form(f"/admin/programs/{program.id}/figures", {**base, target: "0"})
    assert _field_error(_text(response), target) == "0 小于最小值 1。"
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1


@pytest.mark.parametrize(("locale", "said"), [
    ("zh_Hans", "规则须注明出处：补助计划中的条文（例如：社群活动次数不得少于18次）。"),
    ("zh_Hant", "規則須註明出處：補助計畫中的條文（例如：社群活動次數不得少於18次）。"),
    ("en", "A rule needs its citation: the funder's clause it comes from (such as 社群活動次數不得少於18次)."),
])
def test_a_rule_without_its_citation_is_refused_beside_its_line_in_the_reader_s_language(client, ctx, locale, said):
    program = program_copy()
    index = _index(program, "plc.activities")
    client.login(make_user(is_admin=True, locale=locale))
    for citation in (None, "", "  "):
        data = json.loads(json.dumps(program.definition))
        if citation is None:
            del data["rules"][index]["citation"]
        else:
            data["rules"][index]["citation"] = citation
        document = json.dumps(data, ensure_ascii=False, indent=2)
        response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})
        assert response.status_code == 422
        line = (_line_of(document, '"id": "plc.activities"') - 1 if citation is None
                else _line_of(document, f'"citation": "{citation}"'))
        path = f"rules[{index}]" if citation is None else f"rules[{index}].citation"
        found = re.search(rf'data-line="{line}".*?<p class="field-error">([^<]*)</p>', _text(response), re.S)
        assert found and html_module.unescape(found.group(1)) == f"{path}: {said}", (citation, found)
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1


def _changed_events(program: Program) -> list:
    from workspace.core.models import AuditEvent

    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "program.changed",
                                                               AuditEvent.subject_id == program.id)))


def test_saving_the_figures_or_the_json_unchanged_says_nothing_changed_and_adds_no_version(client, ctx):
    """QA: save on an untouched figures form, the same dates typed as 民國115年8月1日 / 116/07/31, or １８ for 18, each
    added a version and an audit line "changed the program"."""
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    target = f"rules.{_index(program, 'plc.activities')}.target"
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    for typed in ({}, {"first": "民國114年8月1日", "last": "115/07/31", target: "１８"}):
        response = client.post_form(f"/admin/programs/{program.id}/figures", {**base, **typed},
                                    follow_redirects=True)
        assert "没有任何修改" in _text(response) and "已保存" not in _text(response)
    document = json.dumps(program.definition, ensure_ascii=False, indent=2)
    response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"},
                                follow_redirects=True)
    assert "没有任何修改" in _text(response)
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1 and _changed_events(program) == []


def test_a_change_is_logged_with_what_changed_and_the_trail_says_it(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    target = f"rules.{_index(program, 'plc.activities')}.target"
    index = _index(program, "plc.activities")
    messages = {f"rules.{index}.message": "Hold at least 20 community activities within the execution period.",
                f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理20次社群活動。",
                f"rules.{index}.messages.zh_Hans": "执行期间内至少举办20次社群活动。"}
    response = client.post_form(f"/admin/programs/{program.id}/figures", {
        **_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
        "last": program.last_day.isoformat(), "version": "1", target: "20", **messages,
        f"rules.{index}.citation": "於執行期限內，社群活動次數不得少於20次"})
    assert response.status_code == 302
    [event] = _changed_events(program)
    assert {"rule": "plc.activities", "field": "target", "before": 18, "after": 20} in event.data["changes"]
    trail = html_module.unescape(_text(client.get("/admin/audit/")))
    assert "plc.activities 的 target：18 → 20" in trail, trail


def test_the_figures_form_says_what_is_wrong_with_a_number_not_how_to_write_one(client, ctx):
    """QA: -18 read "enter a whole number, such as 18" (it is one: it is below the least), an NT$ amount of 1700.5
    was offered "such as 1600 or 16.50" (NT$ has no cents), and a number too large was told how to write one."""
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    target = f"rules.{_index(program, 'plc.activities')}.target"
    due = next(f"rules.{number}.due.days" for number, rule in enumerate(program.definition["rules"])
               if isinstance(rule.get("due"), dict) and "days" in rule["due"])
    cap = f"rules.{_index(program, 'plc.budget.external_hourly')}.per_hour_max"
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    cases = (({target: "-18"}, target, "-18 小于最小值 1。"),
             ({target: "－18"}, target, "-18 小于最小值 1。"),
             ({due: "-3"}, due, "-3 小于最小值 0。"),
             ({target: "10000000000000"}, target, "10000000000000 太大：最多 1000000000000。"),
             ({target: "abc"}, target, "请输入整数，例如 18。"),
             ({cap: "1700.5"}, cap, "请输入整数金额，例如 1200。"),
             ({cap: "-5"}, cap, "请输入金额，须为 0 或以上。"),
             ({cap: "10000000000000"}, cap, "金额最多为 NT$1,000,000,000,000。"),
             ({"last": "2027-02-30"}, "last", "2027-02-30 不是日期：那个月只有 28 天。"),  # QA: not "enter a date"
             ({"first": "民國116年2月30日"}, "first", "民國116年2月30日 不是日期：那个月只有 28 天。"),
             ({"first": "in spring"}, "first", "请输入日期，例如 2027-03-05。"))
    for typed, field, said in cases:
        response = client.post_form(f"/admin/programs/{program.id}/figures", {**base, **typed})
        assert response.status_code == 422
        assert _field_error(_text(response), field) == said, (typed, _field_error(_text(response), field))
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1


def test_the_program_s_name_is_in_the_reader_s_script_in_the_heading_the_flashes_and_the_trail(client, ctx):
    """QA: lists said 中小学 to a Simplified reader, the save flash, the edit page's heading and the trail 中小學."""
    program = program_copy()
    traditional = program.name
    assert "中小學" in traditional and "專業學習" in traditional
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "中小学" in heading and "專業學習" not in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert f'name="name" value="{traditional}"' in page  # what is edited stays as the funder wrote it
    target = f"rules.{_index(program, 'plc.activities')}.target"
    index = _index(program, "plc.activities")
    saved = client.post_form(f"/admin/programs/{program.id}/figures", {
        **_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
        "last": program.last_day.isoformat(), "version": "1", target: "20",
        f"rules.{index}.message": "Hold at least 20 community activities within the execution period.",
        f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理20次社群活動。",
        f"rules.{index}.messages.zh_Hans": "执行期间内至少举办20次社群活动。",
        f"rules.{index}.citation": "於執行期限內，社群活動次數不得少於20次"}, follow_redirects=True)
    assert "中小学" in _text(saved) and "中小學" not in _text(saved)
    archived = _text(client.post_form(f"/admin/programs/{program.id}/archive", follow_redirects=True))
    assert "中小學" not in archived
    trail = _text(client.get("/admin/audit/"))
    assert "中小学" in trail and "中小學" not in trail


def test_a_printing_range_that_ends_below_where_it_starts_is_refused_beside_its_field_and_line(client, ctx):
    program = program_copy()
    index = _index(program, "plc.budget.printing_report")
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    low, high = f"rules.{index}.range.min", f"rules.{index}.range.max"
    response = client.post_form(f"/admin/programs/{program.id}/figures", {
        **_figures_form(page), low: "2000", high: "1500", "name": program.name,
        "first": program.first_day.isoformat(), "last": program.last_day.isoformat(), "version": "1"})
    assert response.status_code == 422
    html = _text(response)
    assert _field_error(html, low) == "最低金額高於最高金額。"  # beside the minimum, as a member minimum is
    assert f'name="{low}" value="2000"' in html and f'name="{high}" value="1500"' in html
    document = json.dumps(program.definition, ensure_ascii=False, indent=2).replace(
        '"min": 1000,\n        "max": 1500', '"min": 2000,\n        "max": 1000', 1)
    assert '"min": 2000' in document
    line = document.splitlines().index('        "min": 2000,') + 1
    response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})
    assert response.status_code == 422
    html = _text(response)
    beside = rf'data-line="{line}".*?<p class="field-error">rules\[{index}\]\.range\.min: 最低金額高於最高金額。'
    assert re.search(beside, html, re.S)
    db.session.expire_all()
    assert db.session.get(Program, program.id).definition["rules"][index]["range"] == {"min": 1000, "max": 1500}


@pytest.mark.parametrize(("locale", "said"), [("zh_Hant", "下限不能大於上限。"), ("zh_Hans", "下限不能大于上限。"),
                                              ("en", "The minimum cannot be above the maximum.")])
def test_a_member_minimum_above_its_maximum_is_refused_beside_the_minimum(client, ctx, locale, said):
    """At least 5 conveners and at most 2: no community could meet it (robustness QA)."""
    program = program_copy()
    index = _index(program, "plc.convener")
    client.login(make_user(is_admin=True, locale=locale))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    low = f"rules.{index}.min"
    response = client.post_form(f"/admin/programs/{program.id}/figures", {
        **_figures_form(page), low: "5", f"rules.{index}.max": "2", "name": program.name,
        "first": program.first_day.isoformat(), "last": program.last_day.isoformat(), "version": "1"})
    assert response.status_code == 422
    assert _field_error(_text(response), low) == said
    document = program.definition | {"rules": [dict(rule, min=3, max=1) if number == index else rule
                                               for number, rule in enumerate(program.definition["rules"])]}
    response = client.post_form(f"/admin/programs/{program.id}/edit",
                                {"definition": json.dumps(document, ensure_ascii=False, indent=2), "version": "1"})
    assert response.status_code == 422 and f"rules[{index}].min: {said}" in _editor_errors(_text(response))
    members = dict(program.definition["rules"][_index(program, "plc.members")], max=5)  # 6 from 25 classes
    document = program.definition | {"rules": [members if rule["id"] == "plc.members" else rule
                                               for rule in program.definition["rules"]]}
    response = client.post_form(f"/admin/programs/{program.id}/edit",
                                {"definition": json.dumps(document, ensure_ascii=False), "version": "1"})
    assert response.status_code == 422 and said in _editor_errors(_text(response))
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1


def test_a_program_s_currency_is_a_code_babel_knows_in_use_today(client, ctx):
    from workspace.compliance.programs import validate_program

    program = program_copy()
    for code in ("XXX", "XTS", "ABC", "DEM"):
        [error] = validate_program(dict(program.definition, currency=code))
        assert (error.code, error.path) == ("unknown_currency", "currency"), code
    for code in ("TWD", "CNY", "USD", "HKD", "XAF"):
        assert validate_program(dict(program.definition, currency=code)) == [], code
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    document = json.dumps(program.definition, ensure_ascii=False, indent=2).replace('"currency": "TWD"',
                                                                                     '"currency": "XXX"', 1)
    line = document.splitlines().index('  "currency": "XXX",') + 1
    response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})
    assert response.status_code == 422
    beside = rf'data-line="{line}".*?<p class="field-error">currency: “XXX”不是使用中的货币代码'
    assert re.search(beside, _text(response), re.S)
    db.session.expire_all()
    assert db.session.get(Program, program.id).currency == "TWD"


def _legend(html: str, rule_id: str) -> str:
    return re.search(rf"<legend><code>{re.escape(rule_id)}</code>([^<]*)</legend>", html).group(1).strip()


def test_the_figures_form_shows_each_rule_s_message_in_the_reader_s_language(client, ctx):
    from workspace.compliance import services

    document = services.copy_document(program_copy())
    convener = next(rule for rule in document["rules"] if rule["id"] == "plc.convener")
    del convener["messages"]["zh_Hans"]  # only the Traditional: a Simplified reader reads it in Simplified
    document["key"] = "plc-hant-only"
    program = services.create_program(document, None)
    db.session.commit()
    for locale, said in (("zh_Hant", "由成員推選一位教師擔任召集人，且只有一位。"),
                         ("zh_Hans", "由成员推选一位教师担任召集人，且只有一位。"),
                         ("en", "The members elect one teacher, and only one, as convener.")):
        client.login(make_user(is_admin=True, locale=locale))
        html = html_module.unescape(_text(client.get(f"/admin/programs/{program.id}/edit")))
        assert _legend(html, "plc.convener") == said, locale
    assert _legend(html, "plc.activities") == "Hold at least 18 community activities within the execution period."


def test_the_figures_form_changes_the_member_minimum_by_class_count(client, ctx):
    from workspace.compliance import services

    document = services.copy_document(program_copy())
    members = next(rule for rule in document["rules"] if rule["id"] == "plc.members")
    members.update(message="Enough members for the school's size.", messages={})  # no figure in the message
    document["key"] = "plc-bands"
    program = services.create_program(document, None)
    db.session.commit()
    index = _index(program, "plc.members")
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    fields = {f"rules.{index}.min_by_class_count.0.up_to": "24", f"rules.{index}.min_by_class_count.0.min": "4",
              f"rules.{index}.min_by_class_count.1.min": "6"}
    for field, value in fields.items():
        assert f'name="{field}" value="{value}"' in page
    assert _label(page, f"rules.{index}.min_by_class_count.0.up_to") == "班級數上限"
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    refused = client.post_form(f"/admin/programs/{program.id}/figures",
                               {**base, f"rules.{index}.min_by_class_count.1.min": "6.5"})
    assert _field_error(_text(refused), f"rules.{index}.min_by_class_count.1.min") == "請輸入整數，例如 18。"
    saved = client.post_form(f"/admin/programs/{program.id}/figures", {
        **base, f"rules.{index}.min_by_class_count.0.up_to": "30", f"rules.{index}.min_by_class_count.0.min": "5",
        f"rules.{index}.min_by_class_count.1.min": "7",
        f"rules.{index}.citation": "30班(含)以下學校每一社群以5人為原則，31班(含)以上學校每一社群以7人為原則"})
    assert saved.status_code == 302
    db.session.expire_all()
    definition = db.session.get(Program, program.id).definition
    changed = definition["rules"][index]
    assert changed["min_by_class_count"] == [{"up_to": 30, "min": 5}, {"min": 7}]
    # What the rule asks changed: its version went up (a submission names a rule by id and version); the rules
    # whose figures stayed keep theirs.
    assert changed["version"] == members.get("version", 1) + 1
    assert all(rule["version"] == 1 for position, rule in enumerate(definition["rules"]) if position != index)


def test_a_changed_cap_that_the_rule_s_messages_still_write_is_refused_until_they_say_the_new_one(client, ctx):
    program = program_copy()
    index = _index(program, "plc.budget.external_hourly")
    cap, claims = f"rules.{index}.per_hour_max", f"rules.{index}.claims_max"
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    for name in ("message", "messages.zh_Hant", "messages.zh_Hans"):
        assert f'name="rules.{index}.{name}"' in page  # each language's message is in the form
    response = client.post_form(f"/admin/programs/{program.id}/figures", {**base, cap: "1700"})
    assert response.status_code == 422
    html = _text(response)
    said = _field_error(html, cap)
    assert said.startswith("規則的說明仍寫著 1,600（") and "繁體中文" in said and "简体中文" in said, said
    assert f'name="{cap}" value="1700"' in html and _field_error(html, claims) == ""
    assert re.search(r'<details class="rule-messages" open>\s*<summary>', html)
    db.session.expire_all()
    assert db.session.get(Program, program.id).definition["rules"][index]["per_hour_max"] == 1600
    # Only the English changed: the Chinese messages still say 1,600元.
    english = "An external speaker's fee is at most NT$1,700 an hour, claimed at most twice and for at most 4 hours."
    response = client.post_form(f"/admin/programs/{program.id}/figures",
                                {**base, cap: "1700", f"rules.{index}.message": english})
    assert "（繁體中文、简体中文）" in _field_error(_text(response), cap)
    assert english in html_module.unescape(_text(response))  # what was typed is kept
    saved = client.post_form(f"/admin/programs/{program.id}/figures", {
        **base, cap: "1700", f"rules.{index}.message": english,
        f"rules.{index}.messages.zh_Hant": "外聘講座鐘點費每小時最高1,700元，最多申請2次，合計最多4小時。",
        f"rules.{index}.messages.zh_Hans": "外聘讲座钟点费每小时最高1,700元，最多申请2次，合计最多4小时。",
        f"rules.{index}.citation": "外聘講座最高不超過1700元；最多申請2次，申請講座之時數最多為4小時"})
    assert saved.status_code == 302
    db.session.expire_all()
    rule = db.session.get(Program, program.id).definition["rules"][index]
    assert (rule["per_hour_max"], rule["message"], rule["messages"]["zh_Hans"]) == (
        1700, english, "外聘讲座钟点费每小时最高1,700元，最多申请2次，合计最多4小时。")
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    assert "每小时最高1,700元" in _text(client.get(f"/admin/programs/{program.id}/edit"))


def test_archiving_and_bringing_back_a_program_says_what_happened(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True))
    archived = client.post_form(f"/admin/programs/{program.id}/archive", follow_redirects=True)
    assert f"“{program.name}” is archived: it takes no new enrolments" in _text(archived)
    back = client.post_form(f"/admin/programs/{program.id}/archive?restore=1", follow_redirects=True)
    assert f"“{program.name}” is back among the current programs" in _text(back)


def _copied_in_the_editor(client) -> str:
    """A copy of the preset as the JSON editor offers it to a 繁體中文 administrator (logged in on `client`)."""
    source = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    copied = client.get(f"/admin/programs/new?from={source.id}")
    return html_module.unescape(re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>',
                                          _text(copied), re.S).group(1)).lstrip("\n")


def test_a_copy_takes_its_period_in_roc_dates_and_a_day_written_wrong_is_told_in_words_beside_its_line(client, ctx):
    """Copy → set the period as the funder writes it → saved with 2026-08-01; a day that is none is refused beside
    its line in words, never with a regular expression, and the text is kept (county QA, L5)."""
    document = _copied_in_the_editor(client)
    data = json.loads(document)

    def with_period(first: str, last: str) -> str:
        text = document.replace(f'"first": "{data["period"]["first"]}"', f'"first": "{first}"', 1)
        text = text.replace(f'"last": "{data["period"]["last"]}"', f'"last": "{last}"', 1)
        assert json.loads(text)["period"] == {"first": first, "last": last}
        return text

    wrong = with_period("民國115年13月1日", "116/07/31")
    response = client.post_form("/admin/programs/new", {"definition": wrong})
    html = _text(response)
    assert response.status_code == 422 and "民國115年13月1日" in html  # kept as typed
    errors = _editor_errors(html)
    assert "日期請寫成2026-08-01或民國115年8月1日" in errors and "^[0-9]" not in html and "expected form" not in html
    assert re.search(r'data-line="\d+".*?<p class="field-error">period\.first: ', html, re.S)
    right = with_period("民國115年8月1日", "116/07/31")
    assert client.post_form("/admin/programs/new", {"definition": right}).status_code == 302
    saved = db.session.scalar(db.select(Program).where(Program.key == data["key"]))
    assert (saved.first_day.isoformat(), saved.last_day.isoformat()) == ("2026-08-01", "2027-07-31")
    assert saved.definition["period"] == {"first": "2026-08-01", "last": "2027-07-31"}


def test_a_deliverable_s_due_day_written_wrong_is_told_as_a_day_not_as_no_object(client, ctx):
    """QA: "2027/13/01" as a deliverable's `due` (a day, or {"after": …}) read "is not an object ({…})"."""
    data = json.loads(_copied_in_the_editor(client))
    rule = next(rule for rule in data["rules"] if "due" in rule)
    rule["due"] = "2027/13/01"
    response = client.post_form("/admin/programs/new", {"definition": json.dumps(data, ensure_ascii=False, indent=2)})
    html = _text(response)
    assert response.status_code == 422
    assert "日期請寫成2026-08-01或民國115年8月1日" in _editor_errors(html) and "object" not in _editor_errors(html)


def _line_of(document: str, text: str) -> int:
    return next(number for number, line in enumerate(document.splitlines(), start=1) if text in line)


def test_a_figure_too_large_a_window_day_that_is_none_and_a_key_taken_are_told_beside_their_lines(client, ctx):
    """Admin QA: a target of 10^30 was saved and then made the figures form refuse every save; a window's impossible
    day was told as "not one of period, semester, month"; a key another program has was said under the text box,
    without a line, while the summary above still read as before the save."""
    program = program_copy()
    other = program_copy("urc")
    client.login(make_user(is_admin=True, locale="en"))
    index = next(number for number, rule in enumerate(program.definition["rules"]) if "target" in rule)
    data = json.loads(json.dumps(program.definition))
    data["rules"][index]["target"] = 10**30
    data["rules"][index]["window"] = {"first": "民國100年2月30日", "last": "101/02/01"}
    document = json.dumps(data, ensure_ascii=False, indent=2)
    response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})
    assert response.status_code == 422
    html = _text(response)
    target_line, first_line = _line_of(document, str(10**30)), _line_of(document, "民國100年2月30日")
    assert re.search(rf'data-line="{target_line}".*?<p class="field-error">rules\[{index}\]\.target: '
                     rf'{10**30} is too large: at most 1000000000000\.', html, re.S)
    assert re.search(rf'data-line="{first_line}".*?<p class="field-error">rules\[{index}\]\.window\.first: ', html,
                     re.S)
    assert "is not one of" not in _editor_errors(html) and "2026-08-01" in _editor_errors(html)
    data = json.loads(json.dumps(program.definition))
    data["key"] = other.key
    document = json.dumps(data, ensure_ascii=False, indent=2)
    response = client.post_form(f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})
    assert response.status_code == 422
    assert re.search(rf'data-line="{_line_of(document, other.key)}".*?<p class="field-error">key: Another program '
                     rf'already has the key “{other.key}”', _text(response), re.S)
    db.session.expire_all()
    assert db.session.get(Program, program.id).version == 1


def test_the_figures_form_hint_does_not_promise_what_the_rule_refuses(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="en"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    index = next(number for number, rule in enumerate(program.definition["rules"]) if "target" in rule)
    target = f"rules.{index}.target"
    base = {"name": program.name, "first": program.first_day.isoformat(), "last": program.last_day.isoformat(),
            "version": "1"}
    said = _field_error(_text(client.post_form(f"/admin/programs/{program.id}/figures",
                                               {**_figures_form(page), **base, target: "abc"})), target)
    assert said == "Enter a whole number, such as 18."  # not "0 or more", which a target of 0 is then refused for


def test_a_rule_s_version_goes_up_with_its_meaning_not_with_its_wording(ctx):
    from workspace.compliance.services.catalogue import with_versions_raised

    before = {"rules": [{"id": "a", "version": 2, "kind": "count", "target": 18, "message": "至少18次"},
                        {"id": "b", "version": 1, "kind": "count", "target": 4, "message": "四次"}]}
    after = {"rules": [{"id": "a", "version": 2, "kind": "count", "target": 20, "message": "至少20次"},
                       {"id": "b", "version": 1, "kind": "count", "target": 4, "message": "至少四次",
                        "citation": "第3條"},
                       {"id": "c", "version": 1, "kind": "count", "target": 1, "message": "new"}]}
    raised = with_versions_raised(before, after)
    assert [rule["version"] for rule in raised["rules"]] == [3, 1, 1]
    after["rules"][0]["version"] = 5  # raised by the editor already: kept
    assert with_versions_raised(before, after)["rules"][0]["version"] == 5


def test_a_cap_typed_in_another_currency_is_refused_beside_its_field(client, ctx):
    """QA: a cap typed ¥1000 in an NT$ program's figures form was saved as NT$1,000."""
    program = program_copy()
    index = next(number for number, rule in enumerate(program.definition["rules"]) if "per_hour_max" in rule)
    cap = f"rules.{index}.per_hour_max"
    before = program.definition["rules"][index]["per_hour_max"]
    client.login(make_user(is_admin=True, locale="en"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    base = {"name": program.name, "first": program.first_day.isoformat(), "last": program.last_day.isoformat(),
            "version": "1"}
    response = client.post_form(f"/admin/programs/{program.id}/figures", {**_figures_form(page), **base, cap: "¥1000"})
    assert response.status_code == 422
    assert _field_error(_text(response), cap) == "This program counts in NT$: type the amount in NT$."
    db.session.expire_all()
    assert db.session.get(Program, program.id).definition["rules"][index]["per_hour_max"] == before
    # The program's own sign is read (the same cap: its messages still say it).
    saved = client.post_form(f"/admin/programs/{program.id}/figures",
                             {**_figures_form(page), **base, cap: f"NT${before:,}"})
    assert saved.status_code == 302


def _activities_20(index: int) -> dict[str, str]:
    """The activities rule's messages for a target of 20, in each language (the citation left as it was)."""
    return {f"rules.{index}.message": "Hold at least 20 community activities within the execution period.",
            f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理20次社群活動。",
            f"rules.{index}.messages.zh_Hans": "执行期间内至少举办20次社群活动。"}


def _textareas(html: str) -> dict[str, str]:
    return {name: html_module.unescape(text) for name, text
            in re.findall(r'<textarea id="figure-[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)}


@pytest.mark.parametrize("copying", [True, False], ids=["the copy's page", "a saved program's page"])
def test_a_figure_the_rule_s_citation_still_states_is_refused_beside_the_citation_until_it_changes(client, ctx,
                                                                                                  copying):
    """QA 9 (1): 18 → 20 activities with the messages changed left the citation (the funder's clause, which the
    printed implementation plan quotes beside the rule) saying 不得少於18次: the plan said 20 beside 18."""
    program = program_copy()
    index = _index(program, "plc.activities")
    target, citation = f"rules.{index}.target", f"rules.{index}.citation"
    client.login(make_user(is_admin=True, locale="en"))
    page = _text(client.get(f"/admin/programs/new?from={program.id}" if copying
                            else f"/admin/programs/{program.id}/edit"))
    details = html_module.unescape(re.search(r'<details class="rule-messages">.*?</details>',
                                             page.split(f'name="{target}"', 1)[1], re.S).group(0))
    assert f'name="{citation}"' in details and "The funder's clause (citation)" in details
    assert _textareas(page)[citation] == "於執行期限內，社群活動次數不得少於18次"
    url = f"/admin/programs/new/figures?from={program.id}" if copying else f"/admin/programs/{program.id}/figures"
    base = {**_figures_form(page), **_textareas(page), "name": "PLC 116" if copying else program.name,
            "first": "116/08/01", "last": "117/07/31", **({} if copying else {"version": "1"})}
    count = db.session.scalar(db.select(db.func.count(Program.id)))
    response = client.post_form(url, {**base, **_activities_20(index), target: "20"})
    assert response.status_code == 422
    html = _text(response)
    said = _field_error(html, citation)
    assert "18" in said and "funder" in said, said
    assert _field_error(html, target) == "" and f'name="{target}" value="20"' in html
    assert re.search(r'<details class="rule-messages" open>\s*<summary>', html)
    assert _textareas(html)[f"rules.{index}.messages.zh_Hant"] == "執行期間內至少辦理20次社群活動。"  # kept
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Program.id))) == count
    assert db.session.get(Program, program.id).definition["rules"][index]["target"] == 18
    new_clause = "於執行期限內，社群活動次數不得少於20次"
    saved = client.post_form(url, {**base, **_activities_20(index), target: "20", citation: new_clause})
    assert saved.status_code == 302, _field_error(_text(saved), citation)
    db.session.expire_all()
    made = (db.session.scalar(db.select(Program).where(Program.name == "PLC 116")) if copying
            else db.session.get(Program, program.id))
    assert (made.definition["rules"][index]["target"], made.definition["rules"][index]["citation"]) == (20, new_clause)


def test_a_blank_citation_is_refused_beside_its_field(client, ctx):
    program = program_copy()
    index = _index(program, "plc.activities")
    citation = f"rules.{index}.citation"
    client.login(make_user(is_admin=True, locale="en"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    response = client.post_form(f"/admin/programs/{program.id}/figures", {
        **_figures_form(page), **_textareas(page), citation: "  ", "name": program.name,
        "first": program.first_day.isoformat(), "last": program.last_day.isoformat(), "version": "1"})
    assert response.status_code == 422
    assert "A rule needs its citation" in _field_error(_text(response), citation)


def test_the_copy_s_key_is_set_in_the_figures_form_and_checked_as_the_json_s(client, ctx):
    """QA 9 (2): next year's copy kept the key plc-115-copy, and every file it exports is named …-PLC-115-COPY-…
    (the program's code). The copy's figures form has the key; a saved program's has not (its key names its
    files)."""
    program = program_copy()
    other = program_copy("urc")
    client.login(make_user(is_admin=True, locale="en"))
    page = _text(client.get(f"/admin/programs/new?from={program.id}"))
    assert f'name="key" value="{program.key[:50]}-copy"' in page and "plc-116" in page
    assert 'name="key"' not in _text(client.get(f"/admin/programs/{program.id}/edit")).split("</form>", 1)[0]
    url = f"/admin/programs/new/figures?from={program.id}"
    base = {**_figures_form(page), **_textareas(page), "name": "PLC 116", "first": "116/08/01",
            "last": "117/07/31"}
    for typed, said in (("PLC 116", "is not a key"), ("", "Enter the program's key."),
                        (other.key, f"Another program already has the key “{other.key}”")):
        response = client.post_form(url, {**base, "key": typed})
        assert response.status_code == 422, typed
        html = _text(response)
        assert said in _field_error(html, "key"), (typed, _field_error(html, "key"))
        assert f'name="key" value="{typed}"' in html
    # QA 13: typed in capitals, as its files and the funders write it, the key is lower-cased, not refused.
    saved = client.post_form(url, {**base, "key": " PLC-116 "})
    assert saved.status_code == 302
    made = db.session.scalar(db.select(Program).where(Program.name == "PLC 116"))
    assert (made.key, made.code, made.definition["key"]) == ("plc-116", "PLC-116", "plc-116")
    taken = client.post_form(url, {**base, "name": "PLC 116 again", "key": "PLC-116"})  # the same key in capitals
    assert taken.status_code == 422 and "Another program already has the key “plc-116”" in _field_error(
        _text(taken), "key")


def test_a_key_typed_in_capitals_in_the_json_editor_is_kept_in_small_letters(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True, locale="en"))
    data = json.loads(json.dumps(program.definition))
    data.update(key="PLC-117", name="117學年度教師專業學習社群計畫")
    response = client.post_form("/admin/programs/new", {"definition": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 302, _editor_errors(_text(response))
    made = db.session.scalar(db.select(Program).where(Program.name == "117學年度教師專業學習社群計畫"))
    assert (made.key, made.definition["key"]) == ("plc-117", "plc-117")
    data.update(key="PLC 117", name="another")  # what is no key in small letters is refused still
    response = client.post_form("/admin/programs/new", {"definition": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 422 and "is not a key" in _text(response)


def test_a_name_another_program_has_is_refused_beside_the_name_and_in_the_json(client, ctx):
    """QA 9 (3): a copy saved with its source's name gave two identical rows in Programs, the enrol list and the
    reviewers' filter. Case and surrounding spaces do not make a name another; an archived program keeps its."""
    program = program_copy()
    other = program_copy("urc")
    client.login(make_user(is_admin=True, locale="en"))
    client.post_form(f"/admin/programs/{other.id}/archive")
    page = _text(client.get(f"/admin/programs/new?from={program.id}"))
    url = f"/admin/programs/new/figures?from={program.id}"
    base = {**_figures_form(page), **_textareas(page), "first": "116/08/01", "last": "117/07/31",
            "key": "plc-116"}
    for name in (program.name, f"  {other.name.upper()} "):
        response = client.post_form(url, {**base, "name": name})
        assert response.status_code == 422
        assert "Another program already has the name" in _field_error(_text(response), "name"), name
    assert db.session.scalar(db.select(Program).where(Program.key == "plc-116")) is None
    # a saved program: its own name is no clash, another's is
    edit = _text(client.get(f"/admin/programs/{program.id}/edit"))
    own = {**_figures_form(edit), **_textareas(edit), "first": program.first_day.isoformat(),
           "last": program.last_day.isoformat(), "version": "1"}
    assert client.post_form(f"/admin/programs/{program.id}/figures", {**own, "name": program.name}).status_code == 302
    response = client.post_form(f"/admin/programs/{program.id}/figures", {**own, "name": other.name})
    assert "Another program already has the name" in _field_error(_text(response), "name")
    # the JSON editor: an error of the document, beside the name's line
    data = json.loads(json.dumps(program.definition))
    data.update(key="plc-116", name=f" {other.name} ")
    document = json.dumps(data, ensure_ascii=False, indent=2)
    for url, form in (("/admin/programs/new", {"definition": document}),
                      (f"/admin/programs/{program.id}/edit", {"definition": document, "version": "1"})):
        response = client.post_form(url, form)
        assert response.status_code == 422
        assert re.search(rf'data-line="{_line_of(document, other.name)}".*?<p class="field-error">name: Another '
                         rf'program already has the name “{re.escape(other.name)}”', _text(response), re.S), \
            (url, _editor_errors(_text(response)))


def test_a_refused_figure_is_one_error_not_also_a_stale_clause(client, ctx):
    """QA 10: typing -18 as the activity target said "-18 小于最小值 1。" and also asked to rewrite the funder's
    clause for a figure that was itself refused: one mistake, one error."""
    program = program_copy()
    client.login(make_user(is_admin=True, locale="zh_Hans"))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    index = _index(program, "plc.activities")
    target = f"rules.{index}.target"
    base = {**_figures_form(page), "name": program.name, "first": program.first_day.isoformat(),
            "last": program.last_day.isoformat(), "version": "1"}
    html = _text(client.post_form(f"/admin/programs/{program.id}/figures", {**base, target: "-18"}))
    assert _field_error(html, target) == "-18 小于最小值 1。"
    assert _field_error(html, f"rules.{index}.citation") == ""
    assert "条文仍写着" not in html
    # A figure that is accepted still asks for the clause of its new value.
    html = _text(client.post_form(f"/admin/programs/{program.id}/figures", {**base, target: "20"}))
    assert "条文仍写着" in html


@pytest.mark.parametrize(("locale", "said"), [
    ("zh_Hant", "「民國116年13月1日」不是日期"), ("zh_Hans", "“民國116年13月1日”不是日期"),
    ("en", "“民國116年13月1日” is not a day")])
def test_a_typed_text_in_a_json_error_is_quoted_as_the_reader_s_language_quotes(client, ctx, locale, said):
    """QA 10: 'period.first: "民國116年13月1日"不是日期' put JSON's straight quotes inside Chinese text; the value is
    quoted as the language quotes a name (「…」 in Traditional Chinese, “…” in Simplified), a number as it is."""
    program = program_copy()
    client.login(make_user(is_admin=True, locale=locale))
    data = json.loads(json.dumps(program.definition))
    data["period"]["first"] = "民國116年13月1日"
    data["rules"][_index(program, "plc.activities")]["target"] = -18
    response = client.post_form(f"/admin/programs/{program.id}/edit",
                                {"definition": json.dumps(data, ensure_ascii=False, indent=2), "version": "1"})
    errors = _editor_errors(_text(response))
    assert said in errors, errors
    assert '"' not in errors, errors
    assert "-18" in errors and "「-18」" not in errors and "“-18”" not in errors
