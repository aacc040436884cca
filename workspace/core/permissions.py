"""The one permission policy: can(user, action, obj) answers every question of access, and scope(user, action,
Model) answers the same question for a whole table, as an SQL condition a list puts in its `.where()`.

Core knows no area: each area registers the rule of its models (and, beside it, the scope of its lists) in its
own `policy.py`, imported by the area's package, so that the rule is in place as soon as the model is:
    register_rule(Resource, resource_rule, visitors=True)
    register_scope(Resource, resource_scope)
can() dispatches on the object's class (walking its MRO); the permission tests prove, model by model and
role by role, that scope() selects exactly the rows can() allows. Routes call can() through require() or
load_community(); templates get the same can(), so a button and its route never disagree. A community the
user may not see answers 404, not 403.

A state change (finalize, trash, restore, remove) is registered with `changes=`: the rule then answers who may do
it to the record whatever its state, and each StateChange names the states it starts from and the state it leads
to. can() asks both; change_state() tells a repeat (the record already is where the action leads: a second tab, a
double click) from a refusal, so that the route answers "already done" to a person who could have done it, and keeps
403 for the people who never could.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from flask import abort, flash
from flask_login import current_user

from workspace.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
Rule = Callable[[Any, str, Any], bool]  # (user, action, obj) -> allowed
Scope = Callable[[Any, str], Any]  # (user, action) -> an SQL condition on the model's table
SiteRule = Callable[[Any], bool]  # (user) -> allowed, for actions on no object
RowRule = Callable[[str, Any], bool]  # (action, obj) -> allowed, for one viewer on one page
Standing = Callable[[Any, Any], RowRule]  # (user, container) -> the row rule of that user's page

# The community roles every area's rules speak of.
MANAGERS = frozenset({"convener", "co_convener"})
TRASH_DAYS = 30  # how long the author and conveners can restore what they deleted
# Who reads and writes a community's own material (resources, threads, plans): not guest experts.
CONTRIBUTORS = frozenset({"convener", "co_convener", "member", "mentor"})
# The roles a person can be given by invitation or role change, highest first (convenership moves
# only by transfer). Only the convener (and a site admin) grants or takes away co-convener; a
# co-convener grants the others.
GRANTABLE_ROLES = ("co_convener", "member", "mentor", "guest_expert")


@dataclass(frozen=True)
class StateChange:
    """An action that moves a record from some states to another: `starts_from(record)` says whether the record is
    in a state the action starts from, `done(record)` whether it already is where the action leads, and `already`
    says so to the person who repeats it ("The observation is already finalized.")."""

    starts_from: Callable[[Any], bool]
    done: Callable[[Any], bool]
    already: Any  # a (lazy) message, or a function of the record giving it ("… confirmed by 許文彬 on …")


@dataclass(frozen=True)
class _Registered:
    rule: Rule
    visitors: bool  # whether visitors who are not logged in are asked at all (public resources)
    changes: Mapping[str, StateChange] = field(default_factory=dict)


_RULES: dict[type, _Registered] = {}
_SCOPES: dict[type, Scope] = {}
_SITE_RULES: dict[str, SiteRule] = {}
_STANDINGS: dict[type, Standing] = {}


def register_rule(model: type, rule: Rule, *, visitors: bool = False,
                  changes: Mapping[str, StateChange] | None = None) -> None:
    """Make `rule(user, action, obj)` answer can() for instances of `model` (and its subclasses).

    Visitors (not logged in) are refused without asking the rule unless `visitors` is true. For an action of
    `changes` the rule says who may do it to the record, whatever its state; can() adds the state it starts from.
    """
    _RULES[model] = _Registered(rule, visitors, dict(changes or {}))


def register_scope(model: type, scope_rule: Scope) -> None:
    """Make `scope_rule(user, action)` answer scope() for `model`: the SQL condition of the rows that the
    model's rule allows, one row at a time, for the same user and action."""
    _SCOPES[model] = scope_rule


def register_page_rule(model: type, standing: Standing) -> None:
    """Let a page decide once what a viewer may do with the rows of `model` it lists.

    `standing(user, container)` reads what the answer depends on for the whole page (the user's role in
    the container's community, whether it is archived, locked...) and returns `row(action, obj)`, which
    decides from the row's own facts with no further query. The model's rule must be written as the same
    two steps (`rule(user, action, obj) = standing(user, container of obj)(action, obj)`), so the page and
    can() share one piece of rule code; the permission tests check that they agree.
    """
    _STANDINGS[model] = standing


