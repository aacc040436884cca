"""Months and hours as each language writes them: one helper each (core/i18n), used by every page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from workspace.core.i18n import format_file_size, format_hours, in_reader_script, month_year, zone_label

LANGUAGES = {"zh_Hant": "zh-TW", "zh_Hans": "zh-CN", "en": "en"}


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_Hant", "2027年1月"), ("zh_Hans", "2027年1月"), ("en", "January 2027")])
def test_a_month_heading_follows_the_locale(app, locale, expected):
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert month_year(dt.date(2027, 1, 1)) == expected
        assert month_year(dt.date(2027, 1, 31)) == expected


def test_a_month_of_a_timestamp_is_the_month_where_the_school_is(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Asia/Taipei")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        # 20:00 UTC on 31 January is already 1 February in Taipei.
        assert month_year(dt.datetime(2027, 1, 31, 20, 0, tzinfo=dt.UTC)) == "February 2027"
        assert month_year(None) == ""


@pytest.mark.parametrize(("locale", "zone", "expected"), [
    ("zh_Hant", "Asia/Taipei", "台北時間（UTC+8）"), ("zh_Hans", "Asia/Shanghai", "中国时间（UTC+8）"),
    ("zh_Hans", "Asia/Taipei", "UTC+8"),  # a mainland reader of a deployment on Taiwan's clock
    ("en", "Asia/Taipei", "Taiwan Time (UTC+8)"), ("en", "Asia/Kolkata", "India Time (UTC+5:30)"),
    ("en", "America/Caracas", "Venezuela Time (UTC-4)")])
def test_the_zone_times_are_typed_in_is_named_in_the_readers_words(app, monkeypatch, locale, zone, expected):
    """Forms that take a time say which zone, as the reader says it, not the zone database's Asia/Taipei."""
    monkeypatch.setitem(app.config, "TIMEZONE", zone)
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert zone_label() == expected


@pytest.mark.parametrize(("locale", "value", "expected"), [
    ("en", 1, "1 hour"), ("en", 1.0, "1 hour"), ("en", 3, "3 hours"), ("en", 1.5, "1.5 hours"),
    ("en", 2.5, "2.5 hours"), ("en", 5.17, "5 hours 10 minutes"), ("en", Decimal("2.50"), "2.5 hours"),
    ("en", 1234, "1,234 hours"), ("en", None, "0 hours"),
    ("zh_Hant", 3, "3 小時"), ("zh_Hant", 1.0, "1 小時"), ("zh_Hant", 1.5, "1.5 小時"),
    ("zh_Hans", 3, "3 小时"), ("zh_Hans", 1.0, "1 小时"), ("zh_Hans", 1.5, "1.5 小时"),
    # QA: a 40-minute lesson read "0.67 小時": under an hour in minutes, and minutes beside the hours where they
    # are not a half hour (a sum arrives rounded to two places: 5.17 is 310 minutes)
    ("en", 0.5, "30 minutes"), ("en", 2 / 3, "40 minutes"), ("en", 1 / 60, "1 minute"),
    ("en", 5 / 3, "1 hour 40 minutes"), ("en", 2.25, "2 hours 15 minutes"),
    ("zh_Hant", 2 / 3, "40 分鐘"), ("zh_Hant", 5 / 3, "1 小時 40 分鐘"),
    ("zh_Hans", 2 / 3, "40 分钟"), ("zh_Hans", 5 / 3, "1 小时 40 分钟"),
])
def test_hours_in_words_with_the_right_plural_and_decimals(app, locale, value, expected):
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert format_hours(value) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_Hans", "开展城乡同步课堂，年内不少于2门学科"), ("zh_Hant", "開展城鄉同步課堂，年內不少於2門學科"),
    ("en", "開展城鄉同步課堂，年内不少于2门学科")])
def test_a_funders_text_is_shown_in_the_readers_script(app, locale, expected):
    """A citation quoted in one script reads in the reader's (English readers get it as stored)."""
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert in_reader_script("開展城鄉同步課堂，年内不少于2门学科") == expected
        assert in_reader_script(None) == "" and in_reader_script("") == ""


