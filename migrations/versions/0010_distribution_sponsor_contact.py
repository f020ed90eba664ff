"""distribution sponsor and contact: who commissions the survey and how respondents reach them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sponsor', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('contact', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.drop_column('contact')
        batch_op.drop_column('sponsor')