def register_site_action(action: str, rule: SiteRule) -> None:
    """Make `rule(user)` answer can(user, action) for an action on no object (e.g. review, create_community)."""
    _SITE_RULES[action] = rule


def _lookup(registry: dict[type, Any], model: type) -> Any:
    for klass in model.__mro__:
        if klass in registry:
            return registry[klass]
    return None


def public(view: F) -> F:
    """Mark a view as open to visitors who are not logged in (login is required by default)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def authenticated(user: Any) -> bool:
    """Whether `user` is a logged-in, active person (not a visitor, not a deactivated account)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_admin(user: Any) -> bool:
    """Whether `user` is a logged-in site administrator."""
    return authenticated(user) and bool(getattr(user, "is_admin", False))


register_site_action("administer", is_admin)


def grantable_roles(user: Any, community: Any) -> tuple[str, ...]:
    """The roles `user` may give in `community` (invitations, role changes), highest first."""
    return tuple(role for role in GRANTABLE_ROLES if can(user, f"grant_{role}", community))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Answer whether `user` may do `action` on `obj` (an object of a model whose area registered a rule, or
    None for the site-wide actions: administer, create_community, review)."""
    if obj is None:
        if action not in _SITE_RULES:
            raise ValueError(f"unknown action {action!r}")
        return authenticated(user) and _SITE_RULES[action](user)
    registered = _lookup(_RULES, type(obj))
    if registered is None:
        raise TypeError(f"no policy for {type(obj).__name__}")
    if not registered.visitors and not authenticated(user):
        return False
    change = registered.changes.get(action)
    return registered.rule(user, action, obj) and (change is None or change.starts_from(obj))


def change_state(user: Any, action: str, obj: Any) -> str | None:
    """Let `user` do `action` to `obj` (None), or, when the record already is where the action leads and the person
    may do such changes to it, answer the message that says so: the route then answers as after the change (a
    redirect or its partial, with the message), not with an error. Anyone else gets 403 as require() gives.

    An action registered without a StateChange is simply require()d.
    """
    if can(user, action, obj):
        return None
    registered = _lookup(_RULES, type(obj))
    change = registered.changes.get(action) if registered is not None else None
    if change is None or not authenticated(user) or not change.done(obj) or not registered.rule(user, action, obj):
        deny()
    return str(change.already(obj) if callable(change.already) else change.already)


def change_and_say(user: Any, action: str, obj: Any, change: Callable[[], Any], done: str) -> None:
    """Do `change()` and commit, saying `done`, unless `obj` already is where `action` leads (pressed again from a
    second tab, a second reviewer): then say so (change_state's message) and change nothing. Anyone else: 403."""
    already = change_state(user, action, obj)
    if already is None:
        change()
        db.session.commit()
    flash(already or done, "info" if already else "success")


def _refuse(action: str, obj: Any) -> bool:
    return False


def page_permissions(user: Any, model: type, container: Any) -> RowRule:
    """can(user, action, row) for the rows of `model` within `container` (e.g. the posts of a thread), as
    `allowed(action, row)`, with the user's standing read once for the whole page instead of once per row."""
    registered = _lookup(_RULES, model)
    standing = _lookup(_STANDINGS, model)
    if registered is None or standing is None:
        raise TypeError(f"no page rule for {model.__name__}")
    if not registered.visitors and not authenticated(user):
        return _refuse
    return standing(user, container)


def scope(user: Any, action: str, model: type) -> Any:
    """The SQL condition selecting the rows of `model` on which can(user, action, row) is true.

    Use it in the `.where()` of every list, so a list never shows what the page refuses.
    """
    scope_rule = _lookup(_SCOPES, model)
    if scope_rule is None:
        raise TypeError(f"no list scope for {model.__name__}")
    return scope_rule(user, action)


def deny(*, hide: bool = False, reason: str | None = None) -> NoReturn:
    """Abort with 403, or with 404 when the thing must not be known to exist; `reason` (in the reader's language)
    is said on the 403 page instead of "your role does not allow it" when the role is not why."""
    if hide:
        abort(404)
    abort(403, description=reason) if reason else abort(403)


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort unless `allowed` (403, or 404 with hide=True)."""
    if not allowed:
        deny(hide=hide)


def admin_required(view: F) -> F:
    """Let only site admins through (others get 404: the admin pages are not advertised)."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require(can(current_user, "administer"), hide=True)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
