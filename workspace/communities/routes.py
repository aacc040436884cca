"""Community pages: the user's communities, creation, home, settings, members, invitations, review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.activities import services as activity_services
from workspace.communities import audit, records, services
from workspace.communities.access import load_community, load_exchanged_teacher, load_invitation, load_membership
from workspace.communities.forms import (
    CommunityForm,
    ExchangedTeacherForm,
    InvitationForm,
    NewCommunityForm,
    RoleForm,
    TransferForm,
    school_choices,
)
from workspace.communities.labels import community_type_label, role_label, school_role_label
from workspace.communities.models import Community, CommunityType, ExchangedTeacher, Role, SchoolRole
from workspace.communities.policy import membership_of, reviewer_school_ids
from workspace.core.audit import describe_events, target_url
from workspace.core.cache import COMMUNITY, EVERYTHING, MY_COMMUNITIES, cache_page
from workspace.core.database import utcnow
from workspace.core.errors import DomainError
from workspace.core.forms import EmptyForm, attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.mail import mail_configured, send_mail
from workspace.core.parsing import parse_id
from workspace.core.permissions import GRANTABLE_ROLES, can, grantable_roles, public, require
from workspace.core.text import clean_line, has_visible_text
from workspace.core.urls import external_url
from workspace.discussions import services as discussion_services
from workspace.extensions import db, htmx
from workspace.mentoring.services import pairings as mentoring_pairings
from workspace.resources import services as resource_services

bp = Blueprint("communities", __name__)


@bp.get("/")
@public
@cache_page(depends=[MY_COMMUNITIES], expires=300)  # the next activities turn past with time
def index():
    """Show the user's communities, their next activities and what is new in them (visitors go to the login page,
    reviewers without communities of their own to the review page)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    cards = services.communities_of(current_user, include_archived=True)
    if not cards and reviewer_school_ids(current_user) is not None:
        # A school or county officer with no community of their own came for the review, not for an
        # offer to start a community.
        return redirect(url_for("communities.review"))
    # Each item links to the record it reports where its area says where that is (no query: the subject's id and
    # the community's address); the others to their community.
    events = [(event, text, target_url(event)) for event, text in describe_events(
        services.recent_events_for_user(current_user, [card.community.id for card in cards]), marked=True,
        with_schools=False)]
    active = [card for card in cards if card.community.archived_at is None]
    archived = [card for card in cards if card.community.archived_at is not None]
    # One list of the next activities across the active communities (what a teacher on a phone looks for first),
    # one query: the cards' memberships answer the policy.
    upcoming = activity_services.next_activities(
        current_user, [card.community for card in active if can(current_user, "read_activities", card.community)])
    # One query, on this (cached) page only: the layout stays free of it.
    mentoring = mentoring_pairings.has_pairings(current_user.id)
    return render_page("communities/index.html", cards=cards, active=active, archived=archived, events=events,
                       mentoring=mentoring, upcoming=upcoming, mode_labels=activity_services.MODE_LABELS)


def _school_choices(form: CommunityForm) -> None:
    form.school_ids.choices = [(int(value), label) for value, label in school_choices()[1:]]


def _slug_context(slug: str, *, community: Community | None = None, suggested: str = "",
                  checked: bool = False) -> dict:
    """What the address field shows: the hidden last suggestion, and the preview or the problem."""
    problem = services.slug_problem(slug, community=community) if slug and checked else None
    preview = external_url("communities.show", slug=slug) if slug and not problem else None
    return {"slug_suggested": suggested, "slug_problem": problem, "slug_preview": preview}


def _new_page(form: CommunityForm, status: int = 200):
    return render_page("communities/new.html", form=form, community=None, status=status,
                       **_slug_context(form.slug.data or "", suggested=request.form.get("slug_suggested", "")))


@bp.get("/communities/new")
def new_community():
    """Show the form to create a community, its school ticked: the creator's, else the site's only one."""
    require(can(current_user, "create_community"))
    form = NewCommunityForm()
    _school_choices(form)
    if not form.school_ids.data:
        if current_user.school_id:
            form.school_ids.data = [current_user.school_id]
        elif len(form.school_ids.choices) == 1:  # a new install's one school, for an administrator of none
            form.school_ids.data = [form.school_ids.choices[0][0]]
    return _new_page(form)


