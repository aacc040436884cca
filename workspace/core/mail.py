"""Outgoing email through the configured SMTP server; without one, nothing is sent and nothing fails."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

# SMTP's line length (RFC 5321/5322 allow 998): the default policy's 78 folds a long header "word" such as
# List-Unsubscribe's <https://…> into RFC 2047 encoded words, which mail programs do not decode in that header.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


class StartTLSRefused(smtplib.SMTPException):
    """MAIL_USE_TLS is set but the server offers no STARTTLS: nothing (above all no password) is sent in clear."""


def mail_configured() -> bool:
    """Whether an SMTP server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bool:
    """Send a plain-text UTF-8 email; return False when no server is configured or it cannot be reached.

    `headers` adds header lines, e.g. List-Unsubscribe, so that mail programs offer their own button.

    A mail failure never breaks the action that sent it: the caller shows the link instead.
    """
    config = current_app.config
    if not mail_configured():
        return False
    message = build_message(to, subject, body, headers=headers)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.ehlo()
                # STARTTLS or nothing: a server without it (or someone on the path who strips it from the EHLO
                # answer) would otherwise get the password and the mail in clear.
                if not smtp.has_extn("starttls"):
                    raise StartTLSRefused(f"{config['MAIL_SERVER']}:{config['MAIL_PORT']} offers no STARTTLS "
                                          "although MAIL_USE_TLS is on; nothing was sent")
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("could not send mail to %s", to)
        return False
    return True


def build_message(to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> EmailMessage:
    """The message send_mail() sends: From, To, Subject, Date (UTC), Message-ID, the extra `headers`, a UTF-8 body."""
    config = current_app.config
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)  # RFC 5322 requires it; some relays add none
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    return message
