"""The exports page and the job page: what each enrolment offers, bad requests, the job's progress partial."""

from __future__ import annotations

import io
import re

from tests.compliance.helpers import enrolled
from tests.factories import add_member, make_community, make_user
from workspace.auth.models import User
from workspace.communities import records as community_records
from workspace.core.models import AuditEvent
from workspace.core.storage import store_built
from workspace.exports.files import DOCX, LANGUAGES
from workspace.exports.models import ExportJob, JobStatus
from workspace.extensions import db


def _job(club, user, **values) -> ExportJob:
    job = ExportJob(kind="results_report", community_id=club.club.community.id, enrollment_id=club.enrollment.id,
                    requested_by_id=user.id, **values)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_page_offers_every_document_of_each_enrolment_in_the_chosen_language(client, ctx):
    club = enrolled()
    client.login(club.club.convener)
    page = client.get(f"/c/{club.slug}/exports/?lang=zh_Hans")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for endpoint in ("ledger.xlsx", "ledger.csv", "application.docx", "implementation-plan.docx",
                     "sign-in-sheets.docx", "evidence.zip"):
        assert f"/exports/{club.enrollment.id}/{endpoint}?lang=zh_Hans" in html
    assert 'value="zh_Hans" selected' in html


def test_an_unknown_language_falls_back_to_the_readers_own(client, ctx):
    club = enrolled()
    client.login(club.club.convener)
    html = client.get(f"/c/{club.slug}/exports/?lang=../../etc").get_data(as_text=True)
    chosen = re.findall(r"/ledger\.xlsx\?lang=([^\"&]+)", html)
    assert chosen and set(chosen) <= set(LANGUAGES)


def test_a_member_learns_who_exports(client, ctx):
    club = enrolled()
    client.login(club.club.member)
    html = client.get(f"/c/{club.slug}/exports/").get_data(as_text=True)
    assert "Conveners, reviewers and admins export." in html or "召集人、審查人員與管理員可以匯出" in html
    assert "evidence.zip" not in html


def test_bad_job_requests_answer_422_and_start_nothing(client, ctx):
    club = enrolled()
    client.login(club.club.convener)
    base = f"/c/{club.slug}/exports/{club.enrollment.id}/jobs"
    for bad in ({"kind": "rm -rf"}, {"kind": "results_report", "photos_per_activity": "abc"}):
        answer = client.post_form(base, bad)
        assert answer.status_code == 422
        page = answer.get_data(as_text=True)  # said as what it is, not as a fault of the server
        assert "This choice is not one the page offers" in page and "Something went wrong on our side" not in page
    assert client.post_form(base, {"kind": "results_report", "template_id": "999999"}).status_code == 422
    for template_id in ("abc", "99999999999999999999", "-1", "１"):  # a big one overflowed the database: 500
        answer = client.post_form(base, {"kind": "results_report", "template_id": template_id})
        assert answer.status_code == 404, template_id  # no id names nothing, as in an address
    assert db.session.scalar(db.select(db.func.count()).select_from(ExportJob)) == 0
    assert client.post_form(f"/c/{club.slug}/exports/99999/jobs", {"kind": "results_report"}).status_code == 404


def test_a_job_is_found_only_under_its_own_community(client, ctx):
    club = enrolled()
    other = make_community(club.club.convener, slug="other-club")
    job = _job(club, club.club.convener)
    client.login(club.club.convener)
    assert client.get(f"/c/{club.slug}/exports/jobs/{job.id}").status_code == 200
    assert client.get(f"/c/{other.slug}/exports/jobs/{job.id}").status_code == 404
    assert client.get(f"/c/{club.slug}/exports/jobs/0").status_code == 404
    assert client.get(f"/c/{club.slug}/exports/jobs/{job.id}/file").status_code == 404  # nothing built yet


