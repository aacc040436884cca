"""The engine's codes in the reader's language (compliance/wording.py): statuses in the glossary's words, figures,
gaps that name the activity, the person and the numbers, budget breaches, caps and the program editor's errors.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from workspace.compliance import wording
from workspace.compliance.engine import Breach, Gap, Status
from workspace.compliance.engine.results import RuleResult
from workspace.compliance.programs import ProgramError, parse_program_text

LANGUAGES = {"en": "en", "zh_Hant": "zh-TW", "zh_Hans": "zh-CN"}


@pytest.fixture(params=list(LANGUAGES))
def language(request, app):
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[request.param]}):
        yield request.param


@pytest.fixture()
def hant(app):
    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        yield


@pytest.fixture()
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def result(**values):
    return RuleResult(rule_id="r", version=1, kind="count", message="", citation="", status=Status.AT_RISK, **values)


def test_statuses_in_the_glossarys_words(language):
    expected = {
        "en": ["Met", "On track", "At risk", "Not met", "Not applicable", "Waived"],
        "zh_Hant": ["已達成", "進度正常", "進度落後", "未達成", "不適用", "已豁免"],
        "zh_Hans": ["已达成", "进度正常", "进度滞后", "未达成", "不适用", "已豁免"],
    }[language]
    assert [wording.status_label(status) for status in Status] == expected


def test_figures(english):
    assert wording.figure_text(result(figure=14, target=18, unit="activities")) == "14 of 18 activities"
    assert wording.figure_text(result(figure=1, target=1, unit="activities")) == "1 of 1 activity"
    assert wording.figure_text(result(figure=1200, target=1500, unit="money")) == "NT$1,200 of NT$1,500"
    assert wording.figure_text(result(figure=3, target=4, unit="members")) == "3 of 4 members"
    # Past the target, not a fraction ("6 of 4 members"): past the minimum, or over the maximum (a gap says so).
    assert wording.figure_text(result(figure=6, target=4, unit="members")) == "6 members (at least 4)"
    over = Gap("membership_over", {"measure": "conveners", "figure": 2, "max": 1, "names": ("甲", "乙")})
    assert wording.figure_text(result(figure=2, target=1, unit="conveners", gaps=(over,))) == "2 conveners (at most 1)"
    assert wording.figure_text(result(figure=None)) == ""


def test_figures_in_chinese(hant):
    assert wording.figure_text(result(figure=14, target=18, unit="activities")) == "14／18 次活動"
    assert wording.figure_text(result(figure=6, target=4, unit="members")) == "6 位成員（至少 4 位）"
    assert wording.figure_text(result(figure=66, target=75, unit="attendance_percent")) == "出席 66%（至少 75%）"


def test_an_activity_missing_its_photo(english):
    gap = Gap("activity_missing_evidence", {"activity_id": 3, "day": dt.date(2011, 5, 3), "title": "共同備課",
                                            "missing": ("photo", "minutes|document")})
    assert wording.gap_text(gap) == "The activity of May 3, 2011 (共同備課) has no photo, minutes or written record."


def test_gaps_in_chinese(hant):
    gap = Gap("activity_missing_evidence", {"activity_id": 3, "day": dt.date(2011, 5, 3), "title": "共同備課",
                                            "missing": ("photo",)})
    assert wording.gap_text(gap) == "2011年5月3日的活動（共同備課）缺少照片。"
    lesson = Gap("person_short", {"name": "林老師", "user_id": 1, "measure": "public_lessons", "figure": 0,
                                  "target": 1, "window": "first 2021", "title": ""})
    assert wording.gap_text(lesson) == "林老師本學期尚無公開課。"
    assert wording.gap_text(Gap("membership_short", {"measure": "conveners", "figure": 0, "min": 1})) == \
        "社群尚未推舉召集人。"


def test_every_gap_code_the_engine_gives_has_words(language):
    day = dt.date(2011, 5, 3)
    gaps = [
        Gap("count_short", {"needed": 4, "by": day, "unit": "activities"}),
        Gap("count_short", {"needed": 4, "by": day, "unit": "activities", "expected": 6}),
        Gap("not_covered", {"of": "schools", "missing": ("溪口小學",), "needed": 1, "by": day}),
        Gap("not_covered", {"of": "subjects", "missing": (), "needed": 1, "by": day}),
        Gap("membership_short", {"measure": "members", "figure": 3, "min": 4}),
        Gap("membership_short", {"measure": "in_evaluation_programme", "figure": 1, "min": 2}),
        Gap("membership_over", {"measure": "conveners", "figure": 2, "max": 1, "names": ("林老師", "王老師")}),
        Gap("membership_over", {"measure": "members", "figure": 9, "max": 8, "names": ()}),
        Gap("not_applicable", {"condition": "school_in_evaluation_programme"}),
        Gap("no_school"),
        Gap("nothing_to_cover", {"of": "schools"}),
        Gap("nobody", {"who": "mentees"}),
        Gap("deliverable_missing", {"item": "results_report", "due": day}),
        Gap("deliverable_late", {"item": "results_report", "due": day}),
        Gap("deliverable_missing", {"item": "monthly_plan", "due": day, "month": dt.date(2011, 6, 1)}),
        Gap("deliverable_late", {"item": "monthly_plan", "due": day, "month": dt.date(2011, 6, 1)}),
        Gap("deliverable_missing", {"item": "monthly_plan", "due": day, "month": dt.date(2011, 6, 1), "overdue": True}),
        *[Gap("person_short", {"name": "林老師", "user_id": 1, "measure": measure, "figure": 1, "target": 2,
                               "window": "", "title": "junior"})
          for measure in ("public_lessons", "attendance_percent", "title", "tenure_days")],
        Gap("person_short", {"name": "林老師", "user_id": 1, "measure": "tenure_days", "figure": 30, "target": 730,
                             "window": "", "title": "", "planned": 184, "term_last": day}),
        Gap("budget_per_hour", {"amount": 1800, "cap": 1600, "hours": 2, "expense_id": 1}),
        Gap("budget_share", {"total": 601, "base": 10_000, "percent": 6, "allowed": 600, "expense_id": None}),
    ]
    for gap in gaps:
        text = wording.gap_text(gap)
        assert text and "%(" not in text and text != gap.code, gap


def test_a_missing_results_report_says_to_mark_it_delivered_on_the_panel(english):
    day = dt.date(2012, 6, 30)
    text = wording.gap_text(Gap("deliverable_missing", {"item": "results_report", "due": day}))
    assert "Jun 30, 2012" in text and "mark it delivered under Deliverables" in text
    assert "building or submitting the report does not mark it" in text
    application = wording.gap_text(Gap("deliverable_missing", {"item": "application", "due": day}))
    assert "mark it delivered under Deliverables" in application
    video = wording.gap_text(Gap("deliverable_missing", {"item": "activity_video", "due": day}))
    assert "Deliverables" not in video  # an activity's video counts by itself
    # QA: the results report handed to the funder printed the panel's instructions ("on this page", a button)
    for item in ("results_report", "application"):
        in_document = wording.gap_text(Gap("deliverable_missing", {"item": item, "due": day}), in_document=True)
        assert in_document.endswith("is due on Jun 30, 2012.") and "panel" not in in_document


def test_a_missing_results_report_says_what_to_do_in_chinese(hant):
    text = wording.gap_text(Gap("deliverable_missing", {"item": "results_report", "due": dt.date(2012, 6, 30)}))
    assert "繳交項目" in text and "成果報告" in text


def test_a_gap_links_its_record_for_those_who_may_open_it(english):
    from types import SimpleNamespace

    community, enrollment = SimpleNamespace(slug="club"), SimpleNamespace(id=7)
    evidence = Gap("activity_missing_evidence", {"activity_id": 3, "day": dt.date(2011, 5, 3), "title": "觀課",
                                                 "missing": ("photo",)})
    assert wording.gap_link(evidence, community, enrollment, manage=False, read_records=True) == \
        "/c/club/activities/3"
    assert wording.gap_link(evidence, community, enrollment, manage=False, read_records=False) is None
    receipt = Gap("budget_missing_receipt", {"amount": 3200, "expense_id": 5, "spent_on": dt.date(2011, 5, 3),
                                            "payee": "大同影印行"})
    assert wording.gap_link(receipt, community, enrollment, manage=True, read_records=True) == \
        "/c/club/compliance/7/expenses/5/edit#expense-form"
    assert wording.gap_link(receipt, community, enrollment, manage=False, read_records=True) == \
        "/c/club/compliance/7/budget"
    assert wording.gap_text(receipt) == "The expense of May 3, 2011 to 大同影印行 (NT$3,200) has no receipt."
    unpaid_to = Gap("budget_missing_receipt", {"amount": 140, "expense_id": 6, "spent_on": dt.date(2011, 5, 3),
                                              "payee": "", "description": "研習茶水"})
    assert wording.gap_text(unpaid_to) == "The expense of May 3, 2011 for 研習茶水 (NT$140) has no receipt."
    with force_locale("zh_Hant"):
        assert wording.gap_text(unpaid_to) == "2011年5月3日「研習茶水」的支出（NT$140）尚無單據。"
        assert wording.gap_text(Gap("budget_missing_receipt", {"amount": 140, "expense_id": 6,
                                                               "spent_on": dt.date(2011, 5, 3)})) == \
            "2011年5月3日的支出（NT$140）尚無單據。"  # no space before 的
    older = Gap("budget_missing_receipt", {"amount": 3200, "expense_id": 5})  # a snapshot kept before
    assert wording.gap_text(older) == "An expense of NT$3,200 has no receipt."
    assert wording.gap_link(Gap("count_short", {"needed": 2, "by": dt.date(2011, 5, 3)}), community, enrollment,
                            manage=True, read_records=True) is None


def test_budget_breaches_with_their_numbers(english):
    breach = Breach("plc.budget.external_hourly", "", "per_hour", {"amount": 1800, "cap": 1600, "hours": 2}, 7)
    assert wording.breach_text(breach) == "Per-hour fee NT$1,800 > cap NT$1,600."
    share = Breach("plc.budget.sundries", "", "share", {"total": 601, "base": 10_000, "percent": 6, "allowed": 600})
    assert wording.breach_text(share) == "NT$601 is over 6% of NT$10,000 (at most NT$600)."
    outside = Breach("period", "", "outside_period", {"day": dt.date(2010, 12, 31), "first": "2011-01-01",
                                                       "last": "2012-06-30"})
    assert "Dec 31, 2010" in wording.breach_text(outside)


def test_every_breach_code_has_words(language):
    params = {"amount": 100, "cap": 50, "hours": 1.5, "persons": 3, "allowed": 60, "claims": 3, "total": 700,
              "min": 1000, "base": 100, "percent": 6, "approved": 1000, "category": "gifts", "title": "書",
              "day": dt.date(2011, 1, 1), "first": "2011-01-01", "last": "2012-06-30"}
    codes = ["per_item", "per_hour", "per_person_session", "claims", "hours", "total", "range_high", "range_low",
             "range_low_final", "share", "share_of_approved", "category_not_allowed", "unknown_category",
             "missing_receipt", "no_book_list", "book_without_relevance", "hours_missing", "persons_missing",
             "outside_period"]
    for code in codes:
        text = wording.breach_text(Breach("r", "", code, params))
        assert text and text != code and "%(" not in text, code


def test_caps_of_the_ledger(hant):
    assert wording.cap_text(Gap("per_hour_max", {"cap": 1600})) == "每小時最多 NT$1,600"
    assert wording.cap_text(Gap("range", {"min": 1000, "max": 1500})) == "NT$1,000至NT$1,500"
    assert wording.cap_text(Gap("share", {"percent": 6})) == "最多為業務費的 6%"


def test_program_errors(hant):
    _, [syntax] = parse_program_text("{,}")
    assert wording.program_error_text(syntax).startswith("JSON 語法錯誤：")
    assert wording.program_error_text(ProgramError("rules[1].id", 3, "duplicate_id", {"id": "a"})) == \
        "已有另一條規則的代碼是「a」。"
    unknown = ProgramError("x.tagz", 3, "schema", {"key": "tagz"})
    assert wording.program_error_text(unknown) == "無法辨識的欄位「tagz」。"
    wrong_type = ProgramError("x", 3, "schema", {"kind": "type", "value": 6, "limit": "string"},
                              "6 is not of type 'string'")
    assert wording.program_error_text(wrong_type) == "6不是加雙引號的文字。"  # jsonschema's English is for the logs


def test_the_parts_of_a_result(hant):
    import datetime as dt

    from tests.compliance.engine.builders import activity, facts, member, program
    from workspace.compliance.engine import evaluate
    from workspace.compliance.facts import PublicLessonFact

    monthly = program({"kind": "count", "target": 1, "window": "month"}, first=dt.date(2011, 1, 1),
                      last=dt.date(2011, 2, 28))
    [found] = evaluate(monthly, facts([activity(dt.date(2011, 1, 5))]), dt.date(2011, 3, 1))
    assert [wording.part_label(p) for p in found.parts] == ["2011年1月", "2011年2月"]
    semesters = program({"kind": "count", "target": 1, "window": "semester"})
    [found] = evaluate(semesters, facts([]), dt.date(2011, 3, 1))
    assert wording.part_label(found.parts[1]) == "2011年2月1日至2011年7月31日"
    lin = member(name="林老師")
    lessons = program({"kind": "per_person", "who": "mentees", "measure": "public_lessons", "target": 1})
    [found] = evaluate(lessons, facts(members=[lin], mentees=(lin.user_id,),
                                      public_lessons=(PublicLessonFact(lin.user_id, dt.date(2011, 3, 1)),)),
                       dt.date(2011, 4, 1))
    assert [wording.part_label(p) for p in found.parts] == ["林老師"]


def _monthly_plans(today):
    from tests.compliance.engine.builders import facts, program
    from workspace.compliance.engine import evaluate
    from workspace.compliance.facts import MonthlyPlanFact

    rule = {"kind": "deliverable", "item": "monthly_plan", "each_month": {"day": 20, "months_before": 1}}
    plans = (MonthlyPlanFact(dt.date(2026, 12, 1), dt.date(2026, 12, 4)),)  # the December plan, late
    [found] = evaluate(program(rule, first=dt.date(2026, 8, 1), last=dt.date(2027, 1, 31)), facts(monthly_plans=plans),
                       today)
    return found


@pytest.mark.parametrize(("language", "december"), [
    ("en", "The monthly plan for December 2026 (due Nov 20, 2026)"),
    ("zh_Hant", "2026年12月的月計畫（期限2026年11月20日）"),
    ("zh_Hans", "2026年12月的月计划（期限2026年11月20日）"),
])
def test_a_months_plan_is_drawn_as_the_month_and_its_due_day_not_a_backwards_range(app, language, december):
    found = _monthly_plans(dt.date(2026, 12, 4))
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[language]}):
        texts = [wording.part_text(part) for part in found.parts]
    assert texts[4] == december
    assert not any("至" in text or " to " in text for text in texts)


def test_the_parts_of_a_window_are_still_drawn_as_their_days(hant):
    from tests.compliance.engine.builders import facts, program
    from workspace.compliance.engine import evaluate

    [found] = evaluate(program({"kind": "count", "target": 1, "window": "semester"}), facts([]), dt.date(2011, 3, 1))
    assert wording.part_text(found.parts[1]) == "2011年2月1日至2011年7月31日 0／1 次活動"


@pytest.mark.parametrize(("language", "verb", "others"), [
    ("en", "submitted", ("handed in", "reported")), ("zh_Hant", "上報", ("送出", "提交")),
    ("zh_Hans", "上报", ("送出", "提交")),
])
def test_a_monthly_plan_is_handed_in_with_one_verb_and_a_gone_day_is_not_an_instruction(app, language, verb, others):
    found = _monthly_plans(dt.date(2026, 12, 4))
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[language]}):
        gaps = {gap.params["month"]: wording.gap_text(gap) for gap in found.gaps}
    assert set(gaps) == {dt.date(2026, month, 1) for month in (8, 9, 10, 11, 12)}  # January is still due
    assert all(verb in text and not any(other in text for other in others) for text in gaps.values()), gaps
    expected = {"en": "The monthly plan for August 2026 was not submitted by Jul 20, 2026.",
                "zh_Hant": "2026年8月的月計畫未於2026年7月20日前上報。",
                "zh_Hans": "2026年8月的月计划未于2026年7月20日前上报。"}[language]
    assert gaps[dt.date(2026, 8, 1)] == expected


@pytest.mark.parametrize(("edit", "form"), [
    (('"first": "2024-08-01"', '"first": "民國113年13月1日"'), "date"),
    (('"key": "school-plc"', '"key": "School PLC"'), "key"),
    (('"period"', '"currency": "twd", "period"'), "currency"),
    (('"period"', '"semesters": [{"key": "First!", "first": "08-01", "last": "01-31"}], "period"'), "semester_key"),
    (('"period"', '"semesters": [{"key": "first", "first": "8/1", "last": "01-31"}], "period"'), "month_day"),
])
def test_a_value_not_in_its_form_is_told_the_form_in_words_never_a_regular_expression(language, edit, form):
    from tests.compliance.engine.test_schema import _edit

    _, [error] = parse_program_text(_edit(*edit))
    assert error.params["form"] == form
    text = wording.program_error_text(error)
    assert not any(mark in text for mark in ("^", "$", "[0-9]", "{4}", "(?", "\\d")), text
    if form == "date":
        assert {"en": "write a day as 2026-08-01 or 民國115年8月1日",
                "zh_Hant": "日期請寫成2026-08-01或民國115年8月1日",
                "zh_Hans": "日期请写成2026-08-01或民国115年8月1日"}[language] in text


def test_a_pattern_the_wording_does_not_know_is_still_told_in_words(english):
    unknown = ProgramError("x", 3, "schema", {"kind": "pattern", "value": "abc", "form": ""}, "no match")
    assert wording.program_error_text(unknown) == \
        '“abc” is not written the way this value is (the rules guide describes each value).'


def test_a_claim_over_its_cap_names_its_expense(english):
    """QA: two claims over a cap lowered after they were kept read as two identical lines on the panel."""
    first = Gap("budget_per_hour", {"per_hour": 1600, "max": 1500, "expense_id": 5,
                                    "spent_on": dt.date(2026, 10, 2), "payee": "林講師"})
    second = Gap("budget_per_hour", {"per_hour": 1600, "max": 1500, "expense_id": 6,
                                     "spent_on": "2026-11-06", "payee": ""})  # as a snapshot keeps it
    first_text, second_text = wording.gap_text(first), wording.gap_text(second)
    assert first_text.startswith("The expense of Oct 2, 2026 to 林講師: ")
    assert second_text.startswith("The expense of Nov 6, 2026: ")
    assert first_text.split(": ", 1)[1] == second_text.split(": ", 1)[1]  # the breach itself, in the same words


def test_a_program_s_errors_are_told_all_at_once(english):
    """QA: eight mistakes read "The program has 6 errors"; the unknown currency and a convener minimum above its
    maximum came only once the schema's errors were fixed."""
    import json
    from pathlib import Path

    import workspace.compliance as compliance_package

    preset = Path(compliance_package.__file__).with_name("presets") / "plc-100.json"
    document = json.loads(preset.read_text(encoding="utf-8"))
    document["currency"] = "XXX"
    activities = next(rule for rule in document["rules"] if rule.get("kind") == "count")
    activities["target"] = -5
    convener = next(rule for rule in document["rules"] if rule.get("measure") == "conveners")
    convener["min"], convener["max"] = 3, 1
    data, errors = parse_program_text(json.dumps(document, ensure_ascii=False, indent=2))
    assert data is None
    codes = {(error.path.split("[")[0] if error.path.startswith("rules") else error.path, error.code)
             for error in errors}
    assert ("currency", "unknown_currency") in codes and ("rules", "schema") in codes
    assert any(error.code == "min_above_max" for error in errors)
    assert len({error.path for error in errors}) == len(errors)  # no place told twice