@bp.post("/communities/new")
def create_community():
    """Create a community with the current user as its convener (an empty address is made from the name); once the
    site has schools, one of them is the community's."""
    require(can(current_user, "create_community"))
    form = NewCommunityForm()
    _school_choices(form)
    if not form.validate():
        return _new_page(form, 422)
    try:
        community = services.create_community(
            actor=current_user, name=form.name.data, kind=form.kind.data, slug=form.slug.data or "",
            description=form.description.data or "", vision=form.vision.data or "",
            school_ids=form.school_ids.data or [],
        )
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _new_page(form, 422)
    db.session.commit()
    flash(_("Your community is ready. Invite your colleagues."), "success")
    return redirect(url_for("communities.show", slug=community.slug))


@bp.get("/communities/slug-suggestion")
def suggest_slug():
    """Suggest a web address as the name is typed, and preview the address as it is typed (htmx).

    Typing the name swaps the whole address field: a fresh suggestion, unless the person has written an
    address of their own (it differs from the last suggestion). Typing the address swaps only its preview.
    """
    require(can(current_user, "create_community"))
    typed = clean_line(request.args.get("slug", ""))[:60].lower()
    current = request.args.get("current", "")
    community = services.find_community(current) if current else None
    if community is not None and not can(current_user, "edit", community):
        community = None  # only the community's own settings page may keep its address
    if wants_fragment() and htmx.target == "slug-preview":
        return render_page("communities/_slug_preview.html", **_slug_context(typed, community=community,
                                                                              checked=True))
    name = clean_line(request.args.get("name", ""))[:services.MAX_NAME]
    suggested = request.args.get("slug_suggested", "")
    if not typed or typed == suggested:  # not the person's own: follow the name
        typed = suggested = services.suggest_slug(name) if has_visible_text(name) else ""
    form = CommunityForm(formdata=None, data={"slug": typed})
    return render_page("communities/_slug_field.html", form=form, community=community,
                       **_slug_context(typed, community=community, suggested=suggested, checked=True))


@bp.get("/c/<slug>/")
@cache_page(depends=[COMMUNITY], expires=300)  # the next activities turn past; the monthly plan falls due
def show(slug: str):
    """Show the community home: the next activities, description, vision, members and the areas that exist."""
    community = load_community(slug)
    members, member_count = services.member_preview(community)
    upcoming = (activity_services.next_activities(current_user, [community])
                if can(current_user, "read_activities", community) else None)
    reads_material = can(current_user, "read_material", community)
    recent = resource_services.recent_in(community) if reads_material else []
    board = discussion_services.list_threads(community, current_user, per_page=5) if reads_material else None
    plan = None
    if can(current_user, "manage_activities", community):  # remind the conveners of next month's plan
        today = activity_services.to_local(utcnow()).date()
        status = activity_services.plan_status(community, activity_services.next_month(today), today)
        plan = status if status.due_soon or status.overdue else None
    partner_schools = records.schools_of([community.id]) if community.is_urban_rural else []
    return render_page("communities/show.html", community=community, members=members, recent=recent, board=board,
                       plan=plan, reads_material=reads_material, member_count=member_count,
                       membership=membership_of(current_user, community), partner_schools=partner_schools,
                       upcoming=upcoming, mode_labels=activity_services.MODE_LABELS)


def _my_membership(members: list) -> object | None:
    return next((item for item in members if item.user_id == current_user.id), None)


def _partnership_choices(form: CommunityForm) -> None:
    form.core_school_id.choices = school_choices()


def _school_roles(form: CommunityForm) -> dict[int, str]:
    """The schools' roles the settings form gives: its core school (the other ticked schools are members)."""
    if form.kind.data != CommunityType.URBAN_RURAL.value:
        return {}
    core = parse_id(form.core_school_id.data)
    return {core: SchoolRole.CORE.value} if core is not None else {}


@bp.get("/c/<slug>/settings")
def edit(slug: str):
    """Show the community settings form; an archived community's, to its convener and admins, with the button that
    brings it back (its only way back: the page refused them once it was archived)."""
    community = load_community(slug, "view")
    if not (can(current_user, "edit", community) or can(current_user, "archive", community)):
        load_community(slug, "edit")  # refused with the reason: archived (a co-convener's), or the role
    form = CommunityForm(obj=community)
    _school_choices(form)
    _partnership_choices(form)
    form.school_ids.data = [school.id for school in community.schools]
    core = next((school_id for school_id, role in services.school_roles_of(community).items()
                 if role == SchoolRole.CORE.value), None)
    form.core_school_id.data = str(core) if core else ""
    return render_page("communities/edit.html", community=community, form=form, actions=EmptyForm(),
                       **_slug_context(community.slug))


