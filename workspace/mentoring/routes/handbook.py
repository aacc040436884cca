"""Mentoring routes: the new teacher's development handbook (教師專業發展手冊).

The handbook of a teacher for a school year is made when the teacher first opens it. The teacher writes the
sections (a save started from an older version is refused with the typed text kept), the mentor comments, the
conveners read it when the teacher shares it (else they see which sections are written, not what). Printable, and
exported as a Word file in the teacher's language.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workspace.auth.models import User
from workspace.communities.access import load_community
from workspace.core.docx import DOCX_TYPE
from workspace.core.errors import Conflict, DomainError
from workspace.core.forms import attach_error
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.parsing import numbers, read
from workspace.core.permissions import can, require, scope
from workspace.core.storage import send_built
from workspace.extensions import db
from workspace.mentoring.forms.logs import HandbookCommentForm, HandbookSectionForm, ShareForm
from workspace.mentoring.models import Handbook, HandbookSection, Pairing, PairingStatus
from workspace.mentoring.routes import WITH_PAIR, bp, pair_nav
from workspace.mentoring.services import handbook as services
from workspace.mentoring.services.handbook_export import (
    handbook_docx,
    handbook_title,
    mentor_names,
    signers,
    teacher_language,
)
from workspace.mentoring.services.pairings import today
from workspace.mentoring.services.terms import school_year_label, school_year_period

BASE = "/c/<slug>/mentoring/handbooks/<int:teacher_id>/<int:school_year>"


def _load(slug: str, teacher_id: int, school_year: int, action: str = "read", *, start: bool = False) -> Handbook:
    """The handbook (made when its teacher opens it the first time, `start`), 404 when the person may not know of
    it, 403 when they may see it but not do `action`. Before it exists, others see an empty one (not stored)."""
    community = load_community(slug, "use_mentoring")
    if not services.valid_year(school_year) or not services.is_mentee(community.id, teacher_id):
        abort(404)
    handbook = services.find_handbook(community.id, teacher_id, school_year)
    if handbook is None and not services.is_mentee(community.id, teacher_id, school_year):
        abort(404)  # no pairing in that school year: no handbook to open (nor to make by following a link)
    if handbook is None:
        probe = Handbook(community_id=community.id, teacher_id=teacher_id, school_year=school_year, shared=False)
        probe.community, probe.teacher = community, db.get_or_404(User, teacher_id)
        require(can(current_user, "view", probe), hide=True)
        if start and can(current_user, "write", probe):
            handbook = services.open_handbook(community, teacher_id, school_year, actor=current_user)
            db.session.commit()
            handbook = services.find_handbook(community.id, teacher_id, school_year)
        else:
            if action not in {"view", "read"}:
                abort(404)
            require(can(current_user, action, probe))
            return probe
    require(can(current_user, "view", handbook), hide=True)
    if action != "view":
        require(can(current_user, action, handbook))
    return handbook


def _load_section(handbook: Handbook, key: str) -> HandbookSection:
    if handbook.id is None:
        abort(404)
    for section in handbook.sections:
        if section.key == key:
            return section
    abort(404)


def _pairing_of(handbook: Handbook) -> Pairing | None:
    """The pairing whose navigation the handbook shows: the teacher's in the community over its school year that
    the viewer sees, a running one first, then the latest (one query)."""
    year = school_year_period(handbook.school_year)
    return db.session.scalar(select(Pairing).where(
        Pairing.community_id == handbook.community_id, Pairing.mentee_id == handbook.teacher_id,
        Pairing.starts_on <= year.last, Pairing.ends_on >= year.first, scope(current_user, "view", Pairing))
        .order_by((Pairing.status == PairingStatus.ACTIVE.value).desc(), Pairing.starts_on.desc(), Pairing.id.desc())
        .options(*WITH_PAIR).limit(1))


def _context(handbook: Handbook, **extra: Any) -> dict[str, Any]:
    reads = can(current_user, "read", handbook)
    comments = handbook.id is not None and can(current_user, "comment", handbook)
    context = dict(community=handbook.community, handbook=handbook, reads=reads,
                   writes=handbook.id is not None and can(current_user, "write", handbook),
                   comments=comments,
                   shares=handbook.id is not None and can(current_user, "share", handbook),
                   due=services.summary_due(handbook.school_year, today()),
                   section_title=services.section_title,
                   guidance=services.section_guidance(handbook, current_user.id, comments=comments),
                   title=handbook_title(handbook), forms={}, comment_forms={}, conflicts=set(),
                   handbook_form=lambda section: HandbookSectionForm(formdata=None, body=section.body),
                   handbook_comment_form=lambda section: HandbookCommentForm(formdata=None, comment=section.comment))
    pairing = _pairing_of(handbook)
    context["pairing"] = pairing  # its header: the pair, its term and navigation (templates/mentoring/_pair_head.html)
    context["pair_nav"] = pair_nav(handbook.community, pairing) if pairing is not None else []
    context.update(extra)
    return context


def _section_context(handbook: Handbook, section: HandbookSection, **extra: Any) -> dict[str, Any]:
    return _context(handbook, section=section, **extra)


@bp.get(BASE)
def handbook(slug: str, teacher_id: int, school_year: int):
    """A new teacher's handbook for a school year."""
    item = _load(slug, teacher_id, school_year, "view", start=True)
    return render_page("mentoring/handbook.html", **_context(item))