@pytest.mark.parametrize(("locale", "moment", "stamp"), [
    ("en", "Jan 5, 2027, 15:07", "Jan 5, 2027, 15:07:09"),
    ("zh_Hant", "2027年1月5日 15:07", "2027年1月5日 15:07:09"),
    ("zh_Hans", "2027年1月5日 15:07", "2027年1月5日 15:07:09")])
def test_times_of_day_read_on_the_24_hour_clock_in_every_language(app, monkeypatch, locale, moment, stamp):
    """The activities' times read 15:00 in each language; a moment or a saved-at beside them read 3:07 PM in
    English and 下午3:07:09 in Traditional Chinese. One clock for all (spaces compared as plain spaces)."""
    from workspace.core.i18n import local_datetime, local_moment

    monkeypatch.setitem(app.config, "TIMEZONE", "Asia/Taipei")
    at = dt.datetime(2027, 1, 5, 7, 7, 9, tzinfo=dt.UTC)  # 15:07:09 in Taipei
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert " ".join(local_moment(at).split()) == moment
        assert " ".join(local_datetime(at).split()) == stamp
        for written in (local_moment(at), local_datetime(at), local_datetime(at, "short"), local_datetime(at, "long")):
            assert "PM" not in written and "午" not in written, written


def test_a_document_built_in_another_language_inside_a_request_reads_that_language_s_catalog(app):
    """The catalog is kept per request for speed; a Chinese reader's request that builds an English document
    (force_locale) once read the Chinese catalog inside it: the English form listed "(核心學校)"."""
    from flask_babel import force_locale

    from workspace.communities.labels import school_role_label

    with app.test_request_context(headers={"Accept-Language": "zh-TW"}), force_locale("zh_Hant"):
        assert school_role_label("core") == "核心學校"
        with force_locale("en"):
            assert school_role_label("core") == "Core school"
        assert school_role_label("core") == "核心學校"


@pytest.mark.parametrize(("locale", "text", "expected"), [
    ("en", "Results report (成果報告)", 'Results report (<span lang="zh-Hant">成果報告</span>)'),
    ("en", "a day as 民國100年1月1日, kept", 'a day as <span lang="zh-Hant">民國100年1月1日</span>, kept'),
    ("en", "the summary (附件1, Excel) <b>", 'the summary (<span lang="zh-Hant">附件</span>1, Excel) &lt;b&gt;'),
    ("zh_Hant", "成果報告", "成果報告"),
])
def test_chinese_terms_in_an_english_sentence_are_marked_as_chinese(app, locale, text, expected):
    """axe QA: a screen reader read 成果報告 in "Results report (成果報告)" with the English voice."""
    from workspace.core.templating import chinese_terms

    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert str(chinese_terms(text)) == expected


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    (5_000_000, "CNY", "CN¥50,000"), (5_000_050, "CNY", "CN¥50,000.50"), (30_000, "TWD", "NT$30,000"),
    (-1_200, "USD", "-$12"), (0, "CNY", "CN¥0")])
def test_a_whole_amount_can_drop_its_cents(app, amount, currency, expected):
    """A table of many amounts writes a whole one without .00 (the reviewers' table at 1280 px)."""
    from workspace.core.i18n import format_money

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_money(amount, currency, whole=True) == expected
        assert format_money(5_000_000, "CNY") == "CN¥50,000.00"  # by default the currency's decimals


@pytest.mark.parametrize(("size", "expected"), [
    (0, "0 bytes"), (1, "1 byte"), (900, "900 bytes"), (1024, "1 KB"), (1536, "1.5 KB"),
    (42_114_458, "40.2 MB"), (50 * 1024 * 1024, "50 MB"), (3 * 1024 ** 3 + 1024 ** 3 // 10, "3.1 GB")])
def test_a_file_size_reads_in_the_unit_people_use(app, size, expected):
    """QA: a 42 MB PDF read "41127.4 KB". Sizes count in 1,024s, as the upload limit ("50 MB") does."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_file_size(size) == expected
        rendered = app.jinja_env.from_string("{{ size|filesize }}").render(size=size)
        assert rendered == expected


def test_a_file_size_of_a_few_bytes_reads_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert format_file_size(12) == "12 字节"
        assert format_file_size(1_234_567_890_123) == "1,149.8 GB"
