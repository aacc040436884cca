"""Submissions and their rounds, appraisals, deliverables and the reviewers' table, on a real database."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import g
from sqlalchemy import func, select

from tests.compliance.helpers import PAST_FIRST, PAST_LAST, enrolled, judge, result
from tests.factories import add_member, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.compliance import services
from workspace.compliance.models import Deliverable, Submission
from workspace.compliance.services import budget, review
from workspace.core import cache
from workspace.core.errors import Conflict, ValidationError
from workspace.core.storage import store_upload
from workspace.extensions import db


def as_new_request(read, viewer):
    """Call `read(viewer)` as a request of its own would (the policy keeps a person's scopes per request)."""
    g.pop("_reviewer_scopes", None)
    g.pop("_memberships", None)
    return read(viewer)


def test_a_submission_keeps_the_rules_and_results_of_its_day(ctx):
    setup = enrolled()
    setup.activity(PAST_FIRST + dt.timedelta(days=3))
    submission = review.submit(judge(setup), "第一次送審", setup.club.convener)
    db.session.commit()
    kept = {found.rule_id: found for found in review.snapshot_results(submission)}
    assert kept["plc.activities"].figure == 1 and kept["plc.activities"].status == "not_met"
    # The program and the records change afterwards: what was submitted does not.
    document = dict(setup.program.definition, name="Renamed")
    document["rules"] = [dict(rule, target=1) if rule["id"] == "plc.activities" else rule
                         for rule in document["rules"]]
    services.update_program(setup.program, document, None, version=setup.program.version)
    setup.activity(PAST_FIRST + dt.timedelta(days=10))
    db.session.commit()
    assert result(judge(setup), "plc.activities").status == "met"
    again = {found.rule_id: found for found in review.snapshot_results(db.session.get(type(submission),
                                                                                       submission.id))}
    assert again["plc.activities"].figure == 1 and again["plc.activities"].target == 18
    assert submission.snapshot["program"]["name"] != "Renamed"


def test_returned_answered_resubmitted_approved_and_the_history_stays(ctx):
    setup = enrolled()
    reviewer = make_reviewer(setup.club.community.schools[0])
    first = review.submit(judge(setup), "", setup.club.convener)
    with pytest.raises(Conflict):
        review.submit(judge(setup), "again", setup.club.convener)  # already with the reviewers
    with pytest.raises(ValidationError) as refused:
        review.decide(first, approve=False, comment=" ", actor=reviewer)
    assert refused.value.field == "comment"
    review.decide(first, approve=False, comment="請補上第3次活動的照片", actor=reviewer)
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        review.submit(judge(setup), "", setup.club.convener)  # an answer is needed
    assert refused.value.field == "note"
    second = review.submit(judge(setup), "已補上照片", setup.club.convener)
    review.decide(second, approve=True, comment="", actor=reviewer)
    db.session.commit()
    with pytest.raises(Conflict):
        review.decide(second, approve=False, comment="late", actor=reviewer)
    with pytest.raises(Conflict):
        review.submit(judge(setup), "more", setup.club.convener)
    history = review.submissions_of([setup.enrollment.id])[setup.enrollment.id]
    assert [(found.number, found.status, found.note, found.comment) for found in history] == [
        (1, "returned", "", "請補上第3次活動的照片"), (2, "approved", "已補上照片", "")]


def test_an_unconfirmed_enrolment_cannot_be_submitted(ctx):
    setup = enrolled(confirmed=False)
    with pytest.raises(ValidationError, match="not confirmed"):
        review.submit(judge(setup), "", setup.club.convener)


def test_an_appraisal_is_recorded_once_and_replaced(ctx):
    setup = enrolled()
    reviewer = make_user()
    with pytest.raises(ValidationError):
        review.appraise(setup.enrollment, "stellar", "", reviewer)
    review.appraise(setup.enrollment, "good", "持續進步", reviewer)
    review.appraise(setup.enrollment, "excellent", "成果豐碩", reviewer)
    db.session.commit()
    appraisal = review.appraisals_of([setup.enrollment.id])[setup.enrollment.id]
    assert (appraisal.rating, appraisal.comment) == ("excellent", "成果豐碩")


def test_a_results_report_marked_done_meets_its_deliverable_rule(ctx):
    setup = enrolled()
    assert result(judge(setup), "plc.results_report").status == "not_met"
    with pytest.raises(ValidationError) as refused:
        review.mark_done(setup.enrollment, "a_poem", PAST_LAST, "", setup.club.convener)
    assert refused.value.field == "item"
    marked = review.mark_done(setup.enrollment, "results_report", PAST_LAST - dt.timedelta(days=2), "6 本",
                              setup.club.convener, stored=store_upload(io.BytesIO(png_bytes()), "report.png"))
    db.session.commit()
    assert result(judge(setup), "plc.results_report").status == "met"
    review.unmark(marked, setup.club.convener)
    db.session.commit()
    assert result(judge(setup), "plc.results_report").status == "not_met"


def test_a_deliverable_is_dated_within_the_period_and_a_calendar_year_either_side(ctx):
    """A year either side is a calendar year (1 August 2024 for a period from 1 August 2025), not 366 days."""
    setup = enrolled()
    with pytest.raises(ValidationError) as refused:
        review.mark_done(setup.enrollment, "application", PAST_FIRST - dt.timedelta(days=366), "", setup.club.convener)
    assert refused.value.field == "done_on" and "2024" in str(refused.value)
    marked = review.mark_done(setup.enrollment, "application", dt.date(2024, 8, 1), "", setup.club.convener)
    assert marked.done_on == dt.date(2024, 8, 1)


def test_the_same_deliverable_marked_twice_the_same_day_is_one_record(ctx):
    setup = enrolled()
    day = PAST_LAST - dt.timedelta(days=2)
    first = review.mark_done(setup.enrollment, "application", day, "", setup.club.convener,
                             stored=store_upload(io.BytesIO(png_bytes()), "申請書.png"))
    for _ in range(3):  # the same form sent again (a double submit): the same file, or no file
        again = review.mark_done(setup.enrollment, "application", day, "", setup.club.convener,
                                 stored=store_upload(io.BytesIO(png_bytes()), "申請書.png"))
        assert again.id == first.id
    assert review.mark_done(setup.enrollment, "application", day, "", setup.club.convener).id == first.id
    db.session.commit()
    assert [(found.item, found.done_on) for found in review.deliverables_of([setup.enrollment.id])[
        setup.enrollment.id]] == [("application", day)]
    assert db.session.scalar(select(func.count(Deliverable.id))) == 1


def test_a_mark_racing_another_request_for_the_same_item_finds_its_record(ctx, monkeypatch):
    """Two presses read "nothing marked" before either wrote: the unique live row per item keeps them one."""
    setup = enrolled()
    day = PAST_LAST - dt.timedelta(days=2)
    first = review.mark_done(setup.enrollment, "application", day, "", setup.club.convener)
    db.session.commit()
    looked = []
    real = review._live_deliverable

    def stale_read(enrollment, item):
        looked.append(item)
        return None if len(looked) == 1 else real(enrollment, item)  # the first read came before the other commit

    monkeypatch.setattr(review, "_live_deliverable", stale_read)
    assert review.mark_done(setup.enrollment, "application", day, "", setup.club.convener).id == first.id
    db.session.commit()
    assert db.session.scalar(select(func.count(Deliverable.id))) == 1


def test_a_submission_racing_another_press_of_the_button_is_one_round(ctx, monkeypatch):
    """Two presses read "no round yet" before either wrote: the second meets the first's round on its unique number
    and is told the enrolment is with the reviewers (409 on the page), not a server error."""
    setup = enrolled()
    first = review.submit(judge(setup), "", setup.club.convener)
    db.session.commit()
    monkeypatch.setattr(review, "submissions_of", lambda ids: {})  # read before the other request's commit
    with pytest.raises(Conflict, match="already with the reviewers"):
        review.submit(judge(setup), "", setup.club.convener)
    db.session.commit()
    assert db.session.scalars(select(Submission.id)).all() == [first.id]


def test_a_corrected_deliverable_supersedes_the_old_one_which_is_kept_and_still_dates_the_rule(ctx):
    setup = enrolled()
    on_time = PAST_LAST - dt.timedelta(days=2)
    first = review.mark_done(setup.enrollment, "results_report", on_time, "", setup.club.convener,
                             stored=store_upload(io.BytesIO(png_bytes()), "成果報告.png"))
    db.session.commit()
    assert result(judge(setup), "plc.results_report").status == "met"
    corrected = review.mark_done(setup.enrollment, "results_report", PAST_LAST + dt.timedelta(days=20), "修正版",
                                 setup.club.convener,
                                 stored=store_upload(io.BytesIO(png_bytes(color=(0, 0, 255))), "成果報告-修正.png"))
    db.session.commit()
    assert corrected.id != first.id
    [shown] = review.deliverables_of([setup.enrollment.id])[setup.enrollment.id]
    assert (shown.id, shown.filename) == (corrected.id, "成果報告-修正.png")  # one line: the latest
    db.session.refresh(first)
    assert first.deleted_at is not None and first.superseded_by_id == corrected.id  # kept in the history
    # The funder had the report on time: the corrected file does not make it late.
    assert result(judge(setup), "plc.results_report").status == "met"
    # Taking the latest back leaves the item undelivered (the one it replaced does not come back by itself).
    review.unmark(corrected, setup.club.convener)
    db.session.commit()
    assert result(judge(setup), "plc.results_report").status == "not_met"
    assert review.deliverables_of([setup.enrollment.id]).get(setup.enrollment.id, []) == []


def test_the_reviewers_table_lists_the_communities_in_scope_with_their_figures_and_school_totals(ctx):
    first, second = enrolled("club-a", amount=30_000), enrolled("club-b", amount=20_000)
    outside = enrolled("club-c")
    first.activity(PAST_FIRST + dt.timedelta(days=3))
    budget.add_expense(first.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       first.club.convener)
    db.session.commit()
    school = make_school(name="審查學校")
    for setup in (first, second):
        setup.club.community.schools = [school]
    guest = add_member(first.club.community, make_user(display_name="外聘專家"), "guest_expert")  # no participant
    guest.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # there all the period, as the members are
    db.session.commit()
    reviewer = make_reviewer(school)
    rows = as_new_request(review.review_table, reviewer)
    assert sorted(row.enrollment.community.slug for row in rows) == ["club-a", "club-b"]
    row = next(row for row in rows if row.enrollment.community.slug == "club-a")
    assert (row.held, row.participants, row.ledger.remaining) == (1, 6, 29_800)
    totals = review.school_totals(rows)
    assert [(total.school, total.participants, total.funds) for total in totals] == [
        ("審查學校", 12, (review.Funds("TWD", 50_000, 49_800),))]
    admin_rows = as_new_request(review.review_table, make_user(is_admin=True))
    assert {row.enrollment.id for row in admin_rows} >= {outside.enrollment.id}
    assert as_new_request(review.review_table, make_user()) == []


def test_a_participant_is_a_member_at_the_end_of_some_day_of_the_period(ctx):
    """QA13 #4: the admin who created the community and left three minutes later made 6 participants of 5 members.
    A member counts from the day they joined to the day before they left, as the panel's member rule counts."""
    setup = enrolled("club-passing")
    school = make_school(name="新校國小")
    setup.club.community.schools = [school]
    community = setup.club.community
    passing = add_member(community, make_user(display_name="資訊組長"))  # created it, handed it on, left
    passing.joined_at = dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Taipei
    passing.left_at = dt.datetime(2025, 9, 1, 1, 3, tzinfo=dt.UTC)
    one_day = add_member(community, make_user(display_name="代課老師"))  # a member at the end of 1 September
    one_day.joined_at = dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.UTC)
    one_day.left_at = dt.datetime(2025, 9, 2, 1, 0, tzinfo=dt.UTC)
    db.session.commit()
    [row] = as_new_request(review.review_table, make_reviewer(school))
    assert row.participants == 7  # the six of the club and the one-day member, not the one of no day
    assert passing.user_id not in row.figures.members and one_day.user_id in row.figures.members
    [total] = review.school_totals([row])
    assert (total.school, total.participants) == ("新校國小", 7)