@bp.post("/c/<slug>/settings")
def update(slug: str):
    """Save the community settings."""
    community = load_community(slug, "edit")
    form = CommunityForm()
    _school_choices(form)
    _partnership_choices(form)
    if form.validate():
        try:
            services.update_community(
                community, actor=current_user, name=form.name.data, kind=form.kind.data, slug=form.slug.data,
                description=form.description.data or "", vision=form.vision.data or "",
                school_ids=form.school_ids.data or [], school_roles=_school_roles(form),
                agreement_starts_on=form.agreement_starts_on.data, agreement_ends_on=form.agreement_ends_on.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("communities.show", slug=community.slug))
    db.session.rollback()
    community = load_community(slug, "edit")
    return render_page("communities/edit.html", community=community, form=form, actions=EmptyForm(), status=422,
                       **_slug_context(form.slug.data or "", community=community, checked=not form.slug.errors))


@bp.post("/c/<slug>/archive")
def archive(slug: str):
    """Archive the community (read-only, reversible)."""
    community = load_community(slug, "archive")
    if EmptyForm().validate():
        services.archive_community(community, actor=current_user)
        db.session.commit()
        flash(_("The community is archived. You can bring it back from its settings."), "success")
    return redirect(url_for("communities.show", slug=community.slug))


@bp.post("/c/<slug>/unarchive")
def unarchive(slug: str):
    """Bring an archived community back."""
    community = load_community(slug, "archive")
    if EmptyForm().validate():
        try:
            services.unarchive_community(community, actor=current_user)
        except DomainError as error:  # an active community of its school has taken its name meanwhile
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("communities.edit", slug=community.slug) + "#archive")
        db.session.commit()
        flash(_("The community is active again."), "success")
    return redirect(url_for("communities.show", slug=community.slug))


# --- exchanged teachers (urban–rural communities) ------------------------------------------------


def _urban_rural(slug: str, action: str) -> Community:
    """The urban–rural community at this address for `action` (another type of community has no such page: 404)."""
    community = load_community(slug, action)
    if not community.is_urban_rural:
        abort(404)
    return community


def _teacher_form(community: Community, form: ExchangedTeacherForm | None = None) -> ExchangedTeacherForm:
    form = form or ExchangedTeacherForm()
    form.school_id.choices = [("", _("— choose —"))] + [(str(school.id), school.name) for school in community.schools]
    form.user_id.choices = [("", _("— none —"))] + [
        (str(person.id), person.display_name) for person in records.contributing_members(community)]
    return form


def _teacher_fields(form: ExchangedTeacherForm) -> services.ExchangedTeacherFields:
    return services.ExchangedTeacherFields(
        name=form.name.data or "", school_id=parse_id(form.school_id.data), subject=form.subject.data or "",
        user_id=parse_id(form.user_id.data), note=form.note.data or "")


def _exchange_page(community: Community, form: ExchangedTeacherForm | None = None, status: int = 200):
    schools = records.schools_of([community.id])
    teachers = records.exchanged_teachers([community.id])
    keeping = can(current_user, "edit", community)
    return render_page(
        "communities/exchange.html", status=status, community=community, schools=schools, teachers=teachers,
        uncovered=services.uncovered_member_schools(schools, teachers), keeping=keeping,
        form=_teacher_form(community, form) if keeping else None, actions=EmptyForm())


@bp.get("/c/<slug>/exchange/")
def exchange(slug: str):
    """Show an urban–rural community's schools with their roles, its exchanged teachers and the member schools
    that have none yet (members and reviewers in scope read it; the conveners keep it)."""
    community = _urban_rural(slug, "read_activities")
    return _exchange_page(community)


