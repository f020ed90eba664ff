"""Material imports: read and validate the whole file, then store all rows and the file as evidence — or nothing."""
from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..bulk import cycle_collector_paused
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit, load_owned
from ..evidence import service as evidence_service
from ..evidence.content import RejectedContent, sniff_mime
from ..evidence.store import BlobStore
from .models import (MATERIAL_KINDS, BudgetLine, ColumnMapping, DeclaredItem, LedgerEntry, MaterialImport,
                     SelfAssessedIndicator)
from .parsers import Parsed, parse_declared_list, parse_ledger, parse_self_assessment
from .reading import RowError, read_csv, read_workbook

MAX_UNPACKED_BYTES = 512 * 2**20   # a 100,000-row ledger unpacks to about 45 MB
NOT_A_TABLE = "只支持 Excel 工作簿（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）"
KIND_LABELS = {"self_assessment": "绩效自评表", "ledger": "资金台账", "declared_list": "申报清单"}


class MaterialError(Exception):
    """Refused before reading (wrong type, empty, too large); the message is for the uploader."""


class ImportRefused(Exception):
    """The file was read and has bad rows; nothing was stored."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} 处错误")
        self.errors = errors


def saved_mapping(session: Session, engagement: Engagement, kind: str) -> dict[str, str]:
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=kind))
    return dict(row.mapping) if row else {}


def read_material(path: Path, kind: str, mapping: dict[str, str], key_column: str | None = None, *,
                  is_csv: bool = False, sheet: str = "CSV") -> Parsed:
    """Parse a workbook (or a CSV file) on disk; never touches the database."""
    if is_csv:
        try:
            grids = read_csv(path, sheet)
        except RejectedContent as error:
            raise MaterialError(str(error)) from None
    else:
        grids = None
    try:
        grids = grids if grids is not None else read_workbook(path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:  # calamine raises on broken files
        raise MaterialError("无法读取该 Excel 文件，文件可能已损坏") from error
    except Exception as error:  # noqa: BLE001 - python-calamine's own error types vary by version
        raise MaterialError("无法读取该 Excel 文件，文件可能已损坏") from error
    if kind == "ledger":
        return parse_ledger(grids, mapping)
    if kind == "self_assessment":
        return parse_self_assessment(grids, mapping)
    return parse_declared_list(grids, key_column or mapping.get("key", ""))


@cycle_collector_paused
def import_material(session: Session, store: BlobStore, engagement: Engagement, actor: User, now: datetime, *,
                    kind: str, stream: BinaryIO, filename: str | None, max_bytes: int, name: str | None = None,
                    key_column: str | None = None, mapping: dict[str, str] | None = None) -> MaterialImport:
    """All or nothing: any bad row raises ImportRefused with every error, and nothing is stored."""
    ensure_can_edit(engagement, actor)
    if kind not in MATERIAL_KINDS:
        raise MaterialError("未知的材料类型")
    if kind == "declared_list" and not (name or "").strip():
        raise MaterialError("请填写清单名称")
    filename = evidence_service.clean_filename(filename)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "material.xlsx"
        _spool(stream, path, max_bytes)
        is_csv = _check_file(path)
        wanted = {**saved_mapping(session, engagement, kind), **{k: v for k, v in (mapping or {}).items() if v}}
        parsed = read_material(path, kind, wanted, key_column, is_csv=is_csv,
                               sheet=Path(filename).stem[:100] or "CSV")
        if parsed.errors:
            raise ImportRefused(parsed.errors)
        with path.open("rb") as original:
            evidence = evidence_service.store_upload(
                session, store, engagement, actor, now, stream=original, filename=filename, max_bytes=max_bytes,
                description=f"{KIND_LABELS[kind]}（导入的原始文件）", tags=["申报材料", KIND_LABELS[kind]],
                allow_csv=is_csv).evidence
    material = MaterialImport(
        engagement_id=engagement.id, kind=kind, name=(name or "").strip()[:200] or filename[:200],
        evidence_id=evidence.id, sheet=parsed.sheet[:100], row_count=sum(len(r) for r in parsed.rows.values()),
        mapping=parsed.mapping, key_column=parsed.mapping.get("key"), columns=parsed.columns, imported_by_id=actor.id,
        imported_at=now)
    session.add(material)
    session.flush()
    evidence_service.link_evidence(session, evidence, "material", material.id)
    _store_rows(session, material, parsed)
    _remember_mapping(session, engagement, kind, parsed.mapping)
    audit.record(session, actor=actor, action="material.import", obj=material, engagement_id=engagement.id, now=now,
                 details={"filename": filename, "sha256": evidence.blob_sha256, "count": material.row_count,
                          "name": material.name})
    return material


def _check_file(path: Path) -> bool:
    """True for a CSV text file; an XLSX passes _check_workbook; anything else (PDF, images…) is refused."""
    if zipfile.is_zipfile(path):
        _check_workbook(path)
        return False
    with path.open("rb") as file:
        head = file.read(16)
    if sniff_mime(head, path) is not None:
        raise MaterialError(NOT_A_TABLE)
    return True


def _check_workbook(path: Path) -> None:
    """An XLSX is a zip: refuse other files, and archives that would unpack to more than we read."""
    if not zipfile.is_zipfile(path):
        raise MaterialError(NOT_A_TABLE)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise MaterialError(f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，请拆分后导入")


def _spool(stream: BinaryIO, path: Path, max_bytes: int) -> None:
    with path.open("wb") as out:
        copied = 0
        while chunk := stream.read(1 << 20):
            copied += len(chunk)
            if copied > max_bytes:
                raise MaterialError(f"文件超过大小上限（{max_bytes // 2**20} MB）")
            out.write(chunk)
    if copied == 0:
        raise MaterialError("文件为空（0 字节）")


def _store_rows(session: Session, material: MaterialImport, parsed: Parsed) -> None:
    tables = {"ledger": LedgerEntry, "budget": BudgetLine, "indicators": SelfAssessedIndicator,
              "items": DeclaredItem}
    for key, rows in parsed.rows.items():
        if rows:
            bulk_insert(session, tables[key].__table__, material.id, rows)


def bulk_insert(session: Session, table, import_id: int, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany on SQLite (100,000 ledger rows in about a second)."""
    columns = [c for c in table.columns if c.key not in ("id", "import_id")]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), [{"import_id": import_id, **{c.key: row.get(c.key) for c in columns}}
                                            for row in rows])
        return
    json_columns = {c.key for c in columns if c.type.__class__.__name__ in ("JSON", "JSONB") or hasattr(c.type, "variant_mapping")}
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