def test_a_row_tells_every_activity_held_from_those_the_activity_rule_counts(client, ctx):
    """The panel's chart counts what the main rule accepts; the table shows that figure beside every activity held,
    each under its own label (one label on both showed 2 and 0 for the same community)."""
    setup = enrolled("club-counted", key="urc", amount=100)
    for activity in (setup.activity(PAST_FIRST + dt.timedelta(days=3)),
                     setup.activity(PAST_FIRST + dt.timedelta(days=10), photo=False)):  # held, without its photo
        activity.tags = ["同步課堂"]
    db.session.commit()
    reviewer = make_reviewer(setup.club.community.schools[0])
    [row] = as_new_request(review.review_table, reviewer)
    standing = judge(setup)
    assert (row.held, row.counted, row.figures.target) == (2, standing.burn_up.counted, 20)
    assert row.counted == 1 == result(standing, "urc.sync_classes").figure
    client.login(reviewer)
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert re.search(r'data-label="All activities held">2</td>\s*<td class="num" data-label="Counted toward the '
                     r'activity target">1 of 20</td>', page)


def test_a_row_s_rule_tally_comes_in_one_order_the_worst_first(ctx):
    setup = enrolled("club-tally")
    setup.activity(PAST_FIRST + dt.timedelta(days=3))
    [row] = as_new_request(review.review_table, make_reviewer(setup.club.community.schools[0]))
    assert list(row.tally) == [status for status in review.STATUS_ORDER if status in row.tally]
    assert len(row.tally) > 1 and sum(row.tally.values()) == len(judge(setup).results)
    # The panel's tally reads in the same order (it listed Met first and On track after Waived).
    standing = judge(setup)
    assert list(standing.tally) == [status for status in review.STATUS_ORDER if status in standing.tally]
    assert list(standing.tally) == [status for status, _count in row.tally.items()]
    assert review.in_status_order({"met": 1, "waived": 2, "not_met": 3, "on_track": 4, "at_risk": 5}) == (
        ("not_met", 3), ("at_risk", 5), ("on_track", 4), ("met", 1), ("waived", 2))


