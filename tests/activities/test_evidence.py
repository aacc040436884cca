"""Evidence through the blob store: the same checks and limits as the library, the bad inputs the issue names."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.activities.helpers import make_club
from tests.core.test_storage import _png_header_only
from tests.factories import add_member, make_user
from tests.media import mp4_of_size, png_bytes
from workspace.activities.models import Evidence
from workspace.activities.services.evidence import remove_evidence
from workspace.extensions import db

MB = 1024 * 1024


def _upload(client, activity, name: str, body: bytes, **headers):
    return client.post_form(f"/c/club/activities/{activity.id}/evidence", {"files": [(io.BytesIO(body), name)]},
                            content_type="multipart/form-data", headers={"X-Upload": "1", **headers})


def test_a_video_over_the_limit_is_refused_at_the_limit(client, ctx, app, monkeypatch):
    """An 800-MB video against a 500-MB limit, scaled down: 3 MB against 2 MB; nothing is kept."""
    monkeypatch.setitem(app.config, "MAX_VIDEO_UPLOAD_MB", 2)
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    response = _upload(client, activity, "公開課錄影.mp4", mp4_of_size(3 * MB))
    assert response.status_code == 413
    assert "2 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    ok = _upload(client, activity, "短片.mp4", mp4_of_size(MB))
    assert ok.status_code == 201
    assert db.session.scalar(select(Evidence.kind)) == "video"


def test_a_photo_bomb_is_refused(client, ctx):
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    response = _upload(client, activity, "bomb.png", _png_header_only(60_000, 60_000))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_disguised_program_is_refused_and_members_cannot_add_evidence(client, ctx):
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    assert _upload(client, activity, "照片.jpg", b"MZ\x90\x00" + b"\x00" * 400).status_code == 422
    client.login(club.member)
    assert _upload(client, activity, "照片.jpg", b"MZ").status_code == 403


def test_a_web_page_or_drawing_named_as_a_photo_or_document_is_refused_saying_what_it_looks_like(client, ctx):
    """The evidence upload shares the library's checks (core/storage): SVG named .png and HTML named .pdf are
    refused with what they look like, one by one (the page's script) or all at once."""
    from tests.core.test_storage import SVG, WEB_PAGE

    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    response = _upload(client, activity, "板書.png", SVG)
    assert response.status_code == 422 and "not in PNG format" in response.get_data(as_text=True)
    assert "looks like an SVG drawing" in response.get_data(as_text=True)
    assert _upload(client, activity, "板書.png", png_bytes()).status_code == 201  # the next file goes in
    response = client.post_form(f"/c/club/activities/{activity.id}/evidence",
                                {"files": [(io.BytesIO(png_bytes(color="teal")), "合照.png"),
                                           (io.BytesIO(WEB_PAGE), "講義.pdf")]},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "講義.pdf: This file is not in PDF format" in page and "looks like a web page" in page
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1


def test_a_video_of_exactly_the_limit_passes(client, ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_VIDEO_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)  # as config.py: the limit + 1 MB
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    exact = mp4_of_size(MB)
    assert _upload(client, activity, "剛好.mp4", exact).status_code == 201
    assert _upload(client, activity, "多一點.mp4", exact + b"\x00").status_code == 413


def test_a_removed_photo_is_opened_neither_whole_nor_as_a_thumbnail_by_a_member(client, ctx):
    """QA: after the convener removed a photo, its file answered 404 to a member but its thumbnail 200 (and ids
    are sequential). Both are the convener's alone now, to bring it back."""
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    assert _upload(client, activity, "教室.png", png_bytes(64, 48)).status_code == 201
    evidence = db.session.scalar(select(Evidence))
    base = f"/c/club/activities/{activity.id}/evidence/{evidence.id}"
    client.login(club.member)
    assert client.get(base).status_code == 200 and client.get(base + "/thumbnail").status_code == 200
    remove_evidence(evidence, actor=club.convener)
    db.session.commit()
    assert client.get(base).status_code == 404 and client.get(base + "/thumbnail").status_code == 404
    client.login(club.convener)
    assert client.get(base).status_code == 200 and client.get(base + "/thumbnail").status_code == 200


def test_the_gallery_refreshed_after_an_upload_brings_the_checklist_along(client, ctx):
    """QA: after a photo was uploaded the gallery showed it but the checklist still said "○ At least one photo" until
    the page was reloaded: the refreshed gallery sends the checklist out of band."""
    club = make_club()
    activity = club.activity()
    client.login(club.convener)
    gallery = f"/c/club/activities/{activity.id}/evidence/"
    before = client.get(gallery, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<section class="card checklist" id="checklist" hx-swap-oob="true">' in before
    assert '<span class="count">0/4</span>' in before
    assert _upload(client, activity, "photo.png", png_bytes()).status_code == 201
    after = client.get(gallery, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<span class="count">1/4</span>' in after
    assert '"is-done"><span aria-hidden="true">✓</span> At least one photo' in after


def test_a_member_is_told_who_adds_the_photos_instead_of_looking_for_a_button(client, ctx):
    """QA: a teacher who came had no upload control and nothing said why (the checklist still asked for a photo)."""
    club = make_club()
    activity = club.activity()
    activity.recorder_id = club.other.id
    db.session.commit()
    client.login(club.member)
    page = client.get(f"/c/club/activities/{activity.id}").get_data(as_text=True)
    assert 'id="evidence-files"' not in page
    assert "The conveners and the recorder of the minutes add photos, videos and documents." in page
    assert 'The recorder: <span lang="zh-Hant">王老師</span>.' in page  # the name in its language (QA13)
    # QA: by name, the conveners too (a co-convener as well; not a member who left that role)
    co = add_member(club.community, make_user(display_name="許協同"), role="co_convener").user
    page = client.get(f"/c/club/activities/{activity.id}").get_data(as_text=True)
    assert (f'The conveners: <span lang="zh-Hant">陳召集</span>, <span lang="zh-Hant">{co.display_name}</span>.'
            in page)  # the convener first (QA), then by name
    client.login(club.convener)
    page = client.get(f"/c/club/activities/{activity.id}").get_data(as_text=True)
    assert 'id="evidence-files"' in page and "The conveners and the recorder of the minutes add" not in page
