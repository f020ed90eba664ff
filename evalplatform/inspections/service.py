"""Inspections: start, item entries, photos and signatures, finish — each idempotent by client UUID.

The phone queues every change with its own UUID and may send it any number of times: the same UUID with
the same content answers as the first time; the same UUID with other content is a conflict (409); nothing
is stored twice. Corrections of an item are new revisions. Services flush, the caller commits.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from .. import formatting as fmt
from ..engagements.models import Engagement, Site
from ..engagements.service import EngagementNotFound, ensure_can_edit, load_site, load_owned
from ..evidence import service as evidence_service
from ..evidence.content import RejectedContent
from ..evidence.store import BlobStore, BlobTooLarge
from ..instruments import service as instruments
from ..instruments.models import Instrument, InstrumentVersion
from . import checklist
from .models import Inspection, InspectionEntry, InspectionPhoto

NOTE_MAX = 2000
NAME_MAX = 100
TEAM_MAX = 20
MEASURE_MAX = Decimal("1e12")
PURPOSES = ("photo", "team_signature", "unit_signature")


class InspectionError(ValueError):
    """Refused input; `errors` maps a field or item code to a Chinese message."""

    def __init__(self, errors: dict[str, str] | str):
        errors = {"": errors} if isinstance(errors, str) else errors
        super().__init__("；".join(errors.values()))
        self.errors = errors


class InspectionConflict(InspectionError):
    """The UUID is already used for other content, or the inspection no longer takes changes (409)."""


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


# ---- parsing helpers ----------------------------------------------------------------------------------

def plain(value: Decimal | None) -> str | None:
    """A decimal as plain text without trailing zeros: 3.2000 → "3.2", 1E+2 → "100"."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def parse_uuid(value, field: str = "client_uuid") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InspectionError({field: "缺少或无效的客户端编号（UUID）"}) from None


def _time(value, field: str, label: str, now: datetime, errors: dict, required: bool = True) -> datetime | None:
    if value in (None, ""):
        if required:
            errors[field] = f"缺少{label}"
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors[field] = f"{label}格式不正确"
        return None
    if parsed.tzinfo is None:
        errors[field] = f"{label}缺少时区"
        return None
    parsed = parsed.astimezone(timezone.utc)
    if parsed.year < 2000 or parsed > now + timedelta(days=1):
        errors[field] = f"{label}不合理：{value}"
        return None
    return parsed


def _number(value, field: str, label: str, errors: dict, low, high, places: int) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[field] = f"{label}必须是数字"
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = f"{label}必须是数字"
        return None
    if not number.is_finite() or not (low <= number <= high):
        errors[field] = f"{label}应在 {low} 到 {high} 之间"
        return None
    return number.quantize(Decimal(1).scaleb(-places)) if number.as_tuple().exponent < -places else number