@bp.post("/c/<slug>/exchange/")
def add_exchanged_teacher(slug: str):
    """Add an exchanged teacher."""
    community = _urban_rural(slug, "edit")
    form = _teacher_form(community)
    if validate_all(form, lambda: services.check_exchanged_teacher(community, _teacher_fields(form))):
        try:
            teacher = services.add_exchanged_teacher(community, _teacher_fields(form), actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s is on the list of exchanged teachers.", name=teacher.name), "success")
            return redirect(url_for("communities.exchange", slug=slug) + f"#teacher-{teacher.id}")
    db.session.rollback()
    return _exchange_page(load_community(slug, "edit"), form, status=422)


def _edit_teacher_page(community: Community, teacher: ExchangedTeacher, form: ExchangedTeacherForm,
                       status: int = 200):
    return render_page("communities/exchange_edit.html", community=community, teacher=teacher,
                       form=_teacher_form(community, form), status=status)


@bp.get("/c/<slug>/exchange/<int:teacher_id>/edit")
def edit_exchanged_teacher(slug: str, teacher_id: int):
    """Show the form to change an exchanged teacher."""
    community = _urban_rural(slug, "view")
    teacher = load_exchanged_teacher(community, teacher_id)
    require(can(current_user, "edit", teacher))
    form = ExchangedTeacherForm(obj=teacher, formdata=None)
    form.school_id.data, form.user_id.data = str(teacher.school_id), str(teacher.user_id or "")
    return _edit_teacher_page(community, teacher, form)


@bp.post("/c/<slug>/exchange/<int:teacher_id>/edit")
def update_exchanged_teacher(slug: str, teacher_id: int):
    """Save an exchanged teacher's changes."""
    community = _urban_rural(slug, "view")
    teacher = load_exchanged_teacher(community, teacher_id)
    require(can(current_user, "edit", teacher))
    form = _teacher_form(community)
    if validate_all(form, lambda: services.check_exchanged_teacher(community, _teacher_fields(form))):
        try:
            services.change_exchanged_teacher(teacher, _teacher_fields(form), actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("communities.exchange", slug=slug) + f"#teacher-{teacher.id}")
    db.session.rollback()
    return _edit_teacher_page(community, teacher, form, status=422)


@bp.post("/c/<slug>/exchange/<int:teacher_id>/remove")
def remove_exchanged_teacher(slug: str, teacher_id: int):
    """Take a teacher off the list (the button asks first)."""
    community = _urban_rural(slug, "view")
    teacher = load_exchanged_teacher(community, teacher_id)
    require(can(current_user, "remove", teacher))
    if EmptyForm().validate():
        name = teacher.name
        services.remove_exchanged_teacher(teacher, actor=current_user)
        db.session.commit()
        flash(_("%(name)s was taken off the list of exchanged teachers.", name=name), "success")
    return redirect(url_for("communities.exchange", slug=slug))


# --- members -------------------------------------------------------------------------------------


def _members_context(community: Community, invitation_form: InvitationForm | None = None,
                     transfer_form: TransferForm | None = None, new_invitation=None) -> dict:
    members = services.active_members(community)
    managing = can(current_user, "manage_members", community)
    roles = grantable_roles(current_user, community)  # the forms offer only what the route accepts
    transfer_form = transfer_form or TransferForm()
    transfer_form.membership_id.choices = [
        (item.id, item.user.display_name) for item in members if item.role != Role.CONVENER.value
    ]
    return {
        "community": community,
        "members": members,
        "membership": _my_membership(members),
        "earlier_stints": services.earlier_stints(community),  # of those who left and came back
        "managing": managing,
        # what Remove would also end, said in its confirmation (mentoring: the person's pairings)
        "departure_notes": services.departure_notes(community, [item.user_id for item in members]) if managing
        else {},
        # and what Leave would end for the reader, in its confirmation ("This also ends your mentoring pairing …")
        "leave_note": services.departure_notes(community, [current_user.id], own=True).get(current_user.id, "")
        if _my_membership(members) is not None else "",
        # A fresh form is empty even when drawn after a POST (Flask-WTF fills a form from the request's form): the
        # address of the invitation just sent stayed in the field, and a second press sent a second invitation.
        "invitation_form": invitation_form or InvitationForm(formdata=None, roles=roles),
        "invitations": services.open_invitations(community) if managing else [],
        "new_invitation": new_invitation,
        "transfer_form": transfer_form,
        "role_form": RoleForm(roles=roles),
        "actions": EmptyForm(),
        "events": describe_events(services.recent_events(community), marked=True)
        if can(current_user, "view_audit", community) else [],
        "mail_enabled": mail_configured(),
    }


@bp.get("/c/<slug>/members/")
def members(slug: str):
    """Show members and roles; conveners also see invitations and the audit trail."""
    community = load_community(slug)
    return render_page("communities/members.html", **_members_context(community))


@bp.post("/c/<slug>/members/invitations")
def create_invitation(slug: str):
    """Invite someone by email, or make a shareable link."""
    community = load_community(slug, "invite")
    form = InvitationForm(roles=grantable_roles(current_user, community))
    _require_grant(community, form.role.data)
    invitation = None
    if form.validate():
        email = form.email.data if form.how.data == "email" else None
        if form.how.data == "email" and not email:
            form.email.errors = [_("Enter the email address to invite.")]
        else:
            try:
                invitation = services.create_invitation(
                    community, actor=current_user, role=form.role.data, email=email,
                    single_use=bool(form.single_use.data), days=form.days.data,
                )
            except DomainError as error:
                attach_error(form, error)
    if invitation is None:
        db.session.rollback()
        context = _members_context(community, invitation_form=form)
        return render_page("communities/members.html", "communities/_invitations.html", status=422, **context)
    db.session.commit()
    link = external_url("communities.show_invitation", token=invitation.token)
    sent = invitation.email and send_mail(
        invitation.email,
        _("%(name)s invites you to %(community)s", name=current_user.display_name, community=community.name),
        _("%(name)s invites you to join the community “%(community)s”.\n\nOpen this link to accept:\n%(link)s",
          name=current_user.display_name, community=community.name, link=link),
    )
    if invitation.email and sent:
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    elif invitation.email and mail_configured():
        flash(_("The email could not be sent. Copy the link below and send it yourself."), "error")
    elif invitation.email:
        flash(_("Mail is not set up here: copy the link below and send it yourself."), "success")
    else:
        flash(_("The link is ready: copy it and share it."), "success")
    if wants_fragment():
        context = _members_context(community, new_invitation=invitation)
        return render_page("communities/_invitations.html", **context)
    return redirect(url_for("communities.members", slug=slug, new=invitation.id) + "#invitations")


@bp.post("/c/<slug>/members/invitations/<int:invitation_id>/revoke")
def revoke_invitation(slug: str, invitation_id: int):
    """Withdraw an invitation."""
    community = load_community(slug, "invite")
    invitation = load_invitation(community, invitation_id)
    if EmptyForm().validate():
        services.revoke_invitation(invitation, actor=current_user)
        db.session.commit()
        flash(_("The invitation is withdrawn."), "success")
    if wants_fragment():
        return render_page("communities/_invitations.html", **_members_context(community))
    return redirect(url_for("communities.members", slug=slug) + "#invitations")


def _require_grant(community: Community, role: str | None) -> None:
    """Refuse (403) a role the person may not give; an unknown value is left to the form (422)."""
    if role in GRANTABLE_ROLES:
        require(can(current_user, f"grant_{role}", community))


# Sent with every in-place change of the members (a role, the evaluation flag, a removal): the formation rules above
# the table (compliance's #formation) read the members again (QA: they kept the numbers of before until a reload).
MEMBERS_CHANGED = "members-changed"


def _member_answer(community: Community, membership, status: int = 200):
    if wants_fragment():
        context = _members_context(community)
        response = render_page("communities/_member_row.html", member=membership, status=status, **context)
        response.headers["HX-Trigger"] = MEMBERS_CHANGED
        return response
    return redirect(url_for("communities.members", slug=community.slug))


@bp.post("/c/<slug>/members/<int:membership_id>/role")
def change_role(slug: str, membership_id: int):
    """Change a member's role (the convener any; a co-convener among member, mentor and guest expert)."""
    community = load_community(slug)
    membership = load_membership(community, membership_id)
    require(can(current_user, "change_role", membership))
    form = RoleForm(roles=grantable_roles(current_user, community))
    if form.role.data != membership.role:
        _require_grant(community, form.role.data)
    status = 200
    if form.validate():
        try:
            services.change_role(membership, form.role.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=membership.user.display_name,
                    role=dict(form.role.choices)[form.role.data]), "success")
    else:
        flash(_("Choose a role."), "error")
        status = 422
    return _member_answer(community, membership, status)


