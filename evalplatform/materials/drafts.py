"""An upload on its way to becoming data: detected layout shown with a preview, confirmed or changed by the
evaluator (and saved as a named layout of the bureau), then — for 目标表/自评表 — reviewed cell by cell against
the original and committed. Every step is audit-logged; nothing becomes data before the commit."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, bounds
from ..accounts.models import User
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit, load_owned
from ..evidence import service as evidence_service
from ..evidence.store import BlobStore
from . import assessments, service
from .layout import is_blank
from .models import (
    DRAFT_WORKFLOW,
    MATERIAL_KINDS,
    OPEN_DRAFT_STATES,
    REVIEW_KINDS,
    DraftStatus,
    ImportDraft,
    ImportLayout,
    MaterialImport,
)
from .reading import Grid, column_letter
from .service import Detection, ImportRefused, MaterialError

PREVIEW_ROWS = 8
PREVIEW_COLUMNS = 40


def bureau_layouts(session: Session, engagement: Engagement, kind: str | None = None) -> list[ImportLayout]:
    query = select(ImportLayout).where(ImportLayout.bureau_id == engagement.bureau_id)
    if kind:
        query = query.where(ImportLayout.kind == kind)
    return list(session.scalars(query.order_by(ImportLayout.created_at.desc(), ImportLayout.id.desc())))


def start_draft(
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
    layout_id: int | None = None,
    limits: bounds.Limits | None = None,
) -> ImportDraft:
    """Bounded and detected before the bytes are kept: a file over a limit leaves nothing behind."""
    ensure_can_edit(engagement, actor)
    if kind not in MATERIAL_KINDS:
        raise MaterialError("未知的材料类型")
    if kind == "declared_list" and not ((name or "").strip() and (key_column or "").strip()):
        raise MaterialError("申报清单请填写清单名称和关键列")
    limits, filename = limits or bounds.from_environment(), evidence_service.clean_filename(filename)
    layouts = [l for l in bureau_layouts(session, engagement, kind) if layout_id in (None, l.id)]
    found: dict = {}

    def check(head: bytes, path: Path) -> None:
        mime = service.check_file(path, limits)
        grids = service.read_grids(path, kind, mime=mime, sheet=Path(filename).stem[:100], limits=limits)
        found.update(mime=mime, **_detect(session, engagement, kind, grids, layouts, key_column, layout_id))

    blob = store.put(stream, max_bytes, check=check)
    draft = ImportDraft(
        engagement_id=engagement.id,
        kind=kind,
        status=DraftStatus.mapping,
        name=(name or "").strip() or None,
        key_column=(key_column or "").strip() or None,
        filename=filename,
        blob_sha256=blob.sha256,
        mime=found["mime"],
        size=blob.size,
        layout_id=found["layout_id"],
        sheet=found["table"].get("choice", {}).get("sheet"),
        table=found["table"],
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="material.draft",
        obj=draft,
        engagement_id=engagement.id,
        now=now,
        details={"filename": filename, "sha256": blob.sha256, "title": kind},
    )
    return draft


def _detect(session, engagement, kind, grids, layouts, key_column, layout_id) -> dict:
    """The bureau's saved layouts first (newest first), then the engagement's last mapping and the synonyms."""
    tries = [(l.id, dict(l.mapping)) for l in layouts]
    if layout_id is None:
        tries.append((None, service.saved_mapping(session, engagement, kind)))
    best, problems = None, []
    for candidate_id, mapping in tries:
        try:
            detection = service.detect_layouts(kind, grids, mapping, key_column)
        except ImportRefused as refused:
            problems = problems or [e.reason for e in refused.errors]
            continue
        score = sum(len(l.columns) for l in detection.layouts.values())
        if best is None or score > best[0]:
            best = (score, candidate_id, detection)
    if best is None:
        try:
            partial = service.detect_layouts(kind, grids, tries[-1][1] if tries else {}, key_column, partial=True)
        except ImportRefused:
            return {"layout_id": None, "table": {"problems": problems, "sheets": _sheet_choices(grids)}}
        return {"layout_id": None, "table": {**table_for(partial), "problems": problems}}
    return {"layout_id": best[1], "table": table_for(best[2])}


def _sheet_choices(grids: list[Grid]) -> list[dict]:
    """When nothing was found: each sheet's first rows, so the evaluator can point at the header by hand."""
    return [{"sheet": g.sheet, "preview": _preview(g, -1)} for g in grids[:10]]


