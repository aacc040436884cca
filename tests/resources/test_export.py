"""A text resource downloaded as a Word document: what the page offers first, labelled in the reader's language,
counted like any download, and only for text (a file goes as it was uploaded)."""

from __future__ import annotations

import io
from urllib.parse import quote

import docx
from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from tests.resources.test_smoke import _new_text
from workspace.extensions import db
from workspace.resources.models import Resource


def _paragraphs(document) -> list[tuple[str, str]]:
    return [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs if paragraph.text]


def test_a_text_resource_downloads_as_word_with_its_fields_and_its_text(client, ctx):
    convener = make_user(display_name="陳老師", locale="zh_Hant")
    community = make_community(convener)
    client.login(convener)
    _new_text(client, community.slug, body="# 分數的加減\n\n先複習**通分**，再練習異分母分數的加法。\n\n- 例題\n- 練習")
    resource = db.session.scalar(select(Resource))
    page = client.get(f"/c/{community.slug}/resources/{resource.id}").get_data(as_text=True)
    word_link = f"/c/{community.slug}/resources/{resource.id}/download?format=docx"
    assert word_link in page and "下載（Word）" in page
    response = client.get(word_link)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"].endswith("''" + quote("分數的加減 教案.docx"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = _paragraphs(document)
    assert paragraphs[0] == ("Title", "分數的加減 教案")
    assert ("Heading 1", "分數的加減") in paragraphs  # the text's own heading under the title, not below a level
    assert any(text == "先複習通分，再練習異分母分數的加法。" for _style, text in paragraphs)
    fields = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert fields["社群"] == community.name and fields["新增者"] == "陳老師"
    assert (fields["學科"], fields["年級"]) == ("數學", "五年級")
    assert sorted(fields["標籤"].split()) == sorted(["#分數", "#五年級"])  # as the page lists them
    assert fields["版本"].startswith("第 1 版")
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).download_count == 1


def test_the_markdown_stays_one_click_away_and_each_version_offers_both(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    _new_text(client, community.slug)
    resource = db.session.scalar(select(Resource))
    page = client.get(f"/c/{community.slug}/resources/{resource.id}").get_data(as_text=True)
    assert f"/c/{community.slug}/resources/{resource.id}/download?version=1&amp;format=docx" in page
    assert f"/c/{community.slug}/resources/{resource.id}/download?version=1\"" in page
    markdown = client.get(f"/c/{community.slug}/resources/{resource.id}/download")
    assert markdown.mimetype == "text/markdown" and markdown.get_data(as_text=True).startswith("# 分數的加減")


def test_only_text_comes_as_word_and_an_unknown_format_names_nothing(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/resources/new", {
        "source": "files", "title": "學習單", "kind": "courseware", "visibility": "community",
        "files": [(io.BytesIO("第一版 分數 課件".encode()), "課件.txt")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    uploaded = db.session.scalar(select(Resource))
    assert client.get(f"/c/{community.slug}/resources/{uploaded.id}/download?format=docx").status_code == 404
    assert client.get(f"/c/{community.slug}/resources/{uploaded.id}/download").status_code == 200
    _new_text(client, community.slug, title="文字教案")
    text = db.session.scalar(select(Resource).where(Resource.title == "文字教案"))
    for value in ("pdf", "DOCX", "../docx", "docx;", "x" * 300):
        assert client.get(f"/c/{community.slug}/resources/{text.id}/download",
                          query_string={"format": value}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Resource, text.id).download_count == 0  # a refused format counts nothing


def test_the_word_download_is_guarded_as_the_resource_is(client, make_client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    _new_text(client, community.slug, visibility="community")
    resource = db.session.scalar(select(Resource))
    url = f"/c/{community.slug}/resources/{resource.id}/download?format=docx"
    outsider = make_client()
    outsider.login(make_user())
    assert outsider.get(url).status_code in (403, 404)
    assert make_client().get(url).status_code in (302, 401, 403, 404)  # not signed in: not the file
    member = make_user()
    add_member(community, member)
    reader = make_client()
    reader.login(member)
    assert reader.get(url).status_code == 200


def test_the_word_download_holds_the_pictures_its_reader_may_see(client, make_client, ctx):
    """A published plan shows the community's photo from the library: a member's Word file holds it; a visitor,
    who may not see the members-only photo (the page shows them no picture either), reads its alt."""
    from tests.documents import docx_text
    from tests.media import png_bytes
    from workspace.core.storage import store_upload
    from workspace.resources import services

    convener = make_user()
    community = make_community(convener)
    photo = services.create_file_resource(community, services.ResourceFields(title="板書", kind="courseware"),
                                          store_upload(io.BytesIO(png_bytes(30, 20)), "板書.png"), actor=convener)
    db.session.commit()
    client.login(convener)
    _new_text(client, community.slug, title="分數的初步認識", visibility="public",
              body=f"## 學習單\n\n![板書](/c/{community.slug}/resources/{photo.id}/download)")
    text = db.session.scalar(select(Resource).where(Resource.title == "分數的初步認識"))
    url = f"/c/{community.slug}/resources/{text.id}/download?format=docx"
    member_file = client.get(url).data
    assert len(docx.Document(io.BytesIO(member_file)).inline_shapes) == 1 and "[板書]" not in docx_text(member_file)
    visitor_file = make_client().get(url).data
    assert len(docx.Document(io.BytesIO(visitor_file)).inline_shapes) == 0 and "[板書]" in docx_text(visitor_file)
