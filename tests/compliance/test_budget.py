"""The budget ledger on a real database: expenses checked against PLC-100's caps before they are kept, kept not
claimable on purpose, receipts, the trash, the book list and the totals."""

from __future__ import annotations

import datetime as dt
import io

import flask_babel
import pytest

from tests.compliance.helpers import PAST_FIRST, PAST_LAST, enrolled, judge, result
from tests.factories import make_user
from tests.media import png_bytes
from workspace.compliance import services
from workspace.compliance.models import Expense
from workspace.compliance.services import budget
from workspace.core.errors import Conflict, ValidationError
from workspace.core.storage import store_upload
from workspace.extensions import db

DAY = PAST_FIRST + dt.timedelta(days=40)


def _fields(category: str, amount: int, **values) -> budget.ExpenseFields:
    return budget.ExpenseFields(category=category, spent_on=values.pop("spent_on", DAY), amount=amount, **values)


def test_an_expense_within_its_caps_is_kept_and_counted(ctx):
    setup = enrolled(amount=30_000)
    expense = budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 3200, hours=2,
                                                           payee="林教授"), setup.club.convener)
    db.session.commit()
    assert expense.claimable and expense.breaches == []
    ledger = budget.ledger(setup.enrollment)
    assert (ledger.approved, ledger.spent, ledger.remaining) == (30_000, 3200, 26_800)
    line = next(line for line in ledger.lines if line.key == "external_speaker_hourly")
    assert (line.claims, line.claimable, line.hours) == (1, 3200, 2)


def test_a_fee_above_the_hourly_cap_is_refused_with_the_rule_and_its_numbers(ctx):
    setup = enrolled()
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 3600, hours=2),
                           setup.club.convener)
    breach = refused.value.breaches[0]
    assert breach.rule_id == "plc.budget.external_hourly" and breach.code == "per_hour"
    assert refused.value.field == "amount"
    assert budget.expenses_of(setup.enrollment) == []


def test_a_refused_expense_kept_on_purpose_is_not_claimable_and_stays_out_of_the_total(ctx):
    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 3600, hours=2,
                                                           keep_unclaimable=True), setup.club.convener)
    db.session.commit()
    assert not expense.claimable
    assert expense.breaches[0]["rule_id"] == "plc.budget.external_hourly"
    ledger = budget.ledger(setup.enrollment)
    assert (ledger.spent, ledger.not_claimable) == (0, 3600)


def test_the_third_claim_of_a_speaker_fee_is_refused(ctx):
    setup = enrolled()
    for _ in range(2):
        budget.add_expense(setup.enrollment, _fields("external_speaker_intro", 1000), setup.club.convener)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("external_speaker_intro", 500), setup.club.convener)
    assert refused.value.breaches[0].code == "claims"


def test_sundries_at_six_percent_pass_and_above_it_are_refused(ctx):
    setup = enrolled()
    budget.add_expense(setup.enrollment, _fields("printing_materials", 200), setup.club.convener)
    budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 4800, hours=3), setup.club.convener)
    # operating costs other than sundries: 5,000; 6 % of it is 300
    budget.add_expense(setup.enrollment, _fields("sundries", 300), setup.club.convener)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("sundries", 1), setup.club.convener)
    assert refused.value.breaches[0].rule_id == "plc.budget.sundries"


def test_an_expense_outside_the_period_a_negative_amount_or_an_unknown_category_is_refused(ctx):
    setup = enrolled()
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_materials", 100,
                                                     spent_on=PAST_LAST + dt.timedelta(days=1)), setup.club.convener)
    assert refused.value.breaches[0].code == "outside_period"
    with pytest.raises(ValidationError) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_materials", -5), setup.club.convener)
    assert refused.value.field == "amount"
    with pytest.raises(ValidationError) as refused:
        budget.add_expense(setup.enrollment, _fields("champagne", 100), setup.club.convener)
    assert refused.value.field == "category"
    with pytest.raises(ValidationError) as refused:
        budget.add_expense(setup.enrollment, _fields("refreshments", 100, persons=0), setup.club.convener)
    assert refused.value.field == "persons"


def test_materials_need_a_book_list_with_each_title_s_relevance(ctx):
    setup = enrolled()
    with pytest.raises(ValidationError) as refused:
        budget.add_book(setup.enrollment, "學習共同體", "佐藤學", "  ", setup.club.convener)
    assert refused.value.field == "relevance"
    book = budget.add_book(setup.enrollment, "學習共同體", "佐藤學", "本社群推動學習共同體的共讀書目",
                           setup.club.convener)
    db.session.commit()
    assert [item.title for item in budget.books_of(setup.enrollment)] == ["學習共同體"]
    budget.remove_book(book, setup.club.convener)
    db.session.commit()
    assert budget.books_of(setup.enrollment) == []


