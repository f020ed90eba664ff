"""material layouts (per bureau) and import drafts; targets parsed as written (operator, number, unit)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:57:17.598926
"""
from alembic import op
import sqlalchemy as sa
import evalplatform.db
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material_layout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name=op.f('fk_material_layout_bureau_id_bureau')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_material_layout_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_layout')),
    sa.UniqueConstraint('bureau_id', 'kind', 'name', name=op.f('uq_material_layout_bureau_id_kind_name'))
    )
    with op.batch_alter_table('material_layout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_layout_bureau_id'), ['bureau_id'], unique=False)

    op.create_table('material_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('key_column', sa.String(length=100), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('layout_id', sa.Integer(), nullable=True),
    sa.Column('sheet', sa.String(length=100), nullable=True),
    sa.Column('table', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_material_draft_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_material_draft_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_material_draft_import_id_material_import')),
    sa.ForeignKeyConstraint(['layout_id'], ['material_layout.id'], name=op.f('fk_material_draft_layout_id_material_layout')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_draft'))
    )
    with op.batch_alter_table('material_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_draft_engagement_id'), ['engagement_id'], unique=False)

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_original', sa.String(length=300), nullable=True))

    with op.batch_alter_table('material_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totals', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                       'postgresql'), nullable=True))

    with op.batch_alter_table('self_assessment_indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_operator', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('target_number', sa.Numeric(precision=20, scale=4), nullable=True))
        batch_op.add_column(sa.Column('target_unit', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('target_flagged', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('self_assessment_indicator', schema=None) as batch_op:
        batch_op.drop_column('target_flagged')
        batch_op.drop_column('target_unit')
        batch_op.drop_column('target_number')
        batch_op.drop_column('target_operator')

    with op.batch_alter_table('material_import', schema=None) as batch_op:
        batch_op.drop_column('totals')

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('target_original')

    with op.batch_alter_table('material_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_draft_engagement_id'))

    op.drop_table('material_draft')
    with op.batch_alter_table('material_layout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_layout_bureau_id'))

    op.drop_table('material_layout')
