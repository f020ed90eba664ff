"""materials crosscheck

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25 12:16:32.649478
"""
from alembic import op
import sqlalchemy as sa
import evalplatform.db
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material_column_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_material_column_mapping_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_column_mapping')),
    sa.UniqueConstraint('engagement_id', 'kind', name=op.f('uq_material_column_mapping_engagement_id_kind'))
    )
    op.create_table('cross_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('indicator_ref', sa.String(length=200), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('declared_value', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('declared_source', sa.String(length=300), nullable=False),
    sa.Column('verified_value', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('verified_source', sa.String(length=300), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('tolerance_abs', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('tolerance_rel', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('difference', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_cross_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_cross_check_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_cross_check_evidence_id_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cross_check')),
    sa.UniqueConstraint('engagement_id', 'rule', 'subject', name=op.f('uq_cross_check_engagement_id_rule_subject'))
    )
    with op.batch_alter_table('cross_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cross_check_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('material_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('key_column', sa.String(length=100), nullable=True),
    sa.Column('columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_material_import_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_material_import_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_material_import_imported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_import'))
    )
    with op.batch_alter_table('material_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_import_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('declared_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_declared_item_import_id_material_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_item')),
    sa.UniqueConstraint('import_id', 'key', name=op.f('uq_declared_item_import_id_key'))
    )
    with op.batch_alter_table('declared_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declared_item_import_id'), ['import_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('indicator_refs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cross_check_id', sa.Integer(), nullable=True),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('recommendation', sa.Text(), nullable=True),
    sa.Column('unit_response', sa.Text(), nullable=True),
    sa.Column('suggested_deduction', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_finding_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['cross_check_id'], ['cross_check.id'], name=op.f('fk_finding_cross_check_id_cross_check')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_finding_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding')),
    sa.UniqueConstraint('engagement_id', 'number', name=op.f('uq_finding_engagement_id_number'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('voucher_no', sa.String(length=60), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('contract_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_ledger_entry_import_id_material_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_import_id'), ['import_id'], unique=False)

    op.create_table('self_assessment_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('initial_budget', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('annual_budget', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('executed', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('execution_rate', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('weight', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('points', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_self_assessment_budget_import_id_material_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_budget'))
    )
    with op.batch_alter_table('self_assessment_budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_budget_import_id'), ['import_id'], unique=False)

    op.create_table('self_assessment_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('level1', sa.String(length=100), nullable=False),
    sa.Column('level2', sa.String(length=100), nullable=False),
    sa.Column('level3', sa.String(length=200), nullable=False),
    sa.Column('target_value', sa.String(length=200), nullable=True),
    sa.Column('actual_value', sa.String(length=200), nullable=True),
    sa.Column('actual_number', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('weight', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('points', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('deviation_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_self_assessment_indicator_import_id_material_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_indicator'))
    )
    with op.batch_alter_table('self_assessment_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_indicator_import_id'), ['import_id'], unique=False)

    op.create_table('verification_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('stratum_column', sa.String(length=100), nullable=True),
    sa.Column('confidence', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('tolerable_error', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('expected_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_verification_sample_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_verification_sample_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['import_id'], ['material_import.id'], name=op.f('fk_verification_sample_import_id_material_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_sample'))
    )
    with op.batch_alter_table('verification_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_sample_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('ledger_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('ledger_entry_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_ledger_flag_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entry.id'], name=op.f('fk_ledger_flag_ledger_entry_id_ledger_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_flag')),
    sa.UniqueConstraint('ledger_entry_id', 'rule', name=op.f('uq_ledger_flag_ledger_entry_id_rule'))
    )
    with op.batch_alter_table('ledger_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_flag_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('sample_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('declared_item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=200), nullable=True),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', evalplatform.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['declared_item_id'], ['declared_item.id'], name=op.f('fk_sample_item_declared_item_id_declared_item')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_sample_item_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_sample_item_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['sample_id'], ['verification_sample.id'], name=op.f('fk_sample_item_sample_id_verification_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_item')),
    sa.UniqueConstraint('sample_id', 'declared_item_id', name=op.f('uq_sample_item_sample_id_declared_item_id'))
    )
    with op.batch_alter_table('sample_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_item_sample_id'), ['sample_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_item_sample_id'))

    op.drop_table('sample_item')
    with op.batch_alter_table('ledger_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_flag_engagement_id'))

    op.drop_table('ledger_flag')
    with op.batch_alter_table('verification_sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_sample_engagement_id'))

    op.drop_table('verification_sample')
    with op.batch_alter_table('self_assessment_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_indicator_import_id'))

    op.drop_table('self_assessment_indicator')
    with op.batch_alter_table('self_assessment_budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_budget_import_id'))

    op.drop_table('self_assessment_budget')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_import_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_engagement_id'))

    op.drop_table('finding')
    with op.batch_alter_table('declared_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declared_item_import_id'))

    op.drop_table('declared_item')
    with op.batch_alter_table('material_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_import_engagement_id'))

    op.drop_table('material_import')
    with op.batch_alter_table('cross_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cross_check_engagement_id'))

    op.drop_table('cross_check')
    op.drop_table('material_column_mapping')