def test_a_receipt_must_be_a_picture_or_a_document(ctx):
    setup = enrolled()
    photo = store_upload(io.BytesIO(png_bytes()), "receipt.png")
    budget.check_receipt(photo)
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150), setup.club.convener,
                                 receipt=photo)
    db.session.commit()
    assert expense.receipt_filename == "receipt.png" and expense.receipt_blob_id is not None
    notes = store_upload(io.BytesIO("只是一段文字".encode()), "notes.txt")  # stored by the library, not a receipt
    with pytest.raises(ValidationError) as refused:
        budget.check_receipt(notes)
    assert refused.value.field == "receipt"


def test_the_trash_takes_an_expense_out_of_the_ledger_and_gives_it_back(ctx):
    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150), setup.club.convener)
    db.session.commit()
    budget.trash_expense(expense, setup.club.convener)
    db.session.commit()
    assert budget.ledger(setup.enrollment).spent == 0
    assert budget.expenses_of(setup.enrollment, trashed=True) == [expense]
    budget.trash_expense(expense, setup.club.convener, restore=True)
    db.session.commit()
    assert budget.ledger(setup.enrollment).spent == 150


def test_an_expense_brought_back_where_there_is_no_room_comes_back_not_claimable(client, ctx):
    """Two speaker fees are the cap: a third added while one is in the trash takes its place, so the one brought
    back is kept, marked not claimable with the reason, and the page says so."""
    setup = enrolled()
    first, _second = (budget.add_expense(setup.enrollment, _fields("external_speaker_intro", 1000),
                                         setup.club.convener) for _ in range(2))
    db.session.commit()
    assert budget.trash_expense(first, setup.club.convener) == []
    budget.add_expense(setup.enrollment, _fields("external_speaker_intro", 800), setup.club.convener)
    db.session.commit()
    client.login(setup.club.convener)
    response = client.post_form(f"/c/{setup.slug}/compliance/{setup.enrollment.id}/expenses/{first.id}/trash"
                                "?restore=1", {}, follow_redirects=True)
    assert "marked not claimable" in response.get_data(as_text=True)
    db.session.expire_all()
    restored = db.session.get(Expense, first.id)
    assert restored.deleted_at is None and not restored.claimable
    assert [breach["code"] for breach in restored.breaches] == ["claims"]
    assert budget.ledger(setup.enrollment).spent == 1800  # the two claimable ones, within the cap


def test_a_stale_edit_is_refused_and_an_edit_is_checked_again(ctx):
    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("refreshments", 200, persons=10), setup.club.convener)
    db.session.commit()
    with pytest.raises(budget.BudgetRefused):  # 30 a person
        budget.update_expense(expense, _fields("refreshments", 300, persons=10), setup.club.convener, version=1)
    budget.update_expense(expense, _fields("refreshments", 180, persons=9), setup.club.convener, version=1)
    db.session.commit()
    assert (expense.amount, expense.version) == (180, 2)
    with pytest.raises(Conflict):
        budget.update_expense(expense, _fields("refreshments", 100, persons=9), setup.club.convener, version=1)


def test_the_panel_asks_for_a_missing_receipt_until_one_is_attached(ctx):
    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150), setup.club.convener)
    db.session.commit()
    earmarked = result(judge(setup), "plc.budget.earmarked")
    assert earmarked.status == "not_met"
    assert [(gap.code, gap.params["expense_id"]) for gap in earmarked.gaps] == [("budget_missing_receipt", expense.id)]
    budget.update_expense(expense, _fields("printing_materials", 150), setup.club.convener, version=1,
                          receipt=store_upload(io.BytesIO(png_bytes()), "receipt.png"))
    db.session.commit()
    assert result(judge(setup), "plc.budget.earmarked").status == "met"