@bp.post(BASE + "/sections/<key>")
def save_handbook_section(slug: str, teacher_id: int, school_year: int, key: str):
    """Save the teacher's text of a section; a save started before another one is refused, the text kept."""
    item = _load(slug, teacher_id, school_year, "write")
    section = _load_section(item, key)
    form = HandbookSectionForm()
    status = 422
    if form.validate():
        try:
            services.save_section(section, form.body.data, actor=current_user,
                                  base_version=read(str(form.base_version.data or ""), numbers(), 0))
        except Conflict as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = 409
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            if not wants_fragment():
                return redirect(url_for("mentoring.handbook", slug=slug, teacher_id=teacher_id,
                                        school_year=school_year) + f"#handbook-{key}")
            item = _load(slug, teacher_id, school_year, "write")
            return render_page("mentoring/_handbook_section.html", **_section_context(item, _load_section(item, key)))
    item = _load(slug, teacher_id, school_year, "write")
    section = _load_section(item, key)
    context = _section_context(item, section, forms={key: form}, conflicts={key} if status == 409 else set())
    return render_page("mentoring/handbook.html", "mentoring/_handbook_section.html", status=status, **context)


@bp.post(BASE + "/sections/<key>/comment")
def comment_handbook_section(slug: str, teacher_id: int, school_year: int, key: str):
    """Save the mentor's comment on a section."""
    item = _load(slug, teacher_id, school_year, "comment")
    section = _load_section(item, key)
    form = HandbookCommentForm()
    status = 422
    if form.validate():
        try:
            services.save_comment(section, form.comment.data, actor=current_user,
                                  base_comment=form.base_comment.data or "")
        except Conflict as error:
            db.session.rollback()
            attach_error(form, error)
            status = 409
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The comment is saved."), "success")
            if not wants_fragment():
                return redirect(url_for("mentoring.handbook", slug=slug, teacher_id=teacher_id,
                                        school_year=school_year) + f"#handbook-{key}")
            item = _load(slug, teacher_id, school_year, "comment")
            return render_page("mentoring/_handbook_section.html", **_section_context(item, _load_section(item, key)))
    item = _load(slug, teacher_id, school_year, "comment")
    section = _load_section(item, key)
    context = _section_context(item, section, comment_forms={key: form})
    return render_page("mentoring/handbook.html", "mentoring/_handbook_section.html", status=status, **context)


@bp.post(BASE + "/share")
def share_handbook(slug: str, teacher_id: int, school_year: int):
    """Let the conveners read the handbook, or stop."""
    item = _load(slug, teacher_id, school_year, "share")
    if item.id is None:
        abort(404)
    shared = (ShareForm().shared.data or "") == "1"
    services.share_handbook(item, shared, actor=current_user)
    db.session.commit()
    flash(_("The conveners can read your handbook now.") if shared
          else _("Your handbook is no longer shared with the conveners."), "success")
    return redirect(url_for("mentoring.handbook", slug=slug, teacher_id=teacher_id, school_year=school_year))


@bp.get(BASE + "/print")
def handbook_print(slug: str, teacher_id: int, school_year: int):
    """The handbook laid out for paper (A4), without the page's controls: the school year on top, the signature
    lines of the new teacher, the mentor and the convener at the end, kept on one page. In the teacher's language,
    as the Word file is: the handbook is theirs, and its paper and its file read the same whoever prints it."""
    item = _load(slug, teacher_id, school_year, "read")
    mentors = mentor_names(item)
    with force_locale(teacher_language(item)):
        return render_page("mentoring/handbook_print.html", **_context(
            item, mentors=mentors, year_label=school_year_label(item.school_year), signers=signers(item, mentors)))


@bp.get(BASE + "/export.docx")
def handbook_export(slug: str, teacher_id: int, school_year: int):
    """The handbook as a Word file in the teacher's language (noted in the audit trail)."""
    item = _load(slug, teacher_id, school_year, "read")
    if item.id is None:
        abort(404)
    data, name = handbook_docx(item, mentor_names(item))
    services.record_export(item, actor=current_user)
    db.session.commit()
    return send_built(data, name, DOCX_TYPE, ascii_name=f"development-handbook-{item.school_year}.docx")


bp.record_once(lambda _setup: services.register_audit())