@bp.post("/c/<slug>/members/<int:membership_id>/evaluation")
def flag_evaluation(slug: str, membership_id: int):
    """Flag or unflag a member as taking part in the teacher-evaluation programme."""
    community = load_community(slug)
    membership = load_membership(community, membership_id)
    require(can(current_user, "flag_evaluation", membership))
    if EmptyForm().validate():
        services.set_evaluation_flag(membership, request.form.get("flagged") == "1", actor=current_user)
        db.session.commit()
    return _member_answer(community, membership)


@bp.post("/c/<slug>/members/<int:membership_id>/remove")
def remove_member(slug: str, membership_id: int):
    """Remove a member from the community."""
    community = load_community(slug)
    membership = load_membership(community, membership_id)
    require(can(current_user, "remove", membership))
    if EmptyForm().validate():
        services.remove_member(membership, actor=current_user)
        db.session.commit()
        flash(_("%(name)s was removed from the community.", name=membership.user.display_name), "success")
    if wants_fragment():  # the row goes; the heading's count and the formation rules follow
        response = render_page("communities/_member_removed.html", oob=True,
                               count=len(services.active_members(community)))
        response.headers["HX-Trigger"] = MEMBERS_CHANGED
        return response
    return redirect(url_for("communities.members", slug=slug))


