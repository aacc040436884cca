"""Observation forms: the shipped default, a community's own forms, their versions and ratings on their levels."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_user
from tests.mentoring.helpers import make_pair
from workspace.core.errors import NotAllowed, ValidationError
from workspace.extensions import db
from workspace.mentoring.models import ObservationForm
from workspace.mentoring.services import observations, rubrics

FIELDS = rubrics.FormFields(title="數學觀課表", rows=[{"key": "questions", "label": "提問", "hint": "高層次提問"},
                                                   {"key": "groups", "label": "小組合作", "hint": ""}],
                            levels=[{"value": 1, "label": "待加強"}, {"value": 2, "label": "良好"},
                                    {"value": 3, "label": "優良"}])


def test_the_default_form_is_made_once_in_the_default_language(ctx):
    first = rubrics.default_form()
    again = rubrics.default_form()
    db.session.commit()
    assert first.id == again.id and first.family_id == first.id and first.community_id is None
    assert [row["label"] for row in first.rows][:3] == ["教學準備", "教學實施", "班級經營"]
    assert [level["value"] for level in first.levels] == [1, 2, 3, 4]
    assert db.session.scalar(select(func.count()).select_from(ObservationForm)) == 1


@pytest.mark.parametrize(("locale", "title", "first_row", "levels"), [
    ("en", "Classroom observation form", "Lesson preparation", ["Needs improvement", "Fair", "Good", "Excellent"]),
    ("zh_Hant", "教學觀察紀錄表", "教學準備", ["待改進", "尚可", "良好", "優良"]),
    ("zh_Hans", "教学观察记录表", "教学准备", ["待改进", "尚可", "良好", "优良"])])
def test_the_default_form_reads_in_the_readers_language(app, ctx, locale, title, first_row, levels):
    """QA: an English interface showed the shipped form as 教學準備 … 優良. Stored in Chinese, it is shown in English
    to an English reader (in the reader's script to a Chinese one); a community's own form as written."""
    from flask_babel import force_locale

    form = rubrics.default_form()
    pair = make_pair()
    own = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    with force_locale(locale):
        assert form.shown_title == title and form.shown_rows[0]["label"] == first_row
        assert [level["label"] for level in form.shown_levels] == levels
        assert all(row["hint"] for row in form.shown_rows)
        assert [row["label"] for row in own.shown_rows] == [row["label"] for row in own.rows]  # as the convener typed
    assert form.rows[0]["label"] == "教學準備"  # stored as shipped


def test_a_convener_adds_a_form_and_a_member_may_not(ctx):
    pair = make_pair()
    form = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    assert form.family_id == form.id and form.version == 1 and form.rows[0]["key"] == "questions"
    with pytest.raises(NotAllowed):
        rubrics.create_form(pair.community, FIELDS, actor=pair.mentor)
    listed = rubrics.forms_for(pair.community, pair.mentor)
    assert [item.id for item in listed] == [rubrics.default_form().id, rubrics.learning_form().id, form.id]
    other = make_community(make_user())
    assert form.id not in [item.id for item in rubrics.forms_for(other, pair.mentor)]


@pytest.mark.parametrize(("rows", "levels", "field"), [
    ("", "1 | a\n2 | b", "rows"),
    ("Bad Key! | x | y", "1 | a\n2 | b", "rows"),
    ("a | x |\na | y |", "1 | a\n2 | b", "rows"),
    ("a |  | hint", "1 | a\n2 | b", "rows"),
    (" | only a hint", "1 | a\n2 | b", "rows"),
    ("教學實施 | 提問\n教學實施 | 回饋", "1 | a\n2 | b", "rows"),  # the same row twice: which one was rated?
    ("Teaching\nteaching | hint", "1 | a\n2 | b", "rows"),
    ("x", "1 | only one", "levels"),
    ("x", "one | a\n2 | b", "levels"),
    ("x", "1 | a\n1 | b", "levels"),
])
def test_malformed_rows_and_levels_are_refused_beside_their_field(ctx, rows, levels, field):
    pair = make_pair()
    with pytest.raises(ValidationError) as error:
        rubrics.create_form(pair.community, rubrics.FormFields("x", rubrics.parse_rows(rows),
                                                               rubrics.parse_levels(levels)), actor=pair.convener)
    assert field in {name for name, _message in error.value.errors}


def test_rows_typed_without_keys_get_their_own_and_read_back_as_typed(ctx):
    """A teacher types 教學準備 | 教學目標明確: the form gives the row a key itself; a key a person chose stays."""
    pair = make_pair()
    typed = "教學準備 | 教學目標明確\nmine | 自訂的鍵 | 保留\n班級經營\nquestions｜提問｜"  # ｜: a Chinese keyboard
    form = rubrics.create_form(pair.community, rubrics.FormFields("語文觀課表", rubrics.parse_rows(typed),
                                                                  rubrics.parse_levels("1 | 一\n2｜二")),
                               actor=pair.convener)
    assert [(row["key"], row["label"], row["hint"]) for row in form.rows] == [
        ("row-1", "教學準備", "教學目標明確"), ("mine", "自訂的鍵", "保留"), ("row-2", "班級經營", ""),
        ("questions", "提問", "")]
    assert rubrics.rows_text(form.rows).splitlines() == [
        "教學準備 | 教學目標明確", "mine | 自訂的鍵 | 保留", "班級經營", "questions | 提問 |"]
    assert rubrics.rows_text(form.rows, keys=False).splitlines()[-1] == "提問"
    assert [(level["value"], level["label"]) for level in form.levels] == [(1, "一"), (2, "二")]


def test_a_person_may_not_choose_a_key_the_form_gives_itself(ctx):
    """row-2 typed as a key would read back as an automatic one on edit, and the next version could renumber it."""
    pair = make_pair()
    fields = rubrics.FormFields("x", rubrics.parse_rows("教學準備\nROW-2 | 自訂 | 保留"),
                                rubrics.parse_levels("1 | 一\n2 | 二"))
    with pytest.raises(ValidationError) as error:
        rubrics.create_form(pair.community, fields, actor=pair.convener)
    assert [name for name, _message in error.value.errors] == ["rows"]
    assert "row-2" in error.value.errors[0][1]


def test_an_unused_version_is_edited_in_place_a_used_one_gets_a_new_version(ctx):
    pair = make_pair()
    form = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    edited = rubrics.update_form(form, rubrics.FormFields("數學觀課表（修）", FIELDS.rows, FIELDS.levels),
                                 actor=pair.convener)
    assert edited.id == form.id and edited.version == 1 and edited.title == "數學觀課表（修）"
    observation = observations.create_observation(pair.community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), form_id=form.id), actor=pair.mentor)
    observations.set_ratings(observation, {"questions": "3"}, actor=pair.mentor)
    rows = [*FIELDS.rows, {"key": "time", "label": "時間"}]
    newer = rubrics.update_form(form, rubrics.FormFields("數學觀課表 v2", rows, FIELDS.levels), actor=pair.convener)
    db.session.commit()
    assert newer.id != form.id and newer.family_id == form.id and newer.version == 2
    assert form.superseded_at is not None and len(form.rows) == 2
    assert observation.form_id == form.id  # the observation keeps the version it was made on
    assert [item.id for item in rubrics.forms_for(pair.community, pair.mentor)][2:] == [newer.id]
    with pytest.raises(ValidationError):
        rubrics.update_form(form, FIELDS, actor=pair.convener)  # the old version is no longer edited
    with pytest.raises(NotAllowed):
        rubrics.update_form(newer, FIELDS, actor=pair.mentee)


def test_ratings_outside_the_levels_or_of_unknown_rows_are_refused(ctx):
    form = rubrics.default_form()
    assert rubrics.check_ratings(form, {"teaching": "4", "design": "", "management": 1}) == {"teaching": 4,
                                                                                               "management": 1}
    for bad in ({"teaching": "5"}, {"teaching": "0"}, {"teaching": "x"}, {"nope": "1"}, {"teaching": "2.5"}):
        with pytest.raises(ValidationError) as error:
            rubrics.check_ratings(form, bad)
        assert error.value.field.startswith("rating_")


def test_the_default_form_is_shown_in_the_reader_s_script_and_a_community_s_own_as_written(client, ctx):
    """The shipped form is data in Traditional characters: a Simplified reader sees it in Simplified (on the forms
    list, the observation's rubric and its row choices), as the funders' clauses are shown; a form a convener
    wrote is their words, shown as written."""
    pair = make_pair()
    own = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    default = rubrics.default_form()
    observation = observations.create_observation(pair.community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), form_id=default.id), actor=pair.mentor)
    db.session.commit()
    base = f"/c/{pair.community.slug}/mentoring"
    client.login(pair.mentor)
    hans = {"Accept-Language": "zh-CN"}
    forms_page = client.get(f"{base}/observation-forms/", headers=hans).get_data(as_text=True)
    assert "教学观察记录表" in forms_page and "纪录" not in forms_page  # QA: 纪录, converted from 紀錄
    assert "教学准备" in forms_page and "教學準備" not in forms_page and "待改进" in forms_page
    assert own.title in forms_page and "待加強" in forms_page  # the community's own, as written
    observed = client.get(f"{base}/observations/{observation.id}", headers=hans).get_data(as_text=True)
    assert "教学准备" in observed and "教學準備" not in observed
    new = client.get(f"{base}/observations/new", headers=hans).get_data(as_text=True)  # the form's choices too
    assert "教学观察" in new and "教學觀察" not in new
    english = client.get(f"{base}/observations/{observation.id}", headers={"Accept-Language": "en"})
    assert "Lesson preparation" in english.get_data(as_text=True)  # the shipped form's English words
    assert "教學準備" not in english.get_data(as_text=True)


def test_a_new_form_starts_from_the_default_s_rows_in_the_words_the_observations_show(client, ctx):
    """QA 12: a Simplified convener's new form started from 学习评量 (converted character by character) while every
    observation said 学习评价; an English convener's from the Traditional rows."""
    pair = make_pair()
    db.session.commit()
    client.login(pair.convener)
    new_form = f"/c/{pair.community.slug}/mentoring/observation-forms/new"
    hans = client.get(new_form, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "学习评价" in hans and "学习评量" not in hans and "待改进" in hans and "教學準備" not in hans
    english = client.get(new_form, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Assessment" in english and "Needs improvement" in english and "學習評量" not in english
    hant = client.get(new_form, headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "學習評量" in hant and "待改進" in hant


# --- the form to learn by: the new teacher observing the mentor ----------------------------------


def test_the_form_to_learn_by_ships_beside_the_rubric_with_rows_and_no_levels(ctx):
    default, learning = rubrics.default_form(), rubrics.learning_form()
    again = rubrics.learning_form()
    db.session.commit()
    assert learning.id == again.id != default.id and learning.community_id is None
    assert learning.family_id == learning.id and learning.levels == []
    assert [row["key"] for row in learning.rows] == ["teacher_moves", "student_responses", "learned", "try_next"]
    assert rubrics.default_form().id == default.id  # the rubric is still the default, whichever was made first
    assert db.session.scalar(select(func.count()).select_from(ObservationForm)) == 2


def test_the_form_to_learn_by_reads_in_english(app, ctx):
    from flask_babel import force_locale

    with force_locale("en"):
        form = rubrics.learning_form()
        assert form.shown_title == "Observing to learn"
        assert [row["label"] for row in form.shown_rows] == [
            "What the teacher did", "How the students answered", "What I learned", "What I will try in my own class"]


def test_a_form_may_have_no_levels_but_not_one(ctx):
    pair = make_pair()
    notes_only = rubrics.create_form(pair.community, rubrics.FormFields("共備觀課", FIELDS.rows, []),
                                     actor=pair.convener)
    assert notes_only.levels == []
    with pytest.raises(ValidationError) as error:
        rubrics.create_form(pair.community, rubrics.FormFields("一級", FIELDS.rows, [{"value": 1, "label": "好"}]),
                            actor=pair.convener)
    assert error.value.field == "levels"


def test_a_row_of_a_form_without_levels_takes_no_rating(ctx):
    form = rubrics.learning_form()
    assert rubrics.check_ratings(form, {"learned": ""}) == {}
    with pytest.raises(ValidationError) as error:
        rubrics.check_ratings(form, {"learned": "3"})
    assert error.value.field == "rating_learned"


def test_a_shipped_form_s_first_version_is_never_edited_in_place(ctx):
    admin = make_user(is_admin=True)
    learning = rubrics.learning_form()
    changed = rubrics.update_form(learning, rubrics.FormFields("我的學習單", LEARN_ROWS, []), actor=admin)
    db.session.commit()
    assert changed.id != learning.id and changed.version == 2
    assert rubrics.learning_form().id == changed.id  # still found as the form to learn by


LEARN_ROWS = [dict(row) for row in rubrics.LEARN_ROWS]


def _plan(pair, observed, **overrides) -> observations.PlanFields:
    values = dict(observed_id=observed.id, observed_on=dt.date(2026, 10, 5))
    values.update(overrides)
    return observations.PlanFields(**values)


def test_the_new_teacher_observing_the_mentor_starts_on_the_form_to_learn_by(ctx):
    pair = make_pair()
    from_pairing = observations.create_observation(pair.community, _plan(pair, pair.mentor, pairing_id=pair.pairing.id),
                                                   actor=pair.mentee)
    from_list = observations.create_observation(pair.community, _plan(pair, pair.mentor), actor=pair.mentee)
    assert from_pairing.form_id == from_list.form_id == rubrics.learning_form().id


def test_the_mentor_observing_the_new_teacher_keeps_the_rubric_and_so_does_a_colleague(ctx):
    pair = make_pair()
    mentor = observations.create_observation(pair.community, _plan(pair, pair.mentee, pairing_id=pair.pairing.id),
                                             actor=pair.mentor)
    colleague = observations.create_observation(pair.community, _plan(pair, pair.mentor), actor=pair.colleague)
    assert mentor.form_id == colleague.form_id == rubrics.default_form().id


def test_a_community_s_own_form_chosen_is_kept_in_both_directions(ctx):
    pair = make_pair()
    own = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    learner = observations.create_observation(pair.community, _plan(pair, pair.mentor, form_id=own.id),
                                              actor=pair.mentee)
    mentor = observations.create_observation(pair.community, _plan(pair, pair.mentee, form_id=own.id),
                                             actor=pair.mentor)
    assert learner.form_id == mentor.form_id == own.id


def test_an_observation_made_before_keeps_its_form(ctx):
    pair = make_pair()
    earlier = observations.create_observation(pair.community, _plan(pair, pair.mentor,
                                                                     form_id=rubrics.default_form().id),
                                              actor=pair.mentee)
    rubrics.learning_form()
    db.session.commit()
    assert db.session.get(type(earlier), earlier.id).form_id == rubrics.default_form().id


def _new_page(client, pair, query: str) -> str:
    return client.get(f"/c/{pair.community.slug}/mentoring/observations/new?{query}").get_data(as_text=True)


def _selected_form(page: str) -> str:
    select_html = page.split('id="form_id"')[1].split("</select>")[0]
    return select_html.split("<option selected")[1].split('value="', 1)[1].split('"')[0]


def test_the_new_observation_page_chooses_the_form_by_direction(client, ctx):
    pair = make_pair()
    own = rubrics.create_form(pair.community, FIELDS, actor=pair.convener)
    db.session.commit()
    client.login(pair.mentee)
    page = _new_page(client, pair, f"pairing={pair.pairing.id}")
    assert _selected_form(page) == str(rubrics.learning_form().id)
    assert f'value="{own.id}"' in page and f'value="{rubrics.default_form().id}"' in page  # others still offered
    client.login(pair.mentor)
    assert _selected_form(_new_page(client, pair, f"pairing={pair.pairing.id}")) == str(rubrics.default_form().id)


def test_from_the_community_s_list_the_form_follows_the_person_chosen(client, ctx):
    """Started with no one chosen, the page tells its script which person starts which form: the new teacher's mentor
    the form to learn by, anyone else the rubric (the mentor's own page has no one to learn from)."""
    pair = make_pair()
    client.login(pair.mentee)
    page = _new_page(client, pair, "")
    select = re.search(r'<select[^>]*data-follows="observed_id"[^>]*>', page).group(0)
    mapping = json.loads(html.unescape(re.search(r"data-choice-map=\"([^\"]*)\"", select).group(1)))
    assert mapping == {str(pair.mentor.id): str(rubrics.learning_form().id)}
    assert f'data-choice-else="{rubrics.default_form().id}"' in select
    client.login(pair.mentor)
    select = re.search(r'<select[^>]*data-follows="observed_id"[^>]*>', _new_page(client, pair, "")).group(0)
    assert "data-choice-map=\"{}\"" in select


def test_a_form_without_levels_shows_its_rows_with_their_notes_and_asks_no_level(client, ctx):
    pair = make_pair()
    pair.mentee.locale = "en"
    observation = observations.create_observation(pair.community, _plan(pair, pair.mentor), actor=pair.mentee)
    observations.add_note(observation, observations.NoteFields(client_key="a", text="先讓學生猜", minute=7,
                                                               row_key="teacher_moves"), actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    base = f"/c/{pair.community.slug}/mentoring/observations/{observation.id}"
    page = client.get(base).get_data(as_text=True)
    section = page.split('id="ratings"')[1].split('id="post-conference"')[0]
    assert "What the teacher did" in section and "先讓學生猜" in section
    assert 'type="radio"' not in section and "Save the ratings" not in section
    refused = client.post_form(base + "/ratings", {"rating_learned": "3"})
    assert refused.status_code == 422
    record = client.get(base + "/print").get_data(as_text=True)
    assert "先讓學生猜" in record.split('id="print-row-teacher_moves"')[1].split("</tr>")[0]
