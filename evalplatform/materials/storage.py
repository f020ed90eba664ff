"""Storing an import: ledger rows streamed in chunks (COPY on PostgreSQL), lists, and reviewed 自评表/目标表
rows; and the queries later stages read them with."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..engagements.models import Engagement
from ..engagements.service import load_owned
from ..evidence import service as evidence_service
from ..evidence.models import Evidence
from ..indicators.targets import apply_targets
from . import assessments
from .models import BudgetLine, DeclaredItem, LedgerEntry, MaterialImport, SelfAssessedIndicator
from .parsers import MAX_ERRORS, Parsed, ledger_chunks, list_rows
from .reading import RowError


class ImportRefused(Exception):
    """The file was read and has bad rows; nothing was stored. `total` counts errors beyond those kept."""

    def __init__(self, errors: list[RowError], total: int | None = None):
        super().__init__(f"{total or len(errors)} 处错误")
        self.errors = errors
        self.total = total or len(errors)


TABLES = {"ledger": LedgerEntry, "budget": BudgetLine, "indicators": SelfAssessedIndicator, "items": DeclaredItem}


def store(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    kind: str,
    detection,
    review: dict | None,
    evidence: Callable[[], Evidence],
    name: str | None,
    filename: str,
) -> MaterialImport:
    """Validate and store the rows of one file; raises ImportRefused with every error."""
    if kind == "ledger":
        return _store_ledger(session, engagement, actor, now, detection, evidence, filename)
    if kind == "declared_list":
        parsed = list_rows(detection.grid, detection.layouts["list"])
    else:
        table = assessments.Extracted(**review) if review else assessments.extract(detection.grid, detection.layouts)
        parsed = assessments.validate(kind, table)
    if parsed.errors:
        raise ImportRefused(parsed.errors)
    material = _material(session, engagement, actor, now, kind, evidence(), parsed.sheet, name, filename)
    material.mapping, material.columns = parsed.mapping, parsed.columns
    material.key_column = parsed.mapping.get("key")
    material.row_count = sum(len(r) for r in parsed.rows.values())
    if kind == "target_sheet":
        apply_targets(session, engagement, parsed.rows["targets"], actor, now)
    else:
        _store_rows(session, material, parsed)
    return material


def _material(session, engagement, actor, now, kind, evidence, sheet, name, filename) -> MaterialImport:
    material = MaterialImport(
        engagement_id=engagement.id,
        kind=kind,
        name=(name or "").strip()[:200] or filename[:200],
        evidence_id=evidence.id,
        sheet=sheet[:100],
        row_count=0,
        mapping={},
        columns=[],
        imported_by_id=actor.id,
        imported_at=now,
    )
    session.add(material)
    session.flush()
    evidence_service.link_evidence(session, evidence, "material", material.id)
    return material


def _store_ledger(session, engagement, actor, now, detection, evidence, filename) -> MaterialImport:
    """Chunks of 20,000 rows go in as they are read; after the first bad row nothing more is written and the
    rest is only checked, so every error is reported; the caller's rollback then removes what was written."""
    layout = detection.layouts["ledger"]
    material = _material(session, engagement, actor, now, "ledger", evidence(), detection.grid.sheet, None, filename)
    material.mapping = {k: v for k, v in layout.texts.items()}
    errors, total, count = [], 0, 0
    sums = dict.fromkeys(("到位", "拨付", "支出"), Decimal(0))
    for rows, chunk_errors in ledger_chunks(detection.grid, layout):
        total += len(chunk_errors)
        errors.extend(chunk_errors[: MAX_ERRORS - len(errors)])
        if not total and rows:
            bulk_insert(session, LedgerEntry.__table__, material.id, rows)
            for row in rows:
                sums[row["kind"]] += row["amount"]
        count += len(rows)
    if total:
        raise ImportRefused(errors, total)
    material.row_count = count
    material.totals = {**{kind: str(amount) for kind, amount in sums.items()}, "count": count}
    return material


def _store_rows(session: Session, material: MaterialImport, parsed: Parsed) -> None:
    for key, rows in parsed.rows.items():
        if key == "indicators":
            rows = [_indicator_row(row) for row in rows]
        if rows:
            bulk_insert(session, TABLES[key].__table__, material.id, rows)


def _indicator_row(row: dict) -> dict:
    target = row.pop("target")
    return {
        **row,
        "target_operator": target.operator,
        "target_number": target.value,
        "target_unit": target.unit or None,
        "target_flagged": target.flagged,
    }


def bulk_insert(session: Session, table, import_id: int, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany on SQLite (100,000 ledger rows in about a second)."""
    columns = [c for c in table.columns if c.key not in ("id", "import_id")]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(
            table.insert(), [{"import_id": import_id, **{c.key: row.get(c.key) for c in columns}} for row in rows]
        )
        return
    json_columns = {
        c.key for c in columns if c.type.__class__.__name__ in ("JSON", "JSONB") or hasattr(c.type, "variant_mapping")
    }
    names = ", ".join(f'"{c.name}"' for c in columns)
    keys = [c.key for c in columns]
    json_at = [i for i, key in enumerate(keys, start=1) if key in json_columns]
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" (import_id, {names}) FROM STDIN') as copy:
            for row in rows:
                values = [import_id, *map(row.get, keys)]  # C-level lookups: this loop runs 100,000 times
                for i in json_at:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)


def list_imports(session: Session, engagement: Engagement) -> list[MaterialImport]:
    return list(
        session.scalars(
            select(MaterialImport)
            .where(MaterialImport.engagement_id == engagement.id)
            .order_by(MaterialImport.imported_at.desc(), MaterialImport.id.desc())
        )
    )


def current_import(
    session: Session, engagement: Engagement, kind: str, name: str | None = None
) -> MaterialImport | None:
    """The latest import of a kind (of a list name): a corrected file replaces the earlier one as current."""
    query = select(MaterialImport).where(MaterialImport.engagement_id == engagement.id, MaterialImport.kind == kind)
    if name is not None:
        query = query.where(MaterialImport.name == name)
    return session.scalar(query.order_by(MaterialImport.id.desc()).limit(1))


def load_import(session: Session, engagement: Engagement, import_id: int) -> MaterialImport:
    return load_owned(session, MaterialImport, import_id, engagement)


def _current_rows(session: Session, engagement: Engagement, kind: str, model) -> list:
    """The rows of the current import of a kind, in file order."""
    material = current_import(session, engagement, kind)
    if material is None:
        return []
    return list(session.scalars(select(model).where(model.import_id == material.id).order_by(model.row_number)))


def ledger_entries(session: Session, engagement: Engagement) -> list[LedgerEntry]:
    return _current_rows(session, engagement, "ledger", LedgerEntry)


def budget_lines(session: Session, engagement: Engagement) -> list[BudgetLine]:
    return _current_rows(session, engagement, "self_assessment", BudgetLine)


def self_assessed_indicators(session: Session, engagement: Engagement) -> list[SelfAssessedIndicator]:
    return _current_rows(session, engagement, "self_assessment", SelfAssessedIndicator)


def declared_items(session: Session, material: MaterialImport) -> list[DeclaredItem]:
    return list(
        session.scalars(
            select(DeclaredItem).where(DeclaredItem.import_id == material.id).order_by(DeclaredItem.row_number)
        )
    )
