"""Inspection runs of an engagement: its checklists, the runs and what they recorded (record sheets, the
summary table, measured quantities for the cross-checks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import formatting as fmt
from ..engagements.models import Engagement
from ..engagements.service import EngagementNotFound, ensure_can_edit, load_owned
from ..instruments import service as instruments
from ..instruments.models import Instrument, InstrumentVersion
from . import checklist
from .inputs import InspectionError, plain
from .models import Inspection, InspectionPhoto


class InspectionNotFound(EngagementNotFound):
    pass


# ---- checklists of the engagement ---------------------------------------------------------------------


def add_checklist(session: Session, engagement: Engagement, actor, now: datetime, template: str) -> Instrument:
    ensure_can_edit(engagement, actor)
    try:
        definition = checklist.load_checklist_template(template)
    except EngagementNotFound:
        raise InspectionError({"template": "没有这个勘查表模板"}) from None
    return instruments.create_instrument(session, engagement, actor, now, definition, source=template)


def engagement_checklists(session: Session, engagement: Engagement) -> list[InstrumentVersion]:
    """The latest version of each checklist instrument that is a valid checklist."""
    found = []
    for instrument in instruments.engagement_instruments(session, engagement, kind="checklist"):
        try:
            checklist.validate_checklist(instrument.latest.definition)
        except checklist.DefinitionError:
            continue
        found.append(instrument.latest)
    return found


# ---- reading ------------------------------------------------------------------------------------------


def list_inspections(session: Session, engagement: Engagement) -> list[Inspection]:
    return list(
        session.scalars(
            select(Inspection)
            .where(Inspection.engagement_id == engagement.id)
            .options(selectinload(Inspection.site), selectinload(Inspection.entries), selectinload(Inspection.photos))
            .order_by(Inspection.started_at.desc(), Inspection.id.desc())
        )
    )


def load_inspection(session: Session, engagement: Engagement, inspection_id: int) -> Inspection:
    return load_owned(session, Inspection, inspection_id, engagement, InspectionNotFound)


@dataclass(frozen=True)
class InspectedQuantity:
    """One measured value from the latest revision of a checklist item."""

    site_id: int
    site_name: str
    inspection_id: int
    item_code: str
    key: str  # the checklist's measure key, e.g. road_length_km
    label: str
    quantity: str  # length | area | volume | count | amount | other
    value: Decimal
    unit: str
    result: str  # pass | fail | partial | na
    recorded_at: datetime
    finished: bool


def inspected_quantities(
    session: Session, engagement: Engagement, *, finished_only: bool = False
) -> list[InspectedQuantity]:
    """Every measured value of the engagement's inspections, for cross-checks against reported figures."""
    found = []
    for inspection in sorted(list_inspections(session, engagement), key=lambda i: (i.started_at, i.id)):
        if finished_only and not inspection.is_finished:
            continue
        items = {i.code: i for i in checklist.items(inspection.version.definition)}
        for code, entry in inspection.current_entries().items():
            item = items.get(code)
            if entry.measured_value is None or item is None or not item.measure:
                continue
            found.append(
                InspectedQuantity(
                    site_id=inspection.site_id,
                    site_name=inspection.site.name,
                    inspection_id=inspection.id,
                    item_code=code,
                    key=item.measure["key"],
                    label=item.measure.get("label") or item.label,
                    quantity=item.measure.get("quantity", "other"),
                    value=entry.measured_value,
                    unit=entry.unit or item.measure["unit"],
                    result=entry.result,
                    recorded_at=entry.recorded_at,
                    finished=inspection.is_finished,
                )
            )
    return found


def record_sheet(inspection: Inspection) -> dict:
    """勘查记录表 as data: header, items with their latest entry and photos, signatures (report annex)."""
    current = inspection.current_entries()
    photos: dict[str | None, list[InspectionPhoto]] = {}
    for photo in inspection.photos:
        if photo.purpose == "photo":
            photos.setdefault(photo.item_code, []).append(photo)
    rows = []
    for item in checklist.items(inspection.version.definition):
        entry = current.get(item.code)
        rows.append(
            {
                "item": item,
                "entry": entry,
                "result_label": checklist.RESULTS.get(entry.result) if entry else "",
                "value": f"{plain(entry.measured_value)} {entry.unit or ''}".strip()
                if entry and entry.measured_value is not None
                else "",
                "photos": [p.evidence for p in photos.get(item.code, [])],
            }
        )
    return {
        "inspection": inspection,
        "title": inspection.version.definition.get("title", ""),
        "site": inspection.site,
        "rows": rows,
        "general_photos": [p.evidence for p in photos.get(None, [])],
        "team_signature": inspection.team_signature,
        "unit_signature": inspection.unit_signature,
    }


ENTRIES_HEADER = [
    "勘查点",
    "勘查表",
    "开始时间",
    "状态",
    "勘查人员",
    "检查项",
    "结果",
    "实测值",
    "备注",
    "照片",
    "记录时间",
]


def entries_table(session: Session, engagement: Engagement) -> list[list]:
    """Every checklist item of every inspection with its latest entry (勘查记录汇总), oldest inspection first,
    rows in ENTRIES_HEADER's order; photos by evidence code."""
    local = fmt.date_time

    rows = []
    for inspection in sorted(list_inspections(session, engagement), key=lambda i: (i.started_at, i.id)):
        sheet = record_sheet(inspection)
        status = "已完成" if inspection.is_finished else "进行中"
        for row in sheet["rows"]:
            entry = row["entry"]
            rows.append(
                [
                    inspection.site.name,
                    sheet["title"],
                    local(inspection.started_at),
                    status,
                    "、".join(inspection.team_members),
                    row["item"].label,
                    row["result_label"],
                    row["value"],
                    (entry.note or "") if entry else "",
                    "、".join(e.code for e in row["photos"]),
                    local(entry.recorded_at) if entry else "",
                ]
            )
    return rows
