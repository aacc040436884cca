"""Dates of the Republic of China calendar (core/parsing.parse_roc_date, roc_date): how teachers write a
funder's deadlines (民國100年1月1日, 100/01/01) read as one date, and nonsense read as nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired

from workspace.core.forms import RocDateField
from workspace.core.parsing import parse_roc_date, roc_date

NEW_YEAR_2011 = dt.date(2011, 1, 1)


@pytest.mark.parametrize("text", [
    "民國100年1月1日", "民國100年01月01日", "100年1月1日", "民国100年1月1日", "民國 100 年 1 月 1 日",
    "100/01/01", "100/1/1", "100-1-1", "100-01-01", "100.01.01", "１００/０１/０１", "民國１００年１月１日",
    "１００．０１．０１", "2011-01-01", "2011/1/1", " 100/01/01 ",
    "2011年1月1日", "2011 年 1 月 1 日", "西元2011年1月1日", "公元2011年01月01日", "２０１１年１月１日",
])
def test_each_way_of_writing_new_year_2011(text):
    assert parse_roc_date(text) == NEW_YEAR_2011


def test_the_last_day_of_the_plc_period():
    assert parse_roc_date("101/06/30") == dt.date(2012, 6, 30)
    assert parse_roc_date("民國101年6月30日") == dt.date(2012, 6, 30)
    assert parse_roc_date("1/1/1") == dt.date(1912, 1, 1)  # 民國元年


def test_the_leap_day_exists_only_in_leap_years():
    assert parse_roc_date("101/02/29") == dt.date(2012, 2, 29)
    assert parse_roc_date("100/02/29") is None


@pytest.mark.parametrize("text", [
    "100/02/30", "100/13/01", "100/00/10", "0/01/01", "000/01/01", "民國0年1月1日", "100/01", "100//01/01",
    "100/01-01", "abc", "", "2011-02-30", "1000/01/01", "100年1月", "-100/01/01", "1e2/01/01", None, 20110101,
    "2300-01-01", "2011年2月30日", "2011年1月", "西元100年1月1日",
])
def test_what_is_not_a_date(text):
    assert parse_roc_date(text) is None


def test_a_date_written_in_the_roc_calendar():
    assert roc_date(NEW_YEAR_2011) == "民國100年1月1日"
    assert roc_date(dt.date(2012, 6, 30)) == "民國101年6月30日"
    assert parse_roc_date(roc_date(dt.date(2026, 12, 2))) == dt.date(2026, 12, 2)
    assert roc_date(dt.date(1911, 12, 31)) == "1911-12-31"


class _DeadlineForm(FlaskForm):
    class Meta:
        csrf = False

    due_on = RocDateField(validators=[InputRequired()])


@pytest.mark.parametrize(("typed", "expected"), [("116/03/05", dt.date(2027, 3, 5)),
                                                  ("民國116年3月5日", dt.date(2027, 3, 5)),
                                                  ("2027-03-05", dt.date(2027, 3, 5))])
def test_the_form_field_reads_each_way_of_writing_a_date(ctx, typed, expected):
    form = _DeadlineForm(formdata=MultiDict({"due_on": typed}))
    assert form.validate() and form.due_on.data == expected


@pytest.mark.parametrize("typed", ["next Tuesday", "9" * 50, "Smarch 5, 2027", "5 Dec"])
def test_the_form_field_refuses_what_is_no_date_once_and_keeps_the_typed_text(ctx, typed):
    form = _DeadlineForm(formdata=MultiDict({"due_on": typed}))
    assert not form.validate()
    assert len(form.due_on.errors) == 1 and "116/03/05" in str(form.due_on.errors[0])
    assert f'value="{typed}"' in str(form.due_on())


@pytest.mark.parametrize(("typed", "said"), [
    ("116/02/30", "116/02/30 is not a date: that month has 28 days."),
    ("民國116年13月1日", "民國116年13月1日 is not a date: there is no month 13."),
    ("Feb 30, 2027", "Feb 30, 2027 is not a date: that month has 28 days."),
    ("2027年4月31日", "2027年4月31日 is not a date: that month has 30 days."),
])
def test_a_day_missing_from_the_calendar_is_told_so_in_any_form_it_was_typed(ctx, typed, said):
    """The form was right: "Enter a date such as …" would tell the teacher otherwise."""
    form = _DeadlineForm(formdata=MultiDict({"due_on": typed}))
    assert not form.validate()
    assert form.due_on.errors == [said]
    assert f'value="{typed}"' in str(form.due_on())


@pytest.mark.parametrize("text", [
    "Dec 3, 2026", "Dec 3 2026", "Dec. 3, 2026", "December 3, 2026", "december 3, 2026", "3 Dec 2026",
    "3 December 2026", "3rd December 2026", "Dec 3rd, 2026", "Thu, Dec 3, 2026", "Thursday, 3 December 2026",
    " Dec 3, 2026 ",
])
def test_a_date_as_the_english_pages_write_it(text):
    """The English pages write Dec 3, 2026: what a teacher copies from them is read, as 2026年12月3日 is."""
    assert parse_roc_date(text) == dt.date(2026, 12, 3)


@pytest.mark.parametrize("text", ["Dec 32, 2026", "Feb 29, 2027", "Decembre 3, 2026", "Dec 3, 26", "3 Dec",
                                  "Dec, 2026", "12 3 2026"])
def test_english_looking_text_that_is_no_date(text):
    assert parse_roc_date(text) is None


def test_the_form_field_shows_a_stored_date_as_iso(ctx):
    form = _DeadlineForm(formdata=None, due_on=dt.date(2027, 3, 5))
    assert 'value="2027-03-05"' in str(form.due_on())


def test_any_year_gives_a_date_that_exists_outside_the_accepted_years():
    """For the form to say the years allowed, not that 9999-12-31 does not exist."""
    import datetime as dt

    from workspace.core.parsing import parse_roc_date

    assert parse_roc_date("9999-12-31") is None
    assert parse_roc_date("9999-12-31", any_year=True) == dt.date(9999, 12, 31)
    assert parse_roc_date("民國999年1月1日", any_year=True) == dt.date(2910, 1, 1)
    assert parse_roc_date("116/02/30", any_year=True) is None  # it does not exist, whatever the year
