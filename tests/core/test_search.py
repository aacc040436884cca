"""Search: Chinese n-grams and script folding, English words and prefixes, filters, ranking, snippets, hostile input.

Every expectation is an exact list, so the same test proves that SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import delete, func, select, text

from tests.factories import make_community
from workspace.communities.models import Community
from workspace.core import search as search_module
from workspace.core.search import (
    SearchDocument,
    fold,
    highlight,
    index_document,
    reindex_all,
    remove_document,
    search,
)
from workspace.extensions import db

# (object_id, kind, community key, visibility, title, body)
CORPUS = [
    (1, "resource", "a", "community", "教案：分數的加法", "這是一份數學教案，給五年級教師使用。"),
    (2, "resource", "a", "community", "数学教案", "分数的加减，教师用。"),
    (3, "resource", "a", "community", "Fractions lesson plan",
     "Adding fractions with unlike denominators. 分數 practice."),
    (4, "resource", "a", "community", "課堂觀察紀錄", "觀課後的回饋與討論，下次再觀課。"),
    (5, "resource", "a", "community", "课程设计", "新教师的课程。"),
    (6, "resource", "a", "community", "Reading list", "Books about teaching and learning for teachers."),
    (7, "thread", "b", "community", "討論：教學反思", "教師社群的專業學習"),
    (8, "post", "b", "community", "", "数学 fraction games for class"),
    (9, "plan", "c", "public", "公開課 Public lesson", "歡迎觀摩"),
    (10, "resource", "a", "community", "概念", "分数很好，数的概念"),
]


@pytest.fixture()
def communities(ctx) -> dict[str, Community]:
    return {key: make_community() for key in "abc"}


@pytest.fixture()
def corpus(communities) -> dict[str, Community]:
    for object_id, kind, key, visibility, title, body in CORPUS:
        index_document(
            kind, object_id, community_id=communities[key].id, title=title, body=body, visibility=visibility
        )
    db.session.commit()
    return communities


def ids(query: str, **filters) -> list[int]:
    return [hit.object_id for hit in search(query, **filters).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("教案", [1, 2]),  # two characters, both scripts
        ("教案", [1, 2]),
        ("數學", [2, 8, 1]),  # Traditional finds Simplified; the title match first
        ("数学", [2, 8, 1]),
        ("教师", [7, 5, 2, 1]),  # Simplified finds Traditional
        ("教師", [7, 5, 2, 1]),
        ("課", [4, 5, 9]),  # one character, both scripts
        ("课", [4, 5, 9]),
        ("分數的", [1, 2]),  # three characters: the run itself, not just its bigrams (10 has 分数 and 数的)
        ("分数的加减", [2]),
        ("fraction", [3, 8]),
        ("Fractions", [3]),
        ("frac", [3, 8]),  # prefix
        ("FRAC", [3, 8]),  # case
        ("ＦＲＡＣ", [3, 8]),  # full width
        ("frac\u200btions", [3]),  # a zero-width space joins, not splits
        ("teach", [6]),
        ("教案 分數", [1, 2]),  # terms are ANDed
        ("fraction 數學", [8]),
        ("fraction 教案", []),
        ("觀", [4, 9]),
        ("public 課", [9]),
        ("概念", [10]),
    ],
)
def test_finds_what_a_teacher_expects(corpus, query, expected):
    assert ids(query) == expected


def test_total_and_paging(corpus):
    page = search("課", limit=2)
    assert (page.total, [hit.object_id for hit in page.hits], page.has_more) == (3, [4, 5], True)
    page = search("課", limit=2, offset=2)
    assert ([hit.object_id for hit in page.hits], page.has_more) == ([9], False)
    assert search("課", offset=10).hits == []


def test_ranks_title_matches_first_then_more_occurrences(corpus):
    page = search("教師")
    assert [(hit.object_id, hit.score) for hit in page.hits] == [(7, 1), (5, 1), (2, 1), (1, 1)]
    page = search("課")
    assert [(hit.object_id, hit.score) for hit in page.hits] == [(4, 1_000_002), (5, 1_000_001), (9, 1_000_000)]


def test_filters_by_kind_and_community(corpus):
    a, b, c = corpus["a"].id, corpus["b"].id, corpus["c"].id
    assert ids("數學", kinds=["resource"]) == [2, 1]
    assert ids("數學", kinds=["post", "thread"]) == [8]
    assert ids("數學", kinds=[]) == []
    assert ids("教師", community_ids=[b]) == [7]
    assert ids("教師", community_ids=[a, b], kinds=["resource"]) == [5, 2, 1]
    assert ids("課", community_ids=[a]) == [4, 5]
    assert ids("課", community_ids=[a], include_public=True) == [4, 5, 9]
    assert ids("課", community_ids=[], include_public=True) == [9]
    assert ids("課", community_ids=[]) == []
    assert ids("課", community_ids=[c]) == [9]


def test_removed_document_is_gone(corpus):
    assert remove_document("resource", 2) is True
    assert remove_document("resource", 2) is False
    assert ids("教案") == [1]
    assert ids("分數的") == [1]


def test_reindexing_replaces_the_text(corpus):
    a = corpus["a"].id
    index_document("resource", 1, community_id=a, title="Geometry", body="Triangles and 三角形")
    assert ids("教案") == [2]
    assert ids("triangle") == [1]
    assert ids("三角") == [1]
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == len(CORPUS)
    index_document("resource", 1, community_id=a, title="Geometry", body="Triangles", visibility="public")
    assert ids("triangle", community_ids=[], include_public=True) == [1]


def test_reindex_all_rebuilds_tokens(corpus):
    assert reindex_all() == len(CORPUS)
    assert ids("教師") == [7, 5, 2, 1]


def test_deleting_a_community_removes_its_documents(corpus):
    db.session.execute(delete(Community).where(Community.id == corpus["b"].id))
    db.session.commit()
    assert ids("教師") == [5, 2, 1]
    # A new document that may reuse a freed id does not inherit the old one's tokens.
    document = index_document("resource", 99, community_id=corpus["a"].id, title="new", body="nothing else")
    assert ids("社群") == []
    assert ids("nothing") == [99] and document.kind == "resource"


def test_snippet_marks_the_match_in_the_original_script(corpus):
    (hit,) = [hit for hit in search("教師").hits if hit.object_id == 2]
    assert hit.snippet == "分数的加减，<mark>教师</mark>用。"
    (hit,) = search("分數的 加減").hits
    assert hit.title_html == "数学教案"
    assert hit.snippet == "<mark>分数的加减</mark>，教师用。"
    hits = {hit.object_id: hit for hit in search("frac").hits}
    assert hits[3].title_html == "<mark>Fractions</mark> lesson plan"
    assert hits[3].snippet == "Adding <mark>fractions</mark> with unlike denominators. 分數 practice."
    assert hits[8].title_html == ""
    assert hits[8].snippet == "数学 <mark>fraction</mark> games for class"


def test_snippet_is_escaped_and_cut_around_the_match(ctx, communities):
    body = "<b>x</b> " + "前言" * 200 + " 社群 <script>alert(1)</script> " + "結語" * 200
    index_document("resource", 1, community_id=communities["a"].id, title="<i>社群</i> & co", body=body)
    (hit,) = search("社群").hits
    assert hit.title_html == "&lt;i&gt;<mark>社群</mark>&lt;/i&gt; &amp; co"
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<mark>社群</mark> &lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    (hit,) = search("前言").hits
    assert hit.snippet.startswith("&lt;b&gt;x&lt;/b&gt; <mark>前言前言")


def test_snippet_maps_folded_positions_back_despite_length_changes(ctx, communities):
    # ß folds to ss and ﬁ to fi: the folded text is longer than the original before the match.
    body = "Straße ﬁnal " * 40 + "教師研習 at the end"
    index_document("resource", 1, community_id=communities["a"].id, title="t", body=body)
    (hit,) = search("教师").hits
    assert "<mark>教師</mark>研習 at the end" in hit.snippet
    assert ids("strasse final") == [1]
    assert highlight("Straße ﬁnal", "strasse fin") == "<mark>Straße</mark> <mark>ﬁnal</mark>"


def test_folding():
    assert fold("教師ＡＢＣ Café ß") == "教师abc cafe ss"
    assert fold("e\u0301") == "e"
    assert fold("a\u200bb") == "ab"
    assert fold("a\x00b") == "a b"


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    "' OR 1=1 --",
    "教案 OR",
    "NEAR(a b)",
    "*",
    "-",
    "a AND",
    "title:x",
    "body: 教案",
    "^",
    "{title}: x",
    "教案*",
    "a' & b | !c <-> d:*",
    "\\",
    "%_",
    "x" * 2000,
    "教" * 2000,
    "教案 " * 1000,
    "😀",
    "教案😀",
    "\u200b\u200c\u200d\ufeff",
    "\x00",
    "\ud800",
    "'; DROP TABLE search_documents; --",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(corpus, query):
    page = search(query)
    assert page.total == len(page.hits) or page.total > len(page.hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", []),
        ('"', []),
        ("*", []),
        ("😀", []),
        ("\u200b", []),
        ("教案 OR", []),  # OR is a word to find, not an operator
        ('"教案"', [1, 2]),
        ("教案*", [1, 2]),
        ("-教案", [1, 2]),
        ("title:教案", []),
        ("教案😀", [1, 2]),
        ("教案 " * 1000, [1, 2]),
        ("'; DROP TABLE search_documents; --", []),
    ],
)
def test_hostile_queries_give_sensible_results(corpus, query, expected):
    assert ids(query) == expected
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == len(CORPUS)


def test_naughty_strings_as_documents_and_queries(ctx, communities, naughty):
    community_id = communities["a"].id
    for number, value in enumerate(naughty, start=1):
        index_document("resource", number, community_id=community_id, title=value[:500], body=value * 3)
    db.session.commit()
    for value in naughty:
        page = search(value, limit=5)
        assert len(page.hits) <= 5
        for hit in page.hits:
            assert isinstance(hit.snippet, str)
    # Each naughty string with something searchable finds at least its own document.
    for number, value in enumerate(naughty, start=1):
        if search_module._terms(value) and len(value) <= search_module.MAX_QUERY:
            assert number in ids(value, limit=100) or search(value).total > 100


def test_index_bounds_long_text(ctx, communities):
    body = "數學" * 60_000 + " tail"
    document = index_document("resource", 1, community_id=communities["a"].id, title="t" * 900, body=body)
    assert len(document.body) == search_module.MAX_BODY and len(document.title) == search_module.MAX_TITLE
    assert ids("数学") == [1]


@pytest.mark.skipif(os.environ.get("WORKSPACE_TEST_DB") == "postgres", reason="the FTS5 table exists on SQLite only")
def test_sqlite_index_follows_deletes(corpus):
    db.session.execute(delete(SearchDocument))
    assert db.session.scalar(text("SELECT count(*) FROM search_fts")) == 0
