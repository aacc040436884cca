"""The compliance pages as people use them: enrolling, the live panel, waivers, the budget form with ROC dates
and refused caps, receipts, and the admin's program editor with each error beside its line."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.activities.helpers import make_club
from tests.compliance.helpers import PAST_FIRST, add_photo, enrolled, preset, program_copy, running_copy
from tests.factories import PASSWORD, add_member, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.communities.models import Membership
from workspace.compliance import services as compliance_services
from workspace.compliance.models import Enrollment, Expense, Program, Submission
from workspace.compliance.services import budget
from workspace.core.i18n import script_converter
from workspace.extensions import db


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_convener_enrols_and_a_reviewer_of_the_school_confirms(client, ctx):
    setup = enrolled(confirmed=False)
    other = running_copy()
    client.login(setup.club.convener)
    page = client.get(f"/c/{setup.slug}/compliance/")
    assert page.status_code == 200 and "Waiting for confirmation" in _text(page)
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": other.id,
                                                                      "approved_amount": "42000"})
    assert response.status_code == 302
    enrollment = db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == other.id))
    assert (enrollment.approved_amount, enrollment.status) == (42_000, "requested")
    reviewer = make_reviewer(setup.club.community.schools[0])
    client.login(reviewer)
    assert client.post_form(f"/c/{setup.slug}/compliance/{enrollment.id}/confirm").status_code == 302
    db.session.refresh(enrollment)
    assert enrollment.status == "confirmed" and enrollment.confirmed_by_id == reviewer.id


def test_a_confirmed_enrolment_is_no_longer_new_work_under_the_county_reviewer_s_bell(client, ctx):
    """QA13 #1: 許文彬 corrected Emily's NT$20,345 to NT$20,000 and confirmed; the county officer's bell still said,
    new, that the enrolment waited for her confirmation at NT$20,345."""
    setup = enrolled()
    other = running_copy()
    school_reviewer = make_reviewer(setup.club.community.schools[0], display_name="許文彬")
    county = make_reviewer(None, display_name="蔡佩珊")
    client.login(setup.club.convener)
    client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": other.id, "approved_amount": "20345"})
    enrollment = db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == other.id))
    client.login(county)
    bell = _text(client.get("/notifications/"))
    assert "it waits for your confirmation" in bell and "NT$20,345" in bell and ">New<" in bell
    assert 'class="bell-count" aria-hidden="true">1<' in bell

    client.login(school_reviewer)
    assert client.post_form(f"/c/{setup.slug}/compliance/{enrollment.id}/amount",
                            {f"enrollment-{enrollment.id}-approved_amount": "２０，０００元"}).status_code == 302
    assert client.post_form(f"/c/{setup.slug}/compliance/{enrollment.id}/confirm").status_code == 302
    for reader in (county, school_reviewer):
        client.login(reader)
        bell = _text(client.get("/notifications/"))
        assert "Confirmed by 許文彬 at NT$20,000" in bell and "20,345" not in bell
        assert ">New<" not in bell and "bell-count" not in bell


def test_enrolling_without_a_program_or_with_a_negative_amount_shows_the_error_beside_the_field(client, ctx):
    setup = enrolled()
    running_copy()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": "", "approved_amount": "-5"})
    assert response.status_code == 422
    html = _text(response)
    assert 'id="approved_amount-error"' in html and 'value="-5"' in html
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": "99999",
                                                                      "approved_amount": "100"})
    assert response.status_code == 422 and 'id="program_id-error"' in _text(response)


def test_the_live_panel_answers_204_until_a_record_changes_then_shows_the_new_status(client, ctx):
    setup = enrolled()
    activity = setup.activity(PAST_FIRST + dt.timedelta(days=5), photo=False)
    client.login(setup.club.member)
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    poll = re.search(r'hx-get="([^"]*/compliance/live\?gen=[^"]*)"', page).group(1).replace("&amp;", "&")
    assert f'id="rule-{setup.enrollment.id}-plc.photos"' in page
    assert re.search(r'class="rule status-not_met" id="rule-\d+-plc.photos"', page)
    assert client.get(poll).status_code == 204
    add_photo(setup, activity)
    changed = client.get(poll)
    assert changed.status_code == 200
    assert re.search(r'class="rule status-met" id="rule-\d+-plc.photos"', _text(changed))
    # the record that counts, its title marked with its language on an English page
    counted = f'<a href="/c/{setup.slug}/activities/{activity.id}" lang="zh-Hant">{activity.title}</a>'
    assert counted in _text(changed)


def test_a_waiver_without_a_reason_keeps_the_rule_open_with_the_error(client, ctx):
    setup = enrolled()
    client.login(make_reviewer(setup.club.community.schools[0]))
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/waivers"
    response = client.post_form(url, {"rule_id": "plc.activities", "reason": ""})
    assert response.status_code == 422
    assert re.search(r'<details id="details-\d+-plc.activities" open>', _text(response))
    assert client.post_form(url, {"rule_id": "plc.activities", "reason": "停課"}).status_code == 302
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert re.search(r'class="rule status-waived" id="rule-\d+-plc.activities"', page) and "停課" in page


def _expense(**values) -> dict:
    form = {"category": "printing_materials", "spent_on": "114/09/20", "amount": "180", "hours": "", "persons": "",
            "payee": "影印店", "description": "講義", "activity_id": "", "version": ""}
    form.update(values)
    return form


def test_an_expense_typed_with_an_roc_date_is_kept(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(spent_on="民國114年9月20日"))
    assert response.status_code == 302
    expense = db.session.scalar(db.select(Expense))
    assert expense.spent_on == dt.date(2025, 9, 20) and expense.amount == 180 and expense.claimable


def test_a_date_that_does_not_exist_is_shown_beside_its_field_with_what_was_typed(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(spent_on="114/02/30", hours="一點五"))
    assert response.status_code == 422
    html = _text(response)
    assert 'id="spent_on-error"' in html and 'value="114/02/30"' in html
    assert 'id="hours-error"' in html
    assert db.session.scalar(db.select(Expense)) is None


def test_an_expense_over_its_cap_is_refused_then_kept_not_claimable_on_purpose(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    over = _expense(category="external_speaker_hourly", amount="4000", hours="2")
    response = client.post_form(url, over)
    assert response.status_code == 422
    html = _text(response)
    assert "breaks the program" in html and 'name="keep_unclaimable"' in html and 'value="4000"' in html
    # The refusal names the rule it breaks and the funder's clause, as the panel does, not only the numbers.
    rule = next(rule for rule in setup.enrollment.program.definition["rules"]
                if rule["id"] == "plc.budget.external_hourly")
    assert f"Rule: {rule['message']}" in unescape(html) and rule["citation"] in html
    assert db.session.scalar(db.select(Expense)) is None
    assert client.post_form(url, dict(over, keep_unclaimable="y")).status_code == 302
    expense = db.session.scalar(db.select(Expense))
    assert not expense.claimable and expense.breaches


def test_a_receipt_that_is_not_a_picture_or_document_is_refused_and_one_that_is_downloads(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    data = _expense()
    for name, words in (("receipt.txt", "the file chosen is none of these"),
                        # named as a photo: the store refuses it, saying what it is (as the library does)
                        ("收據.png", "This file is not in PNG format, though its name ends in .png: its content is "
                                    "plain text.")):
        data["receipt"] = (io.BytesIO("收據".encode()), name)
        response = client.post_form(url, data, content_type="multipart/form-data")
        assert response.status_code == 422 and 'id="receipt-error"' in _text(response)
        assert words in _text(response) and ".txt" not in _text(response)
    data["receipt"] = (io.BytesIO(png_bytes()), "收據.png")
    assert client.post_form(url, data, content_type="multipart/form-data").status_code == 302
    expense = db.session.scalar(db.select(Expense))
    download = client.get(f"{url}/{expense.id}/receipt")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")


def _held_note(html: str) -> str:
    match = re.search(r'<input type="hidden" name="receipt_held" value="([^"]+)"', html)
    assert match, "no kept receipt in the form"
    return match.group(1)


def test_a_receipt_chosen_with_a_refused_expense_is_kept_for_the_next_try(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    over = _expense(category="external_speaker_hourly", amount="4000", hours="2")
    response = client.post_form(url, dict(over, receipt=(io.BytesIO(png_bytes()), "講座收據.png")),
                                content_type="multipart/form-data")
    assert response.status_code == 422
    html = _text(response)
    assert "“講座收據.png” is kept from your last try" in html
    assert db.session.scalar(db.select(Expense)) is None  # refused: nothing written but the kept file
    # kept not claimable on the second try, without choosing the file again
    kept = client.post_form(url, dict(over, keep_unclaimable="y", receipt_held=_held_note(html)))
    assert kept.status_code == 302
    expense = db.session.scalar(db.select(Expense))
    assert expense.receipt_filename == "講座收據.png" and not expense.claimable
    download = client.get(f"{url}/{expense.id}/receipt")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")


def test_a_receipt_is_kept_when_another_field_is_refused_and_a_bad_new_file_does_not_drop_it(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    missing_amount = dict(_expense(), amount="", receipt=(io.BytesIO(png_bytes()), "收據.png"))
    html = _text(client.post_form(url, missing_amount, content_type="multipart/form-data"))
    assert 'id="amount-error"' in html and "“收據.png” is kept from your last try" in html
    note = _held_note(html)
    not_a_receipt = dict(_expense(), receipt_held=note, receipt=(io.BytesIO("收據".encode()), "receipt.txt"))
    response = client.post_form(url, not_a_receipt, content_type="multipart/form-data")
    assert response.status_code == 422
    html = _text(response)
    assert 'id="receipt-error"' in html and "“收據.png” is kept from your last try" in html
    assert client.post_form(url, dict(_expense(), receipt_held=_held_note(html))).status_code == 302
    assert db.session.scalar(db.select(Expense)).receipt_filename == "收據.png"


def test_a_kept_receipt_note_serves_only_the_person_it_was_given_to(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    html = _text(client.post_form(url, dict(_expense(), amount="", receipt=(io.BytesIO(png_bytes()), "收據.png")),
                                  content_type="multipart/form-data"))
    note = _held_note(html)
    client.login(make_user(is_admin=True))  # one who may keep the ledger, but did not choose that file
    assert client.post_form(url, dict(_expense(), receipt_held=note)).status_code == 302
    assert client.post_form(url, dict(_expense(), receipt_held=note[:-2] + "xx")).status_code == 302
    assert [expense.receipt_blob_id for expense in db.session.scalars(db.select(Expense))] == [None, None]


def test_the_budget_page_shows_the_totals_in_the_reader_s_money(client, ctx):
    setup = enrolled(amount=30_000)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       setup.club.convener)
    db.session.commit()
    client.login(setup.club.member)
    html = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    assert "NT$30,000" in html and "NT$29,800" in html
    assert "Save the expense" not in html  # members read the ledger; conveners keep it


def test_the_program_editor_shows_each_error_beside_its_line_and_keeps_the_text(client, ctx):
    plc = preset()
    client.login(make_user(is_admin=True))
    document = json.dumps(plc.definition, ensure_ascii=False, indent=2)
    broken = document.replace('"target": 18', '"target": -18', 1)
    line = broken.splitlines().index(next(text for text in broken.splitlines() if '"target": -18' in text)) + 1
    response = client.post_form(f"/admin/programs/{plc.id}/edit", {"definition": broken, "version": "1"})
    assert response.status_code == 422
    html = _text(response)
    assert f'data-line="{line}"' in html and "-18" in html
    response = client.post_form(f"/admin/programs/{plc.id}/edit", {"definition": broken[:-3], "version": "1"})
    assert response.status_code == 422 and 'data-line="' in _text(response)
    renamed = document.replace(plc.name, "PLC 115", 1)
    saved = client.post_form(f"/admin/programs/{plc.id}/edit", {"definition": renamed, "version": "1"})
    assert saved.status_code == 302
    assert db.session.get(Program, plc.id).name == "PLC 115"


def test_a_reader_of_traditional_chinese_reads_the_rules_statuses_and_money_in_chinese(client, ctx):
    setup = enrolled(amount=30_000)
    reader = make_user(locale="zh_Hant")
    add_member(setup.club.community, reader)
    client.login(reader)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert "執行期間內至少辦理18次社群活動。" in html  # the rule's own message in the reader's language
    assert "未達成" in html and "NT$30,000" in html
    assert "社群活動次數不得少於18次" in html  # the funder's clause it comes from


def test_a_reviewer_returns_the_submission_the_convener_reads_the_comment_and_submits_again(client, ctx):
    setup = enrolled()
    setup.activity(PAST_FIRST + dt.timedelta(days=3), photo=False)
    reviewer = make_reviewer(setup.club.community.schools[0])
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "請審查"}).status_code == 302
    client.login(reviewer)
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    submission_id = re.search(r"/submissions/(\d+)/decide", page).group(1)
    refused = client.post_form(f"{base}/submissions/{submission_id}/decide", {"decision": "return", "comment": ""})
    assert refused.status_code == 422 and 'id="decision-comment-' in _text(refused)
    assert client.post_form(f"{base}/submissions/{submission_id}/decide",
                            {"decision": "return", "comment": "第1次活動缺照片"}).status_code == 302
    client.login(setup.club.convener)
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert "第1次活動缺照片" in page and "Submit again" in page
    assert client.post_form(f"{base}/submit", {"note": ""}).status_code == 422  # answer the comments first
    assert client.post_form(f"{base}/submit", {"note": "已補照片"}).status_code == 302
    kept = _text(client.get(f"{base}/submissions/{submission_id}"))
    assert "請審查" in kept and "第1次活動缺照片" in kept and "has no photo" in kept


def test_a_submit_or_decision_the_round_has_moved_past_says_why_and_keeps_what_was_typed(client, ctx):
    """A second tab, a double click, a second reviewer: the form is gone from the page once the round moved, so the
    refusal (409) says why above the rounds and gives back what was typed."""
    setup = enrolled()
    first, second = (make_reviewer(setup.club.community.schools[0]) for _ in range(2))
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "請審查"}).status_code == 302
    again = client.post_form(f"{base}/submit", {"note": "召集人的第二次說明"})
    assert again.status_code == 409
    html = _text(again)
    assert "This enrolment is already with the reviewers." in html and "召集人的第二次說明" in html
    submission_id = db.session.scalar(select(Submission.id).filter_by(enrollment_id=setup.enrollment.id))
    client.login(first)
    assert client.post_form(f"{base}/submissions/{submission_id}/decide", {"decision": "approve"}).status_code == 302
    client.login(second)
    late = client.post_form(f"{base}/submissions/{submission_id}/decide",
                            {"decision": "return", "comment": "我的審查意見很長很重要"})
    assert late.status_code == 409
    html = _text(late)
    assert "This submission was already decided." in html and "我的審查意見很長很重要" in html
    assert db.session.get(Submission, submission_id).status == "approved"  # the first decision stands


def test_a_round_names_its_reviewer_and_the_as_submitted_page_shows_the_money_it_kept(client, ctx):
    setup = enrolled(amount=30_000)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       setup.club.convener)
    db.session.commit()
    reviewer = make_reviewer(setup.club.community.schools[0], display_name="許文彬", locale="zh_Hant")
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "請審查"}).status_code == 302
    first = db.session.scalar(select(Submission.id).filter_by(enrollment_id=setup.enrollment.id))
    client.login(reviewer)
    assert client.post_form(f"{base}/submissions/{first}/decide",
                            {"decision": "return", "comment": "請補上照片"}).status_code == 302
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 150),
                       setup.club.convener)  # after the first round: its page keeps NT$200
    db.session.commit()
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "已補上"}).status_code == 302
    second = db.session.scalar(select(Submission.id).filter_by(enrollment_id=setup.enrollment.id, number=2))
    client.login(reviewer)
    assert client.post_form(f"{base}/submissions/{second}/decide", {"decision": "approve"}).status_code == 302
    when = r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"
    returned = _text(client.get(f"{base}/submissions/{first}"))
    assert re.search(rf'<p class="comment"><span class="muted">許文彬（{when}）</span>：請補上照片</p>', returned)
    approved = _text(client.get(f"{base}/submissions/{second}"))
    assert re.search(rf'<p class="comment"><span class="muted">許文彬（{when}）</span></p>', approved)  # no "—"
    for page, spent, remaining in ((returned, "NT$200", "NT$29,800"), (approved, "NT$350", "NT$29,650")):
        money = page[page.index('<dl class="figures submission-money"'):]
        money = money[:money.index("</dl>")]
        assert "NT$30,000" in money and spent in money and remaining in money
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert len(re.findall(rf'<p class="comment"><span class="muted">許文彬（{when}）</span>', panel)) == 2
    assert "：請補上照片" in panel and "： " not in panel


def test_the_reviewers_table_lists_each_row_s_rule_tally_worst_first(client, ctx):
    setup = enrolled()
    setup.activity(PAST_FIRST + dt.timedelta(days=3))
    client.login(make_reviewer(setup.club.community.schools[0]))
    page = _text(client.get("/review/compliance/"))
    tally = re.search(r'<ul class="tally">(.*?)</ul>', page).group(1)
    statuses = re.findall(r'<li class="status status-(\w+)">', tally)
    order = ["not_met", "at_risk", "on_track", "met", "waived", "not_applicable"]
    assert len(statuses) > 1 and statuses == sorted(statuses, key=order.index)


def test_the_reviewers_table_shows_the_communities_in_scope_and_the_school_totals(client, ctx):
    setup = enrolled(amount=30_000)
    client.login(make_reviewer(setup.club.community.schools[0]))
    html = _text(client.get("/review/compliance/?sort=remaining&attention=1"))
    assert setup.club.community.name in html and "NT$30,000" in html
    held = re.search(r'<td class="num" data-label="All activities held">(\d+)</td>', html)
    assert held and held.group(1) == "0"  # nothing held yet
    assert client.get("/review/compliance/?program=abc").status_code == 404
    setup.activity(PAST_FIRST + dt.timedelta(days=5))  # a write in the community: the table shows it at once
    again = _text(client.get("/review/compliance/?sort=remaining&attention=1"))
    assert re.search(r'<td class="num" data-label="All activities held">1</td>', again)
    client.login(make_reviewer(make_school(name="別校")))
    assert setup.club.community.name not in _text(client.get("/review/compliance/"))


def test_the_members_page_loads_the_formation_rules_which_follow_the_members(client, ctx):
    setup = enrolled(first=dt.date(2026, 8, 1), last=dt.date(2027, 7, 31))  # this school year: rules judged today
    school = setup.club.community.schools[0]
    school.class_count = 25  # at least 6 members: the club has 6
    db.session.commit()
    client.login(setup.club.convener)
    members_page = _text(client.get(f"/c/{setup.slug}/members/"))
    assert f'hx-get="/c/{setup.slug}/compliance/formation"' in members_page
    html = _text(client.get(f"/c/{setup.slug}/compliance/formation"))
    assert re.search(r'status-met">.*?Met</span>\s*A community has at least 4', html, re.S)
    assert "Hold at least 18" not in html  # only the formation rules
    leaver = db.session.scalar(db.select(Membership).where(Membership.community_id == setup.club.community.id,
                                                           Membership.user_id == setup.club.member.id))
    leaver.left_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    db.session.commit()
    html = _text(client.get(f"/c/{setup.slug}/compliance/formation"))
    assert re.search(r'status-at_risk">.*?At risk</span>\s*A community has at least 4', html, re.S)
    assert "5 of 6 members" in html


def test_a_community_with_no_school_is_told_so_on_the_members_page_and_the_panel(client, ctx):
    """QA 13: a community created with no school read "✓ Met … 5 members (at least 4)" even once its school had 25
    classes: the rule fell back to the smallest band and never said the community had no school. The panel and the
    members page say it now, with a link to the settings for those who may change them."""
    setup = enrolled(first=dt.date(2026, 8, 1), last=dt.date(2027, 7, 31))
    community = setup.club.community
    community.schools = []  # older data: a community made before the site had its school
    leaver = db.session.scalar(db.select(Membership).where(Membership.community_id == community.id,
                                                           Membership.user_id == setup.club.member.id))
    leaver.left_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)  # five members: enough for 24 classes only
    db.session.commit()
    settings = f'href="/c/{setup.slug}/settings"'
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/formation"))
    assert re.search(r'status-at_risk">.*?At risk</span>\s*A community has at least 4', html, re.S)
    assert "This community has no school yet" in html and settings in html
    assert "5 members" in html and "at least 4" not in html.split("A community has at least 4", 1)[1][:400]
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert "This community has no school yet" in panel and settings in panel
    client.login(setup.club.other)  # a member: told, with no link to a page they may not open
    html = _text(client.get(f"/c/{setup.slug}/compliance/formation"))
    assert "This community has no school yet" in html and settings not in html


def test_the_formation_rules_are_a_full_page_at_their_own_address_and_a_fragment_for_htmx(client, ctx):
    """QA 11: opened directly, the members page's fragment came bare (no layout, no viewport: 980 px on a phone)."""
    setup = enrolled(first=dt.date(2026, 8, 1), last=dt.date(2027, 7, 31))
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/formation"
    response = client.get(url)
    page = _text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    assert '<meta name="viewport"' in page and "<title>Formation rules · " in page and '<main id="main"' in page
    assert 'class="tabs' in page and setup.club.community.name in page  # the community's own navigation
    assert re.search(r'status-\w+">.*?</span>\s*A community has at least 4', page, re.S)
    fragment = _text(client.hx("get", url))
    assert "<html" not in fragment and "<main" not in fragment and "<nav" not in fragment
    assert fragment.lstrip().startswith('<section class="card formation"')
    assert response.vary and "HX-Request" in response.headers["Vary"]