def test_the_reviewers_table_costs_the_same_queries_for_two_or_five_communities(ctx, count_queries):
    school = make_school(name="計數學校")
    setups = [enrolled(f"count-{number}") for number in range(5)]
    for setup in setups:
        setup.club.community.schools = [school]
        setup.enrollment.program_id = setups[0].program.id  # one program: one period to gather
        setup.activity(PAST_FIRST + dt.timedelta(days=4))
    db.session.commit()
    reviewer = make_reviewer(school)

    def queries(expected: int) -> int:
        db.session.expire_all()
        cache.store.clear()  # every row judged afresh: the gathering's cost, not the kept rows'
        with count_queries() as counted:
            rows = as_new_request(review.review_table, reviewer)
        assert len(rows) == expected and all(row.held == 1 for row in rows)
        return len(counted)

    five = queries(5)
    for setup in setups[2:]:
        setup.club.community.schools = []
    db.session.commit()
    assert queries(2) == five <= 21  # the gathering, the rows and their counters (one query)


def test_the_reviewers_table_keeps_each_row_until_its_community_is_written_in(ctx, count_queries):
    school = make_school(name="快取學校")
    setups = [enrolled(f"kept-{number}") for number in range(3)]
    for setup in setups:
        setup.club.community.schools = [school]
        setup.activity(PAST_FIRST + dt.timedelta(days=4))
    db.session.commit()
    reviewer = make_reviewer(school)

    def table() -> dict[str, review.ReviewRow]:
        db.session.expire_all()
        return {row.enrollment.community.slug: row for row in as_new_request(review.review_table, reviewer)}

    judged = table()
    with count_queries() as kept_queries:
        kept = table()
    assert {slug: row.figures for slug, row in kept.items()} == {slug: row.figures for slug, row in judged.items()}
    assert not any("activities" in statement for statement in kept_queries)  # nothing gathered again

    budget.add_expense(setups[1].enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       setups[1].club.convener)
    setups[2].activity(PAST_FIRST + dt.timedelta(days=9))
    db.session.commit()
    after = table()
    assert after["kept-0"].figures == judged["kept-0"].figures
    assert after["kept-1"].ledger.spent == judged["kept-1"].ledger.spent + 200
    assert after["kept-2"].held == judged["kept-2"].held + 1
    cache.store.clear()
    assert {slug: row.figures for slug, row in table().items()} == {slug: row.figures for slug, row in after.items()}


