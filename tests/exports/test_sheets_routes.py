"""The sheets' downloads over HTTP: each answers its file (named in the reader's language with RFC 5987
`filename*`), leaves an audit event, refuses malformed ids and unknown formats with 404, and falls back to the
reader's language on an unknown ?lang=."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from sqlalchemy import select

from tests.exports.sheets_data import community_year
from tests.factories import make_user
from workspace.compliance import services
from workspace.core.models import AuditEvent
from workspace.exports.files import CSV, DOCX, XLSX
from workspace.extensions import db

DOWNLOADS = [("ledger.xlsx", XLSX, "ledger_xlsx"), ("ledger.csv", CSV, "ledger_csv"),
             ("application.docx", DOCX, "application"), ("implementation-plan.docx", DOCX, "implementation_plan"),
             ("sign-in-sheets.docx", DOCX, "sign_in_sheets")]


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def filename_of(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


@pytest.mark.parametrize(("path", "media_type", "document"), DOWNLOADS)
def test_each_download_answers_its_file_and_leaves_an_audit_event(client, ctx, path, media_type, document):
    year = community_year()
    enrollment = year.enrollment
    client.login(year.enrolled.club.convener)
    response = client.get(f"/c/{year.slug}/exports/{enrollment.id}/{path}?lang=en")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Cache-Control"] == "private, no-store"
    assert filename_of(response).endswith("." + path.rsplit(".", 1)[1])
    [event] = events("export.downloaded")
    assert event.data["document"] == document and event.data["language"] == "en"
    assert event.community_id == enrollment.community_id and event.subject_type == "Enrollment"
    assert event.subject_id == enrollment.id and event.actor_id == year.enrolled.club.convener.id
    if path.endswith(".xlsx"):
        assert openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames[0] == "Activities"
    elif path.endswith(".csv"):
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
        assert response.data.startswith(b"\xef\xbb\xbf")
        assert next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[0] == "Date"
    else:
        assert docx.Document(io.BytesIO(response.data)).paragraphs


def test_the_file_name_is_in_the_reader_s_language_with_chinese_kept(client, ctx):
    year = community_year()
    community = year.enrollment.community
    community.name = "五年級數學社群"
    db.session.commit()
    client.login(year.enrolled.club.convener)
    response = client.get(f"/c/{year.slug}/exports/{year.enrollment.id}/ledger.xlsx?lang=zh_Hant")
    assert "五年級數學社群" in filename_of(response)
    assert events("export.downloaded")[0].data["language"] == "zh_Hant"


def test_an_unknown_language_falls_back_to_the_reader_s(client, ctx):
    year = community_year()
    client.login(year.enrolled.club.convener)
    response = client.get(f"/c/{year.slug}/exports/{year.enrollment.id}/ledger.csv?lang=xx")
    assert response.status_code == 200
    assert events("export.downloaded")[0].data["language"] in {"zh_Hant", "zh_Hans", "en"}


@pytest.mark.parametrize("fmt", ["xls", "pdf", "XLSX", "csv.exe", ""])
def test_an_unknown_format_is_not_found(client, ctx, fmt):
    year = community_year(later=False)
    client.login(year.enrolled.club.convener)
    assert client.get(f"/c/{year.slug}/exports/{year.enrollment.id}/ledger.{fmt}").status_code == 404
    assert not events("export.downloaded")


def test_malformed_and_strangers_ids_are_not_found(client, ctx):
    year, other = community_year(later=False), community_year("other", later=False)
    client.login(make_user(is_admin=True))
    for path in ("ledger.xlsx", "application.docx", "implementation-plan.docx", "sign-in-sheets.docx"):
        for enrollment_id in ("abc", "99999", "-1", "1.5", str(other.enrollment.id)):
            url = f"/c/{year.slug}/exports/{enrollment_id}/{path}"
            assert client.get(url).status_code == 404, url
    assert client.get(f"/c/no-such-community/exports/{year.enrollment.id}/ledger.xlsx").status_code == 404
    assert not events("export.downloaded")


def test_a_withdrawn_enrolment_s_records_stay_readable_and_nothing_more_is_written(client, ctx):
    """Withdrawn, the enrolment is judged no more, but its ledger, budget and exports are still there for the
    funder who asks: listed apart on the panel and on the exports page, written to no more."""
    year = community_year(later=False)
    admin = make_user(is_admin=True)
    services.withdraw(year.enrollment, admin)
    db.session.commit()
    client.login(year.enrolled.club.convener)
    base = f"/c/{year.slug}"
    assert client.get(f"{base}/exports/{year.enrollment.id}/ledger.xlsx").status_code == 200
    panel = client.get(f"{base}/compliance/").get_data(as_text=True)
    assert 'id="withdrawn"' in panel and f'id="enrollment-{year.enrollment.id}"' in panel
    budget = client.get(f"{base}/compliance/{year.enrollment.id}/budget")
    assert budget.status_code == 200 and 'id="withdrawn-notice"' in budget.get_data(as_text=True)
    assert f"/compliance/{year.enrollment.id}/expenses\"" not in budget.get_data(as_text=True)  # no form to add
    centre = client.get(f"{base}/exports/").get_data(as_text=True)
    assert f'id="exports-{year.enrollment.id}"' in centre and "withdrawn on" in centre
    refused = client.post_form(f"{base}/compliance/{year.enrollment.id}/expenses",
                               {"category": "printing_materials", "spent_on": "2026-01-05", "amount": "100"})
    assert refused.status_code == 404
    assert client.get(f"{base}/exports/{year.enrollment.id}/texts").status_code == 404


def test_the_review_summary_is_downloaded_and_recorded_without_a_community(client, ctx):
    year = community_year(later=False)
    admin = make_user(is_admin=True)
    client.login(admin)
    response = client.get("/review/compliance/summary.xlsx?lang=en")
    assert response.status_code == 200 and response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book["Communities"]["B2"].value == year.enrollment.community.name
    [event] = events("export.review_summary")
    assert event.community_id is None and event.actor_id == admin.id
    assert event.data["document"] == "review_summary" and event.data["language"] == "en"
    chinese = client.get("/review/compliance/summary.xlsx?lang=zh_Hant").headers["Content-Disposition"]
    assert re.search(r'filename="review-summary-\d{4}-\d{2}-\d{2}\.xlsx"', chinese)  # not download-(1)-…
    assert "filename*=UTF-8''%E5%AF%A9%E6%9F%A5" in chinese  # 審查彙整表（附件1）-… in the reader's language


def test_the_review_summary_filters_by_program_and_refuses_a_malformed_one(client, ctx):
    year = community_year(later=False)
    client.login(make_user(is_admin=True))
    response = client.get(f"/review/compliance/summary.xlsx?lang=en&program={year.enrollment.program_id}")
    assert openpyxl.load_workbook(io.BytesIO(response.data))["Communities"].max_row == 2
    response = client.get("/review/compliance/summary.xlsx?lang=en&program=99999")
    communities = openpyxl.load_workbook(io.BytesIO(response.data))["Communities"]
    assert communities.max_row == 2 and communities["A2"].value.startswith("No community you review is enrolled")
    assert client.get("/review/compliance/summary.xlsx?program=abc").status_code == 404


def test_the_review_page_links_to_the_summary(client, ctx):
    community_year(later=False)
    client.login(make_user(is_admin=True))
    page = client.get("/review/compliance/").get_data(as_text=True)
    assert "/review/compliance/summary.xlsx" in page


def test_documents_built_on_request_share_one_allowance_per_person(app, client, make_client, ctx, monkeypatch):
    """A script building documents in a loop gets 429 (in the reader's language); a colleague of the same school
    (the same address) still downloads."""
    import uuid

    monkeypatch.setitem(app.config, "EXPORT_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex}")
    year = community_year()
    base = f"/c/{year.slug}/exports/{year.enrollment.id}"
    client.login(year.enrolled.club.convener)
    answers = [client.get(f"{base}/{path}").status_code
               for path in ("ledger.csv", "application.docx", "evidence.zip", "sign-in-sheets.docx")]
    assert answers == [200, 200, 200, 429]
    refused = client.get(f"{base}/ledger.xlsx", headers={"Accept-Language": "zh-TW"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "嘗試次數過多" in refused.get_data(as_text=True)
    admin = make_client()
    admin.login(make_user(is_admin=True))
    assert admin.get(f"{base}/ledger.csv").status_code == 200
