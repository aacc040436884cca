"""Mentoring routes: pairings, milestones, the convener's overview and the mentor's and new teacher's homes.

A convener pairs, ends, re-pairs and keeps the milestones and the settings (manage_mentoring, manage); either of
the pair ticks milestones (tick); the overview and the pairing page show dates, counts and statuses only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.core import audit
from workspace.core.cache import COMMUNITY, MY_COMMUNITIES, cache_page
from workspace.core.errors import DomainError
from workspace.core.forms import EmptyForm, attach_error
from workspace.core.htmx import render_page
from workspace.core.i18n import local_date
from workspace.core.parsing import arg, parse_page
from workspace.core.permissions import can
from workspace.extensions import db, htmx
from workspace.mentoring.forms.pairings import (
    EndForm,
    MilestoneForm,
    PairingForm,
    RepairForm,
    SettingsForm,
    TickForm,
    kind_choices,
    owner_choices,
)
from workspace.mentoring.models import Milestone, Pairing
from workspace.mentoring.routes import bp, load_pairing, load_record, pair_nav
from workspace.mentoring.services import health, milestones, pairings

T = TypeVar("T")
bp.record_once(lambda _setup: audit.register_messages(pairings.MESSAGES))


def _act(form: Any, action: Callable[[], T]) -> T | None:
    """Validate the form, then act; None when the form or the service refused (the errors beside the fields)."""
    if not form.validate():
        return None
    try:
        return action()
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return None


def _pairing_form(community: Any, form: PairingForm | None = None) -> PairingForm:
    form = form or PairingForm(formdata=None)
    people = pairings.candidates(community.id)
    form.mentor_id.choices = [("", _("Choose the mentor"))] + [(pid, name) for pid, name, _role in people]
    form.mentee_ids.choices = [(pid, name) for pid, name, _role in people]
    return form


@bp.get("/c/<slug>/mentoring/")
@cache_page(depends=[COMMUNITY], expires=3600)  # "this month", "this semester" and overdue move with the date
def index(slug: str):
    """The community's mentoring page: the convener's overview, or one's own pairings."""
    community = load_community(slug, "use_mentoring")
    overview = health.overview(current_user, community, arg("page", parse_page, 1))
    return render_page("mentoring/index.html", "mentoring/_overview.html", community=community, overview=overview,
                       managing=can(current_user, "manage_mentoring", community))


def _new_page(community: Any, form: PairingForm | None = None, status: int = 200):
    return render_page("mentoring/pairing_new.html", "mentoring/_pairing_form.html", status=status,
                       community=community, form=_pairing_form(community, form))


@bp.get("/c/<slug>/mentoring/pairings/new")
def new_pairing(slug: str):
    """The form to pair a mentor with one or more new teachers."""
    community = load_community(slug, "manage_mentoring")
    return _new_page(community)


@bp.post("/c/<slug>/mentoring/pairings")
def create_pairing(slug: str):
    """Pair a mentor with one or more new teachers (one pairing each, with the default milestones)."""
    community = load_community(slug, "manage_mentoring")
    form = _pairing_form(community, PairingForm())
    made = _act(form, lambda: pairings.create_pairings(
        community, form.mentor_id.data, form.mentee_ids.data or [], form.starts_on.data, form.ends_on.data,
        current_user))
    if made is None:
        return _new_page(community, form, 422)
    others = pairings.other_mentors(made)
    db.session.commit()
    flash(_("Paired: %(count)s new teacher(s).", count=len(made)), "success")
    for other in others:
        flash(_("%(mentee)s also has the mentor %(mentor)s until %(day)s. If this pairing replaces that one, end it "
                "on the pairing's page.", mentee=other.mentee, mentor=other.mentor, day=local_date(other.ends_on)),
              "warning")
    return redirect(url_for("mentoring.index", slug=slug))


