"""Resource routes through the test client: bad inputs answered kindly, fragments, trash, versions, listing."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.factories import add_member, make_community, make_user
from tests.media import png_bytes
from workspace.core.database import utcnow
from workspace.core.models import Blob
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services
from workspace.resources.models import Resource, ResourceVersion

FORM = {"source": "files", "kind": "courseware", "visibility": "community", "title": "", "subject": "",
        "grade": "", "tags": "", "description": ""}
TEXT = {"source": "text", "title": "分數教案", "kind": "lesson_plan", "subject": "數學", "grade": "五年級",
        "tags": "分數", "description": "", "visibility": "community", "body": "# 分數\n\n通分"}
HOSTILE = ('<script>alert("x1")</script>\n\n[link](javascript:alert(2)) <a href="JaVaScRiPt:alert(3)">y</a>\n\n'
           '<img src="x" onerror="alert(4)"> <b onclick="alert(5)">bold</b>\n\n'
           '![pic](data:image/png;base64,iVBORw0KGgo=) <a href="data:text/html,<b>hi</b>">d</a> marker-word')


@pytest.fixture()
def community(ctx):
    return make_community(make_user(), slug="lib")


@pytest.fixture()
def convener(client, community):
    client.login(community_convener(community))
    return community_convener(community)


def community_convener(community):
    from workspace.communities.models import Membership

    return db.session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                      Membership.role == "convener")).user


def upload(client, files, slug="lib", headers=None, **fields):
    data = {**FORM, **fields, "files": files}
    return client.post_form(f"/c/{slug}/resources/new", data, content_type="multipart/form-data",
                            headers=headers or {})


def add_text(client, slug="lib", **fields):
    return client.post_form(f"/c/{slug}/resources/new", {**TEXT, **fields})


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field}"
    return match.group(1)


def make_text(community, actor, title="Plan", **fields):
    body = fields.pop("body", None) or f"Text of {title}"
    resource = services.create_text_resource(
        community, services.ResourceFields(title=title, kind=fields.pop("kind", "lesson_plan"), **fields),
        body, actor=actor)
    db.session.commit()
    return resource


def results(page: str) -> str:
    return page.split('id="results"', 1)[1]


# --- bad uploads ---------------------------------------------------------------------------------


def test_empty_file_is_refused_beside_the_files_field(client, convener):
    response = upload(client, [(io.BytesIO(b""), "empty.txt")])
    assert response.status_code == 422
    assert "The file is empty" in field_error(response.get_data(as_text=True), "files")
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_oversized_file_answers_413_beside_the_files_field(client, convener, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    response = upload(client, [(io.BytesIO(b"a" * (1024 * 1024 + 10)), "big.txt")])
    assert response.status_code == 413
    assert "larger than 1 MB" in field_error(response.get_data(as_text=True), "files")
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 0


def test_disguised_executable_is_refused(client, convener):
    response = upload(client, [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), "notes.docx")])
    assert response.status_code == 422
    assert "looks like a program" in field_error(response.get_data(as_text=True), "files")
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_a_web_page_named_as_a_pdf_is_refused_beside_the_files_field_saying_what_it_looks_like(client, convener):
    """QA round 13: HTML named evil.pdf (SVG named .png, HTML named .docx) was added to the library and served as
    "evil.pdf.txt", without a word; the receipt form refused the same file. The library now says why beside the
    field; uploaded one by one (the page's script), the other files of the choice are added as usual."""
    from tests.core.test_storage import PDF_BYTES, SVG, WEB_PAGE

    for body, name, words in ((WEB_PAGE, "evil.pdf", "not in PDF format"), (SVG, "evil.png", "not in PNG format"),
                              (WEB_PAGE, "x.docx", "not in Word format")):
        response = upload(client, [(io.BytesIO(body), name)])
        assert response.status_code == 422
        error = field_error(response.get_data(as_text=True), "files")
        assert words in error and ("web page" in error or "SVG drawing" in error), error
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0
    # One request per file: the refused one says why, its neighbour is added.
    refused = upload(client, [(io.BytesIO(WEB_PAGE), "evil.pdf")], headers={"X-Upload": "1"}, batch="2")
    assert refused.status_code == 422 and "its content looks like a web page" in refused.get_data(as_text=True)
    added = upload(client, [(io.BytesIO(PDF_BYTES), "教案.pdf")], headers={"X-Upload": "1"}, batch="2")
    assert added.status_code == 201
    assert [version.filename for version in db.session.scalars(select(ResourceVersion))] == ["教案.pdf"]
    # All at once (no script): nothing is added, and the message names the file refused.
    response = upload(client, [(io.BytesIO(PDF_BYTES), "教案二.pdf"), (io.BytesIO(WEB_PAGE), "evil.pdf")])
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "files").startswith("evil.pdf: This file is not in PDF")
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 1