@bp.post("/c/<slug>/members/leave")
def leave(slug: str):
    """Leave the community oneself."""
    community = load_community(slug)
    membership = services.membership_for(community, current_user)
    if membership is None:
        abort(404)
    form = EmptyForm()
    if form.validate():
        try:
            services.leave_community(membership, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("communities.members", slug=slug))
        db.session.commit()
        flash(_("You left %(name)s.", name=community.name), "success")
    return redirect(url_for("communities.index"))


@bp.post("/c/<slug>/members/transfer")
def transfer(slug: str):
    """Hand the convenership to another member (the former convener becomes co-convener)."""
    community = load_community(slug, "transfer")
    form = TransferForm()
    members = services.active_members(community)
    form.membership_id.choices = [(item.id, item.user.display_name) for item in members]
    if form.validate():
        target = load_membership(community, form.membership_id.data)
        try:
            services.transfer_convenership(community, target, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s is now the convener.", name=target.user.display_name), "success")
            return redirect(url_for("communities.members", slug=slug))
    return render_page("communities/members.html", status=422, **_members_context(community, transfer_form=form))


# --- invitations from the invitee's side ---------------------------------------------------------


@bp.get("/invite/<token>")
@public
def show_invitation(token: str):
    """Show an invitation: join with one click, or register / log in first."""
    invitation = services.find_invitation(token)
    user = current_user if current_user.is_authenticated else None
    problem = services.invitation_problem(invitation, user)
    if problem:
        return render_page("communities/invitation.html", invitation=invitation, problem=problem,
                           token=token, form=EmptyForm(), status=410 if invitation else 404)
    if user is not None and services.membership_for(invitation.community, user) is not None:
        return redirect(url_for("communities.show", slug=invitation.community.slug))
    return render_page("communities/invitation.html", invitation=invitation, problem=None, token=token,
                       form=EmptyForm())


@bp.post("/invite/<token>")
def accept_invitation(token: str):
    """Accept an invitation as the logged-in user and land in the community."""
    invitation = services.find_invitation(token)
    if not EmptyForm().validate():
        abort(400)
    try:
        if invitation is None:
            raise DomainError(services.invitation_problem(None) or "")
        membership = services.accept_invitation(invitation, current_user)
    except DomainError as error:
        db.session.rollback()
        return render_page("communities/invitation.html", invitation=invitation, problem=error.message,
                           token=token, form=EmptyForm(), status=410)
    db.session.commit()
    flash(_("Welcome to %(name)s!", name=membership.community.name), "success")
    return redirect(url_for("communities.show", slug=membership.community.slug))


# --- reviewers -----------------------------------------------------------------------------------


@bp.get("/review/")
@cache_page(depends=[EVERYTHING])  # every community in the reviewer's scope
def review():
    """Show a reviewer every community in scope, by school, with its size and convener."""
    require(can(current_user, "review"), hide=True)
    rows = services.review_rows(current_user)
    return render_page("communities/review.html", rows=rows)


# What core shows of this area is registered with its blueprint: core imports no area.
bp.add_app_template_global(role_label)
bp.add_app_template_global(community_type_label)
bp.add_app_template_global(school_role_label)
bp.record_once(lambda _setup: audit.register())
