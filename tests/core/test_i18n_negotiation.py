"""Accept-Language tags map onto our three locales the way teachers' browsers send them."""

from __future__ import annotations

import pytest

from workspace.core.forms import safe_next
from workspace.core.i18n import locale_from_tag, negotiate_locale


@pytest.mark.parametrize(("tag", "locale"), [
    ("zh-TW", "zh_Hant"), ("zh-HK", "zh_Hant"), ("zh-MO", "zh_Hant"), ("zh-Hant", "zh_Hant"),
    ("zh-Hant-TW", "zh_Hant"), ("zh-CN", "zh_Hans"), ("zh-SG", "zh_Hans"), ("zh-Hans-HK", "zh_Hans"),
    ("zh", "zh_Hans"), ("en-GB", "en"), ("en", "en"), ("fr", None), ("ja-JP", None),
])
def test_tags(tag, locale):
    assert locale_from_tag(tag) == locale


def test_quality_order_wins_and_unknown_languages_are_passed_over():
    assert negotiate_locale([("fr", 1.0), ("zh-TW", 0.8), ("en", 0.5)]) == "zh_Hant"
    assert negotiate_locale([("en", 0.3), ("zh-CN", 0.9)]) == "zh_Hans"
    assert negotiate_locale([("de", 1.0)]) is None


@pytest.mark.parametrize(("target", "expected"), [
    ("/c/math/", "/c/math/"), ("/c/math/?tab=1", "/c/math/?tab=1"), ("//evil.example", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("", "/"),
    (None, "/"),
])
def test_safe_next(target, expected):
    assert safe_next(target, "/") == expected
