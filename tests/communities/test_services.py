"""Community rules, without HTTP: creation, slugs, roles, convenership, invitations, archive, scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_community, make_school, make_user
from workspace.communities import services
from workspace.communities.models import Membership, ReviewerScope
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.core.permissions import can
from workspace.extensions import db


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_creator_becomes_the_one_convener(ctx):
    teacher = make_user()
    community = services.create_community(actor=teacher, name=" 數學社群 ", kind="subject", slug="Math-Team")
    assert community.name == "數學社群" and community.slug == "math-team"
    memberships = services.active_members(community)
    assert [(m.user_id, m.role) for m in memberships] == [(teacher.id, "convener")]
    assert _events("community.created")


@pytest.mark.parametrize("slug", ["ab", "-abc", "abc-", "a--b", "數學", "new", "admin", "x" * 61, "has space"])
def test_bad_slugs_are_refused_beside_the_field(ctx, slug):
    with pytest.raises(ValidationError) as error:
        services.create_community(actor=make_user(), name="N", kind="grade", slug=slug)
    assert error.value.field == "slug"


def test_duplicate_slug_and_unknown_type_are_refused(ctx):
    make_community(slug="taken")
    with pytest.raises(ValidationError, match="already uses") as error:
        services.create_community(actor=make_user(), name="N", kind="grade", slug="taken")
    assert error.value.field == "slug"
    with pytest.raises(ValidationError) as error:
        services.create_community(actor=make_user(), name="N", kind="book-club", slug="free-one")
    assert error.value.field == "kind"


def test_slug_suggestions_are_free_and_valid(ctx):
    make_community(slug="reading-circle")
    assert services.suggest_slug("Reading Circle") == "reading-circle-2"
    chinese = services.suggest_slug("五年級數學社群")
    assert services.SLUG_PATTERN.match(chinese)
    assert services.check_slug(chinese) == chinese


def test_description_markdown_is_rendered_and_sanitized(ctx):
    community = make_community(description="**粗體** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>粗體</strong>" in community.description_html
    assert "<script" not in community.description_html
    assert "javascript:" not in community.description_html


def test_role_changes_are_audited_and_convenership_moves_only_by_transfer(ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    services.change_role(member, "mentor", actor=convener)
    assert member.role == "mentor"
    event = _events("membership.role_changed")[0]
    assert event.data == {"user_id": member.user_id, "old": "member", "new": "mentor"}
    with pytest.raises(ValidationError):
        services.change_role(member, "convener", actor=convener)
    own = services.membership_for(community, convener)
    with pytest.raises(NotAllowed):
        services.change_role(own, "member", actor=convener)


def test_transfer_leaves_exactly_one_convener(ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    services.transfer_convenership(community, member, actor=convener)
    db.session.commit()
    roles = {m.user_id: m.role for m in services.active_members(community)}
    assert roles == {convener.id: "co_convener", member.user_id: "convener"}
    assert _events("community.convenership_transferred")
    with pytest.raises(ValidationError):
        services.transfer_convenership(community, member, actor=convener)


def test_convener_cannot_leave_or_be_removed(ctx):
    convener = make_user()
    community = make_community(convener)
    own = services.membership_for(community, convener)
    with pytest.raises(NotAllowed):
        services.leave_community(own, actor=convener)
    with pytest.raises(NotAllowed):
        services.remove_member(own, actor=convener)


def test_removed_member_keeps_the_row_and_can_come_back(ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community, role="mentor")
    services.remove_member(member, actor=convener)
    db.session.commit()
    assert member.left_at is not None
    assert services.membership_for(community, member.user) is None
    again = services.add_member(community, member.user, "member")
    assert again.id != member.id and again.left_at is None and again.role == "member"  # a new stint
    db.session.refresh(member)
    assert member.left_at is not None and member.role == "mentor"  # the first one as it was


def test_evaluation_flag(ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    services.set_evaluation_flag(member, True, actor=convener)
    assert member.in_evaluation_programme
    assert _events("membership.evaluation_flag")[0].data["flagged"] is True


def test_link_invitation_single_use(ctx):
    convener = make_user()
    community = make_community(convener)
    invitation = services.create_invitation(community, actor=convener, role="member", single_use=True)
    first, second = make_user(), make_user()
    membership = services.accept_invitation(invitation, first)
    assert membership.role == "member" and invitation.use_count == 1
    assert "already been used" in services.invitation_problem(invitation, second)
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation, second)


def test_multi_use_invitation_and_existing_member(ctx):
    convener = make_user()
    community = make_community(convener)
    invitation = services.create_invitation(community, actor=convener, role="guest_expert", single_use=False)
    for _ in range(3):
        services.accept_invitation(invitation, make_user())
    assert invitation.use_count == 3
    again = services.accept_invitation(invitation, convener)
    assert again.role == "convener" and invitation.use_count == 3


def test_expired_revoked_and_archived_invitations(ctx):
    convener = make_user()
    community = make_community(convener)
    expired = services.create_invitation(community, actor=convener, role="member")
    expired.expires_at = utcnow() - dt.timedelta(minutes=1)
    assert "expired" in services.invitation_problem(expired)
    revoked = services.create_invitation(community, actor=convener, role="member")
    services.revoke_invitation(revoked, actor=convener)
    assert "withdrawn" in services.invitation_problem(revoked)
    open_one = services.create_invitation(community, actor=convener, role="member")
    assert services.open_invitations(community) == [open_one]
    services.archive_community(community, actor=convener)
    assert "archived" in services.invitation_problem(open_one)
    with pytest.raises(NotAllowed):
        services.create_invitation(community, actor=convener, role="member")


def test_email_invitation_is_bound_to_its_address(ctx):
    convener = make_user()
    community = make_community(convener)
    invitation = services.create_invitation(community, actor=convener, role="member", email=" Li.Wei@School.TEST ")
    assert invitation.email == "li.wei@school.test" and invitation.single_use
    stranger = make_user(email="someone.else@school.test")
    assert "Log in with that address" in services.invitation_problem(invitation, stranger)
    invited = make_user(email="li.wei@school.test")
    assert services.accept_invitation(invitation, invited).user_id == invited.id


def test_invitation_input_is_checked(ctx):
    convener = make_user(email="boss@school.test")
    community = make_community(convener)
    cases = (({"email": "not an email"}, "email"), ({"role": "convener"}, "role"),
             ({"days": 0}, "days"), ({"days": 91}, "days"), ({"email": "BOSS@school.test"}, "email"))
    for kwargs, field in cases:
        arguments = {"role": "member", **kwargs}
        with pytest.raises(ValidationError) as error:
            services.create_invitation(community, actor=convener, **arguments)
        assert error.value.field == field


def test_archive_is_reversible_and_freezes_management(ctx):
    convener = make_user()
    community = make_community(convener)
    services.archive_community(community, actor=convener)
    assert not can(convener, "manage_members", community)
    assert can(convener, "view", community)
    services.unarchive_community(community, actor=convener)
    assert can(convener, "manage_members", community)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["community.archived", "community.unarchived"]


def test_communities_of_lists_role_and_count(ctx):
    teacher = make_user()
    first = make_community(teacher, name="B community")
    second = make_community(name="A community")
    add_member(second, teacher, role="mentor")
    add_member(second)
    cards = services.communities_of(teacher)
    assert [(c.community.id, c.role, c.member_count) for c in cards] == [
        (second.id, "mentor", 3), (first.id, "convener", 1)]


def test_reviewer_scope_by_school(ctx):
    admin = make_user(is_admin=True)
    north, south = make_school(name="North"), make_school(name="South")
    in_scope = make_community(schools=[north])
    make_community(schools=[south])
    reviewer = make_user()
    services.grant_reviewer_scope(reviewer, north, actor=admin)
    services.grant_reviewer_scope(reviewer, north, actor=admin)  # twice: still one scope
    db.session.commit()
    assert db.session.scalar(select(db.func.count(ReviewerScope.id))) == 1
    rows = services.review_rows(reviewer)
    assert [row.community.id for row in rows] == [in_scope.id]
    assert rows[0].convener is not None and rows[0].member_count == 1


def test_school_names_are_unique_and_counts_bounded(ctx):
    admin = make_user(is_admin=True)
    services.save_school(None, actor=admin, name="光華國小", class_count=18, in_evaluation_programme=True)
    with pytest.raises(ValidationError) as error:
        services.save_school(None, actor=admin, name="光華國小", class_count=3, in_evaluation_programme=False)
    assert error.value.field == "name"
    with pytest.raises(ValidationError) as error:
        services.save_school(None, actor=admin, name="Other", class_count=-1, in_evaluation_programme=False)
    assert error.value.field == "class_count"


def test_school_names_that_differ_only_in_script_width_or_spaces_are_one_school(ctx):
    """Admin QA: 光華國小 existed and 光华国小 was accepted as a second school."""
    admin = make_user(is_admin=True)
    school = services.save_school(None, actor=admin, name="光華國小", class_count=18, in_evaluation_programme=True)
    for other in ("光华国小", "光華 國小", "光華国小"):
        with pytest.raises(ValidationError) as error:
            services.save_school(None, actor=admin, name=other, class_count=3, in_evaluation_programme=False)
        assert error.value.field == "name" and "光華國小" in error.value.message
    renamed = services.save_school(school, actor=admin, name="光华国小", class_count=18, in_evaluation_programme=True)
    assert renamed.name == "光华国小"  # its own name in the other script is no clash


def test_membership_rows_are_unique_per_person(ctx):
    community = make_community()
    user = make_user()
    services.add_member(community, user, "member")
    services.add_member(community, user, "mentor")
    db.session.commit()
    count = db.session.scalar(select(db.func.count(Membership.id)).where(Membership.user_id == user.id))
    assert count == 1


def test_invisible_names_are_refused(ctx):
    with pytest.raises(ValidationError) as error:
        services.create_community(actor=make_user(), name="\u200b\ufeff", kind="grade", slug="ghost")
    assert error.value.field == "name"


def test_only_the_convener_makes_or_unmakes_co_conveners(ctx):
    """Issue 11: a co-convener could make co-conveners, whom they then could not remove."""
    convener = make_user()
    community = make_community(convener)
    co = add_member(community, role="co_convener")
    member = add_member(community)
    with pytest.raises(NotAllowed, match="Only the convener") as error:
        services.create_invitation(community, actor=co.user, role="co_convener")
    assert error.value.field == "role"
    with pytest.raises(NotAllowed, match="Only the convener"):
        services.change_role(member, "co_convener", actor=co.user)
    other_co = add_member(community, role="co_convener")
    with pytest.raises(NotAllowed):
        services.change_role(other_co, "member", actor=co.user)  # taking co-convener away is the convener's
    assert member.role == "member" and other_co.role == "co_convener"
    # What a co-convener may give: member, mentor, guest expert.
    services.change_role(member, "mentor", actor=co.user)
    services.change_role(member, "guest_expert", actor=co.user)
    for role in ("member", "mentor", "guest_expert"):
        assert services.create_invitation(community, actor=co.user, role=role).role == role
    # The convener grants and takes away co-convener.
    services.change_role(member, "co_convener", actor=convener)
    services.change_role(other_co, "member", actor=convener)
    assert (member.role, other_co.role) == ("co_convener", "member")
    assert services.create_invitation(community, actor=convener, role="co_convener").role == "co_convener"


def test_an_invitation_gives_no_role_its_maker_could_not_give_now(ctx):
    """A co-convener invitation made before the rule (or by a convener since demoted) is refused."""
    convener = make_user()
    community = make_community(convener)
    co = add_member(community, role="co_convener")
    legacy = services.Invitation(community_id=community.id, token="legacy-token-of-a-co-convener",
                                 role="co_convener", single_use=True, created_by_id=co.user_id,
                                 expires_at=utcnow() + dt.timedelta(days=7))
    db.session.add(legacy)
    by_convener = services.create_invitation(community, actor=convener, role="co_convener")
    by_co = services.create_invitation(community, actor=co.user, role="member")
    db.session.commit()
    newcomer = make_user()
    assert services.invitation_problem(legacy, newcomer) is not None
    with pytest.raises(ValidationError, match="no longer valid"):
        services.accept_invitation(legacy, newcomer)
    assert services.membership_for(community, newcomer) is None
    assert services.accept_invitation(by_co, newcomer).role == "member"
    # The convener hands the convenership on: their old co-convener link stops giving co-convener.
    successor = add_member(community)
    services.transfer_convenership(community, successor, actor=convener)
    db.session.commit()
    assert services.invitation_problem(by_convener, make_user()) is not None


# --- a readable address from a Chinese name (issue 11) -------------------------------------------


@pytest.mark.parametrize(("name", "slug"), [
    ("五年級數學社群", "wu-nian-ji-shu-xue-she-qun"),  # Traditional
    ("五年级数学社群", "wu-nian-ji-shu-xue-she-qun"),  # Simplified: the same address
    ("重慶市音樂社群", "chong-qing-shi-yin-yue-she-qun"),  # phrases read right: chong qing, yin yue
    ("國語文 Reading 社群 2026", "guo-yu-wen-reading-she-qun-2026"),
    ("ＭＡＴＨ　Club", "math-club"),  # full-width letters and space
    ("「閱讀」（共讀）社群！", "yue-du-gong-du-she-qun"),  # Chinese punctuation becomes hyphens
    ("Éducation", "education"),
])
def test_an_address_is_suggested_from_any_name(ctx, name, slug):
    assert services.suggest_slug(name) == slug
    assert services.check_slug(slug) == slug


def test_a_suggested_address_is_free_short_and_valid(ctx):
    make_community(slug="wu-nian-ji-shu-xue-she-qun")
    make_community(slug="wu-nian-ji-shu-xue-she-qun-2")
    assert services.suggest_slug("五年級數學社群") == "wu-nian-ji-shu-xue-she-qun-3"
    assert services.suggest_slug("Admin") == "admin-2"  # reserved addresses are skipped too
    long = services.suggest_slug("臺北市立第一女子高級中學數學領域教師專業學習社群暨跨校教學研究共同體")
    assert len(long) <= services.MAX_SUGGESTED_SLUG and not long.endswith("-")
    assert long.startswith("tai-bei-shi-li-di-yi-nv-zi") and services.check_slug(long) == long
    for name in ("😀", "", "a", "——"):
        assert services.check_slug(services.suggest_slug(name))


def test_an_empty_address_is_made_from_the_name_on_create(ctx):
    community = services.create_community(actor=make_user(), name="五年級數學社群", kind="grade", slug="  ")
    assert community.slug == "wu-nian-ji-shu-xue-she-qun"


# --- duplicate names at a school (issue 11) -------------------------------------------------------


@pytest.mark.parametrize("twin", ["五年級數學社群", " 五年級數學社群 ", "五年级数学社群", "五年級 數學社群",
                                  "五年級數學社群　"])
def test_a_name_a_school_already_has_is_refused_beside_the_name(ctx, twin):
    school = make_school(name="和平國小")
    make_community(name="五年級數學社群", schools=[school])
    with pytest.raises(ValidationError, match="和平國小 already has a community called “五年級數學社群”") as error:
        services.create_community(actor=make_user(), name=twin, kind="grade", slug="", school_ids=[school.id])
    assert error.value.field == "name"


def test_names_differ_by_case_and_width_only_are_the_same(ctx):
    school = make_school()
    make_community(name="Math Club", schools=[school])
    for twin in ("math club", "ＭＡＴＨ ＣＬＵＢ", "MathClub"):
        with pytest.raises(ValidationError):
            services.create_community(actor=make_user(), name=twin, kind="grade", slug="", school_ids=[school.id])
    # Communities of no school are compared among themselves.
    make_community(name="Reading Circle")
    with pytest.raises(ValidationError, match="already exists"):
        services.create_community(actor=make_user(), name="reading circle", kind="grade", slug="")


def test_the_same_name_at_another_school_or_after_the_archive_is_fine(ctx):
    first, second = make_school(), make_school()
    old = make_community(name="五年級數學社群", schools=[first])
    assert services.create_community(actor=make_user(), name="五年級數學社群", kind="grade", slug="",
                                     school_ids=[second.id]).name == "五年級數學社群"
    services.archive_community(old, actor=old_convener(old))
    db.session.flush()
    renewed = services.create_community(actor=make_user(), name="五年級數學社群", kind="grade", slug="",
                                        school_ids=[first.id])
    db.session.commit()
    # Bringing the old one back would make two alike: refused until one is renamed.
    with pytest.raises(ValidationError, match="already has a community"):
        services.unarchive_community(old, actor=old_convener(old))
    assert renewed.archived_at is None and old.archived_at is not None


def old_convener(community):
    return services.active_members(community)[0].user


def test_renaming_or_adding_a_school_cannot_make_two_alike(ctx):
    school, other = make_school(), make_school()
    make_community(name="五年級數學社群", schools=[school])
    mine = make_community(name="六年級數學社群", schools=[other])
    convener = old_convener(mine)
    fields = dict(kind="grade", slug=mine.slug, description="", vision="")
    with pytest.raises(ValidationError) as error:  # renamed like the one at the same school
        services.update_community(mine, actor=convener, name="五年级数学社群", school_ids=[other.id, school.id],
                                  **fields)
    assert error.value.field == "name"
    db.session.rollback()
    twin = make_community(name="五年級數學社群", schools=[other])  # alike, but at another school: fine
    with pytest.raises(ValidationError):  # until it joins the first one's school
        services.update_community(twin, actor=old_convener(twin), name="五年級數學社群",
                                  school_ids=[other.id, school.id], **dict(fields, slug=twin.slug))
    db.session.rollback()
    # Its own name, saved again, is no clash.
    mine = db.session.get(type(mine), mine.id)
    services.update_community(mine, actor=convener, name="六年級數學社群 ", school_ids=[other.id], **fields)