def test_the_formation_page_of_a_community_without_a_program_says_so(client, ctx):
    club = make_club("loose")
    client.login(club.convener)
    page = _text(client.get("/c/loose/compliance/formation"))
    assert "No formation rules: the community is not enrolled" in page and "<main" in page


def test_members_removed_today_leave_the_formation_rules_at_once(client, ctx):
    """QA: the convener removed 3 of 6 members; the members page listed 3 while the formation box above it said
    ✓ 6 members until the next day. Removed now, they are not counted now."""
    from workspace.communities import services as community_services

    setup = enrolled(first=dt.date(2026, 8, 1), last=dt.date(2027, 7, 31))  # this school year: judged today
    community = setup.club.community
    removed = db.session.scalars(db.select(Membership).where(
        Membership.community_id == community.id, Membership.role != "convener").limit(3)).all()
    for membership in removed:
        community_services.remove_member(membership, actor=setup.club.convener)
    db.session.commit()
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/formation"))
    assert "3 of 4 members" in html and "6 of 4" not in html
    assert re.search(r'status-at_risk">.*?At risk</span>\s*A community has at least 4', html, re.S)


def test_the_panel_polls_every_10_seconds_unless_the_config_says_otherwise(client, ctx, app):
    setup = enrolled()
    client.login(setup.club.convener)
    assert 'hx-trigger="every 10s"' in _text(client.get(f"/c/{setup.slug}/compliance/"))
    app.config["COMPLIANCE_POLL_SECONDS"] = 2
    try:
        add_photo(setup, setup.activity(PAST_FIRST + dt.timedelta(days=2), photo=False))  # a fresh page, not cached
        assert 'hx-trigger="every 2s"' in _text(client.get(f"/c/{setup.slug}/compliance/"))
        app.config["COMPLIANCE_POLL_SECONDS"] = "2"  # not a whole number of seconds: the default
        add_photo(setup, setup.activity(PAST_FIRST + dt.timedelta(days=3), photo=False))
        assert 'hx-trigger="every 10s"' in _text(client.get(f"/c/{setup.slug}/compliance/"))
    finally:
        app.config.pop("COMPLIANCE_POLL_SECONDS", None)


