"""Material imports: a file bounded, its layout detected (or confirmed by the evaluator), every row validated,
then the rows and the file stored as evidence — or nothing (the file's bytes are published last)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, bounds
from ..accounts.models import User
from ..bulk import cycle_collector_paused
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit
from ..evidence import service as evidence_service
from ..evidence.content import CSV, OLE2, XLS, XLSX, ContentFacts, RejectedContent, sniff_mime
from ..evidence.store import BlobStore
from . import assessments, storage
from .layout import Field, HeaderNotFound, Layout, detect, layout_from_columns
from .models import MATERIAL_KINDS, ColumnMapping, MaterialImport
from .parsers import LEDGER_FIELDS, find_table, ledger_missing
from .reading import Grid, RowError, read_csv, read_workbook, read_xls
from .storage import (  # noqa: F401
    ImportRefused,
    budget_lines,
    bulk_insert,
    current_import,
    declared_items,
    ledger_entries,
    list_imports,
    load_import,
    self_assessed_indicators,
)

NOT_A_TABLE = "只支持 Excel 工作簿（.xlsx、.xls）或 CSV 文件（UTF-8 或 GBK 编码）"
KIND_LABELS = {
    "target_sheet": "绩效目标表",
    "self_assessment": "绩效自评表",
    "ledger": "资金台账",
    "declared_list": "申报清单",
}
SECTION_FIELDS = {"ledger": LEDGER_FIELDS, **assessments.SECTION_FIELDS}
KIND_SECTIONS = {
    "target_sheet": ("target",),
    "self_assessment": ("budget", "indicator"),
    "ledger": ("ledger",),
    "declared_list": ("list",),
}


class MaterialError(Exception):
    """Refused before reading (wrong type, empty, too large); the message is for the uploader."""


@dataclass
class Detection:
    """A table found in the file: its sheet, and a layout per section (budget and indicator for a 自评表)."""

    grid: Grid
    layouts: dict[str, Layout]


def saved_mapping(session: Session, engagement: Engagement, kind: str) -> dict[str, str]:
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=kind))
    return dict(row.mapping) if row else {}


# --- the file: spooled, typed by its bytes, bounded ------------------------------------------------------------


@contextmanager
def spooled(stream: BinaryIO, max_bytes: int, limits: bounds.Limits) -> Iterator[tuple[Path, str, str, int]]:
    """The upload in a private temporary file: (path, MIME type, sha256, size), refused before any parsing when
    it is empty, too large, not a table, or a ZIP over the bounds."""
    folder = tempfile.mkdtemp(prefix="material-")
    try:
        path = Path(folder) / "upload"
        digest, size = _spool(stream, path, max_bytes)
        yield path, check_file(path, limits), digest, size
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _spool(stream: BinaryIO, path: Path, max_bytes: int) -> tuple[str, int]:
    digest, copied = hashlib.sha256(), 0
    with path.open("wb") as out:
        while chunk := stream.read(1 << 20):
            copied += len(chunk)
            if copied > max_bytes:
                raise MaterialError(f"文件超过大小上限（{max_bytes // 2**20} MB）")
            digest.update(chunk)
            out.write(chunk)
    if copied == 0:
        raise MaterialError("文件为空（0 字节）")
    return digest.hexdigest(), copied


def check_file(path: Path, limits: bounds.Limits) -> str:
    """The table's type by its bytes: XLSX (after the ZIP bounds), XLS (Excel 97–2003, an OLE2 file; read and
    bounded by python-calamine as a whole, at most 65,536 rows), or CSV text; anything else is refused."""
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(OLE2):
        return XLS
    if zipfile.is_zipfile(path):
        try:
            bounds.check_zip(path, limits)
        except bounds.LimitExceeded as error:
            raise MaterialError(str(error)) from None
        if sniff_mime(head, path) != XLSX:
            raise MaterialError(NOT_A_TABLE)
        return XLSX
    if sniff_mime(head, path) is not None:
        raise MaterialError(NOT_A_TABLE)
    return CSV


def read_grids(path: Path, kind: str, *, mime: str, sheet: str, limits: bounds.Limits) -> list[Grid]:
    """Every sheet, after the whole file passed the bounds; a ledger's sheets stream."""
    try:
        if mime == CSV:
            return read_csv(path, sheet, limits)
        if mime == XLS:
            return read_xls(path, limits)
        return read_workbook(path, limits, display=kind != "ledger", stream=kind == "ledger")
    except bounds.LimitExceeded as error:
        raise MaterialError(str(error)) from None
    except RejectedContent as error:
        raise MaterialError(str(error)) from None
    except Exception as error:  # noqa: BLE001 - python-calamine's own error types vary by version
        raise MaterialError("无法读取该 Excel 文件，文件可能已损坏") from error