@pytest.mark.parametrize("in_document", [False, True])
def test_a_deliverable_whose_day_has_gone_is_not_worded_as_still_due(english, in_document):
    day = dt.date(2026, 12, 4)
    for item in ("activity_video", "results_report", "application"):
        gap = Gap("deliverable_missing", {"item": item, "due": day, "overdue": True})
        text = wording.gap_text(gap, in_document=in_document)
        assert "was not done by Dec 4, 2026." in text or "was not delivered by Dec 4, 2026." in text, text
        assert "is due on" not in text
    video = wording.gap_text(Gap("deliverable_missing", {"item": "activity_video", "due": day, "overdue": True}),
                             in_document=in_document)
    assert video == "The activity video was not done by Dec 4, 2026."


def test_a_deliverable_whose_day_has_gone_in_chinese(app):
    gap = Gap("deliverable_missing", {"item": "activity_video", "due": dt.date(2026, 12, 4), "overdue": True})
    for tag, expected in (("zh-TW", "活動影音檔未於2026年12月4日前完成。"), ("zh-CN", "未于2026年12月4日前完成。")):
        with app.test_request_context(headers={"Accept-Language": tag}):
            for in_document in (False, True):
                text = wording.gap_text(gap, in_document=in_document)
                assert text.endswith(expected) and "須於" not in text and "须于" not in text, text
    report = Gap("deliverable_missing", {"item": "results_report", "due": dt.date(2026, 12, 4), "overdue": True})
    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        text = wording.gap_text(report)
        assert text.startswith("成果報告未於2026年12月4日前") and "繳交項目" in text, text
