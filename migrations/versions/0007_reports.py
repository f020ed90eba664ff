"""reports

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import evalplatform.db


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'approved', 'issued', name='reportstatus', native_enum=False, length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_versions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_report_author_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_report_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('engagement_id', name=op.f('uq_report_engagement_id'))
    )
    op.create_table('render_job',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', evalplatform.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_render_job_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_job'))
    )
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_render_job_report_id'), ['report_id'], unique=False)

    op.create_table('report_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_report_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_event_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_event'))
    )
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_event_report_id'), ['report_id'], unique=False)

    op.create_table('report_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_section_report_id_report')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_report_section_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_section')),
    sa.UniqueConstraint('report_id', 'key', name=op.f('uq_report_section_report_id_key'))
    )
    with op.batch_alter_table('report_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_section_report_id'), ['report_id'], unique=False)

    op.create_table('report_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_at', evalplatform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_evidence_id', sa.Integer(), nullable=False),
    sa.Column('xlsx_evidence_id', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_report_version_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['pdf_evidence_id'], ['evidence.id'], name=op.f('fk_report_version_pdf_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_version_report_id_report')),
    sa.ForeignKeyConstraint(['xlsx_evidence_id'], ['evidence.id'], name=op.f('fk_report_version_xlsx_evidence_id_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_version')),
    sa.UniqueConstraint('report_id', 'version', name=op.f('uq_report_version_report_id_version'))
    )
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_version_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_version_report_id'))

    op.drop_table('report_version')
    with op.batch_alter_table('report_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_section_report_id'))

    op.drop_table('report_section')
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_event_report_id'))

    op.drop_table('report_event')
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_render_job_report_id'))

    op.drop_table('render_job')
    op.drop_table('report')