def test_an_expense_over_its_cap_is_refused_beside_the_amount_so_the_focus_goes_there(client, ctx):
    """A refused expense marks the field its breach concerns (the amount, for a fee over its cap) with the breach
    beside it, as every refused field is marked: app.js moves the focus to the first such field."""
    from tests.stacked import element

    setup = enrolled()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(category="external_speaker_hourly", amount="4000", hours="2"))
    assert response.status_code == 422
    html = _text(response)
    invalid = [field.get("id") for field in element(html, "//*[@aria-invalid='true']")]
    assert invalid == ["amount"]
    [error] = element(html, "//p[@id='amount-error']")
    assert "NT$" in error.text_content() and error.text_content() in " ".join(
        item.text_content() for item in element(html, "//div[contains(@class, 'form-errors')]//li"))
    assert 'value="4000"' in html


def test_the_program_editor_shows_each_rule_message_whole(client, ctx):
    """A rule message's box has room for its text on a phone (two rows cut the English message mid-line)."""
    from tests.stacked import element

    program = program_copy()
    client.login(make_user(is_admin=True))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    boxes = element(page, "//details[contains(@class, 'rule-messages')]//textarea")
    assert boxes
    for box in boxes:
        assert int(box.get("rows")) >= 3 and int(box.get("rows")) * 30 >= len(box.text_content()), box.get("name")


def test_the_figures_form_changes_the_period_in_roc_dates_and_a_rule_s_target(client, ctx):
    program = program_copy()
    client.login(make_user(is_admin=True))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    index = next(number for number, rule in enumerate(program.definition["rules"]) if rule["id"] == "plc.activities")
    field = f"rules.{index}.target"
    assert f'name="{field}" value="18"' in page
    form = {key: value for key, value in re.findall(r'name="(rules\.[^"]+)" value="([^"]*)"', page)}
    refused = client.post_form(f"/admin/programs/{program.id}/figures",
                               {**form, field: "十二", "name": "PLC 115", "first": "115/02/30", "last": "116/07/31",
                                "version": "1"})
    assert refused.status_code == 422
    html = _text(refused)
    assert 'value="十二"' in html and 'value="115/02/30"' in html and 'id="figure-first-error"' in html
    messages = {f"rules.{index}.message": "Hold at least 12 community activities within the execution period.",
                f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理12次社群活動。",
                f"rules.{index}.messages.zh_Hans": "执行期间内至少举办12次社群活动。",  # they said 18
                f"rules.{index}.citation": "於執行期限內，社群活動次數不得少於12次"}  # the funder's clause too
    saved = client.post_form(f"/admin/programs/{program.id}/figures",
                             {**form, **messages, field: "12", "name": "PLC 115", "first": "115/08/01",
                              "last": "116/07/31", "version": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Program, program.id)
    assert (changed.name, changed.first_day, changed.last_day, changed.version) == (
        "PLC 115", dt.date(2026, 8, 1), dt.date(2027, 7, 31), 2)
    assert changed.definition["rules"][index]["target"] == 12
    stale = client.post_form(f"/admin/programs/{program.id}/figures",
                             {**form, "name": "Stale", "first": "115/08/01", "last": "116/07/31", "version": "1"})
    assert stale.status_code == 422 and db.session.get(Program, program.id).name == "PLC 115"
    backwards = client.post_form(f"/admin/programs/{program.id}/figures",
                                 {**form, "name": "PLC 116", "first": "116/08/01", "last": "115/08/01", "version": "2"})
    assert backwards.status_code == 422
    html = _text(backwards)  # beside the last day, in words, the days typed kept
    assert 'id="figure-last-error"' in html and "The period ends before it starts." in html
    assert 'value="116/08/01"' in html and "datetime.date" not in html and "period_order" not in html


def test_a_copy_for_next_year_is_set_in_the_figures_form_and_saved_as_a_new_program(client, ctx):
    """QA: copying a program opened the JSON alone; the name, period and numbers of next year's round were typed
    into the JSON, or saved first and changed after. The copy's page has the figures form, which saves the copy."""
    program = program_copy()
    client.login(make_user(is_admin=True))
    page = _text(client.get(f"/admin/programs/new?from={program.id}"))
    index = next(number for number, rule in enumerate(program.definition["rules"]) if rule["id"] == "plc.activities")
    field = f"rules.{index}.target"
    assert 'id="figures"' in page and f'name="{field}" value="18"' in page
    assert f'value="{program.first_day.isoformat()}"' in page and "(copy)" in page and 'name="version"' not in page
    form = {key: value for key, value in re.findall(r'name="(rules\.[^"]+)" value="([^"]*)"', page)}
    action = f"/admin/programs/new/figures?from={program.id}"
    assert action in page
    count = db.session.scalar(select(func.count(Program.id)))
    refused = client.post_form(action, {**form, field: "十二", "name": "PLC 116", "first": "116/08/01",
                                        "last": "117/07/31"})
    assert refused.status_code == 422
    html = _text(refused)  # beside the field, what was typed kept, nothing saved
    assert 'value="十二"' in html and f'id="figure-{field.replace(".", "-")}-error"' in html
    assert 'value="PLC 116"' in html and db.session.scalar(select(func.count(Program.id))) == count
    messages = {f"rules.{index}.message": "Hold at least 12 community activities within the execution period.",
                f"rules.{index}.messages.zh_Hant": "執行期間內至少辦理12次社群活動。",
                f"rules.{index}.messages.zh_Hans": "执行期间内至少举办12次社群活动。",
                f"rules.{index}.citation": "於執行期限內，社群活動次數不得少於12次"}
    saved = client.post_form(action, {**form, **messages, field: "12", "name": "PLC 116", "first": "116/08/01",
                                      "last": "117/07/31"})
    assert saved.status_code == 302
    db.session.expire_all()
    made = db.session.scalar(select(Program).where(Program.name == "PLC 116"))
    assert (made.first_day, made.last_day, made.key) == (dt.date(2027, 8, 1), dt.date(2028, 7, 31),
                                                         f"{program.key[:50]}-copy")
    assert made.definition["rules"][index]["target"] == 12
    source = db.session.get(Program, program.id)  # the program copied is as it was
    assert source.definition["rules"][index]["target"] == 18 and source.name != "PLC 116"
    assert client.post_form("/admin/programs/new/figures?from=x", form).status_code == 404
    assert client.post_form("/admin/programs/new/figures", form).status_code == 404


def test_a_program_s_error_is_told_in_words(ctx):
    from workspace.core.errors import ValidationError

    program = program_copy()
    document = dict(program.definition, period={"first": "2027-08-01", "last": "2026-08-01"})
    with pytest.raises(ValidationError) as error:
        compliance_services.update_program(program, document, None, version=program.version)
    assert error.value.message == "The program has 1 error: The period ends before it starts."


def test_amounts_are_typed_in_the_programs_currency_and_kept_in_its_minor_units(client, ctx):
    # URC's preset is in yuan (kept in fen): 50,000 typed is ¥50,000.00, not ¥500.00.
    setup = enrolled(confirmed=False)
    urc = running_copy("urc")
    client.login(setup.club.convener)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert f'<option value="{urc.id}">{urc.name} (CN¥)</option>' in panel  # CLDR's English sign
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": urc.id,
                                                                      "approved_amount": "50,000"})
    assert response.status_code == 302
    enrollment = db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == urc.id))
    assert enrollment.approved_amount == 5_000_000
    assert "approved CN¥50,000.00" in _text(client.get(f"/c/{setup.slug}/compliance/"))
    # Fen are kept; a third decimal is refused beside the field, the typed text kept.
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": urc.id, "approved_amount": "1.234"})
    assert response.status_code == 422
    html = _text(response)
    assert 'id="approved_amount-error"' in html and 'value="1.234"' in html and "at most 2 decimals" in html


