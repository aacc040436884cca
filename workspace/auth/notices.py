"""What accounts tell people through the notifications area: the site administrators hear of a sign-up that waits
for them to let it in (a site that sends no mail, where no confirmation link can go: the page told the person
"an administrator lets you in", and nobody told the administrator)."""

from __future__ import annotations

from workspace.auth.models import User
from workspace.auth.services import administrators
from workspace.core.mail import mail_configured
from workspace.notifications import services as notifications

KIND = "signup"


def signed_up(user: User) -> None:
    """Tell the administrators that `user` signed up and waits for their approval: only when the account waits for
    them (no mail to confirm the address with, not let in already by an invitation to this very address), and once
    (a second sign-up with the same address while it waits tells nobody again)."""
    if user.approved or mail_configured():
        return
    told = {person.id for person in notifications.notified_about("user", user.id, [KIND])}
    notifications.notify([admin for admin in administrators() if admin.id not in told], KIND, actor=user,
                         community=None, subject_type="user", subject_id=user.id, title=user.email, excerpt="",
                         path=f"/admin/users/{user.id}")