def table_for(detection: Detection) -> dict:
    bottom = max(l.bottom for l in detection.layouts.values())
    return {"choice": service.layout_choice(detection), "preview": _preview(detection.grid, bottom), "problems": []}


def _preview(grid: Grid, bottom: int) -> dict:
    """The first rows below the header, every column as text (what the mapping page shows)."""
    rows, r = [], bottom + 1
    while len(rows) < PREVIEW_ROWS and r < len(grid.rows):
        values = grid.rows[r][:PREVIEW_COLUMNS]
        if not all(is_blank(v) for v in values):
            rows.append({"row": r + 1, "cells": [assessments.cell_text(v) or "" for v in values]})
        r += 1
    width = max((len(row["cells"]) for row in rows), default=0)
    return {"rows": rows, "letters": [column_letter(c) for c in range(width)]}


def load_draft(session: Session, engagement: Engagement, draft_id: int) -> ImportDraft:
    return load_owned(session, ImportDraft, draft_id, engagement)


def open_drafts(session: Session, engagement: Engagement) -> list[ImportDraft]:
    return list(
        session.scalars(
            select(ImportDraft)
            .where(ImportDraft.engagement_id == engagement.id, ImportDraft.status.in_(OPEN_DRAFT_STATES))
            .order_by(ImportDraft.id.desc())
        )
    )


def _grids(store: BlobStore, draft: ImportDraft, limits: bounds.Limits) -> list[Grid]:
    return service.read_grids(
        store.path_for(draft.blob_sha256),
        draft.kind,
        mime=draft.mime,
        sheet=Path(draft.filename).stem[:100],
        limits=limits,
    )


def refresh(session: Session, store: BlobStore, draft: ImportDraft, choice: dict, limits: bounds.Limits) -> None:
    """Headers and preview again for header rows or a sheet the evaluator changed; nothing is imported."""
    _ensure_status(draft, DraftStatus.mapping)
    detection = service.chosen_layouts(draft.kind, _grids(store, draft, limits), choice, strict=False)
    draft.table, draft.sheet = table_for(detection), detection.grid.sheet


def confirm_mapping(
    session: Session,
    store: BlobStore,
    draft: ImportDraft,
    engagement: Engagement,
    actor: User,
    now: datetime,
    choice: dict,
    *,
    layout_name: str | None = None,
    max_bytes: int,
    limits: bounds.Limits | None = None,
) -> MaterialImport | None:
    """The evaluator's columns: a 目标表/自评表 goes on to review; a ledger or list is imported at once (all or
    nothing). With `layout_name`, the mapping is saved as the bureau's layout of that name."""
    ensure_can_edit(engagement, actor)
    _ensure_status(draft, DraftStatus.mapping)
    limits = limits or bounds.from_environment()
    detection = service.chosen_layouts(draft.kind, _grids(store, draft, limits), choice)
    if layout_name and layout_name.strip():
        draft.layout_id = save_layout(
            session, engagement, actor, now, draft.kind, layout_name, service.mapping_of(detection)
        ).id
    draft.table = {**table_for(detection)}
    if draft.kind in REVIEW_KINDS:
        return _to_review(session, draft, engagement, actor, now, detection)
    material = _import(
        session, store, draft, engagement, actor, now, max_bytes, limits, name=draft.name, key_column=draft.key_column
    )
    _close(draft, material)
    return material


def _import(session, store, draft, engagement, actor, now, max_bytes, limits, **options) -> MaterialImport:
    """The draft's stored file imported with the chosen layouts (all or nothing, as the service does it)."""
    with store.open(draft.blob_sha256) as stream:
        return service.import_material(
            session,
            store,
            engagement,
            actor,
            now,
            kind=draft.kind,
            stream=stream,
            filename=draft.filename,
            max_bytes=max_bytes,
            choice=draft.table["choice"],
            limits=limits,
            **options,
        )


def _to_review(session, draft, engagement, actor, now, detection: Detection) -> None:
    extracted = assessments.extract(detection.grid, detection.layouts)
    if extracted.errors:
        raise ImportRefused(extracted.errors)
    for row in extracted.rows:
        row["original"] = dict(row["cells"])
    draft.table = {**draft.table, "review": {k: v for k, v in vars(extracted).items() if k != "errors"}}
    DRAFT_WORKFLOW.move(draft, DraftStatus.review)
    audit.record(
        session,
        actor=actor,
        action="material.draft_mapped",
        obj=draft,
        engagement_id=engagement.id,
        now=now,
        details={"count": len(extracted.rows), "fields": service.mapping_of(detection)},
    )