def test_the_convener_changes_the_approved_amount_until_it_is_confirmed(client, ctx):
    setup = enrolled(confirmed=False, amount=50_000)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/amount"
    client.login(setup.club.member)
    assert url not in _text(client.get(f"/c/{setup.slug}/compliance/"))  # a member sees no form
    client.login(setup.club.convener)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    field = f"enrollment-{setup.enrollment.id}-approved_amount"  # one form per enrolment on the panel
    assert f'action="{url}"' in panel and "Approved amount (NT$)" in panel
    assert re.search(rf'<input[^>]*\bid="{field}"[^>]*\bname="{field}"[^>]*\bvalue="50000"', panel)
    response = client.post_form(url, {field: "12.5"})  # NT$ are whole dollars
    assert response.status_code == 422
    assert "Enter a whole amount, such as 1200." in _text(response) and 'value="12.5"' in _text(response)
    assert client.post_form(url, {field: "NT$48,000"}).status_code == 302
    db.session.refresh(setup.enrollment)
    assert setup.enrollment.approved_amount == 48_000


def test_a_convener_whose_page_predates_the_confirmation_is_told_who_confirmed_and_keeps_the_amount(client, ctx):
    """The panel offered the amount and Withdraw while the enrolment waited; a reviewer confirmed meanwhile. The
    convener's press is answered with who confirmed and when, and the amount typed, not a 403 saying to ask the
    convener; a member still gets 403."""
    setup = enrolled(confirmed=False, amount=50_000)
    reviewer = make_reviewer(setup.club.community.schools[0], display_name="許文彬")
    client.login(setup.club.convener)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    amount_url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/amount"
    withdraw_url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/withdraw"
    assert f'action="{amount_url}"' in panel and f'action="{withdraw_url}"' in panel
    compliance_services.confirm(setup.enrollment, reviewer)
    db.session.commit()
    field = f"enrollment-{setup.enrollment.id}-approved_amount"
    response = client.post_form(amount_url, {field: "1,200"}, follow_redirects=True)
    html = _text(response)
    assert response.status_code == 200
    assert "許文彬 confirmed the enrolment on" in html and "while this page was open." in html
    assert "The amount you typed, NT$1,200, was not saved: ask a reviewer of your school to set it." in html
    response = client.post_form(withdraw_url, {}, follow_redirects=True)
    html = _text(response)
    assert "only a reviewer or an administrator withdraws a confirmed enrolment now" in html
    db.session.refresh(setup.enrollment)
    assert setup.enrollment.approved_amount == 50_000 and setup.enrollment.withdrawn_at is None
    client.login(setup.club.member)
    assert client.post_form(amount_url, {field: "1,200"}).status_code == 403
    assert client.post_form(withdraw_url, {}).status_code == 403


def test_an_expense_amount_is_read_with_thousands_separators_and_full_width_digits(client, ctx):
    setup = enrolled()
    activity = setup.activity(PAST_FIRST + dt.timedelta(days=3))
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    response = client.post_form(url, {"category": "refreshments", "spent_on": activity.starts_at.date().isoformat(),
                                      "amount": "１，２００", "persons": "60", "activity_id": str(activity.id)})
    assert response.status_code == 302, _text(response)
    expense = db.session.scalar(db.select(Expense).where(Expense.enrollment_id == setup.enrollment.id))
    assert expense.amount == 1_200
    edit = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses/{expense.id}/edit"))
    assert 'name="amount"' in edit and 'value="1200"' in edit
    day = activity.starts_at.date()  # the activity is offered with its day as the page writes days
    assert f"{day:%b} {day.day}, {day.year}: {activity.title}" in edit
    assert f"{day.isoformat()} {activity.title}" not in edit


def test_the_figures_form_shows_and_reads_money_caps_in_the_programs_currency(client, ctx):
    from workspace.compliance import services

    document = services.copy_document(preset())
    document.update(key="plc-yuan", currency="CNY")  # the same caps, read as fen: 1600 is ¥16.00
    program = services.create_program(document, None)
    db.session.commit()
    client.login(make_user(is_admin=True))
    page = _text(client.get(f"/admin/programs/{program.id}/edit"))
    index = next(number for number, rule in enumerate(program.definition["rules"]) if "per_hour_max" in rule)
    field = f"rules.{index}.per_hour_max"
    cap = program.definition["rules"][index]["per_hour_max"]
    assert f'name="{field}" value="{cap // 100}.{cap % 100:02d}"' in page and "At most an hour (CN¥)" in page
    form = {key: value for key, value in re.findall(r'name="(rules\.[^"]+)" value="([^"]*)"', page)}
    before = json.loads(json.dumps(program.definition["rules"]))
    base = {"name": program.name, "first": program.first_day.isoformat(), "last": program.last_day.isoformat(),
            "version": "1"}
    refused = client.post_form(f"/admin/programs/{program.id}/figures", {**form, **base, field: "16.005"})
    assert refused.status_code == 422
    assert "Enter the amount with at most 2 decimals, such as 1200 or 12.50." in _text(refused)  # ¥: fen, no more
    saved = client.post_form(f"/admin/programs/{program.id}/figures", {**form, **base, field: "1,600"})
    assert saved.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Program, program.id).definition["rules"]
    assert changed[index]["per_hour_max"] == 160_000
    # Every other figure went back as it was: the money ones shown and read in yuan, the counts as numbers.
    assert [rule for number, rule in enumerate(changed) if number != index] == [
        rule for number, rule in enumerate(before) if number != index]


def test_an_expense_past_the_approved_amount_is_refused_with_the_numbers_and_may_be_kept_not_claimable(client, ctx):
    setup = enrolled(amount=1_000)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_report", PAST_FIRST, 900),
                       setup.club.convener)
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    over = _expense(category="printing_materials", amount="200")
    response = client.post_form(url, over)
    assert response.status_code == 422
    html = _text(response)
    assert "Claiming NT$200 would take the claimable spending to NT$1,100, past the NT$1,000 approved " \
           "(NT$900 is already claimable)." in html
    assert 'name="keep_unclaimable"' in html and 'value="200"' in html
    assert client.post_form(url, dict(over, keep_unclaimable="y")).status_code == 302
    assert db.session.scalar(db.select(Expense).where(Expense.amount == 200)).claimable is False


def test_a_reviewer_lowering_the_approved_amount_below_the_claimable_spending_is_warned_and_the_overrun_shown(
        client, ctx):
    setup = enrolled(amount=10_000)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_report", PAST_FIRST, 1_500),
                       setup.club.convener)
    client.login(make_reviewer(setup.club.community.schools[0]))
    field = f"enrollment-{setup.enrollment.id}-approved_amount"
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/amount", {field: "1000"},
                                follow_redirects=True)
    html = _text(response)
    assert response.status_code == 200
    assert "The approved amount is now NT$1,000, but NT$1,500 is already claimable: NT$500 more than approved." \
        in html
    assert "Claimable spending of NT$1,500 is NT$500 over the NT$1,000 approved (remaining -NT$500)" in html
    page = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    assert '<dd class="over">-NT$500 <span class="badge badge-danger">over the approved amount</span>' in page


def test_the_expense_form_always_offers_the_not_claimable_choice_the_overrun_notice_names(client, ctx):
    setup = enrolled(amount=10_000)
    expense = budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_report", PAST_FIRST, 1_500),
                                 setup.club.convener)
    client.login(make_reviewer(setup.club.community.schools[0]))
    client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/amount",
                     {f"enrollment-{setup.enrollment.id}-approved_amount": "1000"})
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses/{expense.id}/edit"
    page = _text(client.get(url))
    assert re.search(r'<label class="check"><input [^>]*id="keep_unclaimable" name="keep_unclaimable" type="checkbox"'
                     r' value="y"> Not claimable</label>', page)
    assert "Mark expenses not claimable (edit them and tick “Not claimable”)" in page
    assert "tick the box" not in page
    assert 'name="keep_unclaimable"' in _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    form = _expense(category="printing_report", spent_on=PAST_FIRST.isoformat(), amount="1500",
                    version=str(expense.version), keep_unclaimable="y")
    assert client.post_form(url, form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Expense, expense.id).claimable is False
    assert budget.ledger(setup.enrollment).over_approved == 0


def test_a_program_without_budget_categories_says_so_and_offers_no_expense_form_or_book_list(client, ctx):
    setup = enrolled(key="urc", amount=0)
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    assert f'<span lang="zh-Hant">{setup.program.name}</span> sets no budget categories' in html
    for absent in ("Save the expense", "By category", "Book list", "116/03/05", "資料蒐集費", "Materials", "speaker",
                   "refreshments"):
        assert absent not in html, absent


def test_the_expense_form_s_help_follows_the_program_s_categories(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    assert "Needed for a fee paid by the hour: External speaker hourly fee, Internal speaker hourly fee." in html
    assert "116/03/05" in html and "Materials (books and media): for books and media" in html


def test_a_simplified_reader_reads_the_budget_categories_in_simplified_everywhere_on_the_budget_page(client, ctx):
    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, budget.ExpenseFields("external_speaker_hourly", PAST_FIRST, 1_600,
                                                                       hours=1), setup.club.convener)
    budget.trash_expense(budget.add_expense(setup.enrollment, budget.ExpenseFields(
        "materials", PAST_FIRST, 100, keep_unclaimable=True), setup.club.convener), setup.club.convener)
    reader = setup.club.convener
    reader.locale = "zh_Hans"
    db.session.commit()
    client.login(reader)
    html = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    for traditional in ("外聘講座鐘點費", "資料蒐集費", "內聘講座鐘點費", "膳食費"):
        assert traditional not in html, traditional
    assert '<th scope="row">外聘讲座钟点费</th>' in html  # the table by category
    assert '<option value="external_speaker_hourly">外聘讲座钟点费</option>' in html  # the category select
    assert "外聘讲座钟点费、内聘讲座钟点费" in html and "膳食费（茶水费）" in html  # the hints
    assert "资料搜集费：" in html  # the book list's hint
    expenses = html[html.index('id="expenses-title"'):html.index('id="expense-form"')]
    assert "外聘讲座钟点费" in expenses  # the expense list
    assert "资料搜集费" in html[html.index('id="trash-title"'):]  # the trash
    edit = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses/{expense.id}/edit"))
    assert '<option selected value="external_speaker_hourly">外聘讲座钟点费</option>' in edit