def test_a_teacher_in_two_communities_of_a_school_is_one_of_its_participants(ctx):
    """QA: 光華國小 showed 11 participants (6 + 5) for 8 teachers, three of them in both communities."""
    first, second = enrolled("club-one", amount=30_000), enrolled("club-two", amount=20_000)
    school = make_school(name="共同學校")
    for setup in (first, second):
        setup.club.community.schools = [school]
    shared = [first.club.member, first.club.other]
    for teacher in shared:  # in the second community since before the period, as in the first
        add_member(second.club.community, teacher).joined_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    rows = as_new_request(review.review_table, make_reviewer(school))
    [total] = review.school_totals(rows)
    separate = sum(row.participants for row in rows)
    assert total.participants == separate - len(shared)
    [currency] = review.currency_totals(rows)
    assert currency.participants == total.participants


def test_school_totals_never_add_yuan_to_new_taiwan_dollars(ctx):
    # A school with a community in the PLC grant (NT$, whole dollars) and one in URC (¥, kept in fen).
    dollars, yuan = enrolled("club-twd", amount=30_000), enrolled("club-cny", key="urc", amount=5_000_000)
    school = make_school(name="兩種幣別學校")
    for setup in (dollars, yuan):
        setup.club.community.schools = [school]
    db.session.commit()
    rows = as_new_request(review.review_table, make_reviewer(school))
    [total] = review.school_totals(rows)
    assert (total.school, len(total.communities), total.participants) == ("兩種幣別學校", 2, 12)
    assert [(funds.currency, funds.approved) for funds in total.funds] == [("CNY", 5_000_000), ("TWD", 30_000)]
    assert [(total.currency, total.communities, total.approved) for total in review.currency_totals(rows)] == [
        ("CNY", 1, 5_000_000), ("TWD", 1, 30_000)]


