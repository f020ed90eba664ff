"""foundation: accounts, engagements, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import evalplatform.db
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bureau',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bureau')),
    sa.UniqueConstraint('name', name=op.f('uq_bureau_name'))
    )
    op.create_table('firm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm')),
    sa.UniqueConstraint('name', name=op.f('uq_firm_name'))
    )
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('attempted_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username'), ['username'], unique=False)

    op.create_table('evaluated_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name=op.f('fk_evaluated_unit_bureau_id_bureau')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluated_unit')),
    sa.UniqueConstraint('bureau_id', 'name', name=op.f('uq_evaluated_unit_bureau_id_name'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('admin', 'evaluator', 'reviewer', 'bureau', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=True),
    sa.Column('bureau_id', sa.Integer(), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'bureau' AND bureau_id IS NOT NULL AND firm_id IS NULL) OR (role <> 'bureau' AND firm_id IS NOT NULL AND bureau_id IS NULL)", name=op.f('ck_user_account_belongs_to_firm_or_bureau')),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name=op.f('fk_user_account_bureau_id_bureau')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_user_account_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_firm_id'), ['firm_id'], unique=False)

    op.create_table('engagement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('evaluated_unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('project', 'department', name='engagementkind', native_enum=False, length=20), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('budget_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('funding_source', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=60), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('setup', 'fieldwork', 'analysis', 'reporting', 'review', 'issued', 'archived', name='engagementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('budget_amount >= 0', name=op.f('ck_engagement_budget_not_negative')),
    sa.CheckConstraint('fiscal_year BETWEEN 2000 AND 2100', name=op.f('ck_engagement_fiscal_year_range')),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name=op.f('fk_engagement_bureau_id_bureau')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_engagement_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['evaluated_unit_id'], ['evaluated_unit.id'], name=op.f('fk_engagement_evaluated_unit_id_evaluated_unit')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_engagement_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement'))
    )
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_evaluated_unit_id'), ['evaluated_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_firm_id'), ['firm_id'], unique=False)

    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', evalplatform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_login_session_token_sha256'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_audit_event_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('chain', 'seq', name=op.f('uq_audit_event_chain_seq'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.CheckConstraint('latitude IS NULL OR latitude BETWEEN -90 AND 90', name=op.f('ck_site_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR longitude BETWEEN -180 AND 180', name=op.f('ck_site_longitude_range')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_site_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site'))
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_role', sa.Enum('lead', 'member', 'reviewer', 'expert', name='teamrole', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_team_member_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_team_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_member')),
    sa.UniqueConstraint('engagement_id', 'user_id', name=op.f('uq_team_member_engagement_id_user_id'))
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_member_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_team_member_engagement_id'))

    op.drop_table('team_member')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_engagement_id'))

    op.drop_table('site')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_engagement_id'))

    op.drop_table('audit_event')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))

    op.drop_table('login_session')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_firm_id'))
        batch_op.drop_index(batch_op.f('ix_engagement_evaluated_unit_id'))
        batch_op.drop_index(batch_op.f('ix_engagement_bureau_id'))

    op.drop_table('engagement')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_firm_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_bureau_id'))

    op.drop_table('user_account')
    op.drop_table('evaluated_unit')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_ip'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_attempted_at'))

    op.drop_table('login_attempt')
    op.drop_table('firm')
    op.drop_table('bureau')