def test_the_limits_are_joined_by_the_reader_s_separator_and_say_the_unit_the_rule_caps_by(client, ctx):
    setup = enrolled()
    reader = setup.club.convener
    client.login(reader)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    html = _text(client.get(url))
    limits = re.findall(r'<td data-label="Limits">(.*?)</td>', html)
    assert "at most NT$1,000 a time; at most 2 claims" in limits
    assert "at most NT$200 a session; at most NT$3,000 in all" in limits
    assert not any("；" in line or "an item" in line for line in limits)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(amount="300"))
    assert "An expense of NT$300 is over the cap of NT$200 a session." in _text(response)
    reader.locale = "zh_Hant"
    db.session.commit()
    html = _text(client.get(url))
    assert "每場最多 NT$200；合計最多 NT$3,000" in html


def test_an_expense_of_nothing_is_refused_beside_the_amount_in_the_reader_s_language(client, ctx):
    setup = enrolled()
    reader = setup.club.convener
    reader.locale = "zh_Hant"
    db.session.commit()
    client.login(reader)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses", _expense(amount="0"))
    assert response.status_code == 422
    html = _text(response)
    assert re.search(r'id="amount-error">金額至少須為 NT\$1。</p>', html) and 'value="0"' in html
    assert db.session.scalar(db.select(Expense)) is None


def test_an_expense_dated_after_today_is_refused_beside_the_date_in_the_reader_s_language(client, ctx):
    setup = enrolled()
    reader = setup.club.convener
    reader.locale = "zh_Hans"
    db.session.commit()
    client.login(reader)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(spent_on=later))
    assert response.status_code == 422
    html = _text(response)
    error = re.search(r'<p class="field-error" id="spent_on-error">(.*?)</p>', html).group(1)
    assert error.startswith("支出在付款后才记录：") and f'value="{later}"' in html
    assert db.session.scalar(db.select(Expense)) is None


def test_a_number_typed_wrong_shows_one_message_under_one_id(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                                _expense(persons="-3", amount="三萬"))
    assert response.status_code == 422
    html = _text(response)
    assert html.count('id="persons-error"') == 1 and html.count('id="amount-error"') == 1
    assert "Enter the amount in digits, such as 1200." in html and 'value="三萬"' in html


def test_an_appraisal_without_a_rating_chosen_is_refused_beside_the_field(client, ctx):
    setup = enrolled()
    client.login(make_reviewer(setup.club.community.schools[0]))
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    select = re.search(r'<select id="rating-\d+" name="rating"[^>]*>(.*?)</select>', page).group(1)
    assert select.startswith('<option value="" selected>Choose…</option>')
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/appraisal",
                                {"rating": "", "comment": "好"})
    assert response.status_code == 422
    assert f'id="rating-{setup.enrollment.id}-error"' in _text(response)
    assert client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/appraisal",
                            {"rating": "good"}).status_code == 302


def test_a_deliverable_dated_after_today_is_refused_beside_the_field_with_the_text_kept(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/deliverables",
                                {"item": "results_report", "done_on": tomorrow, "note": ""})
    assert response.status_code == 422
    html = _text(response)
    assert f'id="done_on-{setup.enrollment.id}-error"' in html and f'value="{tomorrow}"' in html
    assert "enter a day up to today" in html


def test_a_deliverable_s_refused_file_and_far_day_are_said_beside_their_fields(client, ctx):
    """A program as a file, or a day years away from the period: the reason beside the field, not a bare 422."""
    import io

    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/deliverables"
    response = client.post_form(url, {"item": "results_report", "done_on": "2026-01-05", "note": "報告",
                                      "file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "evil.exe")},
                                content_type="multipart/form-data")
    html = _text(response)
    assert response.status_code == 422
    assert f'id="file-{setup.enrollment.id}-error"' in html and "program" in html
    far = client.post_form(url, {"item": "results_report", "done_on": "2020-01-05", "note": ""})
    assert far.status_code == 422 and "with a year either side" in _text(far)


def test_a_deliverable_s_file_is_kept_when_its_day_is_refused(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/deliverables"
    response = client.post_form(url, {"item": "results_report", "done_on": "2020-01-05", "note": "成果報告",
                                      "file": (io.BytesIO(png_bytes()), "成果報告.png")},
                                content_type="multipart/form-data")
    html = _text(response)
    assert response.status_code == 422 and "with a year either side" in html
    assert "“成果報告.png” is kept from your last try" in html and 'value="成果報告"' in html
    note = re.search(r'<input type="hidden" name="file_held" value="([^"]+)"', html).group(1)
    fixed = client.post_form(url, {"item": "results_report", "done_on": "2026-01-05", "note": "成果報告",
                                   "file_held": note})
    assert fixed.status_code == 302
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert "成果報告.png" in panel and "is kept from your last try" not in panel


def test_the_approved_amount_is_called_the_same_on_the_panel_and_the_budget_page(client, ctx):
    setup = enrolled(amount=30_000)
    reader = setup.club.convener
    reader.locale = "zh_Hant"
    db.session.commit()
    client.login(reader)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    page = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    # The glossary's word for the funds approved (QA 13: 核定金額 stood beside the glossary's 結餘數).
    assert "核撥數 NT$30,000" in panel and "<dt>核撥數</dt>" in page
    assert "核定金額" not in panel + page


def test_the_burn_up_chart_has_its_figures_in_words(client, ctx):
    """The projection and today's expected pace were only SVG titles: the panel gives them as a small table."""
    setup = enrolled()
    client.login(setup.club.convener)
    html = client.get(f"/c/{setup.slug}/compliance/").get_data(as_text=True)
    figures = html.split('class="burn-up-figures"')[1].split("</details>")[0]
    assert "<summary>The chart in figures</summary>" in figures
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', figures)
    labels = [label for label, _value in rows]
    assert labels[0] == "Held so far" and "Target" in labels
    assert re.fullmatch(r"\d+ by .+", dict(rows)["Target"])


def test_the_burn_up_figure_is_named_by_a_sentence_not_by_its_legend(client, ctx):
    """QA13: the figure was named by its figcaption, the legend alone ("held pace needed at the recent pace"); it is
    named by what it shows, the SVG keeping its own sentence of the figures."""
    setup = enrolled()
    client.login(setup.club.convener)
    html = client.get(f"/c/{setup.slug}/compliance/").get_data(as_text=True)
    assert '<figure class="burn-up" aria-label="Burn-up chart: activities held against the pace needed">' in html


def test_the_program_s_name_is_in_the_reader_s_script_on_the_panel_the_budget_and_the_enrol_list(client, ctx):
    setup = enrolled()
    other = running_copy()
    reader = setup.club.convener
    reader.locale = "zh_Hans"
    db.session.commit()
    client.login(reader)
    simplified = script_converter("t2s").convert(setup.enrollment.program.name)
    assert simplified != setup.enrollment.program.name  # the preset's name is written in Traditional
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    budget_page = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"))
    for html in (panel, budget_page):
        assert simplified in html and setup.enrollment.program.name not in html
    assert f'<option value="{other.id}">{script_converter("t2s").convert(other.name)}' in panel
    enrolled_again = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": other.id,
                                                                            "approved_amount": "100"})
    assert enrolled_again.status_code == 302
    assert script_converter("t2s").convert(other.name) in _text(client.get(f"/c/{setup.slug}/compliance/"))
    # The admin's list too (it showed the stored script while every other page converted); the editor keeps it.
    admin = make_user(is_admin=True, locale="zh_Hans")
    client.login(admin)
    listing = _text(client.get("/admin/programs/"))
    assert simplified in listing and setup.enrollment.program.name not in listing
    editor = _text(client.get(f"/admin/programs/{setup.enrollment.program.id}/edit"))
    assert f'value="{setup.enrollment.program.name}"' in editor


def test_the_submission_page_says_when_it_was_sent_as_the_reader_writes_a_moment(client, ctx):
    from workspace.compliance.services import review, standings

    setup = enrolled()
    submission = review.submit(standings([setup.enrollment])[0], "第一次送審", setup.club.convener)
    submission.submitted_at = dt.datetime(2026, 12, 3, 16, 4, 41, tzinfo=dt.UTC)  # 00:04:41 in Taipei
    reader = setup.club.convener
    reader.locale = "zh_Hant"
    db.session.commit()
    client.login(reader)
    html = _text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/submissions/{submission.id}"))
    assert "2026年12月4日 00:04" in html and "凌晨" not in html and "00:04:41" not in html


def test_a_deliverable_sent_twice_shows_once_on_the_panel(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/deliverables"
    for _ in range(2):  # a double submit of the same form
        response = client.post_form(url, {"item": "application", "done_on": "2026-07-20", "note": "",
                                          "file": (io.BytesIO(png_bytes()), "申請書.png")},
                                    content_type="multipart/form-data")
        assert response.status_code == 302
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    section = html[html.index(f'id="deliverables-{setup.enrollment.id}"'):]
    section = section[section.index('<ul class="deliverables">'):]  # what was delivered (after what is not done yet)
    section = section[:section.index("</ul>")]
    assert section.count("申請書.png") == 1


@pytest.mark.parametrize(("locale", "joined", "wrong"), [
    ("zh_Hant", "：", ("。：", "。:")), ("zh_Hans", "：", ("。：", "。:")), ("en", ": ", (".:", ". :"))])
def test_the_screen_reader_status_joins_the_rule_and_its_status_as_the_language_does(client, ctx, locale, joined,
                                                                                     wrong):
    setup = enrolled()
    setup.club.convener.locale = locale
    db.session.commit()
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    spoken = re.findall(r'data-status-text="([^"]*)"', html)
    assert spoken and all(joined in text for text in spoken)
    assert not [text for text in spoken if any(mark in text for mark in wrong)]


def _gaps_html(html: str, enrollment_id: int, rule_id: str) -> str:
    """The gaps list of one rule on the panel."""
    rule = html[html.index(f'id="rule-{enrollment_id}-{rule_id}"'):]
    return rule[rule.index('<ul class="gaps">'):rule.index("</ul>", rule.index('<ul class="gaps">'))]


def test_a_gap_names_its_expense_and_links_where_it_is_fixed(client, ctx):
    from workspace.compliance.services import budget

    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, budget.ExpenseFields(
        "printing_materials", PAST_FIRST + dt.timedelta(days=9), 200, payee="大同影印行"), setup.club.convener)
    db.session.commit()
    eid = setup.enrollment.id
    client.login(setup.club.convener)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    receipts = _gaps_html(html, eid, "plc.budget.earmarked")
    edit = url_for("compliance.edit_expense", slug=setup.slug, enrollment_id=eid, expense_id=expense.id)
    assert f'href="{edit}#expense-form"' in receipts
    assert "Aug 10, 2025" in receipts and "大同影印行" in receipts and "NT$200" in receipts
    report = _gaps_html(html, eid, "plc.results_report")
    assert f'href="/c/{setup.slug}/compliance/#deliver-{eid}"' in report
    # A member reads the panel: the expense opens the budget page (not its edit form), no deliverable form.
    client.login(setup.club.member)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    receipts = _gaps_html(html, eid, "plc.budget.earmarked")
    assert edit not in receipts and url_for("compliance.budget_page", slug=setup.slug, enrollment_id=eid) in receipts
    assert "href" not in _gaps_html(html, eid, "plc.results_report")
    # A reviewer in scope as well.
    client.login(make_reviewer(setup.club.community.schools[0]))
    receipts = _gaps_html(_text(client.get(f"/c/{setup.slug}/compliance/")), eid, "plc.budget.earmarked")
    assert edit not in receipts and "大同影印行" in receipts


