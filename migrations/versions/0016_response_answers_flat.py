"""response.answers_flat: the answers' string columns flat, for the analysis (questionnaires.flat)

The analysis read each answer out of the jsonb document (30 items × 100,000 responses: most of the load's
time in PostgreSQL). Responses now also carry their answers flat, in the form questionnaires.flat.flat_answers
makes from the version's definition and the answers; every writer fills it. Existing rows are filled here,
in batches of BATCH rows, by that same function (a row it cannot represent stays NULL and is read from the
JSON, as every row was before). Not sealed: derived from the sealed answers.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 06:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 2000

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
response = sa.table(
    "response",
    sa.column("id", sa.Integer),
    sa.column("version_id", sa.Integer),
    sa.column("answers", JSON_DOCUMENT),
    sa.column("answers_flat", sa.Text),
)
version = sa.table("instrument_version", sa.column("id", sa.Integer), sa.column("definition", JSON_DOCUMENT))


def upgrade() -> None:
    op.add_column("response", sa.Column("answers_flat", sa.Text(), nullable=True))
    fill(op.get_bind())


def fill(connection) -> int:
    """Fill answers_flat where it is NULL, BATCH rows at a time in id order; the number of rows written."""
    from evalplatform.questionnaires.flat import flat_answers

    definitions: dict[int, dict] = {}
    written, after = 0, 0
    while True:
        rows = connection.execute(
            sa.select(response.c.id, response.c.version_id, response.c.answers)
            .where(response.c.id > after, response.c.answers_flat.is_(None))
            .order_by(response.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return written
        after = rows[-1].id
        for version_id in {row.version_id for row in rows} - set(definitions):
            definitions[version_id] = connection.scalar(
                sa.select(version.c.definition).where(version.c.id == version_id)
            )
        values = [
            {"row_id": row.id, "flat": flat}
            for row in rows
            if isinstance(row.answers, dict)
            and (flat := flat_answers(definitions[row.version_id], row.answers)) is not None
        ]
        if values:
            connection.execute(
                response.update()
                .where(response.c.id == sa.bindparam("row_id"))
                .values(answers_flat=sa.bindparam("flat")),
                values,
            )
            written += len(values)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("answers_flat")