def _one_school(name: str, *setups) -> object:
    """Put the setups' communities in one new school, its name given."""
    school = make_school(name=name)
    for setup in setups:
        setup.club.community.schools = [school]
    db.session.commit()
    return school


def test_an_amount_waiting_for_confirmation_is_no_approved_grant_in_the_totals(ctx):
    """The convener typed the amount: until a reviewer or an admin confirms it, the totals name it apart."""
    confirmed = enrolled("club-ok", amount=30_000)
    waiting = enrolled("club-wait", amount=20_345, confirmed=False)
    school = _one_school("光華國小", confirmed, waiting)
    reviewer = make_reviewer(school)
    rows = as_new_request(review.review_table, reviewer)
    assert len(rows) == 2  # the row itself stays in the table (with its badge)
    [total] = review.school_totals(rows)
    assert total.communities == (confirmed.club.community.name,) and total.participants == 6
    assert total.waiting == (waiting.club.community.name,)
    assert total.funds == (review.Funds("TWD", 30_000, 30_000, overrun=0, waiting=20_345),)
    assert review.currency_totals(rows) == [review.CurrencyTotal("TWD", 1, 6, 30_000, 30_000, waiting=20_345)]
    services.confirm(waiting.enrollment, make_user(is_admin=True))
    db.session.commit()
    rows = as_new_request(review.review_table, reviewer)
    [total] = review.school_totals(rows)
    assert (len(total.communities), total.waiting, total.participants) == (2, (), 12)
    assert total.funds == (review.Funds("TWD", 50_345, 50_345),)


def test_a_community_with_one_grant_confirmed_counts_and_its_other_amount_waits_apart(ctx):
    from tests.compliance.helpers import program_copy

    setup = enrolled("twice-waiting", amount=30_000)
    school = _one_school("光華國小", setup)
    services.enrol(setup.club.community, program_copy(), 8_000, setup.club.convener)
    db.session.commit()
    [total] = review.school_totals(as_new_request(review.review_table, make_reviewer(school)))
    assert (total.communities, total.waiting) == ((setup.club.community.name,), ())
    assert total.funds == (review.Funds("TWD", 30_000, 30_000, waiting=8_000),)


def test_an_overrun_is_totalled_apart_and_never_eats_another_community_s_funds(ctx):
    over, left = enrolled("club-over", amount=30_000), enrolled("club-left", amount=8_000)
    budget.add_expense(over.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       over.club.convener)
    services.change_amount(over.enrollment, 130, make_user(is_admin=True))  # lowered below what is claimed
    db.session.commit()
    school = _one_school("光華國小", over, left)
    rows = as_new_request(review.review_table, make_reviewer(school))
    assert {row.enrollment.community.slug: row.ledger.remaining for row in rows} == {"club-over": -70,
                                                                                     "club-left": 8_000}
    [total] = review.school_totals(rows)
    assert total.funds == (review.Funds("TWD", 8_130, 8_000, overrun=70),)  # not 7,930
    assert review.currency_totals(rows) == [review.CurrencyTotal("TWD", 2, 12, 8_130, 8_000, overrun=70)]


def test_the_reviewers_page_and_summary_show_waiting_amounts_and_overruns_apart(client, ctx):
    import openpyxl

    from workspace.exports import summary

    over, waiting = enrolled("club-over", amount=30_000), enrolled("club-wait", amount=20_345, confirmed=False)
    budget.add_expense(over.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST, 200),
                       over.club.convener)
    services.change_amount(over.enrollment, 130, make_user(is_admin=True))
    db.session.commit()
    reviewer = make_reviewer(_one_school("光華國小", over, waiting))
    client.login(reviewer)
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert re.search(r'<td class="num over" data-label="Remaining">-NT\$70 <span class="visually-hidden">over the '
                     r'approved amount</span></td>', page)  # the overrun marked as on the panel
    assert "Waiting for confirmation</span>" in page  # the row keeps its badge
    totals = page[page.index('<table class="table school-totals">'):]
    # named, as the table above it is (QA13: a screen reader's list of tables read it without a name)
    assert '<table class="table school-totals">\n  <caption class="visually-hidden">Totals per school</caption>' in page
    assert f"Waiting for confirmation, not counted: {waiting.club.community.name}" in totals
    assert "1 community:" in totals and "Waiting for confirmation: NT$20,345" in totals
    assert "Overrun: NT$70" in totals and "NT$20,475" not in totals and "-NT$70" not in totals
    book = openpyxl.load_workbook(io.BytesIO(summary.review_summary(reviewer, "en").data))
    sheet = [[cell.value for cell in row] for row in book["Totals per school"].iter_rows()]
    assert sheet[1:] == [
        ["光華國小", 1, f"{over.club.community.name}, {waiting.club.community.name} (waiting for confirmation, not "
                     "counted)", 6, "TWD", 130, 0, 70, 20_345],
        ["All communities (NT$)", 1, None, 6, "TWD", 130, 0, 70, 20_345]]
    communities = [[cell.value for cell in row] for row in book["Communities"].iter_rows()]
    enrolment = communities[0].index("Enrolment")
    assert sorted((row[1], row[enrolment]) for row in communities[1:]) == sorted(
        [(over.club.community.name, "Confirmed"), (waiting.club.community.name, "Waiting for confirmation")])