def test_path_and_control_characters_are_cleaned_from_the_file_name(client, convener):
    response = upload(client, [(io.BytesIO("題目".encode()), "../../評量\x07單\x1b.txt")])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    version = db.session.scalar(select(ResourceVersion))
    assert version.filename == "評量單.txt"
    download = client.get(f"/c/lib/resources/{version.resource_id}/download")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('評量單.txt')}" in disposition
    assert ".." not in disposition and "/" not in disposition.split("filename*=")[0]


def test_very_long_chinese_file_name_is_shortened(client, convener):
    name = "長" * 300 + ".txt"
    response = upload(client, [(io.BytesIO("內容".encode()), name)])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    resource = db.session.scalar(select(Resource))
    assert len(resource.current_version.filename) <= 200 and resource.current_version.filename.endswith(".txt")
    assert 0 < len(resource.title) <= services.MAX_TITLE
    assert client.get(f"/c/lib/resources/{resource.id}").status_code == 200


def test_same_file_twice_is_stored_once(client, convener):
    for _ in range(2):
        assert upload(client, [(io.BytesIO(b"same bytes"), "same.txt")]).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 2


def test_one_file_per_request_answers_201_with_a_link_or_422_with_the_error(client, convener):
    response = upload(client, [(io.BytesIO(b"lesson"), "one.txt")], headers={"X-Upload": "1"})
    assert response.status_code == 201
    resource = db.session.scalar(select(Resource))
    page = response.get_data(as_text=True)
    assert f'href="/c/lib/resources/{resource.id}"' in page and "one" in page and "<html" not in page
    response = upload(client, [(io.BytesIO(b""), "empty.txt")], headers={"X-Upload": "1"})
    assert response.status_code == 422
    assert "The file is empty" in response.get_data(as_text=True)


def test_no_file_chosen_is_answered_beside_the_files_field(client, convener):
    response = client.post_form("/c/lib/resources/new", FORM)
    assert response.status_code == 422
    assert "Choose at least one file" in field_error(response.get_data(as_text=True), "files")
    # The field itself is marked and described (a screen reader hears why), and the page opens on it.
    field = re.search(r'<input type="file" id="files"[^>]*>', response.get_data(as_text=True)).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="files-error files-help"' in field
    assert "autofocus" in field


# --- bad form fields -----------------------------------------------------------------------------


