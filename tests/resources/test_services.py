"""Resource services: tags, creating and versioning, search indexing, visibility, trash, downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from tests.factories import add_member, make_community, make_school, make_user
from tests.media import png_bytes
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.storage import store_upload
from workspace.core.text import render_markdown
from workspace.extensions import db
from workspace.resources import services
from workspace.resources.models import Resource, ResourceVersion, Tag


def fields(title="Plan", **overrides):
    return services.ResourceFields(title=title, kind=overrides.pop("kind", "lesson_plan"), **overrides)


def text_resource(community, actor, title="Plan", body="Some text", **overrides):
    resource = services.create_text_resource(community, fields(title, **overrides), body, actor=actor)
    db.session.commit()
    return resource


def found(viewer, query, community_id=None):
    page = services.list_resources(viewer, services.ResourceFilters(q=query, community_id=community_id))
    return [item.title for item in page.items]


# --- tags ----------------------------------------------------------------------------------------


def test_parse_tags_splits_on_commas_ideographic_commas_and_hashes(ctx):
    assert services.parse_tags("分數, 五年級、差異化教學 #閱讀，素養;；x\ny") == \
        ["分數", "五年級", "差異化教學", "閱讀", "素養", "x", "y"]


def test_parse_tags_drops_repeats_in_another_case_and_blanks(ctx):
    assert services.parse_tags("Fractions, fractions, FRACTIONS ,  , #, Maths") == ["Fractions", "Maths"]
    assert services.parse_tags(["  a ", "A", "b"]) == ["a", "b"]
    assert services.parse_tags("") == [] and services.parse_tags(None) == []


def test_parse_tags_refuses_more_than_twenty(ctx):
    assert len(services.parse_tags(",".join(f"t{n}" for n in range(20)))) == 20
    with pytest.raises(ValidationError) as error:
        services.parse_tags(",".join(f"t{n}" for n in range(21)))
    assert error.value.field == "tags" and "20" in error.value.message


def test_parse_tags_refuses_a_tag_longer_than_forty_characters(ctx):
    assert services.parse_tags("x" * 40) == ["x" * 40]
    with pytest.raises(ValidationError) as error:
        services.parse_tags("ok, " + "長" * 41)
    assert error.value.field == "tags" and "40" in error.value.message


def test_tags_are_shared_case_insensitively_across_resources(ctx):
    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "One", tags="Fractions")
    second = text_resource(community, convener, "Two", tags="fractions, new")
    assert [tag.name for tag in second.tags] == ["Fractions", "new"]
    assert db.session.scalar(select(db.func.count()).select_from(Tag)) == 2


# --- creating and versioning ---------------------------------------------------------------------


def test_text_resource_versions_are_numbered_and_the_newest_is_current(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener, body="first")
    assert resource.current_version.number == 1 and resource.current_version.body == "first"
    second = services.add_text_version(resource, "second", actor=convener, note="typo")
    third = services.add_text_version(resource, "**third**", actor=convener)
    db.session.commit()
    assert (second.number, third.number) == (2, 3)
    assert resource.current_version_id == third.id and "<strong>third</strong>" in third.body_html
    assert [version.number for version in services.versions_of(resource)] == [3, 2, 1]
    with pytest.raises(ValidationError):
        services.add_text_version(resource, "   ", actor=convener)


def test_file_resource_versions_are_numbered(ctx):
    convener = make_user()
    community = make_community(convener)
    stored = store_upload(io.BytesIO(b"version one"), "notes.txt")
    resource = services.create_file_resource(community, fields("Notes"), stored, actor=convener)
    db.session.commit()
    assert resource.current_version.number == 1 and resource.current_version.filename == "notes.txt"
    assert resource.current_version.extracted_text.strip() == "version one"
    version = services.add_file_version(resource, store_upload(io.BytesIO(b"version two"), "notes.txt"),
                                        actor=convener, note="fixed")
    db.session.commit()
    assert version.number == 2 and resource.current_version_id == version.id and version.note == "fixed"
    assert db.session.scalar(select(db.func.count()).select_from(ResourceVersion)) == 2


def test_only_contributors_may_create(ctx):
    convener = make_user()
    community = make_community(convener)
    guest = add_member(community, role="guest_expert").user
    with pytest.raises(NotAllowed):
        services.create_text_resource(community, fields(), "text", actor=guest)
    with pytest.raises(NotAllowed):
        services.create_text_resource(community, fields(), "text", actor=make_user())


def test_fields_are_checked(ctx):
    convener = make_user()
    community = make_community(convener)
    for bad, field in ((fields(" "), "title"), (fields(kind="poem"), "kind"), (fields(visibility="world"),
                                                                                 "visibility"),
                       (fields("x" * 201), "title")):
        with pytest.raises(ValidationError) as error:
            services.create_text_resource(community, bad, "text", actor=convener)
        assert error.value.field == field
        db.session.rollback()


# --- search --------------------------------------------------------------------------------------


def test_search_finds_a_word_only_in_a_comment(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener, "Plan A", body="nothing special")
    text_resource(community, convener, "Plan B", body="nothing either")
    assert found(convener, "pineapple") == []
    services.add_comment(resource, "Try it with a **pineapple** example", actor=convener)
    db.session.commit()
    assert found(convener, "pineapple", community.id) == ["Plan A"]


def test_search_finds_a_word_only_in_a_tag(ctx):
    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "Plan A", tags="origami")
    text_resource(community, convener, "Plan B")
    assert found(convener, "origami") == ["Plan A"]
    resource = text_resource(community, convener, "Plan C")
    services.update_resource(resource, fields("Plan C", tags="origami"), actor=convener)
    db.session.commit()
    assert sorted(found(convener, "origami")) == ["Plan A", "Plan C"]


def test_search_finds_a_word_only_inside_an_uploaded_docx(ctx):
    import docx

    document = docx.Document()
    document.add_paragraph("The hidden word is quokka, in a Word file.")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "表格裡的字：袋鼠"
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    convener = make_user()
    community = make_community(convener)
    stored = store_upload(out, "worksheet.docx")
    assert stored.media_type.endswith("wordprocessingml.document")
    services.create_file_resource(community, fields("Worksheet"), stored, actor=convener)
    text_resource(community, convener, "Other")
    assert found(convener, "quokka") == ["Worksheet"]
    assert found(convener, "袋鼠") == ["Worksheet"]


def test_traditional_query_finds_simplified_text(ctx):
    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "Simplified notes", body="异分母分数的加法与减法")
    assert found(convener, "異分母分數") == ["Simplified notes"]
    assert found(convener, "减法") == ["Simplified notes"]


def test_search_respects_visibility_and_trash(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener, "Secret walrus plan")
    text_resource(community, convener, "Open walrus plan", visibility="public")
    assert sorted(found(convener, "walrus")) == ["Open walrus plan", "Secret walrus plan"]
    assert found(make_user(), "walrus") == ["Open walrus plan"]
    assert found(AnonymousUserMixin(), "walrus") == ["Open walrus plan"]
    services.trash_resource(resource, actor=convener)
    db.session.commit()
    assert found(convener, "walrus") == ["Open walrus plan"]
    services.restore_resource(resource, actor=convener)
    db.session.commit()
    assert "Secret walrus plan" in found(convener, "walrus")


# --- visibility ----------------------------------------------------------------------------------


def test_visible_condition_public_school_community(ctx):
    school, other_school = make_school(), make_school()
    convener = make_user()
    community = make_community(convener, schools=[school])
    for visibility in ("public", "school", "community"):
        text_resource(community, convener, visibility, visibility=visibility)
    member = add_member(community).user
    guest = add_member(community, role="guest_expert").user
    readers = {
        "anonymous": (AnonymousUserMixin(), {"public"}),
        "outsider": (make_user(), {"public"}),
        "other school": (make_user(school_id=other_school.id), {"public"}),
        "colleague": (make_user(school_id=school.id), {"public", "school"}),
        "guest expert": (guest, {"public"}),
        "member": (member, {"public", "school", "community"}),
        "admin": (make_user(is_admin=True), {"public", "school", "community"}),
    }
    for name, (user, expected) in readers.items():
        titles = set(db.session.scalars(select(Resource.title).where(services.visible_condition(user))))
        assert titles == expected, name


def test_visible_condition_leaves_out_the_trash_even_for_admins(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener, "Gone", visibility="public")
    services.trash_resource(resource, actor=convener)
    db.session.commit()
    for user in (convener, make_user(is_admin=True), AnonymousUserMixin()):
        assert db.session.scalars(select(Resource.id).where(services.visible_condition(user))).all() == []


# --- trash and downloads -------------------------------------------------------------------------


def test_purge_expired_trash_after_31_days(ctx):
    convener = make_user()
    community = make_community(convener)
    old = text_resource(community, convener, "Old")
    recent = text_resource(community, convener, "Recent")
    live = text_resource(community, convener, "Live")
    services.add_comment(old, "a comment", actor=convener)
    for resource in (old, recent):
        services.trash_resource(resource, actor=convener)
    old.deleted_at = utcnow() - dt.timedelta(days=31)
    recent.deleted_at = utcnow() - dt.timedelta(days=29)
    db.session.commit()
    old_id = old.id
    assert services.purge_expired_trash() == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Resource, old_id) is None
    assert db.session.get(Resource, recent.id) is not None and db.session.get(Resource, live.id) is not None
    assert services.purge_expired_trash(utcnow() + dt.timedelta(days=2)) == 1  # recent is 31 days old then
    db.session.commit()
    assert [resource.title for resource in db.session.scalars(select(Resource))] == ["Live"]


def test_trash_expiry_is_thirty_days(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener)
    assert services.trash_expires_at(resource) is None
    services.trash_resource(resource, actor=convener)
    assert services.trash_expires_at(resource) - resource.deleted_at == dt.timedelta(days=30)


def test_count_download_increments_in_one_update(ctx, count_queries):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener)
    stale = resource.download_count
    with count_queries() as queries:
        services.count_download(resource)
        services.count_download(resource)  # the object still says 0: no read-modify-write
    db.session.commit()
    assert stale == 0 and len(queries) == 2
    assert all(query.lstrip().upper().startswith("UPDATE") for query in queries)
    assert all("download_count + " in query for query in queries)
    db.session.refresh(resource)
    assert resource.download_count == 2


def test_toggle_favourite(ctx):
    convener = make_user()
    community = make_community(convener)
    resource = text_resource(community, convener)
    assert services.toggle_favourite(resource, convener) is True
    assert services.is_favourite(resource, convener)
    assert services.toggle_favourite(resource, convener) is False
    assert not services.is_favourite(resource, convener)
    assert not services.is_favourite(resource, AnonymousUserMixin())


def test_facet_values_list_subjects_and_grades_in_use(ctx):
    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "A", subject="Science", grade="G6")
    text_resource(community, convener, "B", subject="Maths", grade="G5")
    text_resource(community, convener, "C", subject="Maths")
    text_resource(community, convener, "D", subject="Secret", grade="G9")
    stranger = make_user()
    text_resource(make_community(stranger), stranger, "E", subject="Elsewhere", grade="G1")
    assert services.facet_values(convener, community.id) == {"subjects": ["Maths", "Science", "Secret"],
                                                             "grades": ["G5", "G6", "G9"]}
    assert services.facet_values(AnonymousUserMixin()) == {"subjects": [], "grades": []}
    assert services.facet_values(convener)["subjects"] == ["Maths", "Science", "Secret"]


# --- one subject in either script (QA10 finding 2) -----------------------------------------------


def listed(viewer, **filters):
    return sorted(item.title for item in services.list_resources(viewer, services.ResourceFilters(**filters)).items)


def test_facets_group_the_two_scripts_of_a_subject_as_one_option_in_the_readers_script(ctx):
    from flask_babel import force_locale

    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "Mainland plan", subject="数学", grade="五年级")
    text_resource(community, convener, "Taiwan plan", subject="數學", grade="五年級")
    text_resource(community, convener, "Maths plan", subject="Maths")
    text_resource(community, convener, "Lower plan", subject="maths")
    with force_locale("zh_Hans"):
        assert services.facet_values(convener, community.id) == {"subjects": ["Maths", "数学"], "grades": ["五年级"]}
    with force_locale("zh_Hant"):
        assert services.facet_values(convener, community.id) == {"subjects": ["Maths", "數學"], "grades": ["五年級"]}
    # In English Chinese is shown in the site's script (the default language: Traditional here), not whichever
    # spelling sorted first (QA: a Taiwanese school's English reader was offered 数学).
    with force_locale("en"):
        assert services.facet_values(convener, community.id) == {"subjects": ["Maths", "數學"], "grades": ["五年級"]}


def test_filtering_by_either_script_lists_both_subjects_grades_and_tags(ctx):
    convener = make_user()
    community = make_community(convener)
    text_resource(community, convener, "Mainland plan", subject="数学", grade="五年级", tags="分数")
    text_resource(community, convener, "Taiwan plan", subject="數學", grade="五年級", tags="分數")
    text_resource(community, convener, "Chinese plan", subject="語文", grade="六年級", tags="閱讀")
    both = ["Mainland plan", "Taiwan plan"]
    for typed in ("数学", "數學"):
        assert listed(convener, subject=typed) == both, typed
    for typed in ("五年级", "五年級"):
        assert listed(convener, grade=typed) == both, typed
    for typed in ("分数", "分數"):
        assert listed(convener, tag=typed) == both, typed
    assert listed(convener, subject="语文") == ["Chinese plan"]
    assert listed(convener, subject="Maths") == []


def test_a_facet_filter_is_spelled_as_its_option(ctx):
    filters = services.ResourceFilters(subject="數學", grade="g5")
    spelled = services.in_facet_spelling(filters, {"subjects": ["Maths", "数学"], "grades": ["G5"]})
    assert (spelled.subject, spelled.grade) == ("数学", "G5")
    unknown = services.ResourceFilters(subject="物理")
    assert services.in_facet_spelling(unknown, {"subjects": ["数学"], "grades": []}).subject == "物理"


# --- my favourites (QA10 finding 3) --------------------------------------------------------------


def test_my_favourites_lists_only_the_readers_own_marks(ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community).user
    liked = text_resource(community, convener, "Liked")
    other = text_resource(community, convener, "Other's favourite")
    text_resource(community, convener, "Unmarked")
    services.toggle_favourite(liked, member)
    services.toggle_favourite(other, convener)
    db.session.commit()
    assert listed(member, favourites=True) == ["Liked"]
    assert listed(convener, favourites=True) == ["Other's favourite"]
    assert listed(member, favourites=True, community_id=community.id) == ["Liked"]
    assert listed(member, favourites=True, subject="nothing") == []
    assert listed(AnonymousUserMixin(), favourites=True) == []
    assert len(listed(member)) == 3  # without the filter, everything


def test_my_favourites_keep_to_what_each_role_may_read(ctx):
    """A favourite no longer readable (left the community, narrowed, trashed) is not listed; per role."""
    school = make_school()
    convener = make_user(school_id=school.id)
    community = make_community(convener, schools=[school])
    public = text_resource(community, convener, "Public", visibility="public")
    school_wide = text_resource(community, convener, "School", visibility="school")
    members_only = text_resource(community, convener, "Community", visibility="community")
    trashed = text_resource(community, convener, "Trashed", visibility="public")
    member = add_member(community).user
    departed = add_member(community).user
    colleague = make_user(school_id=school.id)
    outsider = make_user()
    guest = add_member(community, role="guest_expert").user
    admin = make_user(is_admin=True)
    for user in (member, departed, colleague, outsider, guest, admin):
        for resource in (public, school_wide, members_only, trashed):
            services.toggle_favourite(resource, user)
    services.trash_resource(trashed, actor=convener)
    from workspace.communities.models import Membership

    db.session.scalar(select(Membership).where(Membership.user_id == departed.id)).left_at = utcnow()
    db.session.commit()
    expected = {
        "member": (member, ["Community", "Public", "School"]),
        "departed": (departed, ["Public"]),
        "colleague": (colleague, ["Public", "School"]),
        "outsider": (outsider, ["Public"]),
        "guest expert": (guest, ["Public"]),
        "admin": (admin, ["Community", "Public", "School"]),
    }
    for name, (user, titles) in expected.items():
        assert listed(user, favourites=True) == titles, name


# --- what the library takes in -------------------------------------------------------------------


def test_the_librarys_upload_path_refuses_a_web_page_named_as_a_pdf_before_anything_is_made(ctx):
    """The library stores its files through core/storage with their text read (store_uploads, extract_text): a
    file whose content is not what its name says is refused there, with what it looks like, and no resource or
    version is made of it (QA round 13: it was stored as "evil.pdf.txt")."""
    from werkzeug.datastructures import FileStorage

    from tests.core.test_storage import WEB_PAGE
    from workspace.core.storage import UploadRejected, store_uploads

    with pytest.raises(UploadRejected) as caught:
        store_uploads([FileStorage(io.BytesIO(WEB_PAGE), "evil.pdf")], extract_text=True)
    assert "not in PDF format" in caught.value.message and "web page" in caught.value.message
    assert db.session.scalar(select(Resource.id)) is None and db.session.scalar(select(ResourceVersion.id)) is None


# --- pictures a text shows ----------------------------------------------------------------------------


def picture(community, actor, title, visibility="community"):
    stored = store_upload(io.BytesIO(png_bytes(20, 20)), f"{title}.png")
    return services.create_file_resource(community, fields(title, kind="courseware", visibility=visibility), stored,
                                         actor=actor)


def test_the_pictures_a_text_shows_that_some_of_its_readers_cannot_see(ctx):
    """QA: a published plan's 板書 photo, visible to the community only, showed broken to everyone else."""
    author = make_user()
    community = make_community(author, slug="home", name="home")
    elsewhere = make_community(author, slug="away", name="away")
    members_only = picture(community, author, "板書照片")
    schools = picture(community, author, "學習單", visibility="school")
    everyone = picture(community, author, "分數圓形圖", visibility="public")
    away = picture(elsewhere, author, "外校照片")
    away_public = picture(elsewhere, author, "外校公開照片", visibility="public")
    trashed = picture(community, author, "舊照片", visibility="public")
    services.trash_resource(trashed, actor=author)
    db.session.commit()
    links = [f"![a](/c/home/resources/{members_only.id}/download)",
             f"![b](http://workspace.test/c/home/resources/{schools.id}/thumbnail?size=large)",
             f"![c](/c/home/resources/{everyone.id}/file)", f"![d](/c/away/resources/{away.id}/download)",
             f"![e](/c/away/resources/{away_public.id}/download)", f"![f](/c/home/resources/{trashed.id}/download)",
             f"![again](/c/home/resources/{members_only.id}/file)",  # the same picture twice: named once
             f"![wrong slug](/c/away/resources/{members_only.id}/download)",  # no such file there
             "![g](https://elsewhere.example/c/home/resources/1/download)", f"[a link](/c/home/resources/{away.id})"]
    html = str(render_markdown("\n\n".join(links)))

    def hidden(visibility):
        return [(item.resource.title, item.seen_by) for item in services.hidden_pictures(html, community, visibility)]

    assert hidden("community") == [("外校照片", "only the members of away see it"),
                                   ("舊照片", "it is in the trash: nobody sees it")]
    assert hidden("school") == [("板書照片", "only the members of home see it"),
                                ("外校照片", "only the members of away see it"),
                                ("舊照片", "it is in the trash: nobody sees it")]
    assert [title for title, _seen in hidden("public")] == ["板書照片", "學習單", "外校照片", "舊照片"]
    assert hidden("public")[1][1] == "only the members of home and the people of its schools see it"


def test_widening_a_written_resource_names_the_pictures_its_new_readers_would_miss(ctx):
    author = make_user()
    community = make_community(author, slug="home", name="home")
    photo = picture(community, author, "板書照片")
    text = text_resource(community, author, body=f"![板書](/c/home/resources/{photo.id}/download)")
    assert [item.resource.id for item in services.pictures_hidden_by_widening(text, "public")] == [photo.id]
    assert services.pictures_hidden_by_widening(text, "community") == []  # not wider
    text.visibility = "public"
    assert services.pictures_hidden_by_widening(text, "school") == []  # narrower
    assert services.pictures_hidden_by_widening(photo, "public") == []  # a file shows no pictures of others
