"""Belonging to a school is granted, never just picked: what a school-wide resource shows to whom.

A school picked on sign-up or in the profile is a request: it opens nothing until an administrator confirms it,
an invitation from one of the school's communities confirms it, or the person's confirmed address is at an email
domain the administrator registered for the school.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import PASSWORD, add_member, make_community, make_school, make_user
from workspace.auth import services
from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.core.errors import ValidationError
from workspace.core.models import AuditEvent
from workspace.extensions import db
from workspace.resources import services as resources

NEW_PASSWORD = "a fresh and long passphrase"
TITLE = "光華國小校內教案：分數的加減"


@pytest.fixture()
def guanghua(ctx):
    """光華國小 with a community that shares one lesson plan school-wide."""
    school = make_school(name="光華國小")
    convener = make_user(school_id=school.id)
    community = make_community(convener, slug="guanghua-math", schools=[school])
    resource = resources.create_text_resource(
        community, resources.ResourceFields(title=TITLE, kind="lesson_plan", visibility="school"),
        "# 分數\n\n通分。", actor=convener)
    db.session.commit()
    return {"school": school, "community": community, "convener": convener, "resource": resource}


def _reads(client, resource) -> dict[str, int | bool]:
    """What a person reaches of a school-wide resource: the library listing, its page, its download."""
    base = f"/c/{resource.community.slug}/resources/{resource.id}"
    return {
        "library": TITLE in client.get("/library/").get_data(as_text=True),
        "page": client.get(base).status_code,
        "download": client.get(f"{base}/download").status_code,
    }


NOTHING = {"library": False, "page": 404, "download": 404}
EVERYTHING = {"library": True, "page": 200, "download": 200}


def _sign_up(client, school) -> User:
    response = client.post_form("/register", {
        "display_name": "自稱光華的人", "email": "stranger@free-mail.test", "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD, "school_id": str(school.id), "locale": ""})
    assert response.status_code == 200
    return services.find_user_by_email("stranger@free-mail.test")


# --- the probe: a self-chosen school reads nothing ----------------------------------------------------------


def test_a_school_picked_on_sign_up_opens_nothing_until_an_administrator_confirms_it(client, guanghua):
    school, resource = guanghua["school"], guanghua["resource"]
    stranger = _sign_up(client, school)
    admin = make_user(is_admin=True)
    services.approve_account(stranger, actor=admin)  # even let in, the account has no school yet
    db.session.commit()
    assert (stranger.school_id, stranger.requested_school_id) == (None, school.id)
    client.login(stranger)
    assert _reads(client, resource) == NOTHING
    services.grant_school(stranger, school, actor=admin)
    db.session.commit()
    assert _reads(client, resource) == EVERYTHING
    assert stranger.requested_school_id is None


def test_a_school_picked_in_the_profile_opens_nothing(client, guanghua):
    school, resource = guanghua["school"], guanghua["resource"]
    user = make_user()  # an account of no school, its address confirmed at a free mail service
    client.login(user)
    response = client.post_form("/account", {"display_name": user.display_name, "school_id": str(school.id),
                                             "locale": ""})
    assert response.status_code == 302
    assert _reads(client, resource) == NOTHING
    db.session.refresh(user)
    assert (user.school_id, user.requested_school_id) == (None, school.id)


def test_a_granted_school_stays_while_another_is_asked_for(client, guanghua):
    other = make_school(name="青溪县城关第一小学")
    user = make_user(school_id=guanghua["school"].id)
    client.login(user)
    client.post_form("/account", {"display_name": user.display_name, "school_id": str(other.id), "locale": ""})
    db.session.refresh(user)
    assert (user.school_id, user.requested_school_id) == (guanghua["school"].id, other.id)
    assert _reads(client, guanghua["resource"]) == EVERYTHING
    # Choosing no school leaves the school one belonged to.
    client.post_form("/account", {"display_name": user.display_name, "school_id": "", "locale": ""})
    db.session.refresh(user)
    assert (user.school_id, user.requested_school_id) == (None, None)
    assert _reads(client, guanghua["resource"]) == NOTHING


def test_the_search_shows_a_school_wide_resource_only_to_the_school(client, guanghua):
    link = f'href="/c/guanghua-math/resources/{guanghua["resource"].id}"'
    stranger = make_user(requested_school_id=guanghua["school"].id)
    client.login(stranger)
    assert link not in client.get("/search", query_string={"q": "分數"}).get_data(as_text=True)
    client.login(make_user(school_id=guanghua["school"].id))
    assert link in client.get("/search", query_string={"q": "分數"}).get_data(as_text=True)


# --- the granted paths ----------------------------------------------------------------------------------------


def test_an_invitation_from_a_community_of_the_school_confirms_it(client, guanghua):
    user = make_user(requested_school_id=guanghua["school"].id)
    invitation = community_services.create_invitation(guanghua["community"], actor=guanghua["convener"],
                                                      role="member")
    db.session.commit()
    client.login(user)
    assert client.post_form(f"/invite/{invitation.token}").status_code == 302
    db.session.refresh(user)
    assert (user.school_id, user.requested_school_id) == (guanghua["school"].id, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.school_granted"))
    assert event.data["how"] == "community"


def test_a_guest_experts_invitation_confirms_no_school(client, guanghua):
    user = make_user(requested_school_id=guanghua["school"].id)
    invitation = community_services.create_invitation(guanghua["community"], actor=guanghua["convener"],
                                                      role="guest_expert")
    db.session.commit()
    client.login(user)
    assert client.post_form(f"/invite/{invitation.token}").status_code == 302
    db.session.refresh(user)
    assert (user.school_id, user.requested_school_id) == (None, guanghua["school"].id)


def test_an_invitation_from_another_schools_community_confirms_nothing(client, guanghua):
    elsewhere = make_community(schools=[make_school(name="Elsewhere")])
    user = make_user(requested_school_id=guanghua["school"].id)
    invitation = community_services.create_invitation(elsewhere, actor=db.session.get(User, elsewhere.created_by_id),
                                                      role="member")
    db.session.commit()
    client.login(user)
    client.post_form(f"/invite/{invitation.token}")
    db.session.refresh(user)
    assert user.school_id is None


def test_a_member_of_the_schools_community_who_asks_for_it_gets_it(guanghua):
    user = add_member(guanghua["community"], make_user()).user
    services.choose_school(user, guanghua["school"].id)
    assert (user.school_id, user.requested_school_id) == (guanghua["school"].id, None)


def test_a_confirmed_address_at_the_schools_domain_belongs_to_it(guanghua):
    admin = make_user(is_admin=True)
    services.add_school_domain(guanghua["school"], "@GuangHua.edu.tw", actor=admin)
    at_domain = make_user(email="lin@guanghua.edu.tw")
    services.choose_school(at_domain, guanghua["school"].id)
    assert at_domain.school_id == guanghua["school"].id
    unconfirmed = make_user(email="wang@guanghua.edu.tw", confirmed=False)
    services.choose_school(unconfirmed, guanghua["school"].id)
    assert unconfirmed.school_id is None  # an address nobody confirmed proves nothing
    lookalike = make_user(email="chen@guanghua.edu.tw.evil.test")
    services.choose_school(lookalike, guanghua["school"].id)
    assert lookalike.school_id is None


def test_registering_a_domain_brings_in_the_confirmed_people_already_there(guanghua):
    admin = make_user(is_admin=True)
    waiting = make_user(email="lin@guanghua.edu.tw")
    asked = make_user(email="chen@guanghua.edu.tw", requested_school_id=guanghua["school"].id)
    elsewhere_school = make_school(name="Another")
    settled = make_user(email="wang@guanghua.edu.tw", school_id=elsewhere_school.id)
    unconfirmed = make_user(email="huang@guanghua.edu.tw", confirmed=False)
    underscore = make_user(email="li@guanghuaXedu.tw")  # LIKE's wildcard must not match it
    services.add_school_domain(guanghua["school"], "guanghua.edu.tw", actor=admin)
    db.session.flush()
    assert waiting.school_id == asked.school_id == guanghua["school"].id
    assert asked.requested_school_id is None
    assert settled.school_id == elsewhere_school.id  # someone placed elsewhere stays there
    assert unconfirmed.school_id is None and underscore.school_id is None


def test_a_domain_belongs_to_one_school_and_must_look_like_one(guanghua):
    admin = make_user(is_admin=True)
    services.add_school_domain(guanghua["school"], "guanghua.edu.tw", actor=admin)
    other = make_school(name="Other")
    with force_locale("en"):
        with pytest.raises(ValidationError) as caught:
            services.add_school_domain(other, "GUANGHUA.edu.tw", actor=admin)
        assert caught.value.field == "domain" and "光華國小" in caught.value.message
        for text in ("", "not a domain", "a@b@c", "guanghua"):
            with pytest.raises(ValidationError):
                services.add_school_domain(other, text, actor=admin)


def test_refusing_a_request_keeps_the_school_one_belongs_to(guanghua):
    admin = make_user(is_admin=True)
    other = make_school(name="Other")
    user = make_user(school_id=guanghua["school"].id, requested_school_id=other.id)
    services.refuse_school_request(user, actor=admin)
    assert (user.school_id, user.requested_school_id) == (guanghua["school"].id, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.school_refused"))
    assert event.data == {"name": "Other"}


def test_a_made_up_school_id_is_refused_beside_the_field(client, ctx):
    user = make_user()
    client.login(user)
    for value in ("999999", str(2**64), "١"):
        response = client.post_form("/account", {"display_name": "Lin", "school_id": value, "locale": ""})
        assert response.status_code == 422, value
        assert 'id="school_id-error"' in response.get_data(as_text=True)
    assert services.verify_password(user, PASSWORD)


@pytest.mark.parametrize("domain", ["gmail.com", "@Yahoo.com.TW", "qq.com", "163.com", "outlook.com", "icloud.com"])
def test_a_public_mail_service_is_no_school_s_domain(guanghua, domain):
    """Registered, it would move every confirmed person with an address there into the school (robustness QA)."""
    admin = make_user(is_admin=True)
    drifter = make_user(email=f"someone@{domain.lstrip('@').lower()}")
    with force_locale("en"), pytest.raises(ValidationError) as caught:
        services.add_school_domain(guanghua["school"], domain, actor=admin)
    assert caught.value.field == "domain" and "public mail service" in caught.value.message
    assert drifter.school_id is None


def test_an_internationalised_domain_is_one_whichever_spelling_is_typed(guanghua):
    admin = make_user(is_admin=True)
    row = services.add_school_domain(guanghua["school"], "XN--N9SO80A.tw", actor=admin)  # 學校.tw
    assert row.domain == "學校.tw"
    with pytest.raises(ValidationError):
        services.add_school_domain(make_school(name="Other"), "學校.TW", actor=admin)
    for address in ("lin@學校.tw", "chen@xn--n9so80a.tw"):
        person = make_user(email=address)
        services.choose_school(person, guanghua["school"].id)
        assert person.school_id == guanghua["school"].id, address
    assert services.school_of_address("wang@XN--N9SO80A.TW").id == guanghua["school"].id


def test_registering_an_internationalised_domain_brings_in_both_spellings(guanghua):
    admin = make_user(is_admin=True)
    typed_ascii, typed_unicode = make_user(email="lin@xn--n9so80a.tw"), make_user(email="chen@學校.tw")
    services.add_school_domain(guanghua["school"], "學校.tw", actor=admin)
    db.session.flush()
    assert typed_ascii.school_id == typed_unicode.school_id == guanghua["school"].id