def test_an_expense_that_takes_claimable_spending_past_the_approved_amount_is_refused_with_the_numbers(ctx):
    setup = enrolled(amount=3_000)
    budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 2_400, hours=1.5), setup.club.convener)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("speaker_travel", 800), setup.club.convener)
    breach = next(found for found in refused.value.breaches if found.code == "over_approved")
    assert breach.params == {"approved": 3_000, "claimable": 2_400, "amount": 800, "total": 3_200}
    assert refused.value.field == "amount"
    assert "NT$3,000" in str(refused.value.message) and "NT$2,400" in str(refused.value.message)
    kept = budget.add_expense(setup.enrollment, _fields("speaker_travel", 800, keep_unclaimable=True),
                              setup.club.convener)
    assert not kept.claimable and [breach["code"] for breach in kept.breaches] == ["over_approved"]
    up_to = budget.add_expense(setup.enrollment, _fields("speaker_travel", 600), setup.club.convener)
    assert up_to.claimable  # up to the approved amount exactly


def test_a_lowered_approved_amount_is_kept_and_no_more_claimable_spending_is_accepted(ctx):
    setup = enrolled(amount=10_000)
    first = budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 3_200, hours=2),
                               setup.club.convener)
    budget.add_expense(setup.enrollment, _fields("printing_materials", 200), setup.club.convener)
    assert services.change_amount(setup.enrollment, 2_000, make_user(is_admin=True)) == 3_400
    db.session.commit()
    ledger = budget.ledger(setup.enrollment)
    assert (ledger.approved, ledger.remaining, ledger.over_approved) == (2_000, -1_400, 1_400)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_materials", 200), setup.club.convener)
    assert [breach.code for breach in refused.value.breaches] == ["over_approved"]
    # an edit that does not raise the claimable total is not refused for an overrun it did not make
    budget.update_expense(first, _fields("external_speaker_hourly", 3_000, hours=2, payee="林教授"),
                          setup.club.convener, version=first.version)
    assert first.claimable


def test_an_approved_amount_of_0_holds_no_ceiling_only_the_caps(ctx):
    setup = enrolled(amount=0)
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 200), setup.club.convener)
    assert expense.claimable and budget.ledger(setup.enrollment).over_approved == 0
    with pytest.raises(budget.BudgetRefused):  # the caps still hold
        budget.add_expense(setup.enrollment, _fields("printing_materials", 300), setup.club.convener)


def test_the_help_follows_the_program_s_categories(ctx):
    plc = enrolled()
    needs = budget.needs(plc.enrollment)  # in the reader's language: the preset names each category in English too
    assert needs.hourly == ("External speaker hourly fee", "Internal speaker hourly fee")
    assert needs.per_person == ("Refreshments",) and needs.book_list == ("Materials (books and media)",)
    with flask_babel.force_locale("zh_Hant"):
        needs = budget.needs(plc.enrollment)
    assert needs.hourly == ("外聘講座鐘點費", "內聘講座鐘點費") and needs.per_person == ("膳食費（茶水費）",)
    assert needs.book_list == ("資料蒐集費",)
    urc = enrolled("urc-club", key="urc", amount=0)
    assert budget.categories(urc.enrollment) == [] and budget.needs(urc.enrollment) == budget.Needs()


def test_an_expense_within_its_caps_may_be_marked_not_claimable_and_claimable_again(ctx):
    """After the approved amount was lowered, the convener sets an expense aside that breaks no cap."""
    setup = enrolled(amount=10_000)
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 200), setup.club.convener)
    services.change_amount(setup.enrollment, 100, make_user(is_admin=True))
    db.session.commit()
    assert budget.ledger(setup.enrollment).over_approved == 100
    budget.update_expense(expense, _fields("printing_materials", 200, keep_unclaimable=True), setup.club.convener,
                          version=expense.version)
    db.session.commit()
    assert not expense.claimable and expense.breaches == []
    ledger = budget.ledger(setup.enrollment)
    assert (ledger.spent, ledger.not_claimable, ledger.over_approved) == (0, 200, 0)
    with pytest.raises(budget.BudgetRefused):  # claimable again: checked against the approved amount
        budget.update_expense(expense, _fields("printing_materials", 200), setup.club.convener,
                              version=expense.version)


def test_a_refused_results_report_printing_states_one_total_and_each_cap_once(ctx):
    """One NT$900 claim recorded, NT$1,600 more (dated earlier) refused: the running totals along the days
    (1,600 then 2,500) would each name the NT$1,500 cap; the refusal says the one total it makes."""
    setup = enrolled()
    budget.add_expense(setup.enrollment, _fields("printing_report", 900), setup.club.convener)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_report", 1_600, spent_on=DAY - dt.timedelta(days=9)),
                           setup.club.convener)
    breaches = sorted((breach.code, breach.params) for breach in refused.value.breaches)
    assert breaches == [("claims", {"claims": 2, "cap": 1}),
                        ("range_high", {"total": 2_500, "cap": 1_500, "already": 900, "amount": 1_600})]
    message = str(refused.value.message)
    assert message == ("The total of NT$2,500 (NT$900 already claimed and this NT$1,600) is over the cap of "
                       "NT$1,500. Claim 2 of at most 1.")
    assert message.count("NT$1,500") == 1


