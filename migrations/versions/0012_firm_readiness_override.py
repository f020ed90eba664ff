"""firm setting: may the partner issue a report the readiness checklist still finds incomplete

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('firm', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_readiness_override', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('firm', schema=None) as batch_op:
        batch_op.drop_column('allows_readiness_override')