def test_the_monthly_plan_rule_names_each_month_and_its_due_day_and_a_gone_day_is_not_an_instruction(client, ctx):
    """Each month's part reads "2026年5月的月計畫（期限2026年4月20日）", never a range that ends before it starts
    (county QA, M4); the months whose day has passed without a plan say it was not handed in by then."""
    from workspace.compliance import services

    setup = enrolled()
    document = dict(setup.program.definition)
    document["rules"] = [*document["rules"], {"id": "monthly", "version": 1, "kind": "deliverable",
                                              "message": "每月20日前上報次月計畫。", "citation": "每月20日前上報",
                                              "item": "monthly_plan",
                                              "each_month": {"day": 20, "months_before": 1}}]
    services.update_program(setup.program, document, None, version=setup.program.version)
    db.session.commit()
    reader = make_user(locale="zh_Hant")
    add_member(setup.club.community, reader)
    client.login(reader)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    rule = html.split(f'id="rule-{setup.enrollment.id}-monthly"')[1].split('class="rule ')[0]
    assert "2026年5月的月計畫（期限2026年4月20日）" in rule
    assert "2025年8月的月計畫未於2025年7月20日前上報。" in rule
    assert "須於" not in rule  # every day is gone: nothing is an instruction any more
    assert "2026年5月1日至2026年4月20日" not in rule and "至" not in rule


def test_a_convener_is_offered_only_programs_still_running_and_an_admin_may_enrol_in_an_ended_one(client, ctx):
    """The shipped presets (2011–2012, 2021–2022) and last year's copy are not offered for a new enrolment; one
    posted all the same is refused beside the field. An admin still enrols a community in an ended program, and
    an enrolment in one stays judged on the panel (county QA, L6)."""
    setup = enrolled()  # in a copy over the past school year: still shown and judged
    presets = [preset("plc-100"), preset("urc")]
    ended = program_copy()
    running = running_copy()
    client.login(setup.club.convener)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    offered = re.findall(r'<option value="(\d+)"', panel.split('id="enrol"')[1])
    assert offered == [str(running.id)]
    assert f'id="enrollment-{setup.enrollment.id}"' in panel  # the enrolment in an ended program stays
    refused = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": ended.id, "approved_amount": "100"})
    html = _text(refused)
    assert refused.status_code == 422 and 'id="program_id-error"' in html and "ended on" in html
    assert db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == ended.id)) is None
    admin = make_user(is_admin=True)
    client.login(admin)
    panel = _text(client.get(f"/c/{setup.slug}/compliance/"))
    offered = re.findall(r'<option value="(\d+)">([^<]*)', panel.split('id="enrol"')[1])
    assert {int(value) for value, _ in offered} == {running.id, ended.id, *(p.id for p in presets)}
    assert all(("ended" in label) == (int(value) != running.id) for value, label in offered)
    answer = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": ended.id, "approved_amount": "100"})
    assert answer.status_code == 302
    assert db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == ended.id)) is not None


def test_when_nothing_is_running_the_panel_says_why_nothing_is_offered(client, ctx):
    setup = enrolled()
    program_copy()  # ended
    client.login(setup.club.convener)
    enrol = _text(client.get(f"/c/{setup.slug}/compliance/")).split('id="enrol"')[1]
    assert 'name="program_id"' not in enrol and "whose period has ended takes no new enrolments" in enrol


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_the_burn_up_chart_says_its_figures_with_the_rules_counter_and_no_spaces_around_dates(client, ctx, locale):
    """"目標是2026年7月31日前辦理18次", not "目標是 2026年7月31日 前辦理 18 場": the counter word of the rules below
    it (次), and no spaces between Chinese text and its dates and numbers (county QA, L8)."""
    setup = enrolled(first=dt.date.today() - dt.timedelta(days=200), last=dt.date.today() + dt.timedelta(days=165))
    setup.activity(dt.date.today() - dt.timedelta(days=10))
    reader = make_user(locale=locale)
    add_member(setup.club.community, reader)
    client.login(reader)
    html = _text(client.get(f"/c/{setup.slug}/compliance/"))
    chart = html.split('class="burn-up"')[1].split("</figure>")[0]
    label = re.search(r'<svg class="chart"[^>]*aria-label="([^"]+)"', chart).group(1)
    words = [label, *re.findall(r"<title>([^<]+)</title>", chart),
             *re.findall(r"<td>([^<]+)</td>", chart.split('class="burn-up-figures"')[1])]
    last = setup.program.last_day
    assert f"{last.year}年{last.month}月{last.day}日前" in label and "18次" in label
    for text in words:
        assert "場" not in text and "场" not in text, text
        assert not re.search(r"[\u4e00-\u9fff：，（] [0-9]|[0-9日] [\u4e00-\u9fff]", text), text


@pytest.mark.parametrize("what", ["book", "deliverable"])
def test_a_title_or_deliverable_taken_off_twice_says_it_is_already_off(client, ctx, what):
    """A second tab or the back button: the second removal is answered as done, not as a missing page."""
    from workspace.compliance.models import BookListItem, Deliverable
    from workspace.compliance.services import review

    setup = enrolled()
    if what == "book":
        item = budget.add_book(setup.enrollment, "教學觀察", "", "觀課的依據", setup.club.convener)
        url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/books/{item.id}/remove"
        already, model = "The title is already off the book list.", BookListItem
    else:
        item = review.mark_done(setup.enrollment, "application", dt.date(2026, 7, 20), "", setup.club.convener)
        url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/deliverables/{item.id}/remove"
        already, model = "The deliverable is already no longer marked done.", Deliverable
    db.session.commit()
    client.login(setup.club.convener)
    first = client.post_form(url)
    assert first.status_code == 302
    db.session.expire_all()
    removed_at = db.session.get(model, item.id).deleted_at
    second = client.post_form(url)
    assert second.status_code == 302 and second.location == first.location
    assert already in _text(client.get(second.location))
    db.session.expire_all()
    assert db.session.get(model, item.id).deleted_at == removed_at
    member = make_user()
    add_member(setup.club.community, member)
    client.logout().login(member)  # a plain member never could: still refused
    assert client.post_form(url).status_code == 403


def _field_messages(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</', html, re.S)
    return found.group(1).strip() if found else ""


@pytest.mark.parametrize(("values", "field", "said"), [
    ({"hours": "999999999"}, "hours", "Field cannot be longer than 8 characters."),
    ({"activity_id": "abc"}, "activity_id", None),
    ({"activity_id": "-1"}, "activity_id", None),
    ({"spent_on": "9999-12-31"}, "spent_on", "Give a date between 1900 and 2200."),
    ({"spent_on": "民國999年1月1日"}, "spent_on", "Give a date between 1900 and 2200."),
])
def test_a_refused_expense_field_says_one_thing(client, ctx, values, field, said):
    """One message per field (no "Not a valid choice. Choose an activity from the list."), and a date that exists
    outside the accepted years is told the years, not that it does not exist."""
    setup = enrolled()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses", _expense(**values))
    assert response.status_code == 422
    shown = _field_messages(_text(response), field)
    assert shown and shown.count(".") == 1, shown
    if said is not None:
        assert shown == said


def test_confirming_a_confirmed_enrolment_keeps_who_confirmed_it_and_says_so(client, ctx):
    """A second tab or a second reviewer: nothing is rewritten, and the page says who confirmed it and when."""
    from workspace.core.models import AuditEvent

    setup = enrolled(confirmed=False)
    school = setup.club.community.schools[0]
    first, second = make_reviewer(school), make_reviewer(school)
    first.display_name = "許文彬"
    db.session.commit()
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/confirm"
    client.login(first)
    assert client.post_form(url).status_code == 302
    db.session.expire_all()
    confirmed = db.session.get(Enrollment, setup.enrollment.id)
    kept = (confirmed.confirmed_by_id, confirmed.confirmed_at)
    assert kept[0] == first.id
    client.logout().login(second)
    again = client.post_form(url)
    assert again.status_code == 302
    assert "The enrolment was already confirmed by 許文彬 on" in _text(client.get(again.location))
    db.session.expire_all()
    confirmed = db.session.get(Enrollment, setup.enrollment.id)
    assert (confirmed.confirmed_by_id, confirmed.confirmed_at) == kept
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "enrollment.confirmed")) == 1
    member = make_user()
    add_member(setup.club.community, member)
    client.logout().login(member)  # never could confirm: still refused
    assert client.post_form(url).status_code == 403


def test_a_pairs_private_activity_counts_on_the_panel_but_is_named_only_to_those_who_see_the_pairings(client, ctx):
    """A pair's meeting recorded by mentoring counts for the activities rule; its gap (no photo) is told to a
    reviewer without the title that names the new teacher, and without a link to a page they may not open."""
    from workspace.activities import services as activities

    setup = enrolled()
    club = setup.club
    day = PAST_FIRST + dt.timedelta(days=30)
    starts = dt.datetime.combine(day, dt.time(15, 0))
    meeting = activities.record_activity(club.community, activities.ActivityFields(
        title="新進教師輔導：吳老師", method="new_teacher_mentoring", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1)), actor=club.convener, present=[club.member.id], private=True)
    db.session.commit()
    client.login(make_reviewer(club.community.schools[0]))
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert "a mentoring record kept to the pair" in page  # the gap is there, counted, not named
    assert "新進教師輔導：吳老師" not in page and f"/activities/{meeting.id}\"" not in page
    client.login(club.convener)
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    # The convener opens it from the panel; the records (and so the reports) call it by a neutral name.
    assert f"/activities/{meeting.id}\"" in page and "新進教師輔導：吳老師" not in page