def _text(value, field: str, label: str, errors: dict, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = f"{label}格式不正确"
        return None
    text = value.strip()
    if len(text) > limit:
        errors[field] = f"{label}过长（最多 {limit} 字）"
        return None
    return text or None


def _find(session: Session, engagement: Engagement, inspection_uuid) -> Inspection:
    key = parse_uuid(inspection_uuid, "inspection_uuid")
    inspection = session.scalar(select(Inspection).where(
        Inspection.engagement_id == engagement.id, Inspection.client_uuid == key))
    if inspection is None:
        raise InspectionError({"inspection_uuid": "找不到这次勘查（开始记录尚未同步）"})
    return inspection


# ---- start --------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    obj: object
    created: bool


def _replayed(session: Session, query, same, conflict: str) -> Outcome | None:
    """What the phone already sent under this client UUID: the same content is answered as the first time
    (not stored again), other content under that UUID is refused; None when the UUID is new."""
    existing = session.scalar(query)
    if existing is None:
        return None
    if not same(existing):
        raise InspectionConflict(conflict)
    return Outcome(existing, False)


def start_inspection(session: Session, engagement: Engagement, actor, now: datetime, data: dict) -> Outcome:
    """{client_uuid, site_id, instrument_version_id, started_at, latitude?, longitude?, accuracy?, team_members}"""
    ensure_can_edit(engagement, actor)
    client_uuid = parse_uuid(data.get("client_uuid"))
    errors: dict[str, str] = {}
    site = _site(session, engagement, data.get("site_id"), errors)
    version = _checklist_version(session, engagement, data.get("instrument_version_id"), errors)
    started_at = _time(data.get("started_at"), "started_at", "开始时间", now, errors)
    lat = _number(data.get("latitude"), "latitude", "纬度", errors, -90, 90, 6)
    lon = _number(data.get("longitude"), "longitude", "经度", errors, -180, 180, 6)
    accuracy = _number(data.get("accuracy"), "accuracy", "定位精度", errors, 0, 100000, 1)
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["latitude"] = "经纬度必须同时提供"
    team = data.get("team_members") or []
    if not isinstance(team, list) or not all(isinstance(n, str) for n in team):
        errors["team_members"] = "勘查人员格式不正确"
        team = []
    team = [n.strip() for n in team if n.strip()]
    if not team and "team_members" not in errors:
        errors["team_members"] = "请填写在场的勘查人员"
    elif len(team) > TEAM_MAX or any(len(n) > NAME_MAX for n in team):
        errors["team_members"] = f"勘查人员最多 {TEAM_MAX} 人，每个姓名不超过 {NAME_MAX} 字"
    if errors:
        raise InspectionError(errors)
    fields = {"site_id": site.id, "instrument_version_id": version.id, "started_at": started_at.isoformat(),
              "latitude": plain(lat), "longitude": plain(lon), "accuracy": plain(accuracy), "team_members": team}
    digest = _digest(fields)
    audit.lock_engagement(session, engagement.id)
    replayed = _replayed(session, select(Inspection).where(
        Inspection.engagement_id == engagement.id, Inspection.client_uuid == client_uuid),
        lambda found: found.start_sha256 == digest, "该勘查编号已用于另一次勘查")
    if replayed is not None:
        return replayed
    instruments.freeze(version, now)
    inspection = Inspection(
        engagement_id=engagement.id, site_id=site.id, instrument_version_id=version.id, client_uuid=client_uuid,
        start_sha256=digest, started_at=started_at, latitude=lat, longitude=lon, gps_accuracy_m=accuracy,
        team_members=team, created_by_id=actor.id, created_at=now)
    session.add(inspection)
    session.flush()
    audit.record(session, actor=actor, action="inspection.start", obj=inspection, engagement_id=engagement.id,
                 now=now, details={"site": site.name, "title": version.definition.get("title")})
    return Outcome(inspection, True)


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
    inspection = _find(session, engagement, data.get("inspection_uuid"))
    client_uuid = parse_uuid(data.get("client_uuid"))
    items = {i.code: i for i in checklist.items(inspection.version.definition)}
    code = data.get("item_code")
    item = items.get(code) if isinstance(code, str) else None
    if item is None:
        raise InspectionError({"item_code": f"勘查表中没有检查项 {str(code)[:64]}"})
    errors: dict[str, str] = {}
    result = data.get("result")
    if result not in checklist.RESULTS:
        errors["result"] = "请选择检查结果（符合/不符合/部分符合/不适用）"
    value = _number(data.get("measured_value"), "measured_value", "实测值", errors, 0, MEASURE_MAX, 4)
    unit = (item.measure or {}).get("unit")
    if value is not None and not item.measure:
        errors["measured_value"] = "该检查项不记录实测值"
    sent_unit = data.get("unit")
    if sent_unit not in (None, "") and sent_unit != unit:
        errors["unit"] = f"单位应为 {unit}" if unit else "该检查项没有单位"
    note = _text(data.get("note"), "note", "备注", errors, NOTE_MAX)
    if result in ("fail", "partial") and not note:
        errors["note"] = "结果为不符合或部分符合时，请在备注中说明情况"
    recorded_at = _time(data.get("recorded_at"), "recorded_at", "记录时间", now, errors)
    if errors:
        raise InspectionError({f"{code}.{k}": v for k, v in errors.items()})
    fields = {"item_code": code, "result": result, "measured_value": plain(value), "unit": unit if value is not None else None,
              "note": note, "recorded_at": recorded_at.isoformat()}
    digest = _digest(fields)
    audit.lock_engagement(session, engagement.id)
    replayed = _replayed(session, select(InspectionEntry).where(
        InspectionEntry.inspection_id == inspection.id, InspectionEntry.client_uuid == client_uuid),
        lambda found: found.payload_sha256 == digest, "该记录编号已用于另一条内容")
    if replayed is not None:
        return replayed
    if inspection.is_finished:
        raise InspectionConflict("勘查已结束并签名，不能再修改检查项")
    previous = inspection.current_entries().get(code)
    entry = InspectionEntry(
        inspection=inspection, item_code=code, revision=(previous.revision + 1) if previous else 1,
        client_uuid=client_uuid, payload_sha256=digest, result=result, measured_value=value,
        unit=fields["unit"], note=note, recorded_at=recorded_at, received_at=now, recorded_by_id=actor.id)
    session.add(entry)
    session.flush()
    audit.record(session, actor=actor, action="inspection.entry", obj=entry, engagement_id=engagement.id, now=now,
                 details={"name": code, "version": entry.revision,
                          "before": _entry_summary(previous), "after": _entry_summary(entry)})
    return Outcome(entry, True)


def _entry_summary(entry: InspectionEntry | None) -> dict | None:
    if entry is None:
        return None
    return {"result": entry.result, "measured_value": plain(entry.measured_value), "unit": entry.unit, "note": entry.note}


# ---- photos and signatures ----------------------------------------------------------------------------

def add_photo(session: Session, store: BlobStore, engagement: Engagement, actor, now: datetime, *,
              inspection_uuid, client_uuid, purpose: str, item_code: str | None, stream: BinaryIO,
              filename: str | None, max_bytes: int, taken_at=None) -> Outcome:
    """Store the image as evidence (content-checked, once per UUID) and attach it to the inspection."""
    ensure_can_edit(engagement, actor)
    inspection = _find(session, engagement, inspection_uuid)
    key = parse_uuid(client_uuid)
    errors: dict[str, str] = {}
    if purpose not in PURPOSES:
        errors["purpose"] = "未知的照片用途"
    item_code = item_code or None
    if item_code is not None and (purpose != "photo" or item_code not in
                                  {i.code for i in checklist.items(inspection.version.definition)}):
        errors["item_code"] = f"勘查表中没有检查项 {str(item_code)[:64]}"
    taken = _time(taken_at, "taken_at", "拍摄时间", now, errors, required=False)
    if errors:
        raise InspectionError(errors)
    def existing_photo() -> InspectionPhoto | None:
        return session.scalar(select(InspectionPhoto).where(
            InspectionPhoto.inspection_id == inspection.id, InspectionPhoto.client_uuid == key))

    if inspection.is_finished and existing_photo() is None:
        raise InspectionConflict("勘查已结束并签名，不能再添加照片")
    label = {"photo": "勘查照片", "team_signature": "勘查人员签名", "unit_signature": "被勘查单位签名"}[purpose]
    try:
        upload = evidence_service.store_upload(
            session, store, engagement, actor, now, stream=stream, filename=filename, max_bytes=max_bytes,
            client_uuid=key, site=inspection.site, tags=["现场勘查"],
            description=f"{label}：{inspection.site.name}" + (f" / {item_code}" if item_code else ""))
    except evidence_service.EvidenceConflict as error:
        raise InspectionConflict(str(error)) from None
    except (evidence_service.EvidenceError, RejectedContent) as error:
        raise InspectionError({"file": str(error)}) from None
    except BlobTooLarge as error:
        raise InspectionError({"file": f"照片超过大小上限（{error.limit // 2**20} MB）"}) from None
    existing = existing_photo()  # looked up again under the engagement lock that store_upload took
    if existing is not None:
        if existing.evidence_id != upload.evidence.id or (existing.purpose, existing.item_code) != (purpose, item_code):
            raise InspectionConflict("该照片编号已用于另一张照片")
        return Outcome(existing, False)
    if upload.evidence.engagement_id != engagement.id or session.scalar(
            select(InspectionPhoto.id).where(InspectionPhoto.evidence_id == upload.evidence.id)):
        raise InspectionConflict("该照片编号已用于另一份证据")
    photo = InspectionPhoto(inspection=inspection, client_uuid=key, purpose=purpose, item_code=item_code,
                            evidence_id=upload.evidence.id, taken_at=taken or upload.evidence.captured_at)
    session.add(photo)
    session.flush()
    evidence_service.link_evidence(session, upload.evidence, "inspection_item", inspection.id)
    audit.record(session, actor=actor, action="inspection.photo", obj=photo, engagement_id=engagement.id, now=now,
                 details={"name": item_code or purpose, "sha256": upload.evidence.blob_sha256})
    return Outcome(photo, True)


# ---- finish -------------------------------------------------------------------------------------------

def finish_inspection(session: Session, engagement: Engagement, actor, now: datetime, data: dict) -> Outcome:
    """{inspection_uuid, client_uuid, finished_at, unit_representative, team_signature_uuid,
    unit_signature_uuid | refusal_reason}; checks required items and photo counts."""
    ensure_can_edit(engagement, actor)
    inspection = _find(session, engagement, data.get("inspection_uuid"))
    client_uuid = parse_uuid(data.get("client_uuid"))
    errors: dict[str, str] = {}
    finished_at = _time(data.get("finished_at"), "finished_at", "结束时间", now, errors)
    if finished_at and finished_at < inspection.started_at:
        errors["finished_at"] = "结束时间早于开始时间"
    representative = _text(data.get("unit_representative"), "unit_representative", "被勘查单位代表姓名",
                           errors, NAME_MAX)
    if not representative and "unit_representative" not in errors:
        errors["unit_representative"] = "请填写被勘查单位代表姓名"
    refusal = _text(data.get("refusal_reason"), "refusal_reason", "拒签原因", errors, NOTE_MAX)
    photos = {p.client_uuid: p for p in inspection.photos}
    team_sig = _signature(photos, data.get("team_signature_uuid"), "team_signature", errors, "勘查人员签名")
    unit_sig = None
    if data.get("unit_signature_uuid") and refusal:
        errors["refusal_reason"] = "已签名时不能同时填写拒签原因"
    elif not refusal:
        unit_sig = _signature(photos, data.get("unit_signature_uuid"), "unit_signature", errors,
                              "被勘查单位代表签名（或填写拒签原因）")
    errors.update(completeness_problems(inspection))
    fields = {"finished_at": finished_at.isoformat() if finished_at else None, "unit_representative": representative,
              "team_signature": team_sig.id if team_sig else None, "unit_signature": unit_sig.id if unit_sig else None,
              "refusal_reason": refusal}
    digest = _digest(fields)
    if inspection.finish_uuid is not None:
        if inspection.finish_uuid == client_uuid and inspection.finish_sha256 == digest:
            return Outcome(inspection, False)
        raise InspectionConflict("勘查已结束并签名，不能再次结束")
    if errors:
        raise InspectionError(errors)
    inspection.status, inspection.finished_at = "finished", finished_at
    inspection.unit_representative, inspection.refusal_reason = representative, refusal
    inspection.team_signature_id = team_sig.evidence_id
    inspection.unit_signature_id = unit_sig.evidence_id if unit_sig else None
    inspection.finish_uuid, inspection.finish_sha256 = client_uuid, digest
    session.flush()
    audit.record(session, actor=actor, action="inspection.finish", obj=inspection, engagement_id=engagement.id,
                 now=now, details={"name": representative, "reason": refusal,
                                   "result": "refused" if refusal else "signed"})
    return Outcome(inspection, True)


def _signature(photos: dict, raw, purpose: str, errors: dict, label: str) -> InspectionPhoto | None:
    field = f"{purpose}_uuid"
    if not raw:
        errors[field] = f"缺少{label}"
        return None
    try:
        photo = photos.get(uuid.UUID(str(raw)))
    except ValueError:
        photo = None
    if photo is None or photo.purpose != purpose:
        errors[field] = f"{label}尚未上传"
        return None
    return photo


def completeness_problems(inspection: Inspection) -> dict[str, str]:
    """Required items without a result; items short of their required photos (unless 不适用)."""
    problems = {}
    current = inspection.current_entries()
    counts: dict[str, int] = {}
    for photo in inspection.photos:
        if photo.purpose == "photo" and photo.item_code:
            counts[photo.item_code] = counts.get(photo.item_code, 0) + 1
    for item in checklist.items(inspection.version.definition):
        entry = current.get(item.code)
        if entry is None:
            if item.required:
                problems[item.code] = f"必查项“{item.label}”尚未填写"
            continue
        if entry.result != "na" and counts.get(item.code, 0) < item.photos_required:
            problems[item.code] = (f"“{item.label}”需要至少 {item.photos_required} 张照片，"
                                   f"已有 {counts.get(item.code, 0)} 张")
    return problems


# ---- reading ------------------------------------------------------------------------------------------

def list_inspections(session: Session, engagement: Engagement) -> list[Inspection]:
    return list(session.scalars(
        select(Inspection).where(Inspection.engagement_id == engagement.id)
        .options(selectinload(Inspection.site), selectinload(Inspection.entries), selectinload(Inspection.photos))
        .order_by(Inspection.started_at.desc(), Inspection.id.desc())))


def load_inspection(session: Session, engagement: Engagement, inspection_id: int) -> Inspection:
    return load_owned(session, Inspection, inspection_id, engagement, InspectionNotFound)


@dataclass(frozen=True)
class InspectedQuantity:
    """One measured value from the latest revision of a checklist item."""
    site_id: int
    site_name: str
    inspection_id: int
    item_code: str
    key: str            # the checklist's measure key, e.g. road_length_km
    label: str
    quantity: str       # length | area | volume | count | amount | other
    value: Decimal
    unit: str
    result: str         # pass | fail | partial | na
    recorded_at: datetime
    finished: bool


def inspected_quantities(session: Session, engagement: Engagement, *, finished_only: bool = False
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
            found.append(InspectedQuantity(
                site_id=inspection.site_id, site_name=inspection.site.name, inspection_id=inspection.id,
                item_code=code, key=item.measure["key"], label=item.measure.get("label") or item.label,
                quantity=item.measure.get("quantity", "other"), value=entry.measured_value,
                unit=entry.unit or item.measure["unit"], result=entry.result, recorded_at=entry.recorded_at,
                finished=inspection.is_finished))
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
        rows.append({"item": item, "entry": entry, "result_label": checklist.RESULTS.get(entry.result) if entry else "",
                     "value": f"{plain(entry.measured_value)} {entry.unit or ''}".strip()
                     if entry and entry.measured_value is not None else "",
                     "photos": [p.evidence for p in photos.get(item.code, [])]})
    return {"inspection": inspection, "title": inspection.version.definition.get("title", ""),
            "site": inspection.site, "rows": rows, "general_photos": [p.evidence for p in photos.get(None, [])],
            "team_signature": inspection.team_signature, "unit_signature": inspection.unit_signature}


ENTRIES_HEADER = ["勘查点", "勘查表", "开始时间", "状态", "勘查人员", "检查项", "结果", "实测值", "备注", "照片",
                  "记录时间"]


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
            rows.append([inspection.site.name, sheet["title"], local(inspection.started_at), status,
                         "、".join(inspection.team_members), row["item"].label, row["result_label"], row["value"],
                         (entry.note or "") if entry else "", "、".join(e.code for e in row["photos"]),
                         local(entry.recorded_at) if entry else ""])
    return rows


# ---- map ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapPoint:
    kind: str           # site | inspection | photo
    label: str
    latitude: Decimal
    longitude: Decimal
    x: float = 0.0
    y: float = 0.0
    inspection_id: int | None = None
    evidence_id: int | None = None


def map_points(session: Session, engagement: Engagement, width: int = 800, height: int = 520,
               margin: int = 40) -> list[MapPoint]:
    """Sites, inspections (where GPS was taken) and geotagged photos, placed on a local equirectangular
    plot (no tile server): x grows east, y grows south, the box keeps its aspect ratio."""
    raw: list[MapPoint] = [MapPoint("site", s.name, s.latitude, s.longitude)
                           for s in engagement.sites if s.latitude is not None and s.longitude is not None]
    raw += [MapPoint("inspection", f"{i.site.name} {i.started_at:%Y-%m-%d}", i.latitude, i.longitude,
                     inspection_id=i.id)
            for i in list_inspections(session, engagement) if i.latitude is not None and i.longitude is not None]
    raw += [MapPoint("photo", f"{e.code} {e.original_filename}", e.latitude, e.longitude, evidence_id=e.id)
            for e in evidence_service.evidence_index(session, engagement)
            if e.latitude is not None and e.longitude is not None]
    if not raw:
        return []
    lats, lons = [float(p.latitude) for p in raw], [float(p.longitude) for p in raw]
    span_x = max(max(lons) - min(lons), 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left = margin + ((width - 2 * margin) - span_x * scale) / 2
    top = margin + ((height - 2 * margin) - span_y * scale) / 2
    return [MapPoint(p.kind, p.label, p.latitude, p.longitude,
                     x=round(left + (float(p.longitude) - min(lons)) * scale, 1),
                     y=round(top + (max(lats) - float(p.latitude)) * scale, 1),
                     inspection_id=p.inspection_id, evidence_id=p.evidence_id) for p in raw]
