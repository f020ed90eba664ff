"""Offline sync of an inspection run: its start and its item entries, each idempotent by client UUID.

The phone queues every change with its own UUID and may send it any number of times: the same UUID with
the same content answers as the first time; the same UUID with other content is a conflict (409); nothing
is stored twice. Corrections of an item are new revisions. Services flush, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..engagements.models import Engagement, Site
from ..engagements.service import EngagementNotFound, ensure_can_edit, load_site, start_fieldwork
from ..instruments import service as instruments
from ..instruments.models import InstrumentVersion
from ..integrity import sha256_hex
from . import checklist
from .inputs import (
    NAME_MAX,
    NOTE_MAX,
    InspectionConflict,
    InspectionError,
    moment,
    number,
    parse_uuid,
    plain,
    text,
)
from .models import Inspection, InspectionEntry

TEAM_MAX = 20
MEASURE_MAX = Decimal("1e12")


@dataclass
class Outcome:
    obj: object
    created: bool


def replayed(session: Session, engagement: Engagement, query, same, conflict: str) -> Outcome | None:
    """What the phone already sent under this client UUID: the same content is answered as the first time
    (not stored again), other content under that UUID is refused; None when the UUID is new. Looked up under
    the engagement's lock, so two sends of one UUID at once cannot both store."""
    audit.lock_engagement(session, engagement.id)
    existing = session.scalar(query)
    if existing is None:
        return None
    if not same(existing):
        raise InspectionConflict(conflict)
    return Outcome(existing, False)


def find_inspection(session: Session, engagement: Engagement, inspection_uuid) -> Inspection:
    key = parse_uuid(inspection_uuid, "inspection_uuid")
    inspection = session.scalar(
        select(Inspection).where(Inspection.engagement_id == engagement.id, Inspection.client_uuid == key)
    )
    if inspection is None:
        raise InspectionError({"inspection_uuid": "找不到这次勘查（开始记录尚未同步）"})
    return inspection


# ---- start --------------------------------------------------------------------------------------------


def start_inspection(session: Session, engagement: Engagement, actor, now: datetime, data: dict) -> Outcome:
    """{client_uuid, site_id, instrument_version_id, started_at, latitude?, longitude?, accuracy?, team_members}"""
    ensure_can_edit(engagement, actor)
    client_uuid = parse_uuid(data.get("client_uuid"))
    site, version, values = _checked_start(session, engagement, now, data)
    fields = {
        "site_id": site.id,
        "instrument_version_id": version.id,
        "started_at": values["started_at"].isoformat(),
        "latitude": plain(values["latitude"]),
        "longitude": plain(values["longitude"]),
        "accuracy": plain(values["gps_accuracy_m"]),
        "team_members": values["team_members"],
    }
    sha = sha256_hex(fields)
    again = replayed(
        session,
        engagement,
        select(Inspection).where(Inspection.engagement_id == engagement.id, Inspection.client_uuid == client_uuid),
        lambda found: found.start_sha256 == sha,
        "该勘查编号已用于另一次勘查",
    )
    if again is not None:
        return again
    instruments.freeze(version, now)
    inspection = Inspection(
        engagement_id=engagement.id,
        site_id=site.id,
        instrument_version_id=version.id,
        client_uuid=client_uuid,
        start_sha256=sha,
        created_by_id=actor.id,
        created_at=now,
        **values,
    )
    session.add(inspection)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inspection.start",
        obj=inspection,
        engagement_id=engagement.id,
        now=now,
        details={"site": site.name, "title": version.definition.get("title")},
    )
    start_fieldwork(session, engagement, actor, now, "开始现场勘查")
    return Outcome(inspection, True)


def _checked_start(session, engagement, now, data) -> tuple[Site, InstrumentVersion, dict]:
    """The start's site, checklist and column values, or InspectionError naming every bad field."""
    errors: dict[str, str] = {}
    site = _site(session, engagement, data.get("site_id"), errors)
    version = _checklist_version(session, engagement, data.get("instrument_version_id"), errors)
    values = {
        "started_at": moment(data.get("started_at"), "started_at", "开始时间", now, errors),
        "latitude": number(data.get("latitude"), "latitude", "纬度", errors, -90, 90, 6),
        "longitude": number(data.get("longitude"), "longitude", "经度", errors, -180, 180, 6),
        "gps_accuracy_m": number(data.get("accuracy"), "accuracy", "定位精度", errors, 0, 100000, 1),
    }
    if (
        (values["latitude"] is None) != (values["longitude"] is None)
        and "latitude" not in errors
        and "longitude" not in errors
    ):
        errors["latitude"] = "经纬度必须同时提供"
    values["team_members"] = _team(data.get("team_members"), errors)
    if errors:
        raise InspectionError(errors)
    return site, version, values


