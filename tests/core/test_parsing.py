"""The one parsing path (core/parsing.py): ids, page numbers, counts, dates and months; the app's `int`
converter; query-string and form values that answer 404 when they name nothing; dates held in the calendar.
"""

from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.exceptions import NotFound

from tests.factories import add_member, make_community, make_user
from workspace.core import parsing
from workspace.discussions import services as discussions
from workspace.discussions.models import Category
from workspace.extensions import db
from workspace.resources import services as resources

NOT_IDS = ("99999999999999999999", "9223372036854775808", "-1", "0", "²", "١٢", "1e3", " 1", "1 ", "+1", "007",
           "", "１２", "0x1f", "1.0", "1_000", None)


@pytest.mark.parametrize("value", NOT_IDS)
def test_what_is_not_an_id(value):
    assert parsing.parse_id(value) is None


def test_ids_run_from_one_to_the_largest_the_databases_hold():
    assert parsing.parse_id("1") == 1
    assert parsing.parse_id("2147483647") == 2**31 - 1  # PostgreSQL's INTEGER ends there
    assert parsing.parse_id("2147483648") is None and parsing.parse_id("9223372036854775807") is None
    assert parsing.parse_id(42) == 42 and parsing.parse_id(0) is None and parsing.parse_id(2**31) is None
    assert parsing.parse_id(True) is None


def test_numbers_and_pages_are_ascii_digits_in_their_range():
    assert parsing.parse_number("0") == 0 and parsing.parse_number("007") == 7
    assert parsing.parse_number("5", 1, 4) is None
    for value in ("²", "١", "-5", "1e3", " 3", str(10**30), "9223372036854775808", "2147483648"):
        assert parsing.parse_number(value) is None, value
    assert parsing.parse_page("1") == 1 and parsing.parse_page("1000000") == 1_000_000
    for value in ("0", "-5", "²", "1000001", str(10**30)):
        assert parsing.parse_page(value) is None, value
    assert parsing.numbers(1)("0") is None and parsing.numbers(1)("3") == 3


def test_dates_are_iso_and_in_the_years_kept():
    assert parsing.parse_date("2026-03-05") == dt.date(2026, 3, 5)
    assert parsing.parse_date("2026-3-5") == dt.date(2026, 3, 5)  # a text box in a browser without date inputs
    assert parsing.parse_date("1900-01-01") == parsing.FIRST_DAY
    assert parsing.parse_date("2200-12-31") == parsing.LAST_DAY
    for value in ("0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "2026-02-30", "2026-13-01", "garbage",
                  "２０２６-03-05", "2026-03-05T14:00", " 2026-03-05", "", None):
        assert parsing.parse_date(value) is None, value
    assert parsing.iso_date("9999-12-31") == dt.date(9999, 12, 31)  # a date, but not one the app keeps


def test_times_are_iso_wall_clock_times_in_the_years_kept():
    assert parsing.parse_datetime("2026-03-05T14:00") == dt.datetime(2026, 3, 5, 14, 0)
    assert parsing.parse_datetime("2026-03-05 14:00:30") == dt.datetime(2026, 3, 5, 14, 0, 30)
    for value in ("9999-12-31T22:00", "0001-01-01T00:00", "2026-02-30T10:00", "2026-03-05T24:00", "2026-03-05",
                  "2026-03-05T14:00+08:00", "garbage"):
        assert parsing.parse_datetime(value) is None, value


def test_months_are_their_first_day():
    assert parsing.parse_month("2026-03") == dt.date(2026, 3, 1)
    assert parsing.parse_month("2026-03-20") == dt.date(2026, 3, 1)
    for value in ("9999-12", "0001-01", "2026-13", "2026-02-30", "2026", "abc", "-1-1", "²"):
        assert parsing.parse_month(value) is None, value


def test_a_day_or_a_window_never_leaves_the_calendar():
    assert parsing.bounded(dt.date(1, 1, 1)) == parsing.FIRST_DAY and parsing.bounded(dt.date(9999, 12, 31)) == \
        parsing.LAST_DAY
    last = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert parsing.shifted(last, dt.timedelta(hours=1)) == dt.datetime.max.replace(tzinfo=dt.UTC)
    assert parsing.shifted(dt.datetime(1, 1, 1, tzinfo=dt.UTC), -dt.timedelta(hours=1)) == \
        dt.datetime.min.replace(tzinfo=dt.UTC)
    assert parsing.shifted(dt.date(2026, 3, 5), dt.timedelta(days=1)) == dt.date(2026, 3, 6)


def test_a_query_or_form_value_is_its_default_when_absent_and_not_found_when_malformed(app):
    form = {"section_id": "99999999999999999999"}
    with app.test_request_context("/?page=2&author=²&empty=", method="POST", data=form):
        assert parsing.arg("page", parsing.parse_page, 1) == 2
        assert parsing.arg("missing", parsing.parse_page, 1) == 1
        assert parsing.arg("empty", parsing.parse_id) is None
        with pytest.raises(NotFound):
            parsing.arg("author", parsing.parse_id)
        with pytest.raises(NotFound):
            parsing.form_value("section_id", parsing.parse_id)
        assert parsing.read(None, parsing.parse_id, 0) == 0


def test_the_apps_int_converter_is_the_id_converter(app):
    assert app.url_map.converters["int"] is parsing.IdConverter
    with app.test_request_context():
        from flask import url_for

        assert url_for("resources.show", slug="x", resource_id=12).endswith("/resources/12")


@pytest.fixture()
def library(ctx):
    convener = make_user()
    community = make_community(convener, slug="lib")
    member = add_member(community).user
    resource = resources.create_text_resource(community, resources.ResourceFields(title="分數", kind="lesson_plan"),
                                              "Text", actor=member)
    category = db.session.scalar(db.select(Category).where(Category.community_id == community.id,
                                                           Category.key == "questions"))
    thread = discussions.create_thread(community, category=category, title="分數", body="?", actor=member)
    db.session.commit()
    return convener, resource, thread


