"""engagement status follows its report: existing engagements take the status their report's state implies

Before issue 21 the engagement's status was only ever set by hand, so issued engagements could still read 立项.
From now on the report workflow moves it (reporting.review.engagement_follows); this brings the stored rows in
line once. Archived engagements keep their status. Data only: no schema change, so the downgrade does nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 01:00:00
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# report.status → engagement.status (reporting.models.ENGAGEMENT_STATUS_OF, spelled out: a migration must not
# change meaning when the code does).
FOLLOWS = {"draft": "reporting", "returned": "reporting", "submitted": "review", "approved": "review",
           "issued": "issued"}


def upgrade() -> None:
    for report_status, engagement_status in FOLLOWS.items():
        op.execute(
            "UPDATE engagement SET status = '%s' WHERE status <> 'archived' AND id IN "
            "(SELECT engagement_id FROM report WHERE status = '%s')" % (engagement_status, report_status))


def downgrade() -> None:
    pass  # the statuses before were wrong; nothing to restore