def test_a_money_sort_groups_the_rows_by_currency(ctx):
    """¥100.00 is kept as 10,000 fen: compared with NT$ dollars it would sort between NT$12,000 and NT$8,000."""
    small, large = enrolled("club-8000", amount=8_000), enrolled("club-12000", amount=12_000)
    yuan = enrolled("club-yuan", key="urc", amount=10_000)
    rows = as_new_request(review.review_table, make_reviewer(_one_school("光華國小", small, large, yuan)))
    ordered = review.sort_rows(rows, "remaining")
    assert [(row.figures.currency, row.enrollment.community.slug) for row in ordered] == [
        ("CNY", "club-yuan"), ("TWD", "club-12000"), ("TWD", "club-8000")]
    assert [row.enrollment.community.slug for row in review.sort_rows(rows, "nonsense")] == [
        row.enrollment.community.slug for row in review.sort_rows(rows, "status")]


def _needing_no_attention(setup) -> None:
    """Waive every rule of the enrolment that is at risk or not met, as a reviewer may."""
    reviewer = make_user(is_admin=True)
    for found in judge(setup).results:
        if found.status in {"not_met", "at_risk"}:
            services.waive(setup.enrollment, found.rule_id, "縣市同意免辦", reviewer)
    db.session.commit()


def test_the_totals_do_not_follow_the_attention_filter(client, ctx):
    fine, failing = enrolled("club-fine", amount=30_000), enrolled("club-failing", amount=8_000)
    _needing_no_attention(fine)
    reviewer = make_reviewer(_one_school("光華國小", fine, failing))
    rows = as_new_request(review.review_table, reviewer)
    assert [row.enrollment.community.slug for row in review.needing_attention(rows)] == ["club-failing"]
    client.login(reviewer)
    whole = client.get("/review/compliance/").get_data(as_text=True)
    filtered = client.get("/review/compliance/?attention=1").get_data(as_text=True)
    assert fine.club.community.name in whole.split('<table class="table school-totals">')[0]
    assert fine.club.community.name not in filtered.split('<table class="table school-totals">')[0]
    def totals_of(page: str) -> str:
        return page[page.index('<table class="table school-totals">'):page.index("</table>", page.index(
            '<table class="table school-totals">'))]

    totals = totals_of(filtered)
    assert totals == totals_of(whole)
    assert "2 communities" in totals and "NT$38,000" in totals
    assert "not only those needing attention" in filtered and "not only those needing attention" not in whole
    _needing_no_attention(failing)  # none left to show: the totals stay
    empty = client.get("/review/compliance/?attention=1").get_data(as_text=True)
    assert "No community you review" in empty and "NT$38,000" in empty


def test_the_table_sorted_by_funds_remaining_groups_the_currencies(client, ctx):
    small, large = enrolled("club-8000", amount=8_000), enrolled("club-12000", amount=12_000)
    yuan = enrolled("club-yuan", key="urc", amount=10_000)
    client.login(make_reviewer(_one_school("光華國小", small, large, yuan)))
    page = client.get("/review/compliance/?sort=remaining").get_data(as_text=True)
    table = page[:page.index('<table class="table school-totals">')]
    assert table.index(yuan.club.community.name) < table.index(large.club.community.name) < table.index(
        small.club.community.name)


def _enrolled_twice():
    """光華國小's one community of six, enrolled in a PLC-100 copy (NT$30,000) and in another (NT$20,000)."""
    from tests.compliance.helpers import program_copy

    first = enrolled("twice", amount=30_000)
    school = make_school(name="光華國小")
    first.club.community.schools = [school]
    second = services.enrol(first.club.community, program_copy(), 20_000, first.club.convener)
    services.confirm(second, make_user(is_admin=True))
    db.session.commit()
    return first, second, school