def _remember_mapping(session: Session, engagement: Engagement, kind: str, mapping: dict[str, str]) -> None:
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=kind))
    if row is None:
        session.add(ColumnMapping(engagement_id=engagement.id, kind=kind, mapping=mapping))
    else:
        row.mapping = mapping


def list_imports(session: Session, engagement: Engagement) -> list[MaterialImport]:
    return list(session.scalars(select(MaterialImport).where(MaterialImport.engagement_id == engagement.id)
                                .order_by(MaterialImport.imported_at.desc(), MaterialImport.id.desc())))


def current_import(session: Session, engagement: Engagement, kind: str, name: str | None = None) -> MaterialImport | None:
    """The latest import of a kind (of a list name): a corrected file replaces the earlier one as current."""
    query = select(MaterialImport).where(MaterialImport.engagement_id == engagement.id, MaterialImport.kind == kind)
    if name is not None:
        query = query.where(MaterialImport.name == name)
    return session.scalar(query.order_by(MaterialImport.id.desc()).limit(1))


def load_import(session: Session, engagement: Engagement, import_id: int) -> MaterialImport:
    return load_owned(session, MaterialImport, import_id, engagement)


def ledger_entries(session: Session, engagement: Engagement) -> list[LedgerEntry]:
    material = current_import(session, engagement, "ledger")
    if material is None:
        return []
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.import_id == material.id)
                                .order_by(LedgerEntry.row_number)))


def budget_lines(session: Session, engagement: Engagement) -> list[BudgetLine]:
    material = current_import(session, engagement, "self_assessment")
    if material is None:
        return []
    return list(session.scalars(select(BudgetLine).where(BudgetLine.import_id == material.id)
                                .order_by(BudgetLine.row_number)))


def self_assessed_indicators(session: Session, engagement: Engagement) -> list[SelfAssessedIndicator]:
    material = current_import(session, engagement, "self_assessment")
    if material is None:
        return []
    return list(session.scalars(select(SelfAssessedIndicator).where(SelfAssessedIndicator.import_id == material.id)
                                .order_by(SelfAssessedIndicator.row_number)))


def declared_items(session: Session, material: MaterialImport) -> list[DeclaredItem]:
    return list(session.scalars(select(DeclaredItem).where(DeclaredItem.import_id == material.id)
                                .order_by(DeclaredItem.row_number)))
