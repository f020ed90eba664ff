"""indicators

Revision ID: 0002
Revises: 0007
Create Date: 2026-11-25 11:55:31.025892
"""
from alembic import op
import sqlalchemy as sa
import evalplatform.db
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bureau_grade_scale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('excellent', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('good', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('fair', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.CheckConstraint('excellent > good AND good > fair AND fair >= 0', name=op.f('ck_bureau_grade_scale_bands_ordered')),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name=op.f('fk_bureau_grade_scale_bureau_id_bureau')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bureau_grade_scale')),
    sa.UniqueConstraint('bureau_id', name=op.f('uq_bureau_grade_scale_bureau_id'))
    )
    op.create_table('indicator_tree',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('framework_code', sa.String(length=60), nullable=False),
    sa.Column('framework_name', sa.String(length=200), nullable=False),
    sa.Column('balance_override_reason', sa.Text(), nullable=True),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_indicator_tree_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_tree')),
    sa.UniqueConstraint('engagement_id', name=op.f('uq_indicator_tree_engagement_id'))
    )
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('key_points', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('is_custom', sa.Boolean(), nullable=False),
    sa.Column('target_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('target_text', sa.String(length=300), nullable=True),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('operator', sa.String(length=12), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('standard', sa.String(length=12), nullable=False),
    sa.Column('declared_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('verified_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('verified_source', sa.String(length=200), nullable=True),
    sa.Column('actual_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('inputs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('scored_at', evalplatform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('scored_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("operator IN ('ge', 'le', 'eq', 'qualitative')", name=op.f('ck_indicator_operator_known')),
    sa.CheckConstraint("standard IN ('plan', 'industry', 'history', 'other')", name=op.f('ck_indicator_standard_known')),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_indicator_level_range')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_indicator_points_not_negative')),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= points)', name=op.f('ck_indicator_score_within_points')),
    sa.ForeignKeyConstraint(['parent_id'], ['indicator.id'], name=op.f('fk_indicator_parent_id_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scored_by_id'], ['user_account.id'], name=op.f('fk_indicator_scored_by_id_user_account')),
    sa.ForeignKeyConstraint(['tree_id'], ['indicator_tree.id'], name=op.f('fk_indicator_tree_id_indicator_tree'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_tree_id'), ['tree_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_tree_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_parent_id'))

    op.drop_table('indicator')
    op.drop_table('indicator_tree')
    op.drop_table('bureau_grade_scale')
