"""Evidence: accept uploads (once per content and per client UUID), tombstones, index, verification."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..accounts.models import User
from ..bounds import Limits
from ..engagements.models import Engagement, Site
from ..engagements.service import ensure_can_edit, load_owned
from .content import ALLOWED_TYPES, ContentFacts, inspect_content
from .models import Evidence, EvidenceBlob, EvidenceLink
from .store import BlobStore

MAX_FILENAME = 255
LINK_TARGETS = frozenset({"indicator", "inspection_item", "finding", "material"})


class EvidenceError(Exception):
    """Refused input; the message is for the uploader (Chinese)."""


class EvidenceConflict(EvidenceError):
    """The same client UUID was used for different bytes."""


@dataclass
class UploadResult:
    evidence: Evidence
    created: bool


_UNSAFE_IN_NAMES = str.maketrans({c: "_" for c in ':*?"<>|'})
_DROPPED = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")  # controls, bidi overrides and other invisible format marks


def clean_filename(raw: str | None) -> str:
    """The name as the UI shows it and a download offers it: the last part of a path, NFC, line breaks and tabs
    made spaces, other control and format characters (bidi overrides) removed, characters Windows refuses
    replaced, no leading dots. Only an empty or overlong result is refused."""
    # Browsers send a line break or quote in a file name as %0A %0D %22 (HTML multipart encoding): undo that.
    name = (raw or "").replace("%0A", "\n").replace("%0D", "\r").replace("%22", '"')
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if c in "\t\r\n" else c for c in name if c in "\t\r\n" or unicodedata.category(c) not in _DROPPED
    )
    name = " ".join(name.translate(_UNSAFE_IN_NAMES).split()).lstrip(".").strip()
    if not name:
        raise EvidenceError("文件名为空")
    if len(name) > MAX_FILENAME:
        raise EvidenceError(f"文件名过长（{len(name)} 个字符，最多 {MAX_FILENAME} 个）")
    return name


_SAME_TYPE_SUFFIXES = {".jpg": (".jpg", ".jpeg", ".jpe"), ".heic": (".heic", ".heif")}


def download_name(evidence: Evidence) -> str:
    """The cleaned name, with the suffix of what the bytes are when the name claims another type (a PNG named
    报告.pdf is offered as 报告.pdf.png, so the receiving computer opens it as what it is)."""
    suffix = ALLOWED_TYPES.get(evidence.mime)
    name = evidence.original_filename
    if suffix and not name.lower().endswith(_SAME_TYPE_SUFFIXES.get(suffix, (suffix,))):
        name += suffix
    return name


def store_upload(
    session: Session,
    store: BlobStore,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    stream: BinaryIO,
    filename: str | None,
    max_bytes: int,
    client_uuid: uuid.UUID | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    site: Site | None = None,
    allow_csv: bool = False,
    limits: Limits | None = None,
) -> UploadResult:
    ensure_can_edit(engagement, actor)
    name = clean_filename(filename)
    facts = {}

    def check(head: bytes, path) -> None:
        if not head:
            raise EvidenceError("文件为空（0 字节）")
        facts["content"] = inspect_content(head, path, allow_csv=allow_csv, limits=limits)

    blob = store.put(stream, max_bytes, check=check)
    return register_upload(
        session,
        engagement,
        actor,
        now,
        sha256=blob.sha256,
        size=blob.size,
        content=facts["content"],
        filename=name,
        client_uuid=client_uuid,
        description=description,
        tags=tags,
        site=site,
    )


def register_upload(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    sha256: str,
    size: int,
    content: ContentFacts,
    filename: str,
    client_uuid: uuid.UUID | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    site: Site | None = None,
) -> UploadResult:
    """The evidence rows for bytes already checked: a material import writes them before it publishes the bytes,
    so a refused import leaves nothing in the store."""
    audit.lock_engagement(session, engagement.id)
    if client_uuid is not None:
        existing = session.scalar(
            select(Evidence).where(Evidence.engagement_id == engagement.id, Evidence.client_uuid == client_uuid)
        )
        if existing is not None:
            if existing.blob_sha256 != sha256:
                raise EvidenceConflict("该上传编号已用于另一个文件")
            return UploadResult(existing, created=False)
    if session.get(EvidenceBlob, sha256) is None:
        session.add(EvidenceBlob(sha256=sha256, size=size, mime=content.mime, first_stored_at=now))
    number = (session.scalar(select(func.max(Evidence.number)).where(Evidence.engagement_id == engagement.id)) or 0) + 1
    evidence = Evidence(
        engagement_id=engagement.id,
        number=number,
        client_uuid=client_uuid,
        blob_sha256=sha256,
        original_filename=filename,
        mime=content.mime,
        size=size,
        description=description,
        tags=sorted(set(tags or [])),
        captured_at=content.captured_at,
        latitude=content.latitude,
        longitude=content.longitude,
        site=site,
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="evidence.upload",
        obj=evidence,
        engagement_id=engagement.id,
        now=now,
        details={"filename": filename, "sha256": sha256, "size": size},
    )
    return UploadResult(evidence, created=True)


def load_evidence(session: Session, engagement: Engagement, evidence_id: int) -> Evidence:
    return load_owned(session, Evidence, evidence_id, engagement)


def delete_evidence(
    session: Session, evidence: Evidence, engagement: Engagement, actor: User, reason: str, now: datetime
) -> None:
    """A tombstone: the row and the bytes stay; the evidence leaves the index with a reason."""
    ensure_can_edit(engagement, actor)
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("删除证据必须说明原因")
    if evidence.is_deleted:
        return
    evidence.deleted_at, evidence.deleted_by_id, evidence.deletion_reason = now, actor.id, reason[:500]
    audit.record(
        session,
        actor=actor,
        action="evidence.delete",
        obj=evidence,
        engagement_id=engagement.id,
        now=now,
        details={"reason": reason[:500], "sha256": evidence.blob_sha256},
    )


def link_evidence(session: Session, evidence: Evidence, target_type: str, target_id: int) -> EvidenceLink:
    if target_type not in LINK_TARGETS:
        raise EvidenceError("无效的关联对象")
    link = next((l for l in evidence.links if (l.target_type, l.target_id) == (target_type, target_id)), None)
    if link is None:
        link = EvidenceLink(evidence=evidence, target_type=target_type, target_id=target_id)
        session.add(link)
        session.flush()
    return link


def evidence_index(session: Session, engagement: Engagement, *, include_deleted: bool = False) -> list[Evidence]:
    query = (
        select(Evidence)
        .where(Evidence.engagement_id == engagement.id)
        .options(joinedload(Evidence.uploaded_by), joinedload(Evidence.site), selectinload(Evidence.links))
        .order_by(Evidence.number)
    )
    if not include_deleted:
        query = query.where(Evidence.deleted_at.is_(None))
    return list(session.scalars(query).unique())


@dataclass(frozen=True)
class BlobProblem:
    sha256: str
    problem: str  # "missing" or "altered"


def verify_store(session: Session, store: BlobStore) -> tuple[int, list[BlobProblem]]:
    """Re-hash every blob the database knows; report the missing and the altered."""
    problems, checked = [], 0
    for sha256 in session.scalars(select(EvidenceBlob.sha256).order_by(EvidenceBlob.sha256)):
        checked += 1
        actual = store.rehash(sha256)
        if actual is None:
            problems.append(BlobProblem(sha256, "missing"))
        elif actual != sha256:
            problems.append(BlobProblem(sha256, "altered"))
    return checked, problems