def test_a_trashed_expense_says_what_it_was_for_and_each_rows_buttons_name_their_expense(client, ctx):
    """QA: the trash listed "date · category · amount" only (two 3,200 fees could not be told apart), and every
    row's Edit and Move to the trash read the same to a screen reader."""
    setup = enrolled()
    client.login(setup.club.convener)
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    for description in ("講義", "學習單"):
        assert client.post_form(f"{base}/expenses", _expense(description=description)).status_code == 302
    page = _text(client.get(f"{base}/budget"))
    assert re.search(r'Edit<span class="visually-hidden"> · [^<]* · <span lang="zh-Hant">講義</span> · '
                     r'NT\$180</span></a>', page)
    assert re.search(r'Move to the trash<span class="visually-hidden"> · [^<]* · <span lang="zh-Hant">學習單</span> · '
                     r'NT\$180</span>', page)
    expense = db.session.scalar(db.select(Expense).where(Expense.description == "講義"))
    assert client.post_form(f"{base}/expenses/{expense.id}/trash", {}).status_code == 302
    trash = _text(client.get(f"{base}/budget")).split('id="trash-title"')[1]
    assert "講義" in trash and 'Paid to <span lang="zh-Hant">影印店</span>' in trash and "學習單" not in trash


def test_a_budget_rule_lists_the_expenses_it_counted(client, ctx):
    """QA: only activities were listed under "Records that count": a budget rule's figure (NT$180 of …) named no
    expense. It lists each, with its day, payee and amount, linked to the budget page."""
    setup = enrolled()
    client.login(setup.club.convener)
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    assert client.post_form(f"{base}/expenses", _expense(payee="光華影印店", description="講義")).status_code == 302
    page = _text(client.get(f"/c/{setup.slug}/compliance/"))
    assert re.search(r'<a href="[^"]*/budget#expenses">[^<]* · <span lang="zh-Hant">光華影印店</span> · '
                     r'NT\$180</a>', page)


def test_a_confirmed_enrolment_names_who_confirmed_it_for_the_convener_to_ask(client, ctx):
    """QA 13: the panel said "ask the reviewer who confirmed it" when the site administrator had confirmed it, and
    the school had no reviewer. It names who confirmed it, and as what."""
    setup = enrolled(confirmed=False)
    admin = make_user(is_admin=True, display_name="資訊組 林老師")
    compliance_services.confirm(setup.enrollment, admin)
    db.session.commit()
    client.login(setup.club.convener)
    html = unescape(_text(client.get(f"/c/{setup.slug}/compliance/")))
    assert "confirmed by 資訊組 林老師, a site administrator: to withdraw from the program, ask them." in html
    assert "ask the reviewer who confirmed it" not in html
    second = enrolled("second", confirmed=False)
    reviewer = make_reviewer(second.club.community.schools[0], display_name="教育處 王主任")
    compliance_services.confirm(second.enrollment, reviewer)
    db.session.commit()
    client.login(second.club.convener)
    html = unescape(_text(client.get(f"/c/{second.slug}/compliance/")))
    assert ("confirmed by 教育處 王主任, a reviewer: to withdraw from the program, ask them or a site administrator"
            in html)
    db.session.delete(reviewer)  # an account deleted since: nobody to name
    db.session.commit()
    html = unescape(_text(client.get(f"/c/{second.slug}/compliance/")))
    assert "ask a site administrator or a reviewer of the community's school" in html


def test_withdrawing_while_a_submission_is_under_review_is_refused_with_the_reason(client, ctx):
    from tests.compliance.helpers import judge
    from tests.factories import make_reviewer
    from workspace.compliance.services import review

    setup = enrolled()
    review.submit(judge(setup), "請審查", setup.club.convener)
    db.session.commit()
    client.login(make_reviewer(None))
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/withdraw", follow_redirects=True)
    assert "is with the reviewers" in _text(response)
    db.session.expire_all()
    assert setup.enrollment.withdrawn_at is None


def test_a_materials_expense_without_a_book_list_is_kept_and_the_list_asked_for_at_once(client, ctx):
    """QA: with the book list emptied after a first purchase, a second was saved with no word (the missing list
    was no new breach); the panel only later turned the materials rule red. Kept, and the list asked for now."""
    setup = enrolled()
    book = budget.add_book(setup.enrollment, "學習共同體", "佐藤學", "共讀書目", setup.club.convener)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("materials", PAST_FIRST, 300), setup.club.convener)
    budget.remove_book(book, setup.club.convener)
    db.session.commit()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    saved = client.post_form(url, _expense(category="materials", amount="500", payee="書局", description="共讀書"))
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#books")
    page = _text(client.get(saved.headers["Location"]))
    assert "The program asks for a book list with Materials (books and media)" in page
    budget.add_book(setup.enrollment, "教學的勇氣", "", "共讀", setup.club.convener)
    db.session.commit()
    again = client.post_form(url, _expense(category="materials", amount="300", payee="書局"))
    assert again.status_code == 302 and again.headers["Location"].endswith("#expenses")


def test_an_expense_kept_claimable_before_its_cap_was_lowered_is_marked_on_its_row(client, ctx):
    """QA: the panel named such an expense, but its row on the ledger looked like every other claimable one."""
    setup = enrolled()
    budget.add_expense(setup.enrollment, budget.ExpenseFields("external_speaker_hourly", PAST_FIRST, 3_200, hours=2,
                                                              payee="林講師", description="閱讀理解研習"),
                       setup.club.convener)
    within = budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                                setup.club.convener)
    db.session.commit()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    assert "Breaks a cap now" not in _text(client.get(url))
    definition = json.loads(json.dumps(setup.program.definition))
    for rule in definition["rules"]:
        if rule["id"] == "plc.budget.external_hourly":
            rule["per_hour_max"] = 1_500  # the funder lowered it after the fee was paid
    setup.program.definition = definition
    db.session.commit()
    page = _text(client.get(url))
    assert page.count("Breaks a cap now") == 1
    row = page.split("閱讀理解研習", 1)[1].split("</tr>", 1)[0]
    assert "Breaks a cap now" in row and "NT$1,600" in row and "NT$1,500" in row
    assert "Change it, or mark it not claimable." in row
    other = page.split(f"/expenses/{within.id}/edit", 1)[0].rsplit("<tr", 1)[1]
    assert "Breaks a cap now" not in other
    assert budget.ledger(setup.enrollment).breaking.keys() == {
        expense.id for expense in budget.expenses_of(setup.enrollment) if expense.category == "external_speaker_hourly"}


def test_a_reviewer_decides_from_the_as_submitted_page_and_only_a_reviewer_sees_the_form(client, ctx):
    """QA: the page a reviewer reads before deciding had no decision: back to the panel, find the round."""
    setup = enrolled()
    reviewer = make_reviewer(setup.club.community.schools[0])
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "請審查"}).status_code == 302
    submission_id = re.search(r"/submissions/(\d+)\"", _text(client.get(f"/c/{setup.slug}/compliance/"))).group(1)
    page = _text(client.get(f"{base}/submissions/{submission_id}"))
    assert "/decide" not in page and "Your decision" not in page  # the convener reads it, does not decide it
    client.login(reviewer)
    page = _text(client.get(f"{base}/submissions/{submission_id}"))
    # The page's form posts to the page's own address (a refusal comes back there: see the test below).
    assert f'action="{base}/submissions/{submission_id}"' in page and "Return with comments" in page
    assert client.post_form(f"{base}/submissions/{submission_id}",
                            {"decision": "approve", "comment": ""}).status_code == 302
    page = _text(client.get(f"{base}/submissions/{submission_id}"))
    assert "Your decision" not in page and "Approved by the reviewers" in page  # decided: the form is gone


def test_a_decision_refused_on_the_as_submitted_page_comes_back_on_that_page_at_its_address(client, ctx):
    """QA13 #2: a Return without a comment sent from the "As submitted" page answered with the whole panel (its
    chart, its 18 rules) under the page's address; so did a decision another reviewer had made meanwhile."""
    setup = enrolled()
    first, second = (make_reviewer(setup.club.community.schools[0]) for _ in range(2))
    base = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.login(setup.club.convener)
    assert client.post_form(f"{base}/submit", {"note": "請審查"}).status_code == 302
    submission_id = db.session.scalar(select(Submission.id).filter_by(enrollment_id=setup.enrollment.id))
    page_address = f"{base}/submissions/{submission_id}"
    client.login(first)
    boosted = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"http://localhost{page_address}"}
    refused = client.post_form(page_address, {"decision": "return", "comment": ""}, headers=boosted)
    assert refused.status_code == 422 and refused.headers.get("HX-Push-Url") == "false"
    html = _text(refused)
    assert "As submitted on" in html and "Submissions to the reviewers" not in html  # not the panel
    assert f'action="{page_address}"' in html
    assert re.search(r'<textarea id="decision-comment-\d+" name="comment" rows="3" maxlength="4000" '
                     r'aria-invalid="true" aria-describedby="decision-comment-\d+-error">', html)
    assert "Say what the convener should change" in html.split('id="decide"', 1)[1]
    too_long = client.post_form(page_address, {"decision": "return", "comment": "補" * 4001})
    assert too_long.status_code == 422 and "補" * 4001 in _text(too_long)  # the typed text, given back

    assert client.post_form(page_address, {"decision": "approve"}).status_code == 302
    client.login(second)
    late = client.post_form(page_address, {"decision": "return", "comment": "我的審查意見很長很重要"}, headers=boosted)
    assert late.status_code == 409 and late.headers.get("HX-Push-Url") == "false"
    html = _text(late)
    assert "As submitted on" in html and "Submissions to the reviewers" not in html
    decided = html.split('id="decide"', 1)[1]
    assert "This submission was already decided." in decided and "我的審查意見很長很重要" in decided
    assert db.session.get(Submission, submission_id).status == "approved"  # the first decision stands


def test_an_amount_typed_in_another_currency_is_refused_beside_its_field_with_the_text_kept(client, ctx):
    """QA: ¥30000 typed as the approved amount of an NT$ program was kept as NT$30,000; so was an expense's."""
    setup = enrolled(confirmed=False, amount=50_000)
    other = running_copy()
    client.login(setup.club.convener)
    said = "This program counts in NT$: type the amount in NT$."
    enrol = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": other.id, "approved_amount": "¥30000"})
    assert enrol.status_code == 422
    assert said in _text(enrol) and 'value="¥30000"' in _text(enrol)
    assert db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == other.id)) is None
    field = f"enrollment-{setup.enrollment.id}-approved_amount"
    changed = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/amount", {field: "US$30000"})
    assert changed.status_code == 422 and said in _text(changed) and 'value="US$30000"' in _text(changed)
    db.session.refresh(setup.enrollment)
    assert setup.enrollment.approved_amount == 50_000
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    refused = client.post_form(url, _expense(amount="RMB180"))
    assert refused.status_code == 422 and said in _text(refused) and 'value="RMB180"' in _text(refused)
    assert budget.expenses_of(setup.enrollment) == []
    # The program's own signs are still read: NT$, TWD, 元 and $.
    for typed in ("NT$180", "TWD 180", "180元", "$180"):
        assert client.post_form(url, _expense(amount=typed)).status_code == 302, typed
    assert [expense.amount for expense in budget.expenses_of(setup.enrollment)] == [180] * 4