def _pairing_page(community: Any, pairing: Pairing, *, status: int = 200, end_form: EndForm | None = None,
                  repair_form: RepairForm | None = None, milestone_form: MilestoneForm | None = None,
                  edit_form: MilestoneForm | None = None, editing_id: int | None = None,
                  fragment: str | None = None):
    managing = can(current_user, "manage", pairing)
    if repair_form is None:
        repair_form = RepairForm(formdata=None)
    people = pairings.candidates(community.id) if managing else []
    repair_form.mentor_id.choices = [("", _("Choose the mentor"))] + [
        (pid, name) for pid, name, _role in people if pid not in pairing.member_ids()]
    return render_page("mentoring/pairing.html", fragment, status=status, community=community, pairing=pairing,
                       health=health.health_of(pairing), today=health.today(), managing=managing,
                       reading=can(current_user, "read", pairing), writing=can(current_user, "write", pairing),
                       milestones=milestones.milestones_of(pairing.id),
                       trashed=milestones.milestones_of(pairing.id, trashed=True) if managing else [],
                       end_form=end_form or EndForm(formdata=None), repair_form=repair_form,
                       milestone_form=milestone_form or MilestoneForm(formdata=None),
                       action_form=EmptyForm(formdata=None), owner_labels=dict(owner_choices()),
                       kind_labels=dict(kind_choices()), edit_form=edit_form, editing_id=editing_id,
                       pair_nav=pair_nav(community, pairing))


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>")
def pairing(slug: str, pairing_id: int):
    """One pairing: its health, milestones and links to what the pair wrote."""
    community, found = load_pairing(slug, pairing_id)
    return _pairing_page(community, found, fragment="mentoring/_pairing_health.html")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/end")
def end_pairing(slug: str, pairing_id: int):
    """End a pairing, saying why (everything the pair wrote is kept)."""
    community, found = load_pairing(slug, pairing_id, "manage")
    form = EndForm()
    if _act(form, lambda: pairings.end_pairing(found, form.ends_on.data, form.reason.data or "",
                                               current_user)) is None:
        return _pairing_page(community, found, status=422, end_form=form, fragment="mentoring/_pairing_manage.html")
    db.session.commit()
    flash(_("The pairing has ended."), "success")
    return redirect(url_for("mentoring.pairing", slug=slug, pairing_id=found.id))


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/repair")
def repair_pairing(slug: str, pairing_id: int):
    """Pair the new teacher with another mentor from a day on; this pairing ends the day before."""
    community, found = load_pairing(slug, pairing_id, "manage")
    form = RepairForm()
    new = _act(form, lambda: pairings.repair(found, form.mentor_id.data, form.starts_on.data,
                                             form.reason.data or "", current_user))
    if new is None:
        return _pairing_page(community, found, status=422, repair_form=form,
                             fragment="mentoring/_pairing_manage.html")
    db.session.commit()
    flash(_("The new teacher is paired with the new mentor."), "success")
    return redirect(url_for("mentoring.pairing", slug=slug, pairing_id=new.id))


def _load_milestone(community: Any, pairing: Pairing, milestone_id: int, action: str) -> Milestone:
    milestone = load_record(community, Milestone, milestone_id, action)
    if milestone.pairing_id != pairing.id:
        abort(404)
    return milestone


