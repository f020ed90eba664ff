"""funds in place and spent on the engagement (一、基本情况), responsible unit of a 结果应用 item

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funds_in_place', sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('funds_spent', sa.Numeric(precision=18, scale=2), nullable=True))
    with op.batch_alter_table('result_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_unit', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('result_application', schema=None) as batch_op:
        batch_op.drop_column('responsible_unit')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_column('funds_spent')
        batch_op.drop_column('funds_in_place')