def test_a_yuan_program_refuses_nt_dollars_in_the_reader_s_language(client, ctx):
    setup = enrolled(confirmed=False)
    urc = running_copy("urc")
    client.login(setup.club.convener)
    setup.club.convener.locale = "zh_Hant"
    db.session.commit()
    response = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": urc.id,
                                                                      "approved_amount": "NT$30000"})
    assert response.status_code == 422
    html = _text(response)
    assert "本計畫以CN¥計價：請以CN¥輸入金額。" in html and 'value="NT$30000"' in html
    saved = client.post_form(f"/c/{setup.slug}/compliance/enrol", {"program_id": urc.id, "approved_amount": "¥300"})
    assert saved.status_code == 302
    assert db.session.scalar(db.select(Enrollment).where(Enrollment.program_id == urc.id)).approved_amount == 30_000


def _form_values(html: str) -> dict:
    """The expense form as the browser would send it back: each input's value and each select's selected option."""
    form = html[html.index('id="expense-form"'):]
    values = dict(re.findall(r'<input[^>]*\bname="(\w+)"[^>]*\bvalue="([^"]*)"', form))
    for name, options in re.findall(r'<select[^>]*\bname="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option[^>]*\bselected[^>]*\bvalue="([^"]*)"|<option[^>]*\bvalue="([^"]*)"[^>]*\bselected',
                           options)
        values[name] = (chosen.group(1) or chosen.group(2) or "") if chosen else ""
    values.pop("keep_unclaimable", None)
    return {key: unescape(value) for key, value in values.items()}


def test_saving_an_expense_of_a_cancelled_activity_keeps_its_link_and_the_ledger_asks_about_it(client, ctx):
    """QA: once its activity was cancelled, the expense's edit form showed (none), so saving it to attach the
    receipt dropped the link for good; nothing asked whether the expense was still claimable."""
    from workspace.activities import services as activities

    setup = enrolled()
    activity = setup.activity(PAST_FIRST + dt.timedelta(days=91))  # 31 October 2025
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    assert client.post_form(url, _expense(spent_on="2025-10-31", activity_id=str(activity.id))).status_code == 302
    expense = db.session.scalar(db.select(Expense))
    activities.cancel_activity(activity, "颱風停課", actor=setup.club.convener)
    db.session.commit()
    edit = _text(client.get(f"{url}/{expense.id}/edit"))
    option = re.search(rf'<option[^>]*value="{activity.id}"[^>]*>([^<]*)</option>', edit)
    assert option and "selected" in option.group(0) and option.group(1).endswith("(cancelled)")
    question = "The activity of Oct 31, 2025 was cancelled: is this expense still claimable?"
    assert question in unescape(edit)
    sent = _form_values(edit)
    assert sent["activity_id"] == str(activity.id)
    sent["receipt"] = (io.BytesIO(png_bytes()), "收據.png")
    saved = client.post_form(f"{url}/{expense.id}/edit", sent, content_type="multipart/form-data")
    assert saved.status_code == 302, _text(saved)
    db.session.refresh(expense)
    assert expense.activity_id == activity.id and expense.receipt_blob_id is not None
    panel = unescape(_text(client.get(f"/c/{setup.slug}/compliance/")))
    assert ('The activity of Oct 31, 2025 was cancelled: is the expense of Oct 31, 2025 to <span lang="zh-Hant">影印店'
            '</span> (NT$180) still claimable?') in panel
    # A new expense is not offered the cancelled activity.
    refused = client.post_form(url, _expense(activity_id=str(activity.id)))
    assert refused.status_code == 422 and 'id="activity_id-error"' in _text(refused)
    activities.reinstate_activity(activity, actor=setup.club.convener)
    db.session.commit()
    page = unescape(_text(client.get(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget")))
    assert "was cancelled" not in page
    db.session.refresh(expense)
    assert expense.activity_id == activity.id


def test_a_not_claimable_expense_says_what_the_caps_say_now_on_the_page_and_in_the_ledger(client, ctx):
    """QA: kept not claimable as NT$1,000 an hour over the NT$800 cap, it still said so after the cap was raised
    to NT$1,000, on the page and in the Excel ledger's note."""
    import json as json_module

    from workspace.exports import ledger as ledger_export

    setup = enrolled()
    client.login(setup.club.convener)
    url = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"
    over = _expense(category="internal_speaker_hourly", amount="2000", hours="2", keep_unclaimable="y")
    assert client.post_form(url, over).status_code == 302
    page = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    assert "Per-hour fee NT$1,000 &gt; cap NT$800." in _text(client.get(page))
    definition = json_module.loads(json_module.dumps(setup.program.definition))
    for rule in definition["rules"]:
        if rule["id"] == "plc.budget.internal_hourly":
            rule["per_hour_max"] = 1_000
    setup.program.definition = definition
    db.session.commit()
    html = _text(client.get(page))
    assert "cap NT$800" not in html and "Within the caps now: it can be marked claimable." in html
    book = ledger_export.ledger_xlsx(setup.enrollment, "en").data
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(book))["Expenses"]
    assert [cell.value for cell in sheet[2]][9] == "Within the caps now: it can be marked claimable."


@pytest.mark.parametrize(("locale", "first", "last"), [
    ("en", "Aug 1, 2026", "Jul 31, 2027"), ("zh_Hant", "2026年8月1日", "2027年7月31日"),
    ("zh_Hans", "2026年8月1日", "2027年7月31日")])
def test_the_burn_up_chart_s_axis_writes_its_days_as_the_rest_of_the_page(client, ctx, locale, first, last):
    """QA 10: the axis read 8/1/26 (a day/month to a Taiwanese reader) and 2026/8/1, where the line above it and
    every other date read Aug 1, 2026 and 2026年8月1日."""
    setup = enrolled(first=dt.date(2026, 8, 1), last=dt.date(2027, 7, 31))
    reader = make_user(locale=locale)
    add_member(setup.club.community, reader)
    client.login(reader)
    chart = _text(client.get(f"/c/{setup.slug}/compliance/")).split('class="burn-up"')[1].split("</svg>")[0]
    ticks = re.findall(r'<text [^>]*class="tick">([^<]+)</text>', chart)
    assert first in ticks and last in ticks, ticks
    assert not any(re.fullmatch(r"[0-9/]+", tick) and "/" in tick for tick in ticks), ticks


def test_the_programs_list_writes_a_period_as_the_panel_does(client, ctx):
    """QA 10: the admin's list read 2026年9月1日 – 2027年8月31日 where the panel and the report say …至…."""
    program_copy(first=dt.date(2026, 9, 1), last=dt.date(2027, 8, 31))
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    listing = _text(client.get("/admin/programs/"))
    assert "2026年9月1日至2027年8月31日" in listing
    assert "2026年9月1日 – 2027年8月31日" not in listing


@pytest.mark.parametrize("form", ["expenses", "books"])
def test_a_boosted_form_sent_after_the_login_ended_comes_back_to_its_page_not_to_a_405(client, ctx, form):
    """QA 12 #1: the expense form and the book list post to addresses with no page. After the login ended, the
    person was sent to log in with next=<that address>, and the boosted login then hit a 405 and stayed put."""
    setup = enrolled()
    client.login(setup.club.convener)
    page = f"http://{ctx.config['SERVER_NAME']}/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    client.logout()
    response = client.post(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/{form}",
                           data={"csrf_token": "from-the-old-session", "title": "過期書單"},
                           headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": page})
    assert response.status_code == 401
    login_page = response.headers["HX-Redirect"]
    budget_path = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    assert login_page == "/login?next=" + budget_path
    response = client.get(login_page)
    response = client.post_form("/login", {"email": setup.club.convener.email, "password": PASSWORD,
                                           "next": budget_path}, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 302 and response.headers["Location"] == budget_path
    assert client.get(budget_path).status_code == 200


@pytest.mark.parametrize("headers", [
    {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "https://evil.example/c/club/"},
    {"HX-Request": "true", "HX-Boosted": "true"},
    {},
])
def test_a_form_sent_after_the_login_ended_never_returns_to_another_site_or_a_post_only_address(client, ctx, headers):
    setup = enrolled()
    response = client.post(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses",
                           data={"csrf_token": "old"}, headers=headers)
    login_page = response.headers.get("HX-Redirect") or response.headers["Location"]
    assert login_page.endswith("/login?next=/"), login_page


def test_logging_in_with_a_next_that_is_no_page_goes_to_the_communities(client, ctx):
    setup = enrolled()
    response = client.post_form("/login", {"email": setup.club.convener.email, "password": PASSWORD,
                                           "next": f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses"})
    # Not the POST-only address (a 405 there): the communities, the home page (communities.index is /).
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_served_under_a_sub_path_the_lost_login_comes_back_to_the_page_under_it(client, ctx):
    """Review 12 #1: under /plc the return address kept its script root while the routes were matched without it,
    so every real page was refused and the teacher landed on the host's root, outside the app."""
    setup = enrolled()
    mounted = f"http://{ctx.config['SERVER_NAME']}/plc"
    budget = f"/plc/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    response = client.post(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses", base_url=mounted,
                           data={"csrf_token": "old"},
                           headers={"HX-Request": "true", "HX-Boosted": "true",
                                    "HX-Current-URL": f"http://{ctx.config['SERVER_NAME']}{budget}"})
    assert response.headers["HX-Redirect"] == "/plc/login?next=" + budget
    plain = client.get(f"/c/{setup.slug}/", base_url=mounted)
    assert plain.headers["Location"].endswith(f"/plc/login?next=/plc/c/{setup.slug}/")
    client.get("/plc/login", base_url=mounted)
    for asked, landed in ((budget, budget), (budget.replace("/budget", "/expenses"), "/plc/"),
                          (f"/c/{setup.slug}/", "/plc/")):  # outside the script root: no page of this app
        response = client.post_form("/login", {"email": setup.club.convener.email, "password": PASSWORD,
                                               "next": asked}, base_url=mounted)
        assert response.status_code == 302 and response.headers["Location"] == landed, asked
        client.logout()