def test_a_community_enrolled_in_two_programs_counts_once_at_its_school_with_its_people_once(ctx):
    first, second, school = _enrolled_twice()
    rows = as_new_request(review.review_table, make_reviewer(school))
    assert sorted(row.enrollment.id for row in rows) == sorted([first.enrollment.id, second.id])
    [total] = review.school_totals(rows)
    assert (total.school, total.communities, total.participants) == ("光華國小", (first.club.community.name,), 6)
    assert total.funds == (review.Funds("TWD", 50_000, 50_000),)  # two grants: both amounts count
    assert review.currency_totals(rows) == [review.CurrencyTotal("TWD", 1, 6, 50_000, 50_000)]


def test_the_reviewers_page_and_summary_agree_on_a_community_in_two_programs(client, ctx):
    import openpyxl

    from workspace.exports import summary

    first, _second, school = _enrolled_twice()
    reviewer = make_reviewer(school)
    client.login(reviewer)
    page = client.get("/review/compliance/").get_data(as_text=True)
    totals = page[page.index('<table class="table school-totals">'):]
    assert f"1 community: {first.club.community.name}<" in totals
    assert "2 communities" not in totals and ">12<" not in totals
    assert "All communities (NT$)" in totals and "NT$50,000" in totals
    book = openpyxl.load_workbook(io.BytesIO(summary.review_summary(reviewer, "en").data))
    sheet = [[cell.value for cell in row] for row in book["Totals per school"].iter_rows()]
    assert sheet == [["School", "Number of communities", "Communities", "Participants", "Currency", "Approved",
                      "Left over", "Overrun", "Waiting for confirmation (not approved)"],
                     ["光華國小", 1, first.club.community.name, 6, "TWD", 50_000, 50_000, None, None],
                     ["All communities (NT$)", 1, None, 6, "TWD", 50_000, 50_000, None, None]]


def test_a_school_with_communities_in_two_currencies_has_one_row_and_a_total_per_currency(client, ctx):
    import openpyxl

    from workspace.exports import summary

    dollars, yuan = enrolled("club-twd", amount=30_000), enrolled("club-cny", key="urc", amount=5_000_000)
    school = make_school(name="兩種幣別學校")
    for setup in (dollars, yuan):
        setup.club.community.schools = [school]
    db.session.commit()
    reviewer = make_reviewer(school)
    book = openpyxl.load_workbook(io.BytesIO(summary.review_summary(reviewer, "zh_Hant").data))
    rows = [[cell.value for cell in row] for row in book.worksheets[1].iter_rows()][1:]
    assert [row[0] for row in rows] == ["兩種幣別學校", "兩種幣別學校", "全部社群（CN¥）", "全部社群（NT$）",
                                        "全部社群（所有幣別）"]
    assert [row[1] for row in rows] == [2, None, 1, 1, 2] and [row[3] for row in rows] == [12, None, 6, 6, 12]
    assert [(row[4], row[5]) for row in rows] == [("CNY", 50_000), ("TWD", 30_000), ("CNY", 50_000),
                                                  ("TWD", 30_000), (None, None)]
    communities = [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]
    currency = communities[0].index("幣別")
    assert sorted(row[currency] for row in communities[1:]) == ["CNY", "TWD"]
    client.login(reviewer)
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert "All communities (CN¥)" in page and "All communities (NT$)" in page
    assert "All communities, every currency" in page


def test_a_community_in_programs_of_two_currencies_is_counted_once_overall(client, ctx):
    """QA: a community in an NT$ and a ¥ program was in both currencies' totals; added up, the county's form
    counted it, and its participants, twice."""
    from tests.compliance.helpers import program_copy

    setup = enrolled("club-both", amount=30_000)
    services.confirm(services.enrol(setup.club.community, program_copy("urc"), 5_000_000, setup.club.convener),
                     make_user(is_admin=True))
    db.session.commit()
    rows = as_new_request(review.review_table, make_user(is_admin=True))
    assert [total.communities for total in review.currency_totals(rows)] == [1, 1]
    assert review.headcount(rows) == (1, 6)


