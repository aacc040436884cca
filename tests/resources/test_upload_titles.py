"""What an uploaded file is called: the typed title, its file's name when none is typed, and both when one title
was typed over several files (sent at once without JavaScript, or one request each with `batch`, as upload.js)."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.factories import make_community, make_user
from workspace.extensions import db
from workspace.resources.models import Resource


def _files(*names: str) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(f"{name} 的內容".encode()), name) for name in names]


def _post(client, slug: str, files, **fields):
    data = {"source": "files", "kind": "lesson_plan", "visibility": "community", "files": files, **fields}
    return client.post_form(f"/c/{slug}/resources/new", data, content_type="multipart/form-data",
                            headers={"X-Upload": "1"} if "batch" in fields else {})


def _titles() -> list[str]:
    return list(db.session.scalars(select(Resource.title).order_by(Resource.id)))


def test_one_title_over_several_files_names_each_after_the_title_and_its_file(client, ctx):
    convener = make_user(locale="zh_Hant")
    community = make_community(convener)
    client.login(convener)
    assert _post(client, community.slug, _files("教案.txt", "IMG_2026.txt"), title="分數乘法教案").status_code == 302
    assert _titles() == ["分數乘法教案（教案）", "分數乘法教案（IMG_2026）"]


def test_files_sent_one_request_each_say_how_many_were_chosen(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    for name in ("plan.txt", "photo.txt"):
        assert _post(client, community.slug, _files(name), title="Fractions", batch="2").status_code == 201
    assert _post(client, community.slug, _files("alone.txt"), title="Decimals", batch="1").status_code == 201
    assert _titles() == ["Fractions (plan)", "Fractions (photo)", "Decimals"]
    assert _post(client, community.slug, _files("x.txt"), title="Odd", batch="many").status_code == 404


def test_no_title_names_each_file_after_itself(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    assert _post(client, community.slug, _files("單元一.txt", "單元二.txt")).status_code == 302
    assert _post(client, community.slug, _files("單元三.txt"), title="   ").status_code == 302
    assert _titles() == ["單元一", "單元二", "單元三"]


def test_the_edit_form_does_not_offer_to_leave_the_title_empty(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    new_page = client.get(f"/c/{community.slug}/resources/new").get_data(as_text=True)
    assert "Left empty, each file is named after the file." in new_page
    _post(client, community.slug, _files("單元.txt"), title="單元")
    resource = db.session.scalar(select(Resource))
    edit_page = client.get(f"/c/{community.slug}/resources/{resource.id}/edit").get_data(as_text=True)
    assert "Left empty" not in edit_page


def test_a_photo_s_page_shows_a_smaller_copy_and_links_the_original(client, ctx):
    """QA: a phone's 4 MB, 3024×4032 photo was sent whole to a 375-px screen."""
    from PIL import Image

    from tests.media import png_bytes

    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    photo = png_bytes(2400, 1800)
    assert _post(client, community.slug, [(io.BytesIO(photo), "黑板.png")], title="板書").status_code == 302
    resource = db.session.scalar(select(Resource))
    base = f"/c/{community.slug}/resources/{resource.id}"
    page = client.get(base).get_data(as_text=True)
    assert f'src="{base}/thumbnail?size=large"' in page and f'<a href="{base}/file"' in page
    assert "srcset" not in page  # a picture smaller than 1280 px is drawn at its own size, not as a 1280w one
    large = client.get(f"{base}/thumbnail?size=large")
    assert large.status_code == 200 and max(Image.open(io.BytesIO(large.data)).size) == 1280
    assert max(Image.open(io.BytesIO(client.get(f"{base}/thumbnail").data)).size) == 320
    assert client.get(f"{base}/thumbnail?size=huge").status_code == 404