def save_layout(
    session: Session, engagement: Engagement, actor: User, now: datetime, kind: str, name: str, mapping: dict[str, str]
) -> ImportLayout:
    """A named layout of the bureau (one per name and kind; saving again replaces its mapping)."""
    name = name.strip()[:100]
    layout = session.scalar(select(ImportLayout).filter_by(bureau_id=engagement.bureau_id, kind=kind, name=name))
    if layout is None:
        layout = ImportLayout(
            bureau_id=engagement.bureau_id, kind=kind, name=name, created_by_id=actor.id, created_at=now
        )
        session.add(layout)
    layout.mapping = mapping
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="material.layout_saved",
        obj=layout,
        engagement_id=engagement.id,
        now=now,
        details={"name": name, "fields": mapping},
    )
    return layout


def edit_cells(
    session: Session,
    draft: ImportDraft,
    engagement: Engagement,
    actor: User,
    now: datetime,
    edits: dict[tuple[int, str], str],
) -> int:
    """Cell corrections on the review table, keyed by (row index, field); each is audited with before and after."""
    ensure_can_edit(engagement, actor)
    _ensure_status(draft, DraftStatus.review)
    table = copy.deepcopy(draft.table)
    changes = []
    for (index, name), text in edits.items():
        row = table["review"]["rows"][index]
        before, after = row["cells"].get(name), (text or "").strip()[:500] or None
        if before != after:
            row["cells"][name] = after
            changes.append(
                {
                    "row": row["row"],
                    "field": name,
                    "before": before,
                    "after": after,
                    "original": row["original"].get(name),
                }
            )
    if changes:
        draft.table = table
        audit.record(
            session,
            actor=actor,
            action="material.draft_edit",
            obj=draft,
            engagement_id=engagement.id,
            now=now,
            details=_before_after(changes, "before", "after"),
        )
    return len(changes)


def _before_after(cells: list[dict], before: str, after: str) -> dict:
    """Cell changes as the audit log keeps them: the file's (or earlier) value and the evaluator's."""
    return {
        "before": [{"row": c["row"], "field": c["field"], "value": c[before]} for c in cells],
        "after": [{"row": c["row"], "field": c["field"], "value": c[after]} for c in cells],
    }


def corrections(draft: ImportDraft) -> list[dict]:
    """Every cell whose value now differs from the file's."""
    return [
        {"row": row["row"], "field": name, "original": row["original"].get(name), "value": value}
        for row in draft.table.get("review", {}).get("rows", [])
        for name, value in row["cells"].items()
        if value != row["original"].get(name)
    ]


def commit(
    session: Session,
    store: BlobStore,
    draft: ImportDraft,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    max_bytes: int,
    limits: bounds.Limits | None = None,
) -> MaterialImport:
    """The reviewed table validated and stored with the original file as evidence (all or nothing)."""
    _ensure_status(draft, DraftStatus.review)
    material = _import(session, store, draft, engagement, actor, now, max_bytes, limits, review=draft.table["review"])
    audit.record(
        session,
        actor=actor,
        action="material.draft_commit",
        obj=draft,
        engagement_id=engagement.id,
        now=now,
        details={
            **_before_after(corrections(draft), "original", "value"),
            "result": f"MaterialImport {material.id}",
            "count": material.row_count,
        },
    )
    _close(draft, material)
    return material


def discard(session: Session, draft: ImportDraft, engagement: Engagement, actor: User, now: datetime) -> None:
    ensure_can_edit(engagement, actor)
    if draft.status in OPEN_DRAFT_STATES:
        DRAFT_WORKFLOW.move(draft, DraftStatus.discarded)
        audit.record(
            session,
            actor=actor,
            action="material.draft_discard",
            obj=draft,
            engagement_id=engagement.id,
            now=now,
            details={"filename": draft.filename},
        )


def _close(draft: ImportDraft, material: MaterialImport) -> None:
    DRAFT_WORKFLOW.move(draft, DraftStatus.committed)
    draft.import_id = material.id


def _ensure_status(draft: ImportDraft, status: DraftStatus) -> None:
    if draft.status != status:
        raise MaterialError("该导入草稿已提交或已放弃")