def test_a_total_and_a_range_with_the_same_top_name_the_cap_once(ctx):
    setup = enrolled()
    document = services.copy_document(setup.program)
    for rule in document["rules"]:
        if rule["id"] == "plc.budget.printing_report":
            rule["total_max"] = 1_500
    services.update_program(setup.program, document, None, version=setup.program.version)
    db.session.commit()
    budget.add_expense(setup.enrollment, _fields("printing_report", 1_000), setup.club.convener)
    with pytest.raises(budget.BudgetRefused) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_report", 1_000), setup.club.convener)
    assert [breach.code for breach in refused.value.breaches if breach.code != "claims"] == ["total"]


def test_an_expense_dated_after_today_is_refused_beside_its_date(ctx):
    setup = enrolled(first=PAST_FIRST, last=dt.date(2027, 7, 31))
    today = dt.date(2026, 12, 3)
    with pytest.raises(ValidationError) as refused:
        budget.add_expense(setup.enrollment, _fields("printing_materials", 100, spent_on=dt.date(2027, 6, 20)),
                           setup.club.convener, today=today)
    assert refused.value.field == "spent_on" and "once it is paid" in str(refused.value.message)
    kept = budget.add_expense(setup.enrollment, _fields("printing_materials", 100, spent_on=today),
                              setup.club.convener, today=today)
    with pytest.raises(ValidationError):
        budget.update_expense(kept, _fields("printing_materials", 100, spent_on=today + dt.timedelta(days=1)),
                              setup.club.convener, version=kept.version, today=today)


def test_a_claimable_expense_over_a_cap_lowered_since_takes_its_receipt(ctx):
    """QA: filing the receipt of a fee paid under the old cap was refused as over the new one, so the evidence pack
    could never hold it. An edit that leaves what the caps judge unchanged makes no breach; changing the amount
    still does."""
    import json

    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("external_speaker_hourly", 3_200, hours=2, payee="林講師"),
                                 setup.club.convener)
    db.session.commit()
    definition = json.loads(json.dumps(setup.program.definition))
    for rule in definition["rules"]:
        if rule["id"] == "plc.budget.external_hourly":
            rule["per_hour_max"] = 1_500
    setup.program.definition = definition
    db.session.commit()
    receipt = store_upload(io.BytesIO(png_bytes()), "收據.png")
    budget.update_expense(expense, _fields("external_speaker_hourly", 3_200, hours=2, payee="林講師（師大）"),
                          setup.club.convener, version=expense.version, receipt=receipt)
    db.session.commit()
    assert expense.claimable and expense.receipt_blob_id is not None and expense.payee == "林講師（師大）"
    assert budget.ledger(setup.enrollment).breaking[expense.id]  # still marked on the ledger
    with pytest.raises(budget.BudgetRefused):
        budget.update_expense(expense, _fields("external_speaker_hourly", 3_100, hours=2), setup.club.convener,
                              version=expense.version)


def _set_cap(setup, rule_id: str, key: str, value: int) -> None:
    """Change one figure of the enrolment's program, as the admin's figures form does."""
    import json

    definition = json.loads(json.dumps(setup.program.definition))
    for rule in definition["rules"]:
        if rule["id"] == rule_id:
            rule[key] = value
    setup.program.definition = definition
    db.session.commit()


