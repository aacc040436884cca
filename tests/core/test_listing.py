"""Lists are joined with the reader's separator: ", " in English, 、 in Chinese (QA: English pages read
"Maths、Science" and "青溪县城关第一小学、青溪县桃岭村小学" where every list was joined with 、)."""

from __future__ import annotations

from flask_babel import force_locale
from markupsafe import Markup

from tests.factories import make_community, make_school, make_user
from workspace.core.i18n import listing
from workspace.extensions import db


def test_listing_uses_the_reader_s_separator(ctx):
    with force_locale("en"):
        assert listing(["Maths", "Science"]) == "Maths, Science"
    for locale in ("zh_Hant", "zh_Hans"):
        with force_locale(locale):
            assert listing(["數學", "自然"]) == "數學、自然"
    with force_locale("en"):
        assert listing([]) == "" and listing(("one",)) == "one"


def test_a_list_of_marked_items_stays_markup_and_escapes_the_others(ctx):
    with force_locale("en"):
        joined = listing([Markup('<span lang="zh-Hant">光華國小</span>'), "<b>A & B</b>"])
    assert isinstance(joined, Markup)
    assert joined == '<span lang="zh-Hant">光華國小</span>, &lt;b&gt;A &amp; B&lt;/b&gt;'


def test_a_community_s_schools_and_a_member_s_subjects_read_as_lists_of_the_reader_s_language(client, ctx):
    convener = make_user(locale="en")
    community = make_community(convener, schools=[make_school(name="青溪县城关第一小学"),
                                                   make_school(name="青溪县桃岭村小学")])
    convener.subjects = ["Maths", "Science"]
    db.session.commit()
    client.login(convener)
    page = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    assert "Maths, Science" in page and "Maths、Science" not in page
    # Each school marked with its own language (QA13: the header's schools were read with an English voice).
    first, second = '<span lang="zh-Hans">青溪县城关第一小学</span>', '<span lang="zh-Hans">青溪县桃岭村小学</span>'
    assert f"{first}, {second}" in page or f"{second}, {first}" in page
    convener.locale = "zh_Hant"
    db.session.commit()
    page = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    assert "Maths、Science" in page