def test_a_thousand_tags_are_refused_and_the_typed_text_kept(client, convener):
    typed = ",".join(f"t{number}" for number in range(1000))
    response = add_text(client, tags=typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at most 20 tags" in field_error(page, "tags")
    assert f'value="{typed}"' in page
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_one_very_long_tag_is_told_the_length_of_a_tag_too(client, convener):
    """QA: one tag of 3,000 letters, no comma, was told "at most 20 tags": the person had typed one."""
    response = add_text(client, tags="A" * 3000)
    assert response.status_code == 422
    assert "each of at most 40 characters" in field_error(response.get_data(as_text=True), "tags")


def test_too_many_short_tags_are_refused_with_the_limit(client, convener):
    response = add_text(client, tags=", ".join(f"t{number}" for number in range(25)))
    assert response.status_code == 422
    assert "at most 20 tags" in field_error(response.get_data(as_text=True), "tags")


def test_empty_title_of_a_text_is_refused_beside_the_title(client, convener):
    response = add_text(client, title="   ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "required" in field_error(page, "title")
    assert "通分" in page  # the typed body is kept


def test_a_text_without_title_or_text_and_with_too_many_tags_is_refused_beside_each_at_once(client, convener):
    response = add_text(client, title="", body=" ", tags=", ".join(f"標籤{n}" for n in range(21)), grade="年" * 61)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "required" in field_error(page, "title")
    assert field_error(page, "body") == "Write the text of the resource."
    assert "at most 20 tags" in field_error(page, "tags")
    assert "30" in field_error(page, "grade")  # the form's own check, shown with the service's
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_no_file_and_a_too_long_subject_are_refused_together(client, convener):
    response = client.post_form("/c/lib/resources/new", {**FORM, "subject": "科" * 61},
                                content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "60" in field_error(page, "subject") and field_error(page, "files") == "Choose at least one file."
    assert "title-error" not in page  # a file is named after itself: no title needed


def test_hostile_markdown_is_removed_from_the_page(client, convener):
    response = add_text(client, description=HOSTILE, body=HOSTILE)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("marker-word") == 2  # the description and the body are both shown
    for bad in ('alert("x1")</script>', "javascript:", "JaVaScRiPt", "onerror", "onclick", "data:image",
                "data:text"):
        assert bad.lower() not in page.lower(), bad


@pytest.mark.parametrize("query", ['"', '""', "'", '"分數', "NEAR(a b)", "a OR b", "a AND NOT b", "*", "a*", "-a",
                                   "title:x", "'; DROP TABLE resources; --", "1' OR '1'='1", "%_\\", "(((", "^"])
def test_odd_search_queries_answer_200(client, convener, community, query):
    make_text(community, community_convener(community), title="Plan OR notes")
    response = client.get("/c/lib/resources/", query_string={"q": query})
    assert response.status_code == 200
    assert client.get("/library/", query_string={"q": query}).status_code == 200


def test_edit_with_errors_keeps_typed_values(client, convener, community):
    resource = make_text(community, convener)
    response = client.post_form(f"/c/lib/resources/{resource.id}/edit", {
        "title": "", "kind": "reading", "subject": "Typed subject", "grade": "Grade 9" * 7,
        "tags": "kept-tag", "description": "Typed description", "visibility": "school"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title")
    assert field_error(page, "grade")  # too long for the form: shown together with the empty title
    for typed in ('value="Typed subject"', 'value="Grade 9Grade 9', 'value="kept-tag"', "Typed description"):
        assert typed in page, typed
    db.session.refresh(resource)
    assert resource.title == "Plan" and resource.subject == ""


def test_edit_saves_and_redirects(client, convener, community):
    resource = make_text(community, convener)
    response = client.post_form(f"/c/lib/resources/{resource.id}/edit", {
        "title": "New title", "kind": "reading", "subject": "Maths", "grade": "", "tags": "a, b",
        "description": "", "visibility": "school"})
    assert response.status_code == 302
    db.session.refresh(resource)
    assert (resource.title, resource.kind, resource.visibility) == ("New title", "reading", "school")
    assert [tag.name for tag in resource.tags] == ["a", "b"]


# --- favourites and comments ---------------------------------------------------------------------


def test_favourite_toggles_and_answers_htmx_with_the_button(client, convener, community):
    resource = make_text(community, convener)
    url = f"/c/lib/resources/{resource.id}/favourite"
    first = client.hx("post", url)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert 'id="favourite"' in page and 'aria-pressed="true"' in page and "<html" not in page
    listing = client.get("/c/lib/resources/").get_data(as_text=True)
    assert "★" in results(listing)
    assert "★ Favourited</button>" in page  # the label says the state too, not only aria-pressed
    assert "Plan" in results(client.get("/c/lib/resources/?favourites=1").get_data(as_text=True))
    second = client.hx("post", url).get_data(as_text=True)
    assert 'aria-pressed="false"' in second and "☆ Favourite</button>" in second
    # the page cache knows the mark is gone
    assert "resource-row" not in results(client.get("/c/lib/resources/?favourites=1").get_data(as_text=True))
    assert client.post_form(url).status_code == 302  # without JavaScript: back to the resource


def test_comment_answers_htmx_with_the_sanitized_comments(client, convener, community):
    resource = make_text(community, convener)
    response = client.hx("post", f"/c/lib/resources/{resource.id}/comments", {"body": HOSTILE})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith(("{", "<section")) and 'id="comments"' in page and "<html" not in page
    assert "marker-word" in page
    for bad in ("<script", "javascript:", "onerror", "onclick", "data:"):
        assert bad not in page.lower(), bad
    assert "<textarea" in page and "marker-word</textarea>" not in page  # the form is emptied for the next one
    empty = client.hx("post", f"/c/lib/resources/{resource.id}/comments", {"body": "  "})
    assert empty.status_code == 422 and 'id="comments"' in empty.get_data(as_text=True)
    assert "<html" not in empty.get_data(as_text=True)


# --- trash ---------------------------------------------------------------------------------------


def test_trash_hides_restore_brings_back_purge_deletes(client, convener, community, make_client):
    resource = make_text(community, convener, title="Trashable zebra")
    rid = resource.id
    assert "Trashable" in results(client.get("/c/lib/resources/?q=zebra").get_data(as_text=True))
    assert client.post_form(f"/c/lib/resources/{rid}/delete").status_code == 302
    assert "Trashable" not in results(client.get("/c/lib/resources/").get_data(as_text=True))
    assert "Trashable" not in results(client.get("/c/lib/resources/?q=zebra").get_data(as_text=True))
    assert "Trashable" not in results(client.get("/library/?q=zebra").get_data(as_text=True))
    assert "Trashable" in client.get("/c/lib/resources/trash").get_data(as_text=True)
    assert client.post_form(f"/c/lib/resources/{rid}/restore").status_code == 302
    assert "Trashable" in results(client.get("/c/lib/resources/?q=zebra").get_data(as_text=True))
    assert client.post_form(f"/c/lib/resources/{rid}/delete").status_code == 302
    admin = make_client().login(make_user(is_admin=True))
    response = admin.post_form(f"/c/lib/resources/{rid}/purge")
    assert response.status_code == 302 and response.headers["Location"].endswith("/c/lib/resources/trash")
    db.session.expire_all()
    assert db.session.get(Resource, rid) is None
    assert db.session.scalar(select(func.count()).select_from(ResourceVersion)) == 0
    assert client.get(f"/c/lib/resources/{rid}").status_code == 404


# --- versions and downloads ----------------------------------------------------------------------


def test_new_version_becomes_default_and_old_stays_downloadable(client, convener, community):
    resource = make_text(community, convener, body="First words")
    response = client.post_form(f"/c/lib/resources/{resource.id}/versions", {"body": "Second words", "note": "v2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#versions")
    page = client.get(f"/c/lib/resources/{resource.id}").get_data(as_text=True)
    assert "Second words" in page and "?version=1" in page
    assert b"Second words" in client.get(f"/c/lib/resources/{resource.id}/download").data
    assert b"First words" in client.get(f"/c/lib/resources/{resource.id}/download?version=1").data
    assert client.get(f"/c/lib/resources/{resource.id}/download?version=9").status_code == 404
    assert client.get(f"/c/lib/resources/{resource.id}/download?version=x").status_code == 404
    empty = client.post_form(f"/c/lib/resources/{resource.id}/versions", {"body": " ", "note": ""})
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "version-body")


def test_file_version_needs_a_file(client, convener):
    upload(client, [(io.BytesIO(b"one"), "a.txt")])
    resource = db.session.scalar(select(Resource))
    response = client.post_form(f"/c/lib/resources/{resource.id}/versions", {"note": "x"},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the new file" in field_error(response.get_data(as_text=True), "version-file")


def test_a_new_version_that_is_a_web_page_named_as_a_pdf_is_refused_beside_its_field(client, convener):
    from tests.core.test_storage import PDF_BYTES, WEB_PAGE

    upload(client, [(io.BytesIO(PDF_BYTES), "教案.pdf")])
    resource = db.session.scalar(select(Resource))
    response = client.post_form(f"/c/lib/resources/{resource.id}/versions",
                                {"note": "v2", "file": (io.BytesIO(WEB_PAGE), "教案 v2.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True), "version-file")
    assert "This file is not in PDF format" in error and "looks like a web page" in error
    assert db.session.scalar(select(func.count()).select_from(ResourceVersion)) == 1


def test_downloads_are_counted(client, convener, community):
    resource = make_text(community, convener)
    for _ in range(3):
        assert client.get(f"/c/lib/resources/{resource.id}/download").status_code == 200
    db.session.refresh(resource)
    assert resource.download_count == 3


# --- the list ------------------------------------------------------------------------------------


def test_list_fragment_for_htmx_has_no_page_around_it(client, convener, community):
    make_text(community, convener, title="Listed")
    full = client.get("/c/lib/resources/")
    fragment = client.get("/c/lib/resources/", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    page = fragment.get_data(as_text=True)
    assert "<html" not in page and 'id="results"' in page and "Listed" in page
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]
    library = client.get("/library/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in library and "Listed" in library


def test_the_count_is_a_status_outside_the_list_that_htmx_fills_out_of_band(client, convener, community):
    """QA 11: the list was its own live region and was replaced by every swap, so the new count was not announced."""
    for title in ("分數教學", "分數評量", "幾何"):
        make_text(community, convener, title=title)
    page = client.get("/c/lib/resources/?q=分數").get_data(as_text=True)
    statuses = re.findall(r'<p id="results-status"([^>]*)>([^<]*)</p>', page)
    assert [text for _attrs, text in statuses] == ["2 resources"]
    assert 'role="status"' in statuses[0][0] and "hx-swap-oob" not in statuses[0][0]
    assert page.index('id="results-status"') < page.index('<section id="results"')  # not inside the list
    assert "aria-live" not in re.search(r'<section id="results"[^>]*>', page).group(0)
    fragment = client.get("/c/lib/resources/?q=幾何", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<section id="results"')
    assert re.findall(r'<p id="results-status"[^>]*hx-swap-oob="innerHTML"[^>]*>([^<]*)</p>', fragment) == [
        "1 resource"]
    boosted = client.get("/c/lib/resources/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.get_data(as_text=True).count('id="results-status"') == 1  # a page: the region, no swap
    library = client.get("/library/?q=分數").get_data(as_text=True)
    assert library.count('id="results-status"') == 1


def _order(page: str, titles: list[str]) -> list[str]:
    body = results(page)
    return sorted(titles, key=body.index)


def test_sorting_by_downloads_and_newest(client, convener, community):
    import datetime as dt

    old = make_text(community, convener, title="Old popular")
    new = make_text(community, convener, title="New quiet")
    old.updated_at = new.updated_at - dt.timedelta(days=2)
    old.download_count = 5
    db.session.commit()
    titles = ["Old popular", "New quiet"]
    assert _order(client.get("/c/lib/resources/?sort=newest").get_data(as_text=True), titles) == \
        ["New quiet", "Old popular"]
    assert _order(client.get("/c/lib/resources/?sort=downloads").get_data(as_text=True), titles) == \
        ["Old popular", "New quiet"]
    assert _order(client.get("/c/lib/resources/?sort=nonsense").get_data(as_text=True), titles) == \
        ["New quiet", "Old popular"]


def test_filters_by_kind_subject_grade_and_tag(client, convener, community):
    make_text(community, convener, title="Alpha", kind="reading", subject="Maths", grade="G5", tags="shapes")
    make_text(community, convener, title="Beta", kind="lesson_plan", subject="Science", grade="G6", tags="Cells")
    for query, shown, hidden in (("kind=reading", "Alpha", "Beta"), ("subject=Science", "Beta", "Alpha"),
                                 ("grade=G5", "Alpha", "Beta"), ("tag=cells", "Beta", "Alpha"),
                                 ("tag=shapes&kind=reading", "Alpha", "Beta")):
        body = results(client.get(f"/c/lib/resources/?{query}").get_data(as_text=True))
        assert shown in body and hidden not in body, query
    body = results(client.get("/c/lib/resources/?kind=video").get_data(as_text=True))
    assert "Alpha" not in body and "Beta" not in body


def subject_options(page: str) -> list[str]:
    select_ = page.split('name="subject"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_)


def test_one_subject_in_both_scripts_is_one_option_and_either_lists_both(client, convener, community):
    make_text(community, convener, title="Mainland plan", subject="数学", grade="五年级")
    make_text(community, convener, title="Taiwan plan", subject="數學", grade="五年級")
    make_text(community, convener, title="Reading plan", subject="語文")
    simplified = {"Accept-Language": "zh-CN"}
    for list_url in ("/c/lib/resources/", "/library/"):
        page = client.get(list_url, headers=simplified).get_data(as_text=True)
        assert subject_options(page)[1:] == ["数学", "语文"], list_url
        for typed in ("数学", "數學", quote("數學")):
            body = client.get(f"{list_url}?subject={typed}", headers=simplified).get_data(as_text=True)
            assert "Mainland plan" in results(body) and "Taiwan plan" in results(body), (list_url, typed)
            assert "Reading plan" not in results(body)
            assert "<option selected>数学</option>" in body  # the choice stays shown, in the reader's script
        traditional = client.get(f"{list_url}?grade=五年级", headers={"Accept-Language": "zh-TW"})
        body = traditional.get_data(as_text=True)
        assert "<option selected>五年級</option>" in body and "Taiwan plan" in results(body)
        assert "Mainland plan" in results(body)


def test_my_favourites_filter_is_a_checkbox_kept_in_the_url_and_the_pages(client, convener, community):
    for number in range(30):
        resource = make_text(community, convener, title=f"Item {number:02d}")
        if number % 10:
            services.toggle_favourite(resource, convener)
    make_text(community, convener, title="Not marked")
    db.session.commit()
    plain = client.get("/c/lib/resources/").get_data(as_text=True)
    assert 'id="favourites-only" name="favourites" value="1" >' in plain  # shown, not ticked
    for list_url in ("/c/lib/resources/", "/library/"):
        first = client.get(f"{list_url}?favourites=1").get_data(as_text=True)
        assert 'name="favourites" value="1" checked' in first, list_url
        assert "27 resources" in results(first) and "Not marked" not in results(first)
        assert "Item 00" not in results(first) and "Item 10" not in results(first)
        assert re.search(r'href="[^"]*\?[^"]*favourites=1[^"]*page=2', results(first)), "the next page keeps it"
        second = client.hx("get", f"{list_url}?favourites=1&page=2").get_data(as_text=True)
        assert second.count('class="resource-row"') == 3 and "<html" not in second
    assert client.get("/library/?favourites=1&sort=newest").status_code == 200


def test_visitors_get_no_favourites_checkbox_and_an_empty_favourites_list(client, community):
    make_text(community, community_convener(community), title="Open plan", visibility="public")
    page = client.get("/library/?favourites=1").get_data(as_text=True)
    assert 'name="favourites"' not in page and "Open plan" not in results(page)
    assert "Open plan" in results(client.get("/library/").get_data(as_text=True))


def test_pagination_shows_24_a_page(client, convener, community):
    for number in range(30):
        make_text(community, convener, title=f"Item {number:02d}")
    first = results(client.get("/c/lib/resources/").get_data(as_text=True))
    second = results(client.get("/c/lib/resources/?page=2").get_data(as_text=True))
    assert first.count('class="resource-row"') == 24 and second.count('class="resource-row"') == 6
    assert "Page 1 of 2" in first and "page=2" in first
    assert not set(re.findall(r"Item \d\d", first)) & set(re.findall(r"Item \d\d", second))
    assert client.get("/c/lib/resources/?page=3").status_code == 404  # past the last page (core.pagination)


def test_member_sees_community_resources_of_other_authors_in_the_list(client, convener, community, make_client):
    make_text(community, convener, title="Shared plan")
    member = add_member(community).user
    body = results(make_client().login(member).get("/c/lib/resources/").get_data(as_text=True))
    assert "Shared plan" in body


def test_a_resource_trashed_or_restored_again_from_a_second_tab_is_told_it_already_is(client, ctx):
    """QA: the second press answered 403 "your role does not allow it"."""
    author = make_user()
    community = make_community(make_user())
    add_member(community, author)
    resource = make_text(community, author, title="分數條")
    client.login(author)
    base = f"/c/{community.slug}/resources/{resource.id}"
    for _press in range(2):
        answer = client.post_form(base + "/delete", follow_redirects=True)
        assert answer.status_code == 200
    assert "It is already in the trash." in answer.get_data(as_text=True)
    for _press in range(2):
        answer = client.post_form(base + "/restore", follow_redirects=True)
        assert answer.status_code == 200
    assert "It is already restored." in answer.get_data(as_text=True)
    stranger = make_user()
    add_member(community, stranger)
    client.login(stranger)  # a member who is not its author: still refused
    assert client.post_form(base + "/delete").status_code == 403


def test_the_edit_form_shows_the_tags_and_saving_it_unchanged_keeps_them(client, convener, community):
    """QA: the tag field was filled with "[<Tag 18>, <Tag 17>]" (WTForms took the Tag rows from the resource) and
    saving the form unchanged made those the resource's tags."""
    added = add_text(client, tags="浮力, 探究")
    assert added.status_code == 302
    resource = db.session.scalar(select(Resource).order_by(Resource.id.desc()))
    page = client.get(f"/c/lib/resources/{resource.id}/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="tags"[^>]*>', page).group(0)
    assert re.search(r'value="(浮力, 探究|探究, 浮力)"', field) and "Tag" not in field
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    form = {name: values.get(name, "") for name in ("title", "subject", "grade", "tags")}
    form.update(kind=resource.kind, visibility=resource.visibility, description="")
    assert client.post_form(f"/c/lib/resources/{resource.id}/edit", form).status_code == 302
    db.session.refresh(resource)
    assert sorted(tag.name for tag in resource.tags) == ["探究", "浮力"]


# --- empty libraries give the first step (QA13 #8) -------------------------------------------------


def test_an_empty_community_library_tells_those_who_may_add_how_to_start(client, community, convener):
    found = results(client.get("/c/lib/resources/").get_data(as_text=True))
    assert "No resources yet. Add the first one" in found and 'href="/c/lib/resources/new"' in found
    # Narrowed to a tag that nothing has: not a library to start.
    found = results(client.get("/c/lib/resources/?tag=分數").get_data(as_text=True))
    assert "No resources yet." in found and "Add the first one" not in found
    community.archived_at = utcnow()  # read, but nothing added any more
    db.session.commit()
    found = results(client.get("/c/lib/resources/").get_data(as_text=True))
    assert "No resources yet." in found and "Add the first one" not in found and "/resources/new" not in found


def test_an_empty_site_library_says_where_resources_are_added(client, ctx):
    client.login(make_user())
    found = results(client.get("/library/").get_data(as_text=True))
    assert "Resources are added in a community's resource library" in found and 'href="/"' in found
    client.logout()
    found = results(client.get("/library/").get_data(as_text=True))
    assert "No resources yet." in found and "resource library;" not in found


def test_widening_a_text_whose_pictures_its_new_readers_cannot_see_warns_and_saves_when_asked_again(
        client, convener, community):
    """QA: a published plan made visible to everyone showed its 板書 photo (members only) broken to outsiders."""
    photo = services.create_file_resource(community, services.ResourceFields(title="板書照片", kind="courseware"),
                                          store_upload(io.BytesIO(png_bytes(20, 20)), "board.png"), actor=convener)
    text = make_text(community, convener, body=f"![板書](/c/lib/resources/{photo.id}/download)\n\n通分")
    details = {"title": "Plan", "kind": "lesson_plan", "subject": "", "grade": "", "tags": "", "description": "",
               "visibility": "public"}
    warned = client.post_form(f"/c/lib/resources/{text.id}/edit", details)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409
    assert "1 picture in this text is not visible to everyone who will read it" in page
    assert "板書照片" in page and "only the members of" in page and 'name="pictures" value="accepted"' in page
    db.session.refresh(text)
    assert text.visibility == "community"
    saved = client.post_form(f"/c/lib/resources/{text.id}/edit", dict(details, pictures="accepted"))
    assert saved.status_code == 302
    db.session.refresh(text)
    assert text.visibility == "public"
    # Saved again at the same width (a new title): nothing to warn about.
    assert client.post_form(f"/c/lib/resources/{text.id}/edit", dict(details, title="Plan 2")).status_code == 302


def test_the_live_preview_of_a_text_typed_is_not_a_live_region(client, convener):
    """QA13: #body-preview was aria-live, and its whole text was replaced 400 ms after each pause in typing: a
    screen reader read the description back at every pause, longer each time. The preview follows the typing
    silently; the list of uploads, which says what became of each file, stays polite."""
    page = client.get("/c/lib/resources/new").get_data(as_text=True)
    preview = re.search(r'<div class="preview-box" id="body-preview"[^>]*>', page).group(0)
    assert "aria-live" not in preview
    assert '<ul class="upload-list" data-upload-list aria-live="polite">' in page
