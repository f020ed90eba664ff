"""distribution population: the stratum's size, for the sample-size check

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-25 15:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('population', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.drop_column('population')
