"""Photos and signatures of an inspection run, and finishing it: the unit signs (or refuses, with a reason)
once every required item has its result and photos. Idempotent by client UUID, like the rest of the sync."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit
from ..evidence import service as evidence_service
from ..evidence.content import RejectedContent
from ..evidence.store import BlobStore, BlobTooLarge
from ..integrity import sha256_hex
from . import checklist
from .inputs import NAME_MAX, NOTE_MAX, InspectionConflict, InspectionError, moment, parse_uuid, text
from .models import INSPECTION_WORKFLOW, Inspection, InspectionPhoto, InspectionStatus
from .sync import Outcome, find_inspection

PURPOSES = ("photo", "team_signature", "unit_signature")
PURPOSE_LABELS = {"photo": "勘查照片", "team_signature": "勘查人员签名", "unit_signature": "被勘查单位签名"}


# ---- photos and signatures ----------------------------------------------------------------------------


def add_photo(
    session: Session,
    store: BlobStore,
    engagement: Engagement,
    actor,
    now: datetime,
    *,
    inspection_uuid,
    client_uuid,
    purpose: str,
    item_code: str | None,
    stream: BinaryIO,
    filename: str | None,
    max_bytes: int,
    taken_at=None,
) -> Outcome:
    """Store the image as evidence (content-checked, once per UUID) and attach it to the inspection."""
    ensure_can_edit(engagement, actor)
    inspection = find_inspection(session, engagement, inspection_uuid)
    key = parse_uuid(client_uuid)
    item_code = item_code or None
    taken = _checked_photo(inspection, purpose, item_code, taken_at, now)

    def existing_photo() -> InspectionPhoto | None:
        return session.scalar(
            select(InspectionPhoto).where(
                InspectionPhoto.inspection_id == inspection.id, InspectionPhoto.client_uuid == key
            )
        )

    if inspection.is_finished and existing_photo() is None:
        raise InspectionConflict("勘查已结束并签名，不能再添加照片")
    upload = _store(
        session,
        store,
        engagement,
        actor,
        now,
        inspection,
        key,
        purpose,
        item_code,
        stream=stream,
        filename=filename,
        max_bytes=max_bytes,
    )
    existing = existing_photo()  # looked up again under the engagement lock that store_upload took
    if existing is not None:
        if existing.evidence_id != upload.evidence.id or (existing.purpose, existing.item_code) != (purpose, item_code):
            raise InspectionConflict("该照片编号已用于另一张照片")
        return Outcome(existing, False)
    if upload.evidence.engagement_id != engagement.id or session.scalar(
        select(InspectionPhoto.id).where(InspectionPhoto.evidence_id == upload.evidence.id)
    ):
        raise InspectionConflict("该照片编号已用于另一份证据")
    photo = InspectionPhoto(
        inspection=inspection,
        client_uuid=key,
        purpose=purpose,
        item_code=item_code,
        evidence_id=upload.evidence.id,
        taken_at=taken or upload.evidence.captured_at,
    )
    session.add(photo)
    session.flush()
    evidence_service.link_evidence(session, upload.evidence, "inspection_item", inspection.id)
    audit.record(
        session,
        actor=actor,
        action="inspection.photo",
        obj=photo,
        engagement_id=engagement.id,
        now=now,
        details={"name": item_code or purpose, "sha256": upload.evidence.blob_sha256},
    )
    return Outcome(photo, True)


def _checked_photo(
    inspection: Inspection, purpose: str, item_code: str | None, taken_at, now: datetime
) -> datetime | None:
    """When the photo was taken (if the phone says), or InspectionError per bad field."""
    errors: dict[str, str] = {}
    if purpose not in PURPOSES:
        errors["purpose"] = "未知的照片用途"
    if item_code is not None and (
        purpose != "photo" or item_code not in {i.code for i in checklist.items(inspection.version.definition)}
    ):
        errors["item_code"] = f"勘查表中没有检查项 {str(item_code)[:64]}"
    taken = moment(taken_at, "taken_at", "拍摄时间", now, errors, required=False)
    if errors:
        raise InspectionError(errors)
    return taken


def _store(session, store, engagement, actor, now, inspection, key, purpose, item_code, *, filename, **upload):
    """The image as evidence of the engagement, captioned with the item's label (not its code); the evidence
    service's refusals in the sync's terms."""
    label = PURPOSE_LABELS[purpose]
    if purpose != "photo":  # the app names a signature after its purpose code; a reader wants the word
        filename = label + PurePath(filename or ".png").suffix
    item_labels = {i.code: i.label for i in checklist.items(inspection.version.definition)}
    description = f"{label}：{inspection.site.name}" + (
        f" / {item_labels.get(item_code, item_code)}" if item_code else ""
    )
    upload["filename"] = filename
    try:
        return evidence_service.store_upload(
            session,
            store,
            engagement,
            actor,
            now,
            client_uuid=key,
            site=inspection.site,
            tags=["现场勘查"],
            description=description,
            **upload,
        )
    except evidence_service.EvidenceConflict as error:
        raise InspectionConflict(str(error)) from None
    except (evidence_service.EvidenceError, RejectedContent) as error:
        raise InspectionError({"file": str(error)}) from None
    except BlobTooLarge as error:
        raise InspectionError({"file": f"照片超过大小上限（{error.limit // 2**20} MB）"}) from None


# ---- finish -------------------------------------------------------------------------------------------


@dataclass
class _Finish:
    finished_at: datetime | None
    representative: str | None
    refusal: str | None
    team_signature: InspectionPhoto | None
    unit_signature: InspectionPhoto | None

    def fields(self) -> dict:
        """What the finish request is hashed as (a resend must match it)."""
        return {
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "unit_representative": self.representative,
            "team_signature": self.team_signature.id if self.team_signature else None,
            "unit_signature": self.unit_signature.id if self.unit_signature else None,
            "refusal_reason": self.refusal,
        }


def finish_inspection(session: Session, engagement: Engagement, actor, now: datetime, data: dict) -> Outcome:
    """{inspection_uuid, client_uuid, finished_at, unit_representative, team_signature_uuid,
    unit_signature_uuid | refusal_reason}; checks required items and photo counts."""
    ensure_can_edit(engagement, actor)
    inspection = find_inspection(session, engagement, data.get("inspection_uuid"))
    client_uuid = parse_uuid(data.get("client_uuid"))
    errors: dict[str, str] = {}
    finish = _checked_finish(inspection, data, now, errors)
    sha = sha256_hex(finish.fields())
    if inspection.finish_uuid is not None:
        if inspection.finish_uuid == client_uuid and inspection.finish_sha256 == sha:
            return Outcome(inspection, False)
        raise InspectionConflict("勘查已结束并签名，不能再次结束")
    if errors:
        raise InspectionError(errors)
    INSPECTION_WORKFLOW.move(inspection, InspectionStatus.finished)
    inspection.finished_at = finish.finished_at
    inspection.unit_representative, inspection.refusal_reason = finish.representative, finish.refusal
    inspection.team_signature_id = finish.team_signature.evidence_id
    inspection.unit_signature_id = finish.unit_signature.evidence_id if finish.unit_signature else None
    inspection.finish_uuid, inspection.finish_sha256 = client_uuid, sha
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="inspection.finish",
        obj=inspection,
        engagement_id=engagement.id,
        now=now,
        details={
            "name": finish.representative,
            "reason": finish.refusal,
            "result": "refused" if finish.refusal else "signed",
        },
    )
    return Outcome(inspection, True)


def _checked_finish(inspection: Inspection, data: dict, now: datetime, errors: dict) -> _Finish:
    """The finish request's values; problems go into `errors` (a resend of a finish is answered before them)."""
    finished_at = moment(data.get("finished_at"), "finished_at", "结束时间", now, errors)
    if finished_at and finished_at < inspection.started_at:
        errors["finished_at"] = "结束时间早于开始时间"
    representative = text(
        data.get("unit_representative"), "unit_representative", "被勘查单位代表姓名", errors, NAME_MAX
    )
    if not representative and "unit_representative" not in errors:
        errors["unit_representative"] = "请填写被勘查单位代表姓名"
    refusal = text(data.get("refusal_reason"), "refusal_reason", "拒签原因", errors, NOTE_MAX)
    photos = {p.client_uuid: p for p in inspection.photos}
    team_sig = _signature(photos, data.get("team_signature_uuid"), "team_signature", errors, "勘查人员签名")
    unit_sig = None
    if data.get("unit_signature_uuid") and refusal:
        errors["refusal_reason"] = "已签名时不能同时填写拒签原因"
    elif not refusal:
        unit_sig = _signature(
            photos, data.get("unit_signature_uuid"), "unit_signature", errors, "被勘查单位代表签名（或填写拒签原因）"
        )
    errors.update(completeness_problems(inspection))
    return _Finish(finished_at, representative, refusal, team_sig, unit_sig)


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
            problems[item.code] = (
                f"“{item.label}”需要至少 {item.photos_required} 张照片，已有 {counts.get(item.code, 0)} 张"
            )
    return problems