# --- layouts: detected, or as the evaluator confirmed them -------------------------------------------------------


def detect_layouts(
    kind: str, grids: list[Grid], saved: dict[str, str], key_column: str | None = None, *, partial: bool = False
) -> Detection:
    """The table's sheet and header blocks; ImportRefused names what is missing. `partial`: the best block even
    with fields missing (the mapping page then asks for them)."""
    if kind == "declared_list":
        found = _list_table(grids, key_column or saved.get("list.key") or saved.get("key", ""))
    elif kind == "ledger":
        found = find_table(grids, LEDGER_FIELDS, _section(saved, "ledger"), check=ledger_missing, partial=partial)
        found = found if isinstance(found, RowError) else (found[0], {"ledger": found[1]})
    elif kind == "self_assessment":
        found = assessments.detect_self_assessment(grids, saved, partial)
    else:
        found = assessments.detect_target_sheet(grids, saved, partial)
    if isinstance(found, RowError):
        raise ImportRefused([found])
    return Detection(*found)


def _section(saved: dict[str, str], section: str) -> dict[str, str]:
    """Mappings are saved as "section.field"; a ledger's older ones as plain field names."""
    prefix = section + "."
    own = {k[len(prefix) :]: v for k, v in saved.items() if k.startswith(prefix)}
    return own or {k: v for k, v in saved.items() if "." not in k}


def _list_table(grids: list[Grid], key_column: str):
    if not (key_column or "").strip():
        return RowError("", 0, "", "", "请填写关键列（如 身份证号、户主姓名、项目编号）")
    for grid in grids:
        try:
            return grid, {"list": detect(grid, [Field("key", key_column, ())])}
        except HeaderNotFound:
            continue
    return RowError("", 0, "", "", f"找不到关键列“{key_column}”")


def fields_for(section: str) -> list[Field]:
    return SECTION_FIELDS.get(section) or [Field("key", "关键列", ())]


def chosen_layouts(kind: str, grids: list[Grid], choice: dict, *, strict: bool = True) -> Detection:
    """The layouts the evaluator set on the mapping page: sheet, header rows and a column per field.
    `strict`: every required field must have a column (off while the page is only being refreshed)."""
    grid = next((g for g in grids if g.sheet == choice.get("sheet")), None)
    if grid is None:
        raise ImportRefused([RowError("", 0, "", "", f"找不到工作表“{choice.get('sheet')}”")])
    layouts = {}
    for section, spec in choice["sections"].items():
        layout = layout_from_columns(
            grid,
            fields_for(section),
            int(spec["top"]),
            int(spec["bottom"]),
            {k: int(c) for k, c in spec["columns"].items() if c not in (None, "")},
        )
        missing = layout.missing or (ledger_missing(layout) if section == "ledger" else [])
        if missing and strict:
            raise ImportRefused([RowError(grid.sheet, 0, "", "", "请为以下字段选择列：" + "、".join(missing))])
        layouts[section] = layout
    return Detection(grid, layouts)


