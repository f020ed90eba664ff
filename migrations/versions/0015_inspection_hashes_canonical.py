"""inspection sync hashes in the one canonical form (integrity.sha256_hex: no spaces after the separators)

An inspection's start_sha256 and finish_sha256 and an entry's payload_sha256 are what the phone's request
was hashed as; a resend under the same client UUID is accepted only when it hashes the same. They used
json.dumps' default separators (", " and ": "); the sync now hashes with integrity.sha256_hex. The hashed
fields are rebuilt from the stored columns, and a row is rewritten only when the rebuilt fields give back its
stored hash in the form it is leaving (so a row whose fields cannot be rebuilt exactly keeps its hash: a
resend of it is then refused as a conflict, as any changed content is, and nothing is stored twice). Nothing
else holds these hashes: they are not sealed, not in the audit log, not sent to the phone. The downgrade is
the same rewrite the other way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 03:40:00
"""
import hashlib
import json
import logging
from datetime import timezone

from alembic import op
import sqlalchemy as sa

import evalplatform.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

# The two forms, written out here so that this migration keeps meaning what it meant.
LEGACY = {}  # inspections.inputs.digest until 0015
CANONICAL = {'separators': (',', ':')}  # integrity.canonical_json


def _sha(fields: dict, form: dict) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, **form)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _plain(value):
    """inspections.inputs.plain: a decimal as text without trailing zeros."""
    if value is None:
        return None
    shown = format(value, 'f')
    return shown.rstrip('0').rstrip('.') if '.' in shown else shown


def _moment(value):
    """An aware UTC datetime as the sync wrote it into the hashed fields (isoformat, +00:00)."""
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


inspection = sa.table(
    'inspection',
    sa.column('id', sa.Integer),
    sa.column('site_id', sa.Integer),
    sa.column('instrument_version_id', sa.Integer),
    sa.column('start_sha256', sa.String),
    sa.column('started_at', evalplatform.db.UTCDateTime),
    sa.column('latitude', sa.Numeric(9, 6)),
    sa.column('longitude', sa.Numeric(9, 6)),
    sa.column('gps_accuracy_m', sa.Numeric(9, 1)),
    sa.column('team_members', sa.JSON),
    sa.column('finished_at', evalplatform.db.UTCDateTime),
    sa.column('unit_representative', sa.String),
    sa.column('refusal_reason', sa.Text),
    sa.column('team_signature_id', sa.Integer),
    sa.column('unit_signature_id', sa.Integer),
    sa.column('finish_sha256', sa.String),
)
entry = sa.table(
    'inspection_entry',
    sa.column('id', sa.Integer),
    sa.column('payload_sha256', sa.String),
    sa.column('item_code', sa.String),
    sa.column('result', sa.String),
    sa.column('measured_value', sa.Numeric(18, 4)),
    sa.column('unit', sa.String),
    sa.column('note', sa.Text),
    sa.column('recorded_at', evalplatform.db.UTCDateTime),
)
photo = sa.table(
    'inspection_photo',
    sa.column('id', sa.Integer),
    sa.column('inspection_id', sa.Integer),
    sa.column('evidence_id', sa.Integer),
)


def start_fields(row) -> dict:
    """inspections.sync.start_inspection's hashed fields."""
    return {
        'site_id': row.site_id,
        'instrument_version_id': row.instrument_version_id,
        'started_at': _moment(row.started_at),
        'latitude': _plain(row.latitude),
        'longitude': _plain(row.longitude),
        'accuracy': _plain(row.gps_accuracy_m),
        'team_members': row.team_members,
    }


def finish_fields(row, photo_ids: dict) -> dict:
    """inspections.signatures._Finish.fields: the signatures by their inspection_photo id."""
    return {
        'finished_at': _moment(row.finished_at),
        'unit_representative': row.unit_representative,
        'team_signature': photo_ids.get((row.id, row.team_signature_id)),
        'unit_signature': photo_ids.get((row.id, row.unit_signature_id)),
        'refusal_reason': row.refusal_reason,
    }


def entry_fields(row) -> dict:
    """inspections.sync._checked_entry's hashed fields."""
    return {
        'item_code': row.item_code,
        'result': row.result,
        'measured_value': _plain(row.measured_value),
        'unit': row.unit,
        'note': row.note,
        'recorded_at': _moment(row.recorded_at),
    }


def _rehash(connection, source: dict, target: dict) -> None:
    photo_ids = {
        (p.inspection_id, p.evidence_id): p.id for p in connection.execute(sa.select(photo)).all()
    }
    kept = 0
    for row in connection.execute(sa.select(inspection).order_by(inspection.c.id)).all():
        values = {}
        for column, fields in (
            ('start_sha256', start_fields(row)),
            ('finish_sha256', finish_fields(row, photo_ids) if row.finish_sha256 else None),
        ):
            if fields is not None and _sha(fields, target) != getattr(row, column):
                if _sha(fields, source) == getattr(row, column):
                    values[column] = _sha(fields, target)
                else:
                    kept += 1
        if values:
            connection.execute(inspection.update().where(inspection.c.id == row.id).values(**values))
    for row in connection.execute(sa.select(entry).order_by(entry.c.id)).all():
        fields = entry_fields(row)
        if _sha(fields, target) == row.payload_sha256:
            continue
        if _sha(fields, source) == row.payload_sha256:
            connection.execute(
                entry.update().where(entry.c.id == row.id).values(payload_sha256=_sha(fields, target))
            )
        else:
            kept += 1
    if kept:
        log.warning('inspection hashes: %d could not be rebuilt from the stored fields and were kept', kept)


def upgrade() -> None:
    _rehash(op.get_bind(), LEGACY, CANONICAL)


def downgrade() -> None:
    _rehash(op.get_bind(), CANONICAL, LEGACY)
