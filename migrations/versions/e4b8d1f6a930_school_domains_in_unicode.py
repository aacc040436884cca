"""school_email_domains in one form: an internationalised domain registered in its xn--… spelling is stored in
Unicode (auth.services.canonical_domain), the form addresses are now compared in. A domain registered in both
spellings keeps the Unicode row; the other is left as it was, for an administrator to remove.

Revision ID: e4b8d1f6a930
Revises: d7a3c9e2b514
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email


# revision identifiers, used by Alembic.
revision = 'e4b8d1f6a930'
down_revision = 'd7a3c9e2b514'
branch_labels = None
depends_on = None


def _unicode(domain: str) -> str:
    try:
        return validate_email(f"someone@{domain}", check_deliverability=False).domain.lower()
    except EmailNotValidError:
        return domain


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, domain FROM school_email_domains")).all()
    taken = {domain for _id, domain in rows}
    for row_id, domain in rows:
        canonical = _unicode(domain)
        if canonical != domain and canonical not in taken:
            connection.execute(sa.text("UPDATE school_email_domains SET domain = :domain WHERE id = :id"),
                               {"domain": canonical, "id": row_id})
            taken.add(canonical)


def downgrade():
    pass  # the Unicode spelling is a domain the earlier code stores too
