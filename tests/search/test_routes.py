"""/search finds resources and board posts the person may read, in both Chinese scripts, and nothing else."""

from __future__ import annotations

import re

from tests.discussions.helpers import make_board
from tests.factories import add_member, make_community, make_user
from workspace.extensions import db
from workspace.resources import services as resources


def test_search_finds_resources_and_posts_across_scripts_but_only_what_the_person_reads(client, ctx):
    board = make_board()
    thread = board.thread(title="差異化教學怎麼分組", body="請分享")
    board.reply(thread, "我用學習單分成三組")
    sheet = resources.ResourceFields(title="分組學習單範例", kind="courseware")
    resources.create_text_resource(board.community, sheet, "學習單", actor=board.member)
    elsewhere = make_board(slug="elsewhere", convener="甲", member="乙", other="丙")
    elsewhere.thread(title="別的社群的分組討論", body="不公開")
    db.session.commit()
    client.login(board.member)
    page = client.get("/search?q=学习单").get_data(as_text=True)  # Simplified finds Traditional
    assert "分組學習單範例" in page.replace("<mark>", "").replace("</mark>", "")
    assert f"/c/board/discussions/{thread.id}?page=1#post-2" in page.replace("&amp;", "&")
    page = client.get("/search?q=分組").get_data(as_text=True)
    assert "別的社群" not in page  # another community's board stays closed
    fragment = client.hx("GET", "/search?q=分組").get_data(as_text=True)
    assert fragment.startswith('<div id="search-results"')
    client.login(make_user())
    page = client.get("/search?q=差異化").get_data(as_text=True)
    outsider = page.split('id="search-results"', 1)[1].split("<footer")[0]
    assert "差異化" not in outsider and "No thread or reply matches." in outsider
    assert client.get("/search").status_code == 200


def test_the_search_count_is_a_status_outside_the_results_that_htmx_fills_out_of_band(client, ctx):
    """QA 11: #search-results was the live region and was replaced as one typed: nothing was announced, or the
    whole list (1,179 characters) was."""
    board = make_board()
    board.thread(title="分組討論", body="請分享")
    sheet = resources.ResourceFields(title="分組學習單範例", kind="courseware")
    resources.create_text_resource(board.community, sheet, "學習單", actor=board.member)
    db.session.commit()
    client.login(board.member)
    page = client.get("/search").get_data(as_text=True)
    assert re.findall(r'<p id="search-status"[^>]*role="status"[^>]*>([^<]*)</p>', page) == [""]  # there, empty
    assert page.index('id="search-status"') < page.index('<div id="search-results"')
    assert "aria-live" not in re.search(r'<div id="search-results"[^>]*>', page).group(0)
    fragment = client.hx("GET", "/search?q=分組").get_data(as_text=True)
    status = re.findall(r'<p id="search-status"[^>]*hx-swap-oob="innerHTML"[^>]*>([^<]*)</p>', fragment)
    assert status == ["Found: 1 resource, 1 thread or reply, 0 plans"]
    nothing = client.hx("GET", "/search?q=沒有這個詞").get_data(as_text=True)
    assert re.findall(r'<p id="search-status"[^>]*>([^<]*)</p>', nothing) == [
        "Nothing found. Try fewer words, or another spelling."]


def test_a_plan_and_its_adaptation_are_told_apart_in_the_results(client, ctx):
    import re

    from tests.plans.helpers import make_team
    from workspace.plans import services as plans

    team = make_team()
    doc = team.plan("分數的加減")
    adaptation = plans.adapt(doc, actor=team.teacher)
    team.member.locale = "zh_Hant"
    db.session.commit()
    client.login(team.member)
    page = client.get("/search?q=分數").get_data(as_text=True)
    rows = {int(plan_id): row for plan_id, row in re.findall(
        r'<li class="thread-row">.*?/plans/(\d+)".*?(<p class="meta">.*?</p>)', page, re.S)}
    assert set(rows) == {doc.id, adaptation.id}
    assert re.search(r">二次備課</span> · <span[^>]*>王老師</span>", rows[adaptation.id])
    assert "共同教案" in rows[doc.id] and "二次備課" not in rows[doc.id]


def test_the_search_boxes_take_no_more_than_the_search_reads(client, ctx):
    """A query longer than the 200 characters a search reads made a URL past gunicorn's 4 KB request line: a bare
    414 in English. The boxes of the search, the board and the library stop at 200."""
    community = make_community(make_user())
    member = make_user()
    add_member(community, member)
    client.login(member)
    for url, box in (("/search", "search-q"), (f"/c/{community.slug}/discussions/", "board-q"),
                     (f"/c/{community.slug}/resources/", "q")):
        page = client.get(url).get_data(as_text=True)
        tag = re.search(rf'<input type="search" id="{box}"[^>]*>', page)
        assert tag is not None and 'maxlength="200"' in tag.group(0), url