def layout_choice(detection: Detection) -> dict:
    """A detection as plain data (stored on the draft, shown and changed on the mapping page)."""
    return {
        "sheet": detection.grid.sheet,
        "sections": {
            s: {
                "top": l.top,
                "bottom": l.bottom,
                "columns": dict(l.columns),
                "headers": {str(c): t for c, t in l.headers.items()},
                "texts": dict(l.texts),
            }
            for s, l in detection.layouts.items()
        },
    }


def mapping_of(detection: Detection) -> dict[str, str]:
    """ "section.field" -> header text: what a saved layout keeps to find the columns in the next file."""
    return {f"{s}.{k}": v for s, l in detection.layouts.items() for k, v in l.texts.items() if v}


# --- the one-call import (CLI, demo, bench, and the mapping page's commit for ledgers and lists) ------------------


@cycle_collector_paused
def import_material(
    session: Session,
    store: BlobStore,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    kind: str,
    stream: BinaryIO,
    filename: str | None,
    max_bytes: int,
    name: str | None = None,
    key_column: str | None = None,
    mapping: dict[str, str] | None = None,
    choice: dict | None = None,
    limits: bounds.Limits | None = None,
    review: dict | None = None,
) -> MaterialImport:
    """All or nothing: any bad row raises ImportRefused with every error, and nothing is stored.
    `mapping` (field -> header) adds to the engagement's saved one; `choice` is a confirmed layout;
    `review` the corrected table of a 目标表/自评表 draft."""
    ensure_can_edit(engagement, actor)
    if kind not in MATERIAL_KINDS:
        raise MaterialError("未知的材料类型")
    if kind == "declared_list" and not (name or "").strip():
        raise MaterialError("请填写清单名称")
    limits = limits or bounds.from_environment()
    filename = evidence_service.clean_filename(filename)
    with spooled(stream, max_bytes, limits) as (path, mime, digest, size):
        grids = read_grids(path, kind, mime=mime, sheet=Path(filename).stem[:100] or "CSV", limits=limits)
        saved = {**saved_mapping(session, engagement, kind), **{k: v for k, v in (mapping or {}).items() if v}}
        detection = chosen_layouts(kind, grids, choice) if choice else detect_layouts(kind, grids, saved, key_column)
        material = storage.store(
            session,
            engagement,
            actor,
            now,
            kind=kind,
            detection=detection,
            review=review,
            evidence=lambda: _register(session, engagement, actor, now, digest, size, filename, mime, kind),
            name=name,
            filename=filename,
        )
        _publish(store, path, max_bytes)
    _remember_mapping(session, engagement, kind, mapping_of(detection))
    audit.record(
        session,
        actor=actor,
        action="material.import",
        obj=material,
        engagement_id=engagement.id,
        now=now,
        details={"filename": filename, "sha256": digest, "count": material.row_count, "name": material.name},
    )
    return material


def _register(session, engagement, actor, now, digest: str, size: int, filename: str, mime: str, kind: str):
    """The file passed check_file and the full bounded read already: it is what its type says."""
    content = ContentFacts(mime=mime)
    return evidence_service.register_upload(
        session,
        engagement,
        actor,
        now,
        sha256=digest,
        size=size,
        content=content,
        filename=filename,
        description=f"{KIND_LABELS[kind]}（导入的原始文件）",
        tags=["申报材料", KIND_LABELS[kind]],
    ).evidence


def _publish(store: BlobStore, path: Path, max_bytes: int) -> None:
    """The bytes go into the store only once every row is in (a refused import leaves nothing behind)."""
    with path.open("rb") as file:
        store.put(file, max_bytes)


def _remember_mapping(session: Session, engagement: Engagement, kind: str, mapping: dict[str, str]) -> None:
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=kind))
    if row is None:
        session.add(ColumnMapping(engagement_id=engagement.id, kind=kind, mapping=mapping))
    else:
        row.mapping = mapping