def test_an_expense_kept_not_claimable_is_judged_again_by_the_caps_as_they_are_now(ctx):
    """QA: refused as NT$1,000 an hour over the NT$800 cap and kept not claimable, it still said so after the cap
    was raised to NT$1,000; nothing said it could now be claimed."""
    from workspace.compliance import wording

    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("internal_speaker_hourly", 2_000, hours=2,
                                                           keep_unclaimable=True), setup.club.convener)
    db.session.commit()
    with flask_babel.force_locale("en"):
        ledger = budget.ledger(setup.enrollment)
        assert [breach.code for breach in ledger.if_claimed[expense.id]] == ["per_hour"]
        assert wording.not_claimable_reasons(expense, ledger) == ["Per-hour fee NT$1,000 > cap NT$800."]
        _set_cap(setup, "plc.budget.internal_hourly", "per_hour_max", 900)  # raised, not enough: today's numbers
        assert wording.not_claimable_reasons(expense, budget.ledger(setup.enrollment)) == [
            "Per-hour fee NT$1,000 > cap NT$900."]
        _set_cap(setup, "plc.budget.internal_hourly", "per_hour_max", 1_000)
        ledger = budget.ledger(setup.enrollment)
        assert ledger.if_claimed[expense.id] == ()
        assert wording.not_claimable_reasons(expense, ledger) == ["Within the caps now: it can be marked claimable."]
    assert expense.breaches[0]["params"]["cap"] == 800  # what it broke on its day stays in its record
    # and claiming it is indeed accepted now
    budget.update_expense(expense, _fields("internal_speaker_hourly", 2_000, hours=2), setup.club.convener,
                          version=expense.version)
    assert expense.claimable and expense.breaches == []


def test_an_expense_set_aside_by_hand_that_breaks_nothing_gives_no_reason(ctx):
    from workspace.compliance import wording

    setup = enrolled()
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150, keep_unclaimable=True),
                                 setup.club.convener)
    db.session.commit()
    ledger = budget.ledger(setup.enrollment)
    assert ledger.if_claimed[expense.id] == () and wording.not_claimable_reasons(expense, ledger) == []


def test_an_expense_keeps_its_activity_once_cancelled_and_the_ledger_asks_whether_it_is_still_claimable(ctx):
    """QA: the edit form offered only live activities of the period, so saving an expense whose activity was
    cancelled (to file its receipt) dropped its link, and reinstating the activity did not bring it back."""
    from workspace.activities import services as activities

    setup = enrolled()
    activity = setup.activity(DAY)
    other = setup.activity(DAY + dt.timedelta(days=7))
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150, activity_id=activity.id),
                                 setup.club.convener, activity_ids={activity.id, other.id})
    db.session.commit()
    assert budget.ledger(setup.enrollment).activity_doubts == {}
    activities.cancel_activity(activity, "颱風停課", actor=setup.club.convener)
    db.session.commit()
    # Not offered to a new expense; offered, marked cancelled, to the one that belongs to it.
    assert [choice.id for choice in budget.activity_choices(setup.enrollment)] == [other.id]
    kept = budget.activity_choices(setup.enrollment, keep=activity.id)
    assert [(choice.id, choice.state) for choice in kept] == [(activity.id, "cancelled"), (other.id, "")]
    doubt = budget.ledger(setup.enrollment).activity_doubts[expense.id]
    assert doubt.code == "budget_activity_cancelled" and doubt.params["activity_day"] == DAY
    receipt = store_upload(io.BytesIO(png_bytes()), "收據.png")
    budget.update_expense(expense, _fields("printing_materials", 150, activity_id=activity.id), setup.club.convener,
                          version=expense.version, receipt=receipt, activity_ids={choice.id for choice in kept})
    db.session.commit()
    assert expense.activity_id == activity.id and expense.receipt_blob_id is not None
    activities.reinstate_activity(activity, actor=setup.club.convener)
    db.session.commit()
    assert expense.activity_id == activity.id and budget.ledger(setup.enrollment).activity_doubts == {}


def test_an_expense_whose_activity_moved_out_of_the_period_is_asked_about(ctx):
    setup = enrolled()
    activity = setup.activity(DAY)
    expense = budget.add_expense(setup.enrollment, _fields("printing_materials", 150, activity_id=activity.id),
                                 setup.club.convener, activity_ids={activity.id})
    db.session.commit()
    moved = dt.timedelta(days=(DAY - PAST_FIRST).days + 10)
    activity.starts_at, activity.ends_at = activity.starts_at - moved, activity.ends_at - moved
    db.session.commit()
    kept = budget.activity_choices(setup.enrollment, keep=activity.id)
    assert [(choice.id, choice.state) for choice in kept] == [(activity.id, "outside_period")]
    assert budget.ledger(setup.enrollment).activity_doubts[expense.id].code == "budget_activity_outside_period"
    # A claimable expense only: one set aside already is not asked about.
    budget.update_expense(expense, _fields("printing_materials", 150, activity_id=activity.id,
                                           keep_unclaimable=True), setup.club.convener, version=expense.version,
                          activity_ids={activity.id})
    db.session.commit()
    assert budget.ledger(setup.enrollment).activity_doubts == {}