def test_a_path_id_that_is_not_an_id_is_not_found(client, library):
    convener, resource, thread = library
    client.login(convener)
    assert client.get(f"/c/lib/resources/{resource.id}").status_code == 200
    assert client.get(f"/c/lib/discussions/{thread.id}").status_code == 200
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(resource.id))  # the same number, Arabic-Indic
    for value in ("99999999999999999999", "9223372036854775808", "2147483648", "0", "0" + str(resource.id),
                  arabic, "²"):
        assert client.get(f"/c/lib/resources/{value}").status_code == 404, value
        assert client.get(f"/c/lib/discussions/{value}").status_code == 404, value
        assert client.post_form(f"/c/lib/resources/{value}/comments", {"body": "x"}).status_code == 404, value
    assert client.get(f"/c/lib/resources/{2**31 - 1}").status_code == 404  # the largest id: merely unknown


def test_query_numbers_that_name_nothing_are_not_found(client, library):
    convener, resource, thread = library
    client.login(convener)
    for path in ("/c/lib/resources/", "/library/", f"/c/lib/discussions/{thread.id}", "/c/lib/discussions/",
                 "/notifications/", "/c/lib/activities/", "/c/lib/plans/"):
        assert client.get(f"{path}?page=1").status_code == 200, path
        for value in ("²", "0", "-5", str(10**30), "abc", "2"):  # 2: past the last page of these short lists
            assert client.get(f"{path}?page={value}").status_code == 404, (path, value)
    for query in ("author=²", "author=99999999999999999999", "community=١٢", "community=0"):
        assert client.get(f"/library/?{query}").status_code == 404, query
        assert client.get(f"/c/lib/resources/?{query}").status_code == 404 or query.startswith("community"), query
    for value in ("²", "99999999999999999999", "0"):
        assert client.get(f"/c/lib/resources/{resource.id}/file?version={value}").status_code == 404, value
        assert client.get(f"/c/lib/discussions/{thread.id}?quote={value}").status_code == 404, value
        assert client.get(f"/c/lib/discussions/new?resource={value}").status_code == 404, value
        assert client.get(f"/c/lib/discussions/?category={value}").status_code == 404, value
    assert client.get(f"/c/lib/resources/{resource.id}/download?version=1").status_code == 200
    assert client.get(f"/c/lib/discussions/new?resource={resource.id}").status_code == 200


def test_a_live_polls_counter_that_does_not_parse_counts_as_unknown(client, library):
    convener, _resource, thread = library
    client.login(convener)
    assert client.get("/notifications/bell?seen=²").status_code == 200  # the bell, as for an unknown count
    assert client.get(f"/c/lib/discussions/{thread.id}/posts?after=²").status_code == 200


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("1200", "TWD", 1200), ("1,200", "TWD", 1200), ("１２００", "TWD", 1200), ("NT$1,200", "TWD", 1200),
    ("1200元", "TWD", 1200), ("1200.00", "TWD", 1200), ("12.50", "CNY", 1250), ("¥12.5", "CNY", 1250),
    ("50,000", "CNY", 5_000_000), ("0", "CNY", 0),
    ("12.50", "TWD", None), ("1.234", "CNY", None), ("-5", "TWD", None), ("12,00", "TWD", None), ("1e3", "TWD", None),
    ("", "TWD", None), (".5", "CNY", None), ("١٢", "TWD", None), ("1" * 16, "TWD", None), (None, "TWD", None),
])
def test_money_is_read_in_the_currencys_main_unit_and_kept_in_minor_units(typed, currency, minor):
    assert parsing.parse_money(typed, currency) == minor


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("NT$30,000", "TWD", 30_000), ("TWD 30000", "TWD", 30_000), ("30000 twd", "TWD", 30_000), ("$30000", "TWD", 30_000),
    ("30000元", "TWD", 30_000), ("ＮＴ＄30000", "TWD", 30_000),
    ("¥300", "CNY", 30_000), ("￥300", "CNY", 30_000), ("RMB300", "CNY", 30_000), ("CNY 300", "CNY", 30_000),
    ("300元", "CNY", 30_000), ("CN¥300", "CNY", 30_000), ("$300", "USD", 30_000), ("US$300", "USD", 30_000),
])
def test_an_amount_may_carry_its_own_currency_s_sign_or_code(typed, currency, minor):
    assert parsing.parse_money(typed, currency) == minor


@pytest.mark.parametrize(("typed", "currency"), [
    ("¥30000", "TWD"), ("￥30000", "TWD"), ("RMB30000", "TWD"), ("CNY 30000", "TWD"), ("US$30000", "TWD"),
    ("USD 30000", "TWD"), ("HK$30000", "TWD"), ("€30000", "TWD"), ("30000 usd", "TWD"), ("30000円", "TWD"),
    ("NT$300", "CNY"), ("$300", "CNY"), ("TWD 300", "CNY"), ("US$300", "CNY"), ("JP¥300", "CNY"),
    ("NT$300", "USD"), ("300元", "USD"),
])
def test_a_sign_or_code_of_another_currency_is_refused_not_read_as_the_program_s(typed, currency):
    """QA: ¥30000 typed as the approved amount of an NT$ program was kept as NT$30,000."""
    assert parsing.parse_money(typed, currency) is None
    assert parsing.money_problem(typed, currency) == "currency"


def test_letters_that_name_no_currency_are_text_not_a_currency():
    assert parsing.parse_money("abc300", "TWD") is None
    assert parsing.money_problem("abc300", "TWD") == "text"