def test_a_running_job_polls_itself_and_a_finished_one_stops(client, ctx):
    club = enrolled()
    job = _job(club, club.club.convener, status=JobStatus.RUNNING.value, done=3, total=12, step="photos")
    client.login(club.club.convener)
    partial = client.get(f"/c/{club.slug}/exports/jobs/{job.id}", headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and 'hx-trigger="every 1s"' in html
    assert 'value="50"' in html and "3 of 12" in html  # the photos' share of the bar: 35 + 60 × 3/12
    job.status, job.blob, job.filename = JobStatus.DONE.value, store_built(b"PK", DOCX), "成果報告.docx"
    db.session.commit()
    html = client.get(f"/c/{club.slug}/exports/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in html and f"/exports/jobs/{job.id}/file" in html and "成果報告.docx" in html
    download = client.get(f"/c/{club.slug}/exports/jobs/{job.id}/file")
    assert download.data == b"PK"
    assert "filename*=UTF-8''%E6%88%90%E6%9E%9C%E5%A0%B1%E5%91%8A.docx" in download.headers["Content-Disposition"]


def test_a_failed_job_says_so_and_leaves_an_audit_event(client, ctx):
    club = enrolled()
    client.login(club.club.convener)
    response = client.post_form(f"/c/{club.slug}/exports/{club.enrollment.id}/jobs", {"kind": "results_report"})
    assert response.status_code == 302
    job = db.session.scalar(db.select(ExportJob))
    assert job.requested_by_id == club.club.convener.id
    events = {event.action for event in db.session.scalars(db.select(AuditEvent))}
    assert events & {"export.built", "export.failed"}


def test_someone_elses_job_is_hidden(client, ctx):
    club = enrolled()
    job = _job(club, club.club.convener)
    client.login(make_user(is_admin=False))
    assert client.get(f"/c/{club.slug}/exports/jobs/{job.id}").status_code == 404


def _templates(club):
    """Three usable funder's templates: one for the club's program, one for no program, one for another program."""
    from tests.compliance.helpers import program_copy
    from tests.exports.report_world import docx_bytes
    from workspace.core.storage import store_upload
    from workspace.exports import templates

    admin = make_user(is_admin=True)
    other = program_copy("urc")

    def add(name, program_id):
        stored = store_upload(io.BytesIO(docx_bytes("{{ community }}")), f"{name}.docx")
        return templates.add_template(stored, name, admin, program_id=program_id)

    made = add("本計畫格式", club.program.id), add("通用格式", None), add("城鄉格式", other.id)
    db.session.commit()
    return (*made, other)


def test_a_template_is_offered_only_to_enrolments_in_its_program_or_to_all_without_one(client, ctx):
    from workspace.compliance import services as compliance
    from workspace.exports import report

    club = enrolled()
    own, common, elsewhere, other = _templates(club)
    second = compliance.enrol(club.club.community, other, 1000, club.club.convener)
    db.session.commit()
    offered = report.offered_templates([club.enrollment, second])
    assert offered[club.enrollment.id] == [own, common]
    assert offered[second.id] == [elsewhere, common]
    client.login(club.club.convener)
    html = client.get(f"/c/{club.slug}/exports/").get_data(as_text=True)
    first_form = re.search(rf'<select name="template_id" id="template-{club.enrollment.id}">(.*?)</select>', html,
                           re.S).group(1)
    assert "本計畫格式" in first_form and "通用格式" in first_form and "城鄉格式" not in first_form


def test_building_with_another_programs_template_is_refused_beside_the_field(client, ctx):
    club = enrolled()
    own, _common, elsewhere, _other = _templates(club)
    client.login(club.club.convener)
    base = f"/c/{club.slug}/exports/{club.enrollment.id}/jobs"
    answer = client.post_form(base, {"kind": "results_report", "template_id": str(elsewhere.id),
                                     "photos_per_activity": "4"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error = re.search(rf'id="template-{club.enrollment.id}-error">([^<]+)<', html)
    assert error and "not offered for this program" in error.group(1)
    assert db.session.scalar(db.select(db.func.count()).select_from(ExportJob)) == 0
    answer = client.post_form(base, {"kind": "results_report", "template_id": str(own.id), "photos_per_activity": "4"})
    assert answer.status_code == 302


def test_a_job_started_with_another_programs_template_fails_as_it_runs(ctx):
    from workspace.exports import jobs

    club = enrolled()
    _own, _common, elsewhere, _other = _templates(club)
    job = jobs.start("results_report", club.club.convener, enrollment=club.enrollment,
                     options={"template_id": elsewhere.id})
    db.session.refresh(job)
    assert job.status == "failed" and job.error.startswith("ValidationError")


def test_the_funder_s_terms_in_the_english_page_are_marked_chinese(client, ctx):
    """axe QA: "Application form (申請書, Word)" was read with the English voice; a Chinese page is unchanged."""
    club = enrolled()
    club.club.convener.locale = "en"
    db.session.commit()
    client.login(club.club.convener)
    html = client.get(f"/c/{club.slug}/exports/").get_data(as_text=True)
    assert 'Application form (<span lang="zh-Hant">申請書</span>, Word)' in html
    assert 'Results report (<span lang="zh-Hant">成果報告</span>)' in html
    club.club.convener.locale = "zh_Hant"
    db.session.commit()
    assert 'lang="zh-Hant">申請書' not in client.get(f"/c/{club.slug}/exports/").get_data(as_text=True)


def test_the_page_names_the_members_whose_subjects_the_application_lacks(client, ctx):
    club = enrolled()
    for member in community_records.current_members([club.club.community.id]):
        db.session.get(User, member.user_id).subjects = ["數學"]
    missing = sorted((make_user(display_name="鄭老師"), make_user(display_name="Ann Lee")),
                     key=lambda user: user.display_name)
    for user in missing:
        add_member(club.club.community, user)
    db.session.commit()
    client.login(club.club.convener)
    html = client.get(f"/c/{club.slug}/exports/?lang=en").get_data(as_text=True)
    assert "2 members have no subjects in their profile (Ann Lee, 鄭老師)" in html
    for user in missing:
        user.subjects = ["國語"]
    db.session.commit()
    html = client.get(f"/c/{club.slug}/exports/").get_data(as_text=True)
    assert "no subjects in their profile" not in html
