"""One-time form tokens: a create form sent twice (a double click, a second tab, the back button and Send again)
creates its record once, and the repeat is answered as the first was.

A create form declares `once_token = OnceTokenField()`; the field renders a fresh random token with the form (a
form shown again after a refusal keeps the token it was sent with: nothing was created yet). The route claims the
token once the form is valid, just before the service creates:

    once = claim(form.once_token, current_user)
    if once.repeat is not None:
        flash(ALREADY_SAVED, "info")
        return redirect(once.repeat)
    item = services.add_thing(...)
    once.answered(url_for("area.thing", ...))
    db.session.commit()

The claim is a row of `form_submissions` (person, token) written in the request's transaction: a refusal rolls it
back with the rest, and two requests with the same token at the same moment meet on its unique key, the second
waiting for the first and then reading its answer. A form posted without a token (an older page, a script) is
saved as before. Rows older than a day are deleted as the person claims the next one. A page the page cache
keeps is served with fresh tokens at each view (`fresh_tokens`), so two tabs of one kept page are two forms.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from workspace.core.cache import register_hit_filter
from workspace.core.database import utcnow
from workspace.core.models import FormSubmission
from workspace.extensions import db

ALREADY_SAVED = _l("This was already saved: the form was sent twice and is kept once.")
# A token as a form renders it (OnceTokenField with no id): rewritten in each view of a page kept by the page cache.
_RENDERED = re.compile(rb'(<input name="once_token" type="hidden" value=")[A-Za-z0-9_-]*(")')
KEEP = dt.timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A fresh token for a form about to be shown."""
    return secrets.token_urlsafe(18)


def fresh_tokens(body: bytes) -> bytes:
    """The page with a new token in each create form: a page kept by the page cache is shown again (two tabs, a
    later visit), and a second record typed there must not be taken for a repeat of the first."""
    return _RENDERED.sub(lambda found: found.group(1) + new_token().encode() + found.group(2), body)


register_hit_filter(fresh_tokens)


class OnceTokenField(HiddenField):
    """The hidden one-time token of a create form (render it with the form: `{{ form.once_token }}`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", new_token)
        kwargs.setdefault("render_kw", {"id": False})  # a page may hold two create forms: no duplicated id
        super().__init__(*args, **kwargs)

    @property
    def posted(self) -> str | None:
        """The token the form was sent with, when it looks like one of ours."""
        raw = self.raw_data[0] if self.raw_data else None
        return raw if isinstance(raw, str) and _TOKEN.fullmatch(raw) else None


@dataclass
class Claim:
    """The outcome of claim(): `repeat` is where the first submission with the token sent the person (answer the
    same), else None and this request owns the token; `answered()` records where it sends them."""

    repeat: str | None
    row: FormSubmission | None = None

    def answered(self, location: str) -> None:
        """Record where this submission's answer sends the person (the created record), in the same transaction."""
        if self.row is not None:
            self.row.location = location[:500]


def _earlier(user_id: int, token: str) -> FormSubmission | None:
    return db.session.scalar(select(FormSubmission).where(FormSubmission.user_id == user_id,
                                                          FormSubmission.token == token))


def claim(field: OnceTokenField, user: Any, *, fallback: str = "") -> Claim:
    """Claim the form's token for this request, or find the submission that used it before (see the module).

    `fallback` answers a repeat whose first submission recorded no address."""
    token, user_id = field.posted, getattr(user, "id", None)
    if token is None or user_id is None:
        return Claim(None)
    earlier = _earlier(user_id, token)
    if earlier is None:
        db.session.execute(delete(FormSubmission).where(FormSubmission.user_id == user_id,
                                                        FormSubmission.created_at < utcnow() - KEEP))
        row = FormSubmission(user_id=user_id, token=token, location="")
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same form, sent twice at the same moment: the other request had it first
            earlier = _earlier(user_id, token)
            if earlier is None:
                raise
        else:
            return Claim(None, row)
    return Claim(earlier.location or fallback)
