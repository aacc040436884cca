"""Large result sets: past RERANK_LIMIT matches, title hits come first, newest first, then the rest.

SQLite reads them from the index in rowid order and stops at the page; PostgreSQL sorts in SQL.
The order and the paging must be the same on both.
"""

from __future__ import annotations

import pytest

from tests.factories import make_community
from workspace.core import search
from workspace.extensions import db


@pytest.fixture()
def small_limit(monkeypatch):
    monkeypatch.setattr(search, "RERANK_LIMIT", 3)


def _index(community_id: int) -> dict[str, int]:
    docs = {
        "a": ("分數的教案", "練習"),            # title hit
        "b": ("閱讀", "分數 分數 分數"),          # body only, many occurrences (ignored past the limit)
        "c": ("分数与小数", "课后"),              # title hit (Simplified)
        "d": ("實驗", "分數"),                  # body only
        "e": ("分數的加減", "通分"),             # title hit
        "f": ("數學", "分數的意義"),             # body only
    }
    ids = {}
    for number, (key, (title, body)) in enumerate(docs.items(), start=1):
        search.index_document("resource", number, community_id=community_id, title=title, body=body)
        ids[key] = number
    db.session.commit()
    return ids


def _objects(page) -> list[int]:
    return [hit.object_id for hit in page.hits]


def test_title_hits_first_then_the_rest_newest_first(ctx, small_limit):
    ids = _index(make_community().id)
    everything = search.search("分數", kinds=["resource"], limit=10)
    assert _objects(everything) == [ids["e"], ids["c"], ids["a"], ids["f"], ids["d"], ids["b"]]
    assert everything.total == 4  # counted to RERANK_LIMIT + 1, no further


@pytest.mark.parametrize(("offset", "limit"), [(0, 2), (2, 2), (3, 2), (4, 2), (1, 4), (5, 3)])
def test_pages_cut_across_titles_and_bodies(ctx, small_limit, offset, limit):
    ids = _index(make_community().id)
    order = [ids["e"], ids["c"], ids["a"], ids["f"], ids["d"], ids["b"]]
    page = search.search("分數", kinds=["resource"], limit=limit, offset=offset)
    # The count stops at RERANK_LIMIT + 1 (4 here): pages starting past it are empty.
    assert _objects(page) == (order[offset:offset + limit] if offset < 4 else [])


def test_long_terms_check_the_run_in_titles(ctx, small_limit):
    ids = _index(make_community().id)
    # 分數的 as a run: only titles that contain it are title hits; bodies with it follow.
    page = search.search("分數的", kinds=["resource"], limit=10)
    assert _objects(page)[:2] == [ids["e"], ids["a"]]
    assert ids["f"] in _objects(page)


def test_scope_still_applies(ctx, small_limit):
    first, second = make_community(), make_community()
    _index(first.id)
    search.index_document("resource", 99, community_id=second.id, title="分數", body="")
    db.session.commit()
    page = search.search("分數", kinds=["resource"], community_ids=[second.id], limit=10)
    assert _objects(page) == [99]
