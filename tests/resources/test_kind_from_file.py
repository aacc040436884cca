"""A new resource's kind follows its file when nobody chose one ("From the file", the form's first option): a photo
uploaded to the library was filed as a lesson plan, the form's default. The server decides from the sniffed type
(not the name); a kind chosen is kept."""

from __future__ import annotations

import io
import re

import docx
import pytest
from sqlalchemy import select

from tests.media import mp4_bytes, png_bytes
from tests.resources.test_routes import FORM, TEXT, community, community_convener, convener  # noqa: F401
from workspace.extensions import db
from workspace.resources import services
from workspace.resources.models import Resource

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("分數的加減")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str, kind: str = "") -> Resource:
    response = client.post_form("/c/lib/resources/new", {**FORM, "kind": kind, "files": [(io.BytesIO(data), name)]},
                                content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(select(Resource).order_by(Resource.id.desc())).first()


@pytest.mark.parametrize(("data", "name", "kind"), [
    (png_bytes(), "黑板.png", "courseware"),  # a photo: teaching material, not a lesson plan
    (png_bytes(), "黑板.pdf", "courseware"),  # sniffed, not taken from the name
    (mp4_bytes(), "公開課.mp4", "video"),
    (PDF_BYTES, "教案.pdf", "lesson_plan"),
    (docx_bytes(), "分數的加減.docx", "lesson_plan"),
])
def test_without_a_kind_chosen_the_file_decides(client, convener, data, name, kind):  # noqa: F811
    assert upload(client, data, name).kind == kind


@pytest.mark.parametrize(("data", "name"), [(png_bytes(), "學習單.png"), (PDF_BYTES, "試卷.pdf")])
def test_a_kind_chosen_is_kept(client, convener, data, name):  # noqa: F811
    assert upload(client, data, name, kind="test_paper").kind == "test_paper"


def test_a_text_written_here_without_a_kind_is_a_lesson_plan(client, convener):  # noqa: F811
    response = client.post_form("/c/lib/resources/new", {**TEXT, "kind": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(Resource)).kind == "lesson_plan"


def test_an_unknown_kind_is_still_refused_beside_the_field(client, convener):  # noqa: F811
    response = client.post_form("/c/lib/resources/new", {**TEXT, "kind": "photo"})
    assert response.status_code == 422
    assert re.search(r'<p class="field-error" id="kind-error">', response.get_data(as_text=True))


def test_the_form_offers_from_the_file_first_and_chosen(client, convener):  # noqa: F811
    page = client.get("/c/lib/resources/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="kind".*?</select>', page, re.S).group(0)
    first = re.search(r"<option[^>]*>[^<]*</option>", select_html).group(0)
    assert 'value=""' in first and "selected" in first and "From the file" in first
    assert "data-kinds-by-file=" in page and '".png": "courseware"' in page.replace("&#34;", '"')


def test_editing_a_resource_still_needs_a_kind(client, convener):  # noqa: F811
    resource = upload(client, png_bytes(), "黑板.png")
    page = client.get(f"/c/lib/resources/{resource.id}/edit").get_data(as_text=True)
    assert "From the file" not in page


def test_the_rule_by_media_type(ctx):
    assert services.kind_of_file("image/jpeg") == "courseware"
    assert services.kind_of_file("video/webm") == "video"
    assert services.kind_of_file("audio/mpeg") == "courseware"
    assert services.kind_of_file("application/vnd.openxmlformats-officedocument.presentationml.presentation") \
        == "courseware"
    assert services.kind_of_file("text/markdown") == "lesson_plan"
    assert services.kind_of_file(None) == "lesson_plan"
    assert services.kinds_by_file()[".mp4"] == "video" and services.kinds_by_file()["image/png"] == "courseware"
