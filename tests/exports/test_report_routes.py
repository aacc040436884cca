"""The report's pages through HTTP: the convener's texts (saved, validated beside the fields, a stale save refused
with what was typed kept), the results report built in the background and downloaded, and the funders' templates
page (upload checked, a non-DOCX refused beside the field, trash and put back)."""

from __future__ import annotations

import io
import re

import docx
import pytest
from sqlalchemy import select

from tests.exports.report_world import docx_bytes, report_world
from tests.factories import make_user
from tests.media import png_bytes
from workspace.core.models import AuditEvent
from workspace.exports.models import ExportJob, FunderTemplate, ReportText
from workspace.exports.templates import DEFAULT_TEMPLATE
from workspace.extensions import db


def _texts_url(world) -> str:
    return f"/c/{world.slug}/exports/{world.enrollment.id}/texts"


def _field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_the_convener_writes_the_texts_and_chooses_a_comment(client, ctx):
    world = report_world()
    client.login(world.convener)
    page = client.get(_texts_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-editor" in html and "非常實用，想再參加" in html and "時間太短了不夠討論" in html
    quoted = client.get(_texts_url(world), headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "「非常實用，想再參加」" in quoted  # the reader's quotation marks
    answer = client.post_form(_texts_url(world), {
        "preface": "# 前言\n本社群……", "culture_change": "老師們互相觀課", "version": "0",
        "chosen_feedback_ids": [str(world.chosen.id)], "video_activity_id": str(world.activities[1].id)})
    assert answer.status_code == 302
    kept = db.session.scalar(select(ReportText).where(ReportText.enrollment_id == world.enrollment.id))
    assert kept.preface == "# 前言\n本社群……" and kept.chosen_feedback_ids == [world.chosen.id]
    assert kept.video_activity_id == world.activities[1].id and kept.version == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_text.changed"))
    again = client.get(_texts_url(world)).get_data(as_text=True)
    assert 'name="version" value="1"' in again and "本社群……" in again


def test_a_stale_save_is_refused_and_the_typed_text_kept(client, ctx):
    world = report_world()
    client.login(world.convener)
    assert client.post_form(_texts_url(world), {"preface": "第一版", "version": "0"}).status_code == 302
    answer = client.post_form(_texts_url(world), {"preface": "我後來打的字", "version": "0"})
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "我後來打的字" in html and "Someone else saved" in html and 'name="version" value="1"' in html


def test_a_comment_of_another_community_and_a_malformed_video_are_errors_beside_their_fields(client, ctx):
    world = report_world()
    other = report_world("elsewhere")
    client.login(world.convener)
    answer = client.post_form(_texts_url(world), {"preface": "保留這段", "version": "0",
                                                  "chosen_feedback_ids": [str(other.chosen.id)]})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert _field_error(html, "chosen_feedback_ids") and "保留這段" in html
    answer = client.post_form(_texts_url(world), {"version": "0", "video_activity_id": "abc"})
    assert answer.status_code == 422 and _field_error(answer.get_data(as_text=True), "video_activity_id")
    answer = client.post_form(_texts_url(world), {"version": "0", "video_activity_id": str(world.activities[0].id)})
    assert answer.status_code == 422  # an activity without a video
    assert client.get(f"/c/{world.slug}/exports/99999/texts").status_code == 404


def _build(client, world, **form) -> tuple[ExportJob, bytes]:
    answer = client.post_form(f"/c/{world.slug}/exports/{world.enrollment.id}/jobs",
                              {"kind": "results_report", **form})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    job = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "done", job.error
    download = client.get(f"/c/{world.slug}/exports/jobs/{job.id}/file")
    assert download.status_code == 200
    return job, download.data


def test_the_report_is_built_in_the_background_and_downloaded(client, ctx):
    world = report_world()
    client.login(world.convener)
    job, data = _build(client, world, language="zh_Hans")
    assert job.language == "zh_Hans" and job.filename.endswith(".docx")
    document = docx.Document(io.BytesIO(data))
    assert any(paragraph.text == "经费" for paragraph in document.paragraphs)
    assert len(document.inline_shapes) == 4
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.built"))


def test_the_report_fills_a_funder_s_template_when_one_is_chosen(client, ctx):
    world = report_world()
    admin = make_user(is_admin=True)
    client.login(admin)
    answer = client.post_form("/admin/exports/templates", {
        "name": "縣市格式", "program_id": "", "file": (io.BytesIO(DEFAULT_TEMPLATE.read_bytes()), "縣市格式.docx")},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    template = db.session.scalar(select(FunderTemplate).where(FunderTemplate.name == "縣市格式"))
    assert template.usable
    client.login(world.convener)
    job, data = _build(client, world, template_id=str(template.id), language="zh_Hant")
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs)
    assert world.setup.club.community.name in text and "\n成果報告\n" in text and "Results report" not in text
    assert "縣市格式" in job.filename  # not the name of our own report of the same day


def test_the_templates_page_checks_an_upload_and_names_its_problems(client, ctx):
    client.login(make_user(is_admin=True))
    page = client.get("/admin/exports/templates")
    assert page.status_code == 200 and "{{ community }}" in page.get_data(as_text=True)
    answer = client.post_form("/admin/exports/templates", {
        "name": "拆開的", "file": (io.BytesIO(docx_bytes(("{{ commu", "nity }}"), "{{ nobody }}")), "split.docx")},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    html = client.get("/admin/exports/templates").get_data(as_text=True)
    assert 'data-problem="split" data-name="community"' in html
    assert 'data-problem="unknown" data-name="nobody"' in html
    template = db.session.scalar(select(FunderTemplate).where(FunderTemplate.name == "拆開的"))
    assert not template.usable
    assert client.post_form(f"/admin/exports/templates/{template.id}/trash").status_code == 302
    db.session.refresh(template)
    assert template.deleted_at is not None
    assert client.post_form(f"/admin/exports/templates/{template.id}/restore").status_code == 302
    db.session.refresh(template)
    assert template.deleted_at is None
    assert client.post_form("/admin/exports/templates/99999/trash").status_code == 404


def test_a_file_that_is_no_docx_is_refused_beside_the_field(client, ctx):
    client.login(make_user(is_admin=True))
    for upload in ((io.BytesIO(png_bytes()), "county.png"), (io.BytesIO(b"just text"), "county.docx")):
        answer = client.post_form("/admin/exports/templates", {"name": "壞的", "file": upload},
                                  content_type="multipart/form-data")
        assert answer.status_code == 422
        assert _field_error(answer.get_data(as_text=True), "file")
    answer = client.post_form("/admin/exports/templates", {"name": "沒有檔案"})
    assert answer.status_code == 422 and _field_error(answer.get_data(as_text=True), "file")
    assert db.session.scalar(select(FunderTemplate)) is None


def test_a_job_whose_template_was_trashed_meanwhile_fails_with_a_message(client, ctx):
    from tests.exports.report_world import docx_bytes
    from workspace.core.storage import store_upload
    from workspace.exports import jobs, templates

    world = report_world()
    admin = make_user(is_admin=True)
    template = templates.add_template(store_upload(io.BytesIO(docx_bytes("{{ community }}")), "county.docx"),
                                      "County", admin)
    templates.trash_template(template, admin)
    db.session.commit()
    job = jobs.start("results_report", world.convener, enrollment=world.enrollment,
                     options={"template_id": template.id})
    db.session.refresh(job)
    assert job.status == "failed" and job.error.startswith("ValidationError")
    assert job.blob_id is None


def test_an_admin_downloads_the_shipped_template_to_start_from(client, ctx):
    client.login(make_user(is_admin=True))
    response = client.get("/admin/exports/templates/default.docx")
    assert response.status_code == 200 and response.data == DEFAULT_TEMPLATE.read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]
    assert "default.docx" in client.get("/admin/exports/templates").get_data(as_text=True)


def test_the_convener_chooses_how_many_photos_of_each_activity_the_report_places(client, ctx):
    world = report_world()
    client.login(world.convener)
    page = client.get(f"/c/{world.slug}/exports/").get_data(as_text=True)
    assert 'name="photos_per_activity"' in page and '<option value="4" selected>' in page
    job, data = _build(client, world, photos_per_activity="2")
    assert job.options["photos_per_activity"] == 2
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 4  # one photo per activity here: all placed
    answer = client.post_form(f"/c/{world.slug}/exports/{world.enrollment.id}/jobs",
                              {"kind": "results_report", "photos_per_activity": "7"})
    assert answer.status_code == 422


@pytest.mark.parametrize("content", [b"\x00\x01not a zip at all" * 20, b"PK\x03\x04" + b"\x00" * 200])
def test_a_damaged_docx_template_is_said_to_be_no_word_document_that_can_be_read(client, ctx, content):
    """It was told that this kind of file is not accepted and to upload Word, when Word is what it was named."""
    client.login(make_user(is_admin=True))
    answer = client.post_form("/admin/exports/templates", {"name": "壞的", "file": (io.BytesIO(content), "縣市.docx")},
                              content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="file-error"' in html
    assert ("not a Word document that can be read" in html or "damaged" in html) and "Upload PDF, Word" not in html


def test_the_templates_page_names_each_program_in_the_reader_s_script(client, ctx):
    """QA: the program list of the funders' templates page read 城乡教育共同体 to a Traditional reader (the name as
    stored), where every other page reads it in the reader's script."""
    from tests.compliance.helpers import program_copy

    program = program_copy()
    program.name = "2026—2027学年城乡教育共同体年度工作"
    db.session.commit()
    client.login(make_user(is_admin=True, locale="zh_Hant"))
    page = client.get("/admin/exports/templates").get_data(as_text=True)
    assert "2026—2027學年城鄉教育共同體年度工作" in page and "城乡教育" not in page
