"""The observation record (教學觀察紀錄表) on paper and in Word: what it holds, in the reader's language, the file's
name, the links from the observation page, bad ids and the trash, and a DOCX that LibreOffice opens. (Every role on
both routes: test_permissions_observations.py.)"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote

import docx
import pytest

from tests.documents import docx_text
from tests.exports import office
from tests.media import png_bytes
from tests.mentoring.helpers import make_pair
from workspace.core.database import utcnow
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.mentoring.models import Observation
from workspace.mentoring.services import observation_record
from workspace.mentoring.services import observations as services

DAY = dt.date(2026, 10, 5)


def _observed(pair, *, notes: int = 2, photos: int = 1) -> Observation:
    """The mentor's observation of the new teacher, rated, with notes (out of minute order) and the post-conference,
    shared with her and reflected on, then finalized."""
    observation = services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentee.id, observed_on=DAY, lesson_starts_at=dt.time(9, 0), subject="數學 七年三班",
        focus="提問後的等待時間", pairing_id=pair.pairing.id), actor=pair.mentor)
    for index in range(notes):
        photo = store_upload(io.BytesIO(png_bytes()), "photo.png") if index < photos else None
        services.add_note(observation, services.NoteFields(
            client_key=f"k{index}", text=f"第 {30 - index} 分鐘：學生分組討論", minute=30 - index,
            row_key="teaching" if index == 0 else ""), actor=pair.mentor, photo=photo)
    services.set_ratings(observation, {"teaching": "3", "design": "4"}, actor=pair.mentor)
    services.update_feedback(observation, "提問清楚", "多等學生三秒", actor=pair.mentor)
    services.share_with_observed(observation, actor=pair.mentor)
    services.reflect(observation, "下次我會等久一點", actor=pair.mentee)
    services.finalize(observation, actor=pair.mentor)
    db.session.commit()
    return observation


def _url(pair, observation, tail: str) -> str:
    return f"/c/{pair.community.slug}/mentoring/observations/{observation.id}{tail}"


def test_the_print_page_holds_the_whole_record_in_minute_order(client, ctx):
    pair = make_pair()
    pair.mentor.locale = "en"
    observation = _observed(pair)
    client.login(pair.mentor)
    body = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    assert "Classroom observation record" in body and "sheet.css" in body
    for text in ("林老師", "王老師", "數學 七年三班", "提問後的等待時間", "提問清楚", "多等學生三秒",
                 "下次我會等久一點"):
        assert text in body, text
    assert body.index("第 29 分鐘") < body.index("第 30 分鐘")  # minute order, not the order typed
    # each row with the level chosen and its description; a row left unrated says so
    teaching = body.split('id="print-row-teaching"')[1].split("</tr>")[0]
    assert "3 Good" in teaching and "Clear explanations" in teaching
    assert "Not rated" in body.split('id="print-row-assessment"')[1].split("</tr>")[0]
    assert "Finalized on" in body and "October 5, 2026" in body
    signatures = body.split('id="print-signatures"')[1]  # the teacher observed signs first, then the observer
    assert "Signature" in signatures and signatures.index("林老師") < signatures.index("王老師")
    assert 'class="record-photo"' in body and "/photo" in body
    assert 'name="viewport"' in body and "hx-post" not in body  # no controls on paper


def test_photos_beyond_the_few_shown_are_listed_by_minute(client, ctx, monkeypatch):
    monkeypatch.setattr(observation_record, "MAX_PHOTOS_SHOWN", 1)
    pair = make_pair()
    pair.mentor.locale = "en"
    observation = _observed(pair, notes=3, photos=3)
    client.login(pair.mentor)
    body = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    assert body.count('class="record-photo"') == 1
    listed = body.split('id="print-listed-photos"')[1].split("</p>")[0]
    assert "Photo at minute 29" in listed and "Photo at minute 30" in listed


def test_a_draft_s_record_says_draft_and_the_page_links_to_both(client, ctx):
    pair = make_pair()
    pair.mentor.locale = "en"
    observation = services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentee.id, observed_on=DAY, pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    page = client.get(_url(pair, observation, "")).get_data(as_text=True)
    assert _url(pair, observation, "/print") in page and _url(pair, observation, "/export.docx") in page
    body = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    assert ">Draft<" in body and "No notes yet." in body


def test_the_page_shows_no_links_to_a_convener_who_may_not_read_it(client, ctx):
    pair = make_pair()
    observation = _observed(pair)
    client.login(pair.convener)
    page = client.get(_url(pair, observation, ""))
    assert page.status_code == 200 and "/print" not in page.get_data(as_text=True)
    assert client.get(_url(pair, observation, "/print")).status_code == 403
    services.set_shared(observation, True, actor=pair.mentee)
    db.session.commit()
    assert "/print" in client.get(_url(pair, observation, "")).get_data(as_text=True)
    assert client.get(_url(pair, observation, "/print")).status_code == 200
    assert client.get(_url(pair, observation, "/export.docx")).status_code == 200


@pytest.mark.parametrize("locale, title, level, form, finalized", [
    ("en", "Classroom observation record", "3 Good", " (Version 1)", "Finalized on "),
    ("zh_Hant", "教學", "3 良好", "（第 1 版）", "已定稿（"),  # QA: "(v1)" and "2026年10月5日 定稿"
])
def test_the_docx_is_in_the_reader_s_language_named_by_the_one_builder(client, ctx, locale, title, level, form,
                                                                       finalized):
    pair = make_pair()
    pair.mentee.locale = locale
    observation = _observed(pair)
    client.login(pair.mentee)
    response = client.get(_url(pair, observation, "/export.docx"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = unquote(response.headers["Content-Disposition"])
    assert "attachment" in disposition and "林老師 2026-10-05.docx" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    text = docx_text(response.data)
    assert title in text and level in text and form in text and finalized in text and "(v1)" not in text
    for expected in ("林老師", "王老師", "提問後的等待時間", "提問清楚", "多等學生三秒", "下次我會等久一點"):
        assert expected in text, expected
    assert text.index("第 29 分鐘") < text.index("第 30 分鐘")
    document = docx.Document(io.BytesIO(response.data))
    assert len(document.inline_shapes) == 1  # the one photo, small
    assert document.inline_shapes[0].width <= docx.shared.Mm(observation_record.PHOTO_WIDTH_MM) + 1
    signatures = document.tables[-1]  # the handbook's signature table: the teacher observed, then the observer
    assert all(row._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None for row in signatures.rows)
    assert [row.cells[1].text for row in signatures.rows][1:] == ["林老師", "王老師"]


def test_a_simplified_record_spells_its_title_and_its_form_alike(client, ctx):
    """QA: the Simplified record was titled 教学观察记录表 and named its form 教学观察纪录表 (the shipped 紀錄 converted
    character by character), on paper and in Word; the Traditional one says 紀錄 in both, as the glossary does."""
    pair = make_pair()
    observation = _observed(pair)
    client.login(pair.mentee)
    for locale, spelled, other in (("zh_Hans", "教学观察记录表", "纪录"), ("zh_Hant", "教學觀察紀錄表", "記錄")):
        pair.mentee.locale = locale
        db.session.commit()
        page = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
        text = docx_text(client.get(_url(pair, observation, "/export.docx")).data)
        for read in (page, text):
            assert read.count(spelled) >= 2 and other not in read, locale  # the title, and the form's name


def test_bad_ids_and_another_community_s_observation_are_not_found(client, ctx):
    pair, other = make_pair(), make_pair()
    observation = _observed(other)
    client.login(pair.mentor)
    for tail in ("/print", "/export.docx"):
        assert client.get(f"/c/{pair.community.slug}/mentoring/observations/999999{tail}").status_code == 404
        assert client.get(f"/c/{pair.community.slug}/mentoring/observations/abc{tail}").status_code == 404
        assert client.get(f"/c/{pair.community.slug}/mentoring/observations/{observation.id}{tail}").status_code \
            == 404


def test_a_trashed_observation_is_not_found_as_its_page_is(client, ctx):
    pair = make_pair()
    observation = services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentee.id, observed_on=DAY, pairing_id=pair.pairing.id), actor=pair.mentor)
    observation.deleted_at = utcnow()
    db.session.commit()
    for user, status in ((pair.convener, 404), (pair.mentee, 404), (pair.mentor, 200)):
        client.login(user)
        for tail in ("", "/print", "/export.docx"):
            assert client.get(_url(pair, observation, tail)).status_code == status, (user.display_name, tail)


def test_the_docx_opens_in_libreoffice(client, ctx, tmp_path):
    office.office()
    pair = make_pair()
    pair.mentor.locale = "zh_Hant"
    observation = _observed(pair)
    client.login(pair.mentor)
    source = tmp_path / "record.docx"
    source.write_bytes(client.get(_url(pair, observation, "/export.docx")).data)
    pdf = office.to_pdf(source, tmp_path)
    text = office.pdf_text(pdf)
    assert "林老師" in text and "下次我會等久一點" in text
    assert office.has_cjk_font(pdf)


def _learning() -> tuple:
    """The new teacher (reading English) observing the mentor, on the form to learn by chosen for that direction."""
    pair = make_pair()
    pair.mentee.locale = "en"
    return pair, services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentor.id, observed_on=DAY, pairing_id=pair.pairing.id), actor=pair.mentee)


def test_the_record_of_a_form_to_learn_by_shows_each_row_with_its_notes_and_no_level(client, ctx):
    pair, observation = _learning()
    services.add_note(observation, services.NoteFields(client_key="a", text="先讓學生猜", minute=7, row_key="learned"),
                      actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    text = docx_text(client.get(_url(pair, observation, "/export.docx")).data)
    assert "Observing to learn" in text and "What I learned" in text and "7′ 先讓學生猜" in text
    assert "Not rated" not in text and "Ratings" not in text


def test_the_form_to_learn_by_reads_as_learning_not_as_an_evaluation_of_the_mentor(client, ctx):
    """QA 9: the new teacher's 觀課學習單 printed as a graded 教學觀察紀錄表 with strengths and suggestions about the
    mentor, and its note form asked for a "Rubric row". Its record is titled and named after the form, its
    post-conference asks what worked and what to ask (the same two columns), and its row picker says "Row"."""
    pair, observation = _learning()
    services.add_note(observation, services.NoteFields(client_key="a", text="先讓學生猜", minute=7, row_key="learned"),
                      actor=pair.mentee)
    services.update_feedback(observation, "學生很投入", "為什麼先分組？", actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    response = client.get(_url(pair, observation, "/export.docx"))
    disposition = unquote(response.headers["Content-Disposition"])
    assert "Observing to learn 王老師 2026-10-05.docx" in disposition, disposition
    document = docx.Document(io.BytesIO(response.data))
    assert document.core_properties.title == "Observing to learn"
    text = docx_text(response.data)
    assert "Classroom observation record" not in text
    assert "What worked well" in text and "Questions for the teacher" in text
    assert "Strengths" not in text and "Suggestions" not in text
    assert text.index("What worked well") < text.index("學生很投入") < text.index("Questions for the teacher")
    printed = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    assert "<h1>Observing to learn</h1>" in printed and "Classroom observation record" not in printed
    assert "What worked well" in printed and "Questions for the teacher" in printed and "Strengths" not in printed
    page = client.get(_url(pair, observation, "")).get_data(as_text=True)
    assert '<label class="label" for="strengths">What worked well</label>' in page
    assert '<label class="label" for="suggestions">Questions for the teacher</label>' in page
    assert '<label class="label" for="row_key">Row</label>' in page and "Rubric row" not in page
    client.login(pair.mentor)  # the observed mentor reads it, not as an edit form
    page = client.get(_url(pair, observation, "")).get_data(as_text=True)
    assert "Strengths" not in page


def test_a_rubric_observation_keeps_its_record_title_and_post_conference(client, ctx):
    pair = make_pair()
    observation = _observed(pair)
    draft = services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentee.id, observed_on=DAY, pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    page = client.get(_url(pair, draft, "")).get_data(as_text=True)
    assert "Rubric row" in page and '<label class="label" for="strengths">Strengths</label>' in page
    printed = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    assert "<h1>Classroom observation record</h1>" in printed and "Strengths" in printed


def test_a_note_added_by_the_script_sends_its_row_of_the_form_to_learn_by_out_of_band(client, ctx):
    """QA 9: a row of the form to learn by kept "No notes on this row yet" after a note was added to it, until a
    reload. The note script's answer carries the row, filled, marked to replace the page's (observe.js)."""
    pair, observation = _learning()
    services.add_note(observation, services.NoteFields(client_key="a", text="先讓學生猜", minute=7, row_key="learned"),
                      actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    response = client.post_form(_url(pair, observation, "/notes"), {
        "client_key": "b", "minute": "15", "row_key": "learned", "text": "等學生三秒"}, headers={"X-Observe": "1"})
    assert response.status_code == 201
    body = response.get_data(as_text=True)
    assert 'data-note-key="b"' in body
    row = body[body.index('id="rubric-learned"'):]
    assert 'hx-swap-oob="true"' in body[body.rindex("<section", 0, body.index('id="rubric-learned"')):][:200]
    assert "先讓學生猜" in row and "等學生三秒" in row and "No notes on this row yet" not in row
    plain = client.post_form(_url(pair, observation, "/notes"), {"client_key": "c", "minute": "16", "text": "x"},
                             headers={"X-Observe": "1"}).get_data(as_text=True)
    assert "rubric-" not in plain  # a note tied to no row changes no row


def test_the_signature_table_asks_for_a_person_s_name_on_paper_and_in_word(client, ctx, app, monkeypatch):
    """QA 9: the column read 名稱 (a thing's name): it is a person's, 姓名. The column is its own message, "Name" in the
    context "person" (the catalog entry here stands for the lead's merge of tr-mfix.json)."""
    from flask_babel import get_translations

    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    observation = _observed(pair)
    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        catalog = get_translations()._catalog
        assert catalog.get("Name") == "名稱"  # the thing's name stays as it is elsewhere
    monkeypatch.setitem(catalog, "person\x04Name", "人的姓名")
    client.login(pair.mentee)
    printed = client.get(_url(pair, observation, "/print")).get_data(as_text=True)
    head = printed[printed.index('id="print-signatures"'):]
    assert '<th scope="col">人的姓名</th>' in head[:600]
    signatures = docx.Document(io.BytesIO(client.get(_url(pair, observation, "/export.docx")).data)).tables[-1]
    assert [cell.text for cell in signatures.rows[0].cells][:2] == ["角色", "人的姓名"]