def _team(raw, errors: dict) -> list[str]:
    team = raw or []
    if not isinstance(team, list) or not all(isinstance(n, str) for n in team):
        errors["team_members"] = "勘查人员格式不正确"
        return []
    team = [n.strip() for n in team if n.strip()]
    if not team:
        errors["team_members"] = "请填写在场的勘查人员"
    elif len(team) > TEAM_MAX or any(len(n) > NAME_MAX for n in team):
        errors["team_members"] = f"勘查人员最多 {TEAM_MAX} 人，每个姓名不超过 {NAME_MAX} 字"
    return team


def _site(session, engagement, raw, errors) -> Site | None:
    try:
        return load_site(session, engagement, int(raw))
    except (TypeError, ValueError, EngagementNotFound):
        errors["site_id"] = "请选择本项目的勘查点"
        return None


def _checklist_version(session, engagement, raw, errors) -> InstrumentVersion | None:
    try:
        version = session.get(InstrumentVersion, int(raw))
    except (TypeError, ValueError):
        version = None
    if version is None or version.instrument.engagement_id != engagement.id or version.instrument.kind != "checklist":
        errors["instrument_version_id"] = "请选择本项目的勘查表"
        return None
    return version


# ---- entries ------------------------------------------------------------------------------------------


def record_entry(session: Session, engagement: Engagement, actor, now: datetime, data: dict) -> Outcome:
    """{inspection_uuid, client_uuid, item_code, result, measured_value?, unit?, note?, recorded_at}"""
    ensure_can_edit(engagement, actor)
    inspection = find_inspection(session, engagement, data.get("inspection_uuid"))
    client_uuid = parse_uuid(data.get("client_uuid"))
    fields, value, recorded_at = _checked_entry(inspection, data, now)
    sha = sha256_hex(fields)
    again = replayed(
        session,
        engagement,
        select(InspectionEntry).where(
            InspectionEntry.inspection_id == inspection.id, InspectionEntry.client_uuid == client_uuid
        ),
        lambda found: found.payload_sha256 == sha,
        "该记录编号已用于另一条内容",
    )
    if again is not None:
        return again
    if inspection.is_finished:
        raise InspectionConflict("勘查已结束并签名，不能再修改检查项")
    code = fields["item_code"]
    previous = inspection.current_entries().get(code)
    entry = InspectionEntry(
        inspection=inspection,
        item_code=code,
        revision=(previous.revision + 1) if previous else 1,
        client_uuid=client_uuid,
        payload_sha256=sha,
        result=fields["result"],
        measured_value=value,
        unit=fields["unit"],
        note=fields["note"],
        recorded_at=recorded_at,
        received_at=now,
        recorded_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inspection.entry",
        obj=entry,
        engagement_id=engagement.id,
        now=now,
        details={
            "name": code,
            "version": entry.revision,
            "before": _entry_summary(previous),
            "after": _entry_summary(entry),
        },
    )
    return Outcome(entry, True)


def _checked_entry(inspection: Inspection, data: dict, now: datetime) -> tuple[dict, Decimal | None, datetime]:
    """The entry as hashed (fields), its measured value and time, or InspectionError per bad field."""
    items = {i.code: i for i in checklist.items(inspection.version.definition)}
    code = data.get("item_code")
    item = items.get(code) if isinstance(code, str) else None
    if item is None:
        raise InspectionError({"item_code": f"勘查表中没有检查项 {str(code)[:64]}"})
    errors: dict[str, str] = {}
    result = data.get("result")
    if result not in checklist.RESULTS:
        errors["result"] = "请选择检查结果（符合/不符合/部分符合/不适用）"
    value = number(data.get("measured_value"), "measured_value", "实测值", errors, 0, MEASURE_MAX, 4)
    unit = (item.measure or {}).get("unit")
    if value is not None and not item.measure:
        errors["measured_value"] = "该检查项不记录实测值"
    sent_unit = data.get("unit")
    if sent_unit not in (None, "") and sent_unit != unit:
        errors["unit"] = f"单位应为 {unit}" if unit else "该检查项没有单位"
    note = text(data.get("note"), "note", "备注", errors, NOTE_MAX)
    if result in ("fail", "partial") and not note:
        errors["note"] = "结果为不符合或部分符合时，请在备注中说明情况"
    recorded_at = moment(data.get("recorded_at"), "recorded_at", "记录时间", now, errors)
    if errors:
        raise InspectionError({f"{code}.{k}": v for k, v in errors.items()})
    return (
        {
            "item_code": code,
            "result": result,
            "measured_value": plain(value),
            "unit": unit if value is not None else None,
            "note": note,
            "recorded_at": recorded_at.isoformat(),
        },
        value,
        recorded_at,
    )


def _entry_summary(entry: InspectionEntry | None) -> dict | None:
    if entry is None:
        return None
    return {
        "result": entry.result,
        "measured_value": plain(entry.measured_value),
        "unit": entry.unit,
        "note": entry.note,
    }