def test_a_community_of_several_schools_counts_once_at_its_core_school(ctx):
    """An urban–rural community of a core school and two member schools: its grant is counted at the core school
    only (the column of approved amounts adds up to what was granted); the member schools list it as a
    community they take part in."""
    from tests.communities.urban_rural import make_partnership
    from tests.compliance.helpers import program_copy

    team = make_partnership(2)
    services.confirm(services.enrol(team.community, program_copy("urc"), 5_000_000, team.convener),
                     make_user(is_admin=True))
    db.session.commit()
    rows = as_new_request(review.review_table, make_user(is_admin=True))
    totals = {total.school: total for total in review.school_totals(rows)}
    core = totals[team.core.name]
    assert (core.communities, core.funds) == ((team.community.name,), (review.Funds("CNY", 5_000_000, 5_000_000),))
    for school in team.members:
        member = totals[school.name]
        assert (member.communities, member.funds, member.participants) == ((), (), 0)
        assert member.partners == ((team.community.name, team.core.name),)
    assert sum(funds.approved for total in totals.values() for funds in total.funds) == sum(
        row.figures.approved for row in rows)


def test_the_reviewers_page_and_summary_say_where_a_shared_community_is_counted(client, ctx):
    import openpyxl

    from tests.communities.urban_rural import make_partnership
    from tests.compliance.helpers import program_copy
    from workspace.exports import summary

    team = make_partnership(1)
    services.confirm(services.enrol(team.community, program_copy("urc"), 5_000_000, team.convener),
                     make_user(is_admin=True))
    db.session.commit()
    admin = make_user(is_admin=True)
    client.login(admin)
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert f'Also in {team.community.name} (counted at <span lang="zh-Hant">{team.core.name}</span>)' in page
    assert "0 communities" in page and "0 communities:" not in page  # the member school: none of its own
    book = openpyxl.load_workbook(io.BytesIO(summary.review_summary(admin, "en").data))
    cells = [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert f"Also in {team.community.name} (counted at {team.core.name})" in cells


def test_a_deliverable_cannot_be_marked_done_on_a_day_after_today(ctx):
    setup = enrolled()
    today = dt.date(2026, 7, 20)
    with pytest.raises(ValidationError) as refused:
        review.mark_done(setup.enrollment, "results_report", today + dt.timedelta(days=1), "", setup.club.convener,
                         today=today)
    assert refused.value.field == "done_on"
    assert review.mark_done(setup.enrollment, "results_report", today, "", setup.club.convener, today=today)


def test_the_reviewers_page_shows_whole_yuan_without_cents_and_the_submission_beside_the_community(client, ctx):
    """QA 10: at 1280 px in English the CN¥ amounts (CN¥50,000.00) and the long headings pushed Remaining and the
    Submission column out of view. Whole amounts drop their .00, the round's state stands under the community's
    name, and the long headings are short with their full text in a title."""
    yuan = enrolled("club-cny", key="urc", amount=5_000_050)
    other = enrolled("club-cny-whole", key="urc", amount=5_000_000)
    reviewer = make_reviewer(_one_school("青溪县城关第一小学", yuan, other))
    review.submit(services.standings([other.enrollment])[0], "请审查。", other.club.convener)
    db.session.commit()
    client.login(reviewer)
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert "CN¥50,000<" in page and "CN¥50,000.00" not in page  # whole: no cents
    assert "CN¥50,000.50" in page  # an amount with cents keeps them
    row = page[page.index(other.club.community.name):]
    row = row[:row.index("</th>")]
    assert 'class="round-state"' in row and "With the reviewers" in row  # in the community's cell
    assert '<th scope="col">Submission</th>' not in page
    assert '<abbr title="Counted toward the activity target">' in page
    assert 'data-label="Counted toward the activity target"' in page  # a phone's card keeps the full heading


def test_the_summary_button_is_one_text_in_english(client, ctx):
    """QA 10: the button is a flex box; the Chinese term's span was a flex item of its own, so 附件 stood in a
    column of its own on a phone and with gaps around it at 1280 px. Its label is one inline run."""
    setup = enrolled("club-one", amount=30_000)
    client.login(make_reviewer(_one_school("光華國小", setup)))
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert re.search(r'<a class="button" [^>]*download><span>Download the summary \(<span lang="zh-Hant">附件</span>'
                     r'1, Excel\)</span></a>', page)


@pytest.mark.parametrize("item", ["application", "implementation_plan", "results_report"])
def test_a_deliverable_dated_ahead_is_refused_naming_the_item(app, ctx, item):
    """QA 10: the refusal said 成果須完成後… for the application too; it names the item marked."""
    from flask_babel import force_locale

    from workspace.compliance import wording

    setup = enrolled()
    today = dt.date(2026, 12, 5)
    for language in ("en", "zh_Hant"):
        with force_locale(language):
            with pytest.raises(ValidationError) as refused:
                review.mark_done(setup.enrollment, item, today + dt.timedelta(days=1), "", setup.club.convener,
                                 today=today)
            said = str(refused.value)
            assert wording.item_text(item) in said, said
            assert refused.value.field == "done_on"
            if item != "results_report":
                assert "成果" not in said, said