def _milestones_answer(community: Any, pairing: Pairing):
    """The milestones region for htmx, else back to the pairing page."""
    if htmx:
        return _pairing_page(community, pairing, fragment="mentoring/_milestones.html")
    return redirect(url_for("mentoring.pairing", slug=community.slug, pairing_id=pairing.id) + "#milestones")


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones/<int:milestone_id>")
def show_milestone(slug: str, pairing_id: int, milestone_id: int):
    """Go to a milestone on its pairing's page (a reminder's link), saying so when it has since gone to the trash."""
    community, found = load_pairing(slug, pairing_id)
    milestone = _load_milestone(community, found, milestone_id, "view")
    page = url_for("mentoring.pairing", slug=slug, pairing_id=found.id)
    if not milestone.live:
        # A reminder given before it was trashed: a silent landing on the list would look like a lost milestone.
        flash(_("The milestone “%(title)s” was moved to the trash.", title=milestone.title), "warning")
        return redirect(page + "#milestones")
    return redirect(page + f"#milestone-{milestone.id}")


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones")
def add_milestone(slug: str, pairing_id: int):
    """Add a milestone to this pairing."""
    community, found = load_pairing(slug, pairing_id, "manage")
    form = MilestoneForm()
    if _act(form, lambda: milestones.add_milestone(found, form.title.data, form.due_on.data, form.owner.data,
                                                   form.kind.data, current_user)) is None:
        return _pairing_page(community, found, status=422, milestone_form=form, fragment="mentoring/_milestones.html")
    db.session.commit()
    return _milestones_answer(community, found)


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones/<int:milestone_id>")
def update_milestone(slug: str, pairing_id: int, milestone_id: int):
    """Change a milestone's title, due day, owner or kind."""
    community, found = load_pairing(slug, pairing_id)
    milestone = _load_milestone(community, found, milestone_id, "edit")
    form = MilestoneForm()
    if _act(form, lambda: milestones.update_milestone(milestone, form.title.data, form.due_on.data,
                                                      form.owner.data, form.kind.data, current_user)) is None:
        return _pairing_page(community, found, status=422, edit_form=form, editing_id=milestone.id,
                             fragment="mentoring/_milestones.html")
    db.session.commit()
    return _milestones_answer(community, found)


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones/<int:milestone_id>/trash")
def trash_milestone(slug: str, pairing_id: int, milestone_id: int):
    """Move a milestone to the trash."""
    community, found = load_pairing(slug, pairing_id)
    milestone = _load_milestone(community, found, milestone_id, "delete")
    milestones.trash_milestone(milestone, current_user)
    db.session.commit()
    return _milestones_answer(community, found)


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones/<int:milestone_id>/restore")
def restore_milestone(slug: str, pairing_id: int, milestone_id: int):
    """Put a trashed milestone back."""
    community, found = load_pairing(slug, pairing_id)
    milestone = _load_milestone(community, found, milestone_id, "delete")
    milestones.restore_milestone(milestone, current_user)
    db.session.commit()
    return _milestones_answer(community, found)


@bp.post("/c/<slug>/mentoring/pairings/<int:pairing_id>/milestones/<int:milestone_id>/tick")
def tick_milestone(slug: str, pairing_id: int, milestone_id: int):
    """Tick a milestone off by hand (done=0 takes the tick back)."""
    community, found = load_pairing(slug, pairing_id)
    milestone = _load_milestone(community, found, milestone_id, "tick")
    form = TickForm()
    done = form.done.data != "0"
    milestones.tick(milestone, done, current_user)
    db.session.commit()
    flash(_("The milestone is ticked off.") if done else _("The tick is taken back."), "success")
    return _milestones_answer(community, found)


def _settings_form(community: Any, form: SettingsForm | None = None) -> SettingsForm:
    if form is None:
        current = pairings.settings_of(community.id)
        form = SettingsForm(formdata=None, data={"term_months": current.term_months,
                                                 "milestones": [*current.milestones, {}]})
    return form


@bp.get("/c/<slug>/mentoring/settings")
def settings(slug: str):
    """The community's mentoring term and the milestones each new pairing starts with."""
    community = load_community(slug, "manage_mentoring")
    return render_page("mentoring/settings.html", community=community, form=_settings_form(community))


@bp.post("/c/<slug>/mentoring/settings")
def save_settings(slug: str):
    """Save the term and the default milestones (pairings made before keep theirs)."""
    community = load_community(slug, "manage_mentoring")
    form = SettingsForm()
    if _act(form, lambda: pairings.save_settings(community, form.term_months.data, form.items(),
                                                 current_user)) is None:
        return render_page("mentoring/settings.html", status=422, community=community, form=form)
    db.session.commit()
    flash(_("The mentoring settings are saved."), "success")
    return redirect(url_for("mentoring.settings", slug=slug))


# What is overdue in a mentor's pairing, as the home says it (services/health.Health.overdue's keys).
OVERDUE_LABELS = {
    "meeting": _l("No meeting in 30 days"),
    "observation": _l("No observation this semester"),
    "public_lesson": _l("Public lesson not yet scheduled this semester"),
    "milestones": _l("Milestones overdue"),
}


@bp.get("/mentoring/")
@cache_page(depends=[MY_COMMUNITIES], expires=3600)  # due and overdue move with the date
def home():
    """The signed-in person's mentoring home: as a mentor (mentees, due, overdue) and as a new teacher."""
    return render_page("mentoring/home.html", home=health.home(current_user), overdue_labels=OVERDUE_LABELS,
                       owner_labels=dict(owner_choices()))

